"""Tiers (客户分级): the service levels and the rules that move customers between tiers.

Every number lives in settings (crmctl.core.settings.DEFAULTS, changeable with
`crmctl config set`, stored in the database so cron and the terminal agree):

    tier      12-month spend (CNY)                     follow-up cadence   response target
    diamond   ≥ 500,000, or ≥ 200,000 with 3+ years    every 7 days        24 h
    gold      ≥ 100,000                                every 30 days       48 h
    silver    ≥ 20,000                                 every 90 days       72 h
    regular   below                                    every 180 days      120 h

Definitions used by `tier review` (today = the local calendar day):

- **spend**: the sum of purchases in the default currency (setting ``currency``; other
  currencies are not converted and do not count) dated after the same day 12 months ago up
  to today: on 2026-11-23 the window is 2025-11-24 … 2026-11-23. A threshold is met when the
  spend is equal to or above it. After the tier was last lowered (by hand or by a rule),
  only purchases dated after that day count, so the spend rule never undoes a downgrade
  with the very purchases it was made over; new purchases earn the tier back.
- **relationship length**: from the earlier of the customer's first purchase and the day the
  record was created; "3+ years" holds when that day is on or before today 3 years ago.
- The rules, in order; the first that fires is the proposal (one per customer):
  1. ``spend`` — the tier the spend reaches is above the current tier: up to that tier.
     Spend only ever raises a tier; a customer who still buys is not lowered by it.
  2. ``inactive`` — no purchase for more than ``downgrade_inactive_days`` (365) days (a
     purchase 365 days ago still counts as recent, 366 days ago does not), and the tier has
     not changed in that time either: down one tier. (The clock restarts at every tier
     change, so an inactive diamond steps down once a year, not once a review.)
  3. ``satisfaction`` — falling satisfaction: the customer's latest 3 satisfaction ratings
     (setting ``satisfaction_falling.ratings``) logged within 365 days (``days``) and after
     the last tier change never rise from one to the next, and the latest is at least 2
     points (``min_drop``) below the oldest of them — 5, 4, 3 fires; 4, 4, 2 fires; 5, 5, 4
     and 5, 2, 4 do not: down one tier.
  ``regular`` is never lowered. `tier review --apply` applies every proposal in one
  transaction, records each in the tier history (source ``rule``, with its reason) and adds
  a "notify" follow-up due today, as does `tier set` by hand (source ``manual``).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta

from crmctl import clock
from crmctl.core import audit, followups, settings
from crmctl.core.interactions import day_start_utc
from crmctl.core.money import CURRENCY_EXPONENTS, major_to_minor
from crmctl.core.purchases import spend_window
from crmctl.core.references import no_customer, resolve
from crmctl.core.rules import TIERS, tier_name_sql, tier_rank_sql
from crmctl.core.validate import check_tier, clean_text
from crmctl.errors import InvalidValue
from crmctl.i18n import _, english, pgettext
from crmctl.store import atomic, page_cache

SPEND_MONTHS = 12
RULES = ("spend", "inactive", "satisfaction")


@dataclass
class Proposal:
    customer_id: int
    name: str
    tier: str
    proposed: str
    rule: str
    reason: str

    def to_dict(self) -> dict:
        return dict(vars(self))  # (dataclasses.asdict deep-copies: 17 us a proposal)


def notify_purpose(old: str, new: str, reason: str) -> str:
    """The notice to tell the customer, with the reason the rules require to explain."""
    return f"tell customer: tier {old} → {new} ({reason})"


def rules(conn, *, people: bool = True) -> dict:
    """The thresholds and service levels in force, and the rules in words (in the interface
    language for ``people``, else, for JSON and CSV, in English)."""
    s = settings.all_settings(conn)
    cur, spend, long_rel = s["currency"], s["tier_spend"], s["diamond_long_relationship"]
    sat, days = s["satisfaction_falling"], s["downgrade_inactive_days"]
    tiers = [{"tier": t, "min_spend_12m": spend.get(t, 0), "cadence_days": s["cadence_days"][t],
              "response_hours": s["response_hours"][t],
              "repurchase_window": s["repurchase_window"][t]} for t in TIERS]
    with nullcontext() if people else english():
        words = [
            {"rule": "spend", "does": _(
                "up to the highest tier whose threshold the trailing {months}-month spend in "
                "{currency} reaches (equal counts); diamond also at {long:,} with a "
                "relationship of {years}+ years; never lowers a tier; after a downgrade only "
                "later purchases count").format(months=SPEND_MONTHS, currency=cur,
                                                long=long_rel["spend"],
                                                years=long_rel["years"])},
            {"rule": "inactive", "does": _("down one tier after more than {days} days without "
                                           "a purchase and without a tier change").format(
                days=days)},
            {"rule": "satisfaction", "does": _(
                "down one tier when the latest {n} ratings within {days} days, since the last "
                "tier change, never rise and the latest is {drop}+ points below the oldest"
            ).format(n=sat["ratings"], days=sat["days"], drop=sat["min_drop"])},
        ]
        churn = [{"rule": "repurchase", "does": _(
            "churn risk (a follow-up) once the last purchase is older than the tier's "
            "repurchase window: a multiple of the median interval between purchase days, "
            "within the tier's bounds; after a single purchase day, the tier's own window "
            "(setting repurchase_window)")}]
    return {"currency": cur, "spend_window_months": SPEND_MONTHS, "tiers": tiers,
            "churn_rules": churn,
            "long_relationship": {"tier": "diamond", "min_spend_12m": long_rel["spend"],
                                  "years": long_rel["years"]},
            "downgrade_inactive_days": days, "satisfaction_falling": sat, "rules": words}


def _change(conn, cid: int, old: str, new: str, reason: str, source: str, today: date) -> int:
    """Move one customer to a new tier: history, notify follow-up, audit. Returns the
    follow-up id. Call inside atomic()."""
    now = clock.now_text()
    conn.execute("UPDATE customers SET tier = ?, updated_at = ? WHERE id = ?", (new, now, cid))
    conn.execute("INSERT INTO tier_history (customer_id, at, old_tier, new_tier, reason, source)"
                 " VALUES (?, ?, ?, ?, ?, ?)", (cid, now, old, new, reason, source))
    audit.record(conn, "tier", "customer", cid, ["tier"])
    return followups.schedule(conn, cid, today, notify_purpose(old, new, reason), kind="notify")


def set_tier(conn, customer_id, tier: str, reason: str | None) -> dict:
    """Set a tier by hand, with a reason; returns old and new tier and the follow-up id."""
    cid = resolve(conn, customer_id)
    new = check_tier(tier)
    reason = clean_text(reason)
    if not reason:
        raise InvalidValue(_("--reason cannot be empty: say why the tier changes"))
    with atomic(conn):
        row = conn.execute("SELECT tier FROM customers WHERE id = ? AND forgotten_at IS NULL",
                           (cid,)).fetchone()
        if row is None:
            raise no_customer(cid)
        if row[0] == new:
            raise InvalidValue(_("customer {id} is already {tier}").format(
                id=cid, tier=pgettext("tier", new)))
        fid = _change(conn, cid, row[0], new, reason, "manual", clock.today())
    return {"customer_id": cid, "old_tier": row[0], "new_tier": new, "followup_id": fid}


def history(conn, customer_id) -> list[dict]:
    """A customer's tier changes, newest first."""
    cid = resolve(conn, customer_id)
    if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                        (cid,)).fetchone():
        raise no_customer(cid)
    keys = ("at", "old_tier", "new_tier", "reason", "source")
    return [dict(zip(keys, row)) for row in conn.execute(
        "SELECT at, old_tier, new_tier, reason, source FROM tier_history "
        "WHERE customer_id = ? ORDER BY at DESC, id DESC", (cid,))]


_REVIEW_SQL = """
WITH changed AS (
    SELECT customer_id, max(at) AS at,
           max(CASE WHEN old_tier IS NOT NULL AND {rank_new} > {rank_old} THEN at END)
               AS lowered_at
    FROM tier_history GROUP BY customer_id),
spend AS (
    SELECT p.customer_id, sum(p.amount_minor) AS minor
    FROM purchase_ledger p LEFT JOIN changed ch ON ch.customer_id = p.customer_id
    WHERE p.currency = :currency AND p.date > :spend_after AND p.date <= :today
      AND (ch.lowered_at IS NULL OR p.date > date(ch.lowered_at, 'localtime'))
    GROUP BY p.customer_id),
rated AS (
    SELECT r.customer_id, coalesce(ch.at, '') AS after
    FROM latest_ratings r LEFT JOIN changed ch ON ch.customer_id = r.customer_id
    WHERE r.satisfaction <= 5 - :sat_drop AND r.at >= :sat_since
      AND r.at > coalesce(ch.at, '')),
ranked AS (
    SELECT i.customer_id, i.satisfaction AS s,
           row_number() OVER (PARTITION BY i.customer_id ORDER BY i.at DESC, i.id DESC) AS rn
    FROM rated r JOIN interactions i ON i.customer_id = r.customer_id
    WHERE i.satisfaction IS NOT NULL AND i.at >= :sat_since AND i.at > r.after
      AND i.voided_at IS NULL),
windowed AS (
    SELECT customer_id, s, rn, lead(s) OVER (PARTITION BY customer_id ORDER BY rn) AS older
    FROM ranked WHERE rn <= :sat_n),
falling AS (
    SELECT customer_id, max(CASE WHEN rn = :sat_n THEN s END) AS oldest,
           max(CASE WHEN rn = 1 THEN s END) AS latest
    FROM windowed GROUP BY customer_id
    HAVING count(*) = :sat_n AND sum(older IS NOT NULL AND s > older) = 0
       AND oldest - latest >= :sat_drop),
facts AS (
    SELECT c.id, c.name, c.tier,
           {rank_c} AS rank,
           coalesce(s.minor, 0) AS spend,
           (c.first_purchase_at <= :long_date OR c.created_at < :long_instant) AS long_rel,
           c.last_purchase_at,
           coalesce(ch.at, c.created_at) AS tier_since,
           f.oldest, f.latest
    FROM customers c LEFT JOIN spend s ON s.customer_id = c.id
         LEFT JOIN changed ch ON ch.customer_id = c.id
         LEFT JOIN falling f ON f.customer_id = c.id
    WHERE c.forgotten_at IS NULL),
judged AS (
    SELECT *,
           CASE WHEN spend >= :t_diamond OR (spend >= :t_long AND long_rel) THEN 0
                WHEN spend >= :t_gold THEN 1 WHEN spend >= :t_silver THEN 2
                ELSE 3 END AS spend_rank,
           (coalesce(last_purchase_at, '') < :inactive_date
            AND tier_since < :inactive_instant) AS inactive
    FROM facts)
SELECT id AS customer_id, name, tier,
       CASE WHEN spend_rank < rank THEN {name_spend_rank} ELSE {name_next_rank} END AS proposed,
       CASE WHEN spend_rank < rank THEN 'spend' WHEN inactive THEN 'inactive'
            ELSE 'satisfaction' END AS rule,
       CASE WHEN spend_rank < rank THEN
                CASE WHEN spend_rank = 0 AND spend < :t_diamond
                     THEN printf(:why_long, {money})
                     ELSE printf(:why_spend, {money}, {name_spend_rank},
                                 CASE spend_rank WHEN 0 THEN :w_diamond WHEN 1 THEN :w_gold
                                      ELSE :w_silver END) END
            WHEN inactive THEN
                printf(:why_inactive, CASE WHEN coalesce(last_purchase_at, '') = ''
                                           THEN 'no purchase yet'
                                           ELSE 'last purchase ' || last_purchase_at END)
            ELSE printf(:why_falling, oldest, latest) END AS reason
FROM judged
WHERE spend_rank < rank OR (rank < 3 AND (inactive OR oldest IS NOT NULL))
ORDER BY id
"""


# format_money in SQL: "36,526.80 CNY" (:unit = 10 ** the currency's decimal places)
_MONEY = ("CASE WHEN :unit = 1 THEN printf('%,d %s', spend, :currency) "
          "ELSE printf(:money, iif(spend < 0, '-', ''), abs(spend) / :unit, abs(spend) % :unit, "
          ":currency) END")
_REVIEW_SQL = _REVIEW_SQL.format(
    name_spend_rank=tier_name_sql("spend_rank"), name_next_rank=tier_name_sql("rank + 1"),
    money=_MONEY, rank_c=tier_rank_sql("c.tier"),
    **{f"rank_{col}": tier_rank_sql(f"{col}_tier") for col in ("new", "old")})


def _params(conn, today: date) -> dict:
    from dateutil.relativedelta import relativedelta

    s = settings.all_settings(conn)
    cur, spend, long_rel = s["currency"], s["tier_spend"], s["diamond_long_relationship"]
    sat, days = s["satisfaction_falling"], s["downgrade_inactive_days"]
    after, until = spend_window(today, SPEND_MONTHS)
    long_date = today - relativedelta(years=long_rel["years"])
    return {
        "currency": cur, "spend_after": after, "today": until,
        "t_diamond": major_to_minor(spend["diamond"], cur),
        "t_long": major_to_minor(long_rel["spend"], cur),
        "t_gold": major_to_minor(spend["gold"], cur),
        "t_silver": major_to_minor(spend["silver"], cur),
        "long_date": long_date.isoformat(),
        "long_instant": day_start_utc(long_date + timedelta(days=1)),
        "inactive_date": (today - timedelta(days=days)).isoformat(),
        "inactive_instant": day_start_utc(today - timedelta(days=days)),
        "sat_since": day_start_utc(today - timedelta(days=sat["days"])),
        "sat_n": sat["ratings"], "sat_drop": sat["min_drop"],
        **_wording(cur, spend, long_rel, days, sat["ratings"]),
    }


def _wording(cur: str, spend: dict, long_rel: dict, days: int, ratings: int) -> dict:
    """The reasons' words, as printf formats for the query (settings' numbers already in)."""
    places = CURRENCY_EXPONENTS.get(cur, 2)

    def lit(value, spec: str = "") -> str:  # a number from settings, inside a printf format
        return format(value, spec).replace("%", "%%")

    return {
        "unit": 10 ** places, "money": f"%s%,d.%0{places}d %s",
        "w_diamond": f"{spend['diamond']:,}", "w_gold": f"{spend['gold']:,}",
        "w_silver": f"{spend['silver']:,}",  # (printf arguments: no escaping)
        "why_long": f"trailing-{SPEND_MONTHS}-month spend %s ≥ {lit(long_rel['spend'], ',')} "
                    f"with a relationship of {lit(long_rel['years'])}+ years",
        "why_spend": f"trailing-{SPEND_MONTHS}-month spend %s ≥ %s threshold %s",
        "why_inactive": f"no purchase for more than {lit(days)} days (%s)",
        "why_falling": f"falling satisfaction: latest {lit(ratings)} ratings never rose, "
                       "%s → %s",
    }


def review(conn, today: date | None = None) -> list[Proposal]:
    """What the rules propose today (changes nothing). Set-based: one query over all
    customers, which words the reasons too; no Python per customer."""
    return [Proposal(*row) for row in review_rows(conn, today)]


def review_rows(conn, today: date | None = None, projection: str | None = None) -> list[tuple]:
    """review() as rows (customer_id, name, tier, proposed, rule, reason), or as
    ``projection`` over those columns (e.g. render.json_object_sql: JSON text per row)."""
    query = _params(conn, today or clock.today())
    sql = _REVIEW_SQL if projection is None else \
        f"SELECT {projection} FROM ({_REVIEW_SQL}) ORDER BY customer_id"
    return conn.execute(sql, query).fetchall()


def apply(conn, today: date | None = None) -> list[Proposal]:
    """Apply every proposal in one transaction: tier, history (source rule), a notify
    follow-up each. Returns what was applied."""
    today = today or clock.today()
    # a 64 MiB page cache: 36,000 changes go to customers and its three tier indexes
    with page_cache(conn, 64 * 1024), atomic(conn):
        proposals = review(conn, today)
        _change_many(conn, proposals, today)
    return proposals


def _change_many(conn, proposals: list[Proposal], today: date) -> None:
    """_change() for many proposals, set-based: the same rows in every table, the audit
    entries in the same order with the same chain, as _change() one after another (with one
    ``now`` for all). The customers are those review() just found in this transaction, so
    followups.schedule()'s checks (kind known, customer present and not forgotten) hold."""
    if not proposals:
        return
    now = clock.now_text()
    conn.executemany("UPDATE customers SET tier = ?, updated_at = ? WHERE id = ?",
                     [(p.proposed, now, p.customer_id) for p in proposals])
    conn.executemany(
        "INSERT INTO tier_history (customer_id, at, old_tier, new_tier, reason, source)"
        " VALUES (?, ?, ?, ?, ?, 'rule')",
        [(p.customer_id, now, p.tier, p.proposed, f"{p.rule}: {p.reason}") for p in proposals])
    before = conn.execute("SELECT coalesce(max(id), 0) FROM followups").fetchone()[0]
    conn.executemany(
        "INSERT INTO followups (customer_id, due, kind, purpose, created_at)"
        " VALUES (?, ?, 'notify', ?, ?)",
        [(p.customer_id, today.isoformat(),
          clean_text(notify_purpose(p.tier, p.proposed, f"{p.rule}: {p.reason}")), now)
         for p in proposals])
    fids = [row[0] for row in conn.execute(
        "SELECT id FROM followups WHERE id > ? ORDER BY id", (before,))]
    if len(fids) != len(proposals):  # (cannot happen: ids only grow within a transaction)
        raise RuntimeError("follow-up ids out of step with the tier changes")
    audit.record_many(conn, (entry for p, fid in zip(proposals, fids) for entry in (
        ("tier", "customer", p.customer_id, ["tier"]),
        ("notify", "followup", fid, followups.AUDITED_FIELDS))))
