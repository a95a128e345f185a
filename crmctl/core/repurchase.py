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
customer last bought stays). Several purchases on one day are one purchase day. The median
is kept per customer in purchase_gaps by triggers (store/migrations/m018_repurchase.py).

The parts join core/followups_report.py's one statement: ``CTES`` (its customer filter
``{where}`` filled in) before its ``risks``, ``RISK`` as one source of ``risks`` (kind 3),
and ``params`` beside its parameters. m018's customers_last_purchase finds the buyers
(one range, covering), purchase_gaps gives each one's median by id.
"""

from __future__ import annotations

import math
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
-- buyers whose last live purchase is older than the shortest window, with the median gap
-- between their purchase days (purchase_gaps, kept by m018's triggers; none: fewer than
-- two purchase days)
buyers AS MATERIALIZED (
    SELECT c.id, c.name, c.tier, julianday(c.last_purchase_at) AS jp, g.median
    FROM customers c INDEXED BY customers_last_purchase
    LEFT JOIN purchase_gaps g ON g.customer_id = c.id
    WHERE c.last_purchase_at < :bought_before AND {where}
),
-- w: the window; no gap (one purchase day): the tier's single_days
windows AS (
    SELECT b.id, b.name, b.tier, b.jp, b.median, iif(b.median IS NULL, {single_days},
           min({max_days}, max({min_days}, CAST({multiple} * b.median AS INTEGER)
               + ({multiple} * b.median > CAST({multiple} * b.median AS INTEGER))))) AS w
    FROM buyers b
),"""

# the customer filter stays a placeholder for followups_report to fill
CTES = _CTES.replace("{where}", "{{where}}").format(**{n: _per_tier(n) for n in _NUMBERS})

# risks' source of kind 3: start = the first day at risk; n = days since the last
# purchase; m = the window; the last column = the median gap (NULL: a single purchase day)
RISK = """SELECT id, name, tier, jp + w + 1, 3, CAST(:jtoday - jp AS INTEGER), w, median
    FROM windows WHERE :jtoday - jp > w"""


def window_of(conn, cid: int) -> dict:
    """One customer's repurchase window for the card (`show`), by the report's rule:
    ``repurchase_window_days`` (None: never bought) and ``median_purchase_interval_days``
    (None: fewer than two purchase days, the tier's single_days is the window)."""
    row = conn.execute("SELECT c.tier, c.last_purchase_at, g.median FROM customers c "
                       "LEFT JOIN purchase_gaps g ON g.customer_id = c.id WHERE c.id = ?",
                       (cid,)).fetchone()
    if row is None or row[1] is None:
        return {"repurchase_window_days": None, "median_purchase_interval_days": None}
    tier, _, median = row
    windows = settings.get(conn, "repurchase_window")
    w = windows.get(tier, windows[rules.TIERS[-1]])
    days = (int(w["single_days"]) if median is None else
            min(int(w["max_days"]), max(int(w["min_days"]), math.ceil(w["multiple"] * median))))
    return {"repurchase_window_days": days,
            "median_purchase_interval_days": None if median is None else
            (int(median) if float(median).is_integer() else median)}
