"""`report sales`: revenue, orders, customers and average order, grouped by month,
quarter, tier, region, industry or campaign, in one currency.

Money comes from amounts.purchase_amounts (the purchase_ledger: voided purchases out, a
refund subtracted in the month of its own date; orders and customers count purchases). A purchase
of a forgotten customer still counts: the sale happened (its customer's region and
industry are gone, so it falls under "(none)"). Months and quarters are those of the
purchase's local date; tier, region and industry are the customer's today. Rows of months
and quarters run oldest first, tiers best first, the rest by revenue (then name).
"""

from __future__ import annotations

from datetime import date

from crmctl.core import campaigns, rules
from crmctl.core.analysis.amounts import purchase_amounts
from crmctl.core.analysis.common import (NONE_LABEL, average_minor, check_range, choice,
                                         currency_of, customer_values, money)

BY = ("month", "quarter", "tier", "region", "industry", "campaign")
# grouped by a value of the customer's: mapped by id in pandas (common.customer_values)
CUSTOMER_KEYS = {"tier": "tier", "region": "nullif(trim(region), '')",
                 "industry": "nullif(trim(industry), '')"}
COLUMNS = ("revenue", "orders", "customers", "average_order", "currency")


def sales(conn, by: str = "month", *, since: date | None = None, until: date | None = None,
          currency: str | None = None, frame=None, tiers: dict | None = None) -> dict:
    """{"by", "currency", "since", "until", "rows": [...], "total": {...}}: each row has
    the group under the name of ``by``, then COLUMNS (money as exact decimal text).
    ``frame``: purchases_frame's, ``tiers``: customer_values(conn, "tier"), when several
    groupings share one read."""
    by = choice(by, BY, "--by")
    check_range(since, until)
    currency = currency_of(conn, currency)
    if frame is None:
        frame = purchases_frame(conn, currency, since, until)
    frame = _buyers(frame)
    rows = _buyers(campaign_frame(conn, currency, since, until)) if by == "campaign" else frame
    rows = rows.assign(key=_keys(conn, rows, by, tiers).fillna(NONE_LABEL))
    grouped = rows.groupby("key", sort=False).agg(
        revenue=("amount", "sum"), orders=("order", "sum"), customers=("buyer", "nunique"))
    out = [_row(by, key, int(g.revenue), int(g.orders), int(g.customers), currency)
           for key, g in grouped.iterrows()]
    out.sort(key=_order(by))
    total = _row(by, "total", int(frame["amount"].sum()), int(frame["order"].sum()),
                 int(frame["buyer"].nunique()), currency)  # each movement once
    return {"by": by, "currency": currency, "since": since and since.isoformat(),
            "until": until and until.isoformat(), "rows": out, "total": total}


def purchases_frame(conn, currency: str, since: date | None = None,
                    until: date | None = None):
    """The money movements in ``currency`` (dates included) as a DataFrame: date,
    customer, amount (minor units; a refund negative), campaign, order (a purchase)."""
    import pandas as pd

    where, params = _where(currency, since, until)
    rows = conn.execute(
        f"SELECT p.date, p.customer_id, p.amount_minor, p.campaign_id, p.kind = 'purchase' "
        f"FROM {purchase_amounts()} p WHERE {where}", params).fetchall()
    return pd.DataFrame(rows, columns=["date", "customer", "amount", "campaign", "order"])


def campaign_frame(conn, currency: str, since: date | None = None,
                   until: date | None = None):
    """purchases_frame's columns with ``campaign`` the campaign each movement counts for by
    `campaign report`'s rule (campaigns.attributed_sql): one row per campaign it counts
    for (two campaigns whose windows overlap both count it), or one with none."""
    import pandas as pd

    spans = campaigns.windows(conn)
    if not spans:
        return purchases_frame(conn, currency, since, until).assign(campaign=None)
    where, params = _where(currency, since, until)
    values = ", ".join("(?, ?, ?)" for _ in spans)
    rows = conn.execute(
        f"WITH w(id, start, after) AS (VALUES {values}) "
        f"SELECT p.date, p.customer_id, p.amount_minor, w.id, p.kind = 'purchase' "
        f"FROM {purchase_amounts()} p LEFT JOIN w ON "
        f"{campaigns.attributed_sql('w.id', 'w.start', 'w.after')} "
        f"WHERE {where}", [v for span in spans for v in span] + params).fetchall()
    return pd.DataFrame(rows, columns=["date", "customer", "amount", "campaign", "order"])


def _where(currency: str, since: date | None, until: date | None) -> tuple[str, list]:
    """The condition (alias p) of the movements in ``currency`` dated since..until."""
    where, params = ["p.currency = ?"], [currency]
    if since:
        where.append("p.date >= ?")
        params.append(since.isoformat())
    if until:
        where.append("p.date <= ?")
        params.append(until.isoformat())
    return " AND ".join(where), params


def _buyers(frame):
    """The frame with ``buyer``: the customer of an order (a refund buys nothing)."""
    return frame.assign(buyer=frame["customer"].where(frame["order"].astype(bool)))


def _keys(conn, frame, by: str, tiers: dict | None = None):
    """The group of each purchase (None: none)."""
    if by == "month":
        return frame["date"].str.slice(0, 7)
    if by == "quarter":
        quarter = (frame["date"].str.slice(5, 7).astype(int) + 2) // 3
        return frame["date"].str.slice(0, 4) + "-Q" + quarter.astype(str)
    if by == "campaign":
        names = {cid: f"#{cid} {name}" for cid, name in
                 conn.execute("SELECT id, name FROM campaigns")}
        return frame["campaign"].map(names)
    if by == "tier" and tiers is not None:
        return frame["customer"].map(tiers)
    return frame["customer"].map(customer_values(conn, CUSTOMER_KEYS[by]))


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
