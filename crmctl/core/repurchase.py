"""Purchase-based churn risk (流失预警, issue 18.2): the follow-up report's SQL for it.

A customer who has bought and whose last live purchase is older than their repurchase
window is at churn risk, the reason named ("no purchase for 212 days (window 180; median
interval 90 days)"). The window (setting ``repurchase_window``, per tier; defaults in
core/rules.py: REPURCHASE_WINDOW) is ``multiple`` x the median gap in days between the
customer's purchase days, rounded up to a whole day and clamped to [min_days, max_days];
with a single purchase day there is no gap, and the tier's ``single_days`` is the window.
"Older than" is strict: at risk from the day after the window ends.

Voided purchases count for nothing (void recomputes ``customers.last_purchase_at``, and the
gaps read only live rows); a refund undoes no purchase (the purchase happened: the day the
customer last bought stays). Several purchases on one day are one purchase day.

The parts join core/followups_report.py's one statement: ``CTES`` (its customer filter
``{where}`` filled in) before its ``risks``, ``RISK`` as one source of ``risks`` (kind 3),
and ``params`` beside its parameters. Indexes (m018): customers_last_purchase finds the
buyers, purchases_live gives their live purchase days in order, both covering.
"""

from __future__ import annotations

from datetime import date, timedelta

from crmctl.core import rules, settings

_NUMBERS = ("multiple", "min_days", "max_days", "single_days")


def _per_tier(number: str) -> str:
    """SQL for one of the window's numbers of a buyer's tier (b.tier), as parameters."""
    whens = " ".join(f"WHEN '{t}' THEN :rw_{number}_{t}" for t in rules.TIERS)
    return f"CASE b.tier {whens} ELSE :rw_{number}_{rules.TIERS[-1]} END"


def params(conn, today: date) -> dict:
    """The windows' numbers per tier, and :bought_before: only a last purchase before that
    day can be older than the shortest window (one range of the index)."""
    windows = settings.get(conn, "repurchase_window")
    shortest = min(min(w["min_days"], w["single_days"]) for w in windows.values())
    return {"bought_before": (today - timedelta(days=shortest)).isoformat(),
            **{f"rw_{n}_{t}": int(windows[t][n]) for t in rules.TIERS for n in _NUMBERS}}


_CTES = """
-- buyers whose last live purchase is older than the shortest window, then each one's
-- purchase days in order, the gaps between them and their median (the middle one, or the
-- mean of the middle two)
buyers AS MATERIALIZED (
    SELECT c.id, c.name, c.tier, julianday(c.last_purchase_at) AS jp
    FROM customers c INDEXED BY customers_last_purchase
    WHERE c.last_purchase_at < :bought_before AND {where}
),
gaps AS (
    SELECT b.id, julianday(p.date)
           - julianday(lag(p.date) OVER (PARTITION BY b.id ORDER BY p.date)) AS gap
    FROM buyers b CROSS JOIN purchases p INDEXED BY purchases_live ON p.customer_id = b.id
    WHERE p.voided_at IS NULL
    GROUP BY b.id, p.date
),
medians AS (
    SELECT id, avg(gap) AS median FROM (
        SELECT id, gap, row_number() OVER (PARTITION BY id ORDER BY gap) AS k,
               count(*) OVER (PARTITION BY id) AS n
        FROM gaps WHERE gap IS NOT NULL)
    WHERE k IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY id
),
-- w: the window; no gap (one purchase day): the tier's single_days
windows AS (
    SELECT b.id, b.name, b.tier, b.jp, m.median, iif(m.median IS NULL, {single_days},
           min({max_days}, max({min_days}, CAST({multiple} * m.median AS INTEGER)
               + ({multiple} * m.median > CAST({multiple} * m.median AS INTEGER))))) AS w
    FROM buyers b LEFT JOIN medians m ON m.id = b.id
),"""

# the customer filter stays a placeholder for followups_report to fill
CTES = _CTES.replace("{where}", "{{where}}").format(**{n: _per_tier(n) for n in _NUMBERS})

# risks' source of kind 3: start = the first day at risk; n = days since the last
# purchase; m = the window; the last column = the median gap (NULL: a single purchase day)
RISK = """SELECT id, name, tier, jp + w + 1, 3, CAST(:jtoday - jp AS INTEGER), w, median
    FROM windows WHERE :jtoday - jp > w"""
