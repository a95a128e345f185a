"""Purchases as the analysis counts them: one SQL fragment over the ``purchase_ledger``
view (m012: live purchases, +, and their refunds, -, each on the day it happened), so that
every amount of `report sales`, `report value` and the `show` card's spend is net of
refunds, and voided purchases count nowhere. Tier rules, RFM segments, referrals and
campaigns read the same view.

A row is a movement: ``kind`` 'purchase' (an order) or 'refund'; ``date`` the day it
happened, ``bought`` the day of its purchase. Revenue sums ``amount_minor``; orders count
the 'purchase' rows.
"""

from __future__ import annotations

COLUMNS = "purchase_id AS id, customer_id, kind, date, bought, amount_minor, currency, campaign_id"


def purchase_amounts() -> str:
    """A parenthesized subquery with COLUMNS, one row per money movement that counts
    (use as ``FROM {purchase_amounts()} p``)."""
    return f"(SELECT {COLUMNS} FROM purchase_ledger)"
