"""`report`: the book of business at a glance — tiers, lifecycle stages, value (RFM)
segments, churn risk, open complaints by category and interactions per week.

RFM (recency, frequency, monetary), scored 1-5 on fixed bands so that a score means the
same thing in a small book as in a large one and does not move when others buy:

- R, days since the last purchase: <= 30 → 5, <= 90 → 4, <= 180 → 3, <= 365 → 2, else 1
- F, number of purchases: 10+ → 5, 5+ → 4, 3+ → 3, 2 → 2, 1 → 1
- M, lifetime spend in the default currency (settings ``currency``; purchases in other
  currencies are not converted and not counted): the tier spend thresholds (settings
  ``tier_spend``) — diamond+ → 5, gold+ → 4, silver+ → 3, a quarter of silver+ → 2, else 1

With FM = (F + M + 1) // 2, the segment is the first that fits: champions (R >= 4 and
FM >= 4), new (R >= 4 and one purchase), loyal (R >= 3, FM >= 3, two purchases or more),
promising (R >= 3), at risk (FM >= 3: used to buy well, gone quiet), hibernating (the rest). Customers with no
purchase are counted apart as "no purchases".
"""

from __future__ import annotations

from datetime import date, timedelta

from crmctl import clock
from crmctl.core import followups, lifecycle, rules, settings
from crmctl.core.followups import day_start_utc

SEGMENTS = ("champions", "loyal", "new", "promising", "at risk", "hibernating", "no purchases")
CATEGORIES = ("product", "service", "delivery", "billing", "other")
WEEKS = 12
RULE = ("R: days since last purchase <=30/90/180/365 -> 5/4/3/2, else 1; F: purchases "
        "10+/5+/3+/2/1 -> 5/4/3/2/1; M: lifetime spend >= diamond/gold/silver/silver÷4 "
        "thresholds -> 5/4/3/2, else 1; FM = (F+M+1)//2; first match: champions R>=4 & FM>=4, "
        "new R>=4 & one purchase, loyal R>=3 & FM>=3 & 2+ purchases, promising R>=3, "
        "at risk FM>=3, else hibernating")


def recency_score(days: int) -> int:
    return next((score for limit, score in rules.RECENCY_BANDS if days <= limit), 1)


def frequency_score(purchases: int) -> int:
    return next((score for least, score in rules.FREQUENCY_BANDS if purchases >= least), 1)


def monetary_score(spend_minor: int, tier_spend: dict) -> int:
    """Spend in minor units against thresholds in major units (exact integers, no floats)."""
    bands = ((tier_spend["diamond"], 5), (tier_spend["gold"], 4), (tier_spend["silver"], 3))
    for least, score in bands:
        if spend_minor >= least * 100:
            return score
    return 2 if spend_minor * 4 >= tier_spend["silver"] * 100 else 1


def segment(r: int, f: int, m: int) -> str:
    fm = (f + m + 1) // 2
    if r >= 4 and fm >= 4:
        return "champions"
    if r >= 4 and f == 1:
        return "new"
    if r >= 3 and fm >= 3 and f >= 2:
        return "loyal"
    if r >= 3:
        return "promising"
    return "at risk" if fm >= 3 else "hibernating"


def customer_segment(last_purchase: str | None, purchases: int, spend_minor: int,
                     tier_spend: dict, today: date) -> str:
    """The RFM segment of one customer (last purchase a local day YYYY-MM-DD; lifetime
    spend in the default currency); "no purchases" when there is none."""
    if not purchases or not last_purchase:
        return "no purchases"
    r = recency_score((today - date.fromisoformat(last_purchase[:10])).days)
    return segment(r, frequency_score(purchases), monetary_score(spend_minor, tier_spend))


def overview(conn, today: date | None = None, *, churn_risk: int | None = None) -> dict:
    """Every figure of the report, as plain data (the JSON of `report --format json`).
    ``churn_risk``: the number of customers at churn risk today, if already counted."""

    today = today or clock.today()
    live = "forgotten_at IS NULL"
    tiers = dict.fromkeys(lifecycle.TIERS, 0)
    tiers.update(conn.execute(f"SELECT tier, count(*) FROM customers WHERE {live} "
                              "GROUP BY tier").fetchall())
    stages = dict.fromkeys(lifecycle.STAGES, 0)
    stages.update(conn.execute(
        f"SELECT {lifecycle.stage_sql('c')}, count(*) FROM customers c WHERE c.{live} "
        "GROUP BY 1", lifecycle.stage_params(today)).fetchall())
    complaints = dict.fromkeys(CATEGORIES, 0)
    complaints.update(conn.execute(
        "SELECT coalesce(complaint_category, 'other'), count(*) FROM interactions "
        "INDEXED BY interactions_open_complaints WHERE complaint = 1 AND resolved_at IS NULL "
        "AND voided_at IS NULL "
        "GROUP BY 1").fetchall())
    risk = churn_risk if churn_risk is not None else sum(
        1 for row in followups.due(conn, today, today=today) if row["reason"] == "churn-risk")
    return {"date": today.isoformat(), "customers": sum(tiers.values()), "tiers": tiers,
            "stages": stages, "segments": segments(conn, today), "segment_rule": RULE,
            "churn_risk": risk, "open_complaints": complaints,
            "interactions_per_week": per_week(conn, today)}


def segments(conn, today: date) -> dict[str, int]:
    """How many live customers are in each segment: the R, F and M scores worked out in
    SQL (the same bands as customer_segment, generated from rules) and counted per
    (R, F, M), so Python names ~100 groups instead of each customer (0.3 s -> 0.1 s at
    100,000 customers)."""
    counts = dict.fromkeys(SEGMENTS, 0)
    thresholds = settings.get(conn, "tier_spend")
    days = "(julianday(:today) - julianday(substr(c.last_purchase_at, 1, 10)))"
    r = " ".join(f"WHEN {days} <= {limit} THEN {score}" for limit, score in rules.RECENCY_BANDS)
    f = " ".join(f"WHEN c.purchase_count >= {least} THEN {score}"
                 for least, score in rules.FREQUENCY_BANDS)
    m = " ".join(f"WHEN coalesce(s.total, 0) >= {int(thresholds[tier]) * 100} THEN {score}"
                 for tier, score in (("diamond", 5), ("gold", 4), ("silver", 3)))
    quarter = f"coalesce(s.total, 0) * 4 >= {int(thresholds['silver']) * 100}"
    rows = conn.execute(
        "WITH spend AS (SELECT customer_id, sum(amount_minor) AS total FROM purchase_ledger "
        "WHERE currency = :currency GROUP BY customer_id) "
        f"SELECT CASE {r} ELSE 1 END, CASE {f} ELSE 1 END, "
        f"CASE {m} WHEN {quarter} THEN 2 ELSE 1 END, count(*) "
        "FROM customers c LEFT JOIN spend s ON s.customer_id = c.id "
        "WHERE c.forgotten_at IS NULL AND c.purchase_count > 0 "
        "AND c.last_purchase_at IS NOT NULL GROUP BY 1, 2, 3",
        {"today": today.isoformat(), "currency": settings.get(conn, "currency")})
    for rs, fs, ms, n in rows:
        counts[segment(rs, fs, ms)] += n
    live = conn.execute("SELECT count(*) FROM customers WHERE forgotten_at IS NULL").fetchone()[0]
    counts["no purchases"] = live - sum(counts.values())
    return counts


def each_segment(conn, today: date):
    """(id, RFM segment) of every live customer (the report's counts, --segment filters)."""
    thresholds = settings.get(conn, "tier_spend")
    spend = dict(conn.execute("SELECT customer_id, sum(amount_minor) FROM purchase_ledger "
                              "WHERE currency = ? GROUP BY customer_id",
                              (settings.get(conn, "currency"),)))
    for cid, last, n in conn.execute(
            "SELECT id, substr(last_purchase_at, 1, 10), purchase_count FROM customers "
            "WHERE forgotten_at IS NULL"):
        yield cid, customer_segment(last, n, spend.get(cid, 0), thresholds, today)


def per_week(conn, today: date) -> list[dict]:
    """Interactions in each of the last 12 weeks (Monday to Sunday, local), oldest first;
    the last one is the week so far."""

    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    # Each local week is a range of stored (UTC) instants: a count from the live-interactions
    # index (m019) per week, no date conversion per row (was a GROUP BY of
    # date(at, 'localtime') over the whole table: 0.6 s at 1M interactions; now ~5 ms).
    ends = [*weeks[1:], today + timedelta(days=1)]
    count = ("SELECT count(*) FROM interactions INDEXED BY interactions_live_at "
             "WHERE at >= ? AND at < ? AND voided_at IS NULL")
    return [{"week": week.isoformat(),
             "interactions": conn.execute(count, (day_start_utc(week),
                                                  day_start_utc(end))).fetchone()[0]}
            for week, end in zip(weeks, ends)]
