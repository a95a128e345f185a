"""Every business number of crmctl in one place: tiers and their service levels, the tier
rules, churn risk, lifecycle stages, value (RFM) bands, campaign attribution.

The numbers a salesperson may want to change are the defaults of settings (``crmctl config
set KEY VALUE``, core/settings.py builds its defaults from this module); the rest are
definitions that give a report its meaning and stay fixed. Each cites where it comes from.
"""

from __future__ import annotations

# -- Tiers (客户分级), best first: the order of every tier listing and sort ------------------
TIERS = ("diamond", "gold", "silver", "regular")
TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}

# Service level of each tier (the contract: follow-up cadence 7 / 30 / 90 / 180 days,
# diamond answered within 24 h; the others at 48 / 72 / 120 h, a working day more each).
CADENCE_DAYS = {"diamond": 7, "gold": 30, "silver": 90, "regular": 180}
RESPONSE_HOURS = {"diamond": 24, "gold": 48, "silver": 72, "regular": 120}

# Tier rules (core/tiers.py): trailing-12-month spend in major currency units to reach a
# tier; a long relationship (years as a customer) lowers the bar to diamond; a tier steps
# down after this many days without a purchase (the contract: 365).
TIER_SPEND = {"diamond": 500000, "gold": 100000, "silver": 20000}
DIAMOND_LONG_RELATIONSHIP = {"spend": 200000, "years": 3}
DOWNGRADE_INACTIVE_DAYS = 365
# Falling satisfaction: the latest `ratings` scores within `days`, since the last tier
# change, never rise and the latest is `min_drop` or more below the oldest.
SATISFACTION_FALLING = {"ratings": 3, "min_drop": 2, "days": 365}

# -- Churn risk (流失预警), the contract: no contact for 2x the cadence, a latest rating of
# 2 or less, or a complaint left open more than 7 days.
CHURN_RISK = {"silent_cadences": 2, "low_satisfaction": 2, "complaint_open_days": 7}
# Purchase-based churn (issue 18.2): at risk once the last live purchase is older than the
# repurchase window = `multiple` x the median gap between the customer's purchase days,
# clamped to [min_days, max_days] (a quarter at least, the year of the downgrade rule at
# most); one purchase day only (no gap yet): `single_days`, a key account expected back
# within a quarter, a regular one within the year. Per tier, so each can be overridden.
REPURCHASE_WINDOW = {tier: {"multiple": 2, "min_days": 90, "max_days": 365, "single_days": days}
                     for tier, days in (("diamond", 90), ("gold", 180), ("silver", 270),
                                        ("regular", 365))}

# -- Lifecycle stage (derived, core/lifecycle.py), the contract: loyal = 5+ purchases over a
# year or more; churned = no purchase and no contact for 365 days.
LOYAL_MIN_PURCHASES = 5
LOYAL_MIN_DAYS = 365
CHURN_DAYS = 365

# -- Value segments (RFM, core/reports.py), fixed bands so a score means the same in a
# small book as in a large one: (days since last purchase at most, score) and (purchases
# at least, score); lower than every band scores 1. Monetary bands are the tier spend
# thresholds (diamond+ 5, gold+ 4, silver+ 3, a quarter of silver+ 2).
RECENCY_BANDS = ((30, 5), (90, 4), (180, 3), (365, 2))
FREQUENCY_BANDS = ((10, 5), (5, 4), (3, 3), (2, 2))

# -- Analysis (core/analysis): a satisfaction trend compares the average of the last 90
# local days with the 90 before (a quarter against the one before: enough ratings to
# mean something in a small book); `report value` lists the top 20 by spend unless --top
# says otherwise (a page of the people to know by name).
SATISFACTION_TREND_DAYS = 90
VALUE_TOP = 20

# -- Campaigns (营销活动): purchases up to this many days after a campaign's end still
# count as its revenue (a quote sent in the campaign's last week closes within a month).
CAMPAIGN_ATTRIBUTION_DAYS = 30

# -- Exports: `export --what followups` without --until holds the next 30 days (a month
# of calls to plan, the horizon of a calendar feed).
EXPORT_FOLLOWUP_DAYS = 30


# -- Care dates of Chinese practice (core/care.py; issue 18 item 7) -------------------------
# Festivals greeted by default: 清明 is a day of mourning, not a greeting day (off; a user
# may add it), 劳动节 a day off rather than an occasion. Names match a holiday's by prefix.
CARE_HOLIDAYS = ["元旦", "春节", "元宵节", "端午节", "中秋节", "国庆节"]
# A greeting is sent a few days before: time to write it, and it arrives before the trip home.
CARE_HOLIDAY_DAYS = 3
# Personal greetings for key accounts; one to everyone is a campaign (and 100,000 rows).
CARE_HOLIDAY_TIERS = ["diamond", "gold"]
# Festivals on the lunar calendar, the same day in every region of Chinese practice (the
# holidays library lists the days off instead: Hong Kong's 中秋节翌日, 农历年初一).
LUNAR_FESTIVALS = {"春节": (1, 1), "元宵节": (1, 15), "端午节": (5, 5), "七夕节": (7, 7),
                   "中秋节": (8, 15), "重阳节": (9, 9)}
LUNAR_FESTIVAL_COUNTRIES = ("CN", "HK", "MO", "TW", "SG", "MY")
# The library's names for the same occasion in other regions (the setting names CN's).
HOLIDAY_ALIASES = {"一月一日": "元旦", "中华民国开国纪念日": "元旦", "国庆日": "国庆节",
                   "中华人民共和国国庆日": "国庆节"}
# Library entries that are not an occasion: days off moved or made up, the days after
# (Hong Kong's 圣诞节后第一个周日, "Christmas Day (observed)" where names are English).
HOLIDAY_SKIP = ("调休", "补假", "休息日", "翌日", "后第一个", "农历年初", "农历正月初",
                "observed")
# E.164 country codes of the regions named in the rules (others: phonenumbers).
CARE_PHONE_COUNTRIES = {"+852": "HK", "+853": "MO", "+886": "TW", "+86": "CN"}

# -- Duplicate candidates (`audit data`, `add`'s warning; core/duplicates.py). Scores are 0-1:
# the same email or phone is one person in practice (email 1.0, a shared office line 0.95);
# same name and company after normalizing suffixes and regions 0.9; a name equal in pinyin
# (an IME picked the homophone: 王明/汪明) or a Latin name within a small edit distance,
# beside a shared company, phone tail or email domain, 0.8 and up. Below 0.8 is not shown
# (the labelled pairs in tests/data/duplicate_pairs.csv: precision 1.0 at 0.8, bench/).
DUPLICATE_SCORES = {"email": 1.0, "phone": 0.95, "name+company": 0.9, "pinyin": 0.85,
                    "similar-name": 0.8}
DUPLICATE_MIN_SCORE = 0.8
# A Latin name within about one edit in ten letters (rapidfuzz ratio, 0-100, word order
# ignored): Jon/John Smith 95, Katherine/Catherine Lee 92; Tom/Tim Becker (90) stays apart.
DUPLICATE_NAME_SIMILARITY = 91
# The last digits of a phone that count as "the same number, retyped" evidence.
DUPLICATE_PHONE_TAIL = 4
# Past this many customers sharing a company, tail or domain, compare neighbours in name
# order only (a window of this size): keeps 100,000 customers under 30 s.
DUPLICATE_BLOCK_MAX = 400
# Every this many days `followups` shows a data-review row until `audit data` runs
# (客户数据定期核对: quarterly); a setting.
DATA_REVIEW_DAYS = 90

# Retention (保存期限): closed customers, and customers without contact or purchase, are
# forgotten by `retention --apply` after this many days; 0 = off (a setting, off by default).
RETENTION_DAYS = 0


def tier_rank_sql(column: str, *, unknown: int | None = None) -> str:
    """SQL for the rank of a tier column (diamond 0 … regular 3), generated from TIERS.
    ``unknown``: the rank of anything else (None: the last tier's rank, via ELSE)."""
    if unknown is None:
        *named, last = TIERS
        whens = " ".join(f"WHEN '{t}' THEN {TIER_RANK[t]}" for t in named)
        return f"CASE {column} {whens} ELSE {TIER_RANK[last]} END"
    whens = " ".join(f"WHEN '{t}' THEN {r}" for t, r in TIER_RANK.items())
    return f"CASE {column} {whens} ELSE {unknown} END"


def tier_name_sql(rank: str) -> str:
    """SQL for the tier of a rank expression, the inverse of tier_rank_sql."""
    return f"CASE {rank} " + " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(TIERS)) + " END"

# Digits that make a phone number (7: the shortest local number): an id this long is likely a
# phone typed for a customer ("no customer …" then says how to name a customer by phone), and
# digit groups of a search with this many digits together are one number typed with spaces.
PHONE_LIKE_ID_DIGITS = 7
