"""`report sales`: revenue, orders, customers and average order, grouped by month,
quarter, tier, region, industry or campaign, in one currency.

Purchases come from amounts.purchase_amounts (one place for voids and refunds). A purchase
of a forgotten customer still counts: the sale happened (its customer's region and
industry are gone, so it falls under "(none)"). Months and quarters are those of the
purchase's local date; tier, region and industry are the customer's today. Rows of months
and quarters run oldest first, tiers best first, the rest by revenue (then name).
"""

from __future__ import annotations

from datetime import date

from crmctl.core import rules
from crmctl.core.analysis.amounts import purchase_amounts
from crmctl.core.analysis.common import (NONE_LABEL, average_minor, check_range, choice,
                                         currency_of, customer_values, money)

BY = ("month", "quarter", "tier", "region", "industry", "campaign")
KEYS = {
    "month": "substr(p.date, 1, 7)",
    "quarter": "substr(p.date, 1, 4) || '-Q' || ((CAST(substr(p.date, 6, 2) AS INTEGER) + 2) / 3)",
    "campaign": "CASE WHEN p.campaign_id IS NULL THEN NULL "
                "ELSE '#' || p.campaign_id || ' ' || coalesce(k.name, '') END",
}
# grouped by a value of the customer's: mapped by id in pandas (common.customer_values)
CUSTOMER_KEYS = {"tier": "tier", "region": "nullif(trim(region), '')",
                 "industry": "nullif(trim(industry), '')"}
COLUMNS = ("revenue", "orders", "customers", "average_order", "currency")


def sales(conn, by: str = "month", *, since: date | None = None, until: date | None = None,
          currency: str | None = None) -> dict:
    """{"by", "currency", "since", "until", "rows": [...], "total": {...}}: each row has
    the group under the name of ``by``, then COLUMNS (money as exact decimal text)."""
    import pandas as pd

    by = choice(by, BY, "--by")
    check_range(since, until)
    currency = currency_of(conn, currency)
    where, params = ["p.currency = ?"], [currency]
    if since:
        where.append("p.date >= ?")
        params.append(since.isoformat())
    if until:
        where.append("p.date <= ?")
        params.append(until.isoformat())
    join = "LEFT JOIN campaigns k ON k.id = p.campaign_id" if by == "campaign" else ""
    rows = conn.execute(
        f"SELECT {KEYS.get(by, 'NULL')}, p.customer_id, p.amount_minor "
        f"FROM {purchase_amounts()} p {join} WHERE {' AND '.join(where)}", params).fetchall()
    frame = pd.DataFrame(rows, columns=["key", "customer", "amount"])
    if by in CUSTOMER_KEYS:
        frame["key"] = frame["customer"].map(customer_values(conn, CUSTOMER_KEYS[by]))
    frame["key"] = frame["key"].fillna(NONE_LABEL)
    grouped = frame.groupby("key", sort=False).agg(
        revenue=("amount", "sum"), orders=("amount", "size"), customers=("customer", "nunique"))
    out = [_row(by, key, int(g.revenue), int(g.orders), int(g.customers), currency)
           for key, g in grouped.iterrows()]
    out.sort(key=_order(by))
    total = _row(by, "total", int(frame["amount"].sum()), len(frame),
                 int(frame["customer"].nunique()), currency)
    return {"by": by, "currency": currency, "since": since and since.isoformat(),
            "until": until and until.isoformat(), "rows": out, "total": total}


def _row(by: str, key: str, revenue: int, orders: int, customers: int, currency: str) -> dict:
    return {by: key, "revenue": money(revenue, currency), "orders": orders,
            "customers": customers, "average_order": money(average_minor(revenue, orders),
                                                            currency),
            "currency": currency, "revenue_minor": revenue}


def _order(by: str):
    if by in ("month", "quarter"):
        return lambda row: row[by]
    if by == "tier":
        return lambda row: rules.TIER_RANK.get(row[by], len(rules.TIERS))
    return lambda row: (row[by] == NONE_LABEL, -row["revenue_minor"], row[by])
