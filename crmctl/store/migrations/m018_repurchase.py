"""Migration 18: the indexes of purchase-based churn risk (issue 18.2)."""

from __future__ import annotations


def m018_repurchase(conn) -> None:
    # The follow-up report finds the customers whose last purchase is older than the
    # shortest repurchase window (one range of customers_last_purchase, covering: id,
    # tier and name from the index), then each one's live purchase days in order from
    # purchases_live (covering, voided ones left out) for the median gap between them.
    conn.execute("CREATE INDEX customers_last_purchase ON customers(last_purchase_at, tier, "
                 "name, forgotten_at) WHERE last_purchase_at IS NOT NULL AND forgotten_at IS NULL")
    conn.execute("CREATE INDEX purchases_live ON purchases(customer_id, date) "
                 "WHERE voided_at IS NULL")
