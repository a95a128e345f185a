"""Purchases as the analysis counts them: one SQL fragment, so that every amount of
`report sales`, `report value`, the RFM segments and the `show` card's spend comes from
one place.

Today a purchase counts at its recorded amount. Voided purchases and refunds (migration
m012, being added beside this) change this fragment only: leave out the voided rows and
subtract the refunded minor units here, and every report nets them.
"""

from __future__ import annotations

COLUMNS = "id, customer_id, date, amount_minor, currency, campaign_id"


def purchase_amounts() -> str:
    """A parenthesized subquery with COLUMNS, one row per purchase that counts, its
    ``amount_minor`` the amount to count (use as ``FROM {purchase_amounts()} p``)."""
    return f"(SELECT {COLUMNS} FROM purchases)"
