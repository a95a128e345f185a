"""Lifecycle stage (derived, never typed in): its SQL and Python forms side by side
(the thresholds are in core/rules.py).

prospect (no purchase) → customer (1) → repeat (2+) → loyal (5+ purchases spanning a year
or more); churned when there has been no purchase and no contact for 365 days; closed when the
relationship was ended (`crmctl close`, core/closing.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from crmctl.core.rules import CHURN_DAYS, LOYAL_MIN_DAYS, LOYAL_MIN_PURCHASES, TIER_RANK, TIERS

__all__ = ["CHURN_DAYS", "LOYAL_MIN_DAYS", "LOYAL_MIN_PURCHASES", "STAGES", "TIER_RANK", "TIERS",
           "stage_of", "stage_params", "stage_sql"]

STAGES = ("prospect", "customer", "repeat", "loyal", "churned", "closed")


def stage_sql(alias: str = "c") -> str:
    """SQL for a customer's stage; takes named parameters :churn_before and :loyal_before.

    Uses the columns the interaction and purchase writers keep up to date, so it costs no
    join. Dates compare as text: stored instants and dates are both ISO 8601.
    """
    a = alias
    return f"""CASE
        WHEN {a}.closed_at IS NOT NULL THEN 'closed'
        WHEN max(coalesce({a}.last_purchase_at, ''), coalesce({a}.last_contact_at, ''),
                 {a}.created_at) < :churn_before THEN 'churned'
        WHEN {a}.purchase_count = 0 THEN 'prospect'
        WHEN {a}.purchase_count = 1 THEN 'customer'
        WHEN {a}.purchase_count >= {LOYAL_MIN_PURCHASES}
             AND {a}.first_purchase_at <= :loyal_before THEN 'loyal'
        ELSE 'repeat' END"""


def stage_params(today: date) -> dict[str, str]:
    return {
        "churn_before": (today - timedelta(days=CHURN_DAYS)).isoformat(),
        "loyal_before": (today - timedelta(days=LOYAL_MIN_DAYS)).isoformat(),
    }


def stage_of(purchase_count: int, first_purchase: date | None, last_activity: date,
             today: date) -> str:
    """The same rule in Python, for tests and single records."""
    if last_activity < today - timedelta(days=CHURN_DAYS):
        return "churned"
    if purchase_count == 0:
        return "prospect"
    if purchase_count == 1:
        return "customer"
    if (purchase_count >= LOYAL_MIN_PURCHASES and first_purchase is not None
            and first_purchase <= today - timedelta(days=LOYAL_MIN_DAYS)):
        return "loyal"
    return "repeat"
