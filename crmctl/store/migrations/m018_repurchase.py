"""Migration 18: purchase-based churn risk (issue 18.2): each customer's median gap
between purchase days, kept by triggers, and the index that finds the lapsed buyers."""

from __future__ import annotations

# The median gap in days between a customer's consecutive live purchase days (voided
# purchases left out; several on one day are one day: a gap of 0 is no gap): the middle
# gap, or the mean of the middle two. A customer with fewer than two purchase days has no
# row. {only}: a condition on purchases narrowing it to one customer.
MEDIAN_GAPS = """
    SELECT customer_id, avg(gap) FROM (
        SELECT customer_id, gap, row_number() OVER w AS k, count(*) OVER w AS n FROM (
            SELECT customer_id, julianday(date) - julianday(lag(date) OVER (
                       PARTITION BY customer_id ORDER BY date)) AS gap
            FROM purchases WHERE voided_at IS NULL {only})
        WHERE gap > 0
        WINDOW w AS (PARTITION BY customer_id ORDER BY gap
                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
    WHERE k IN ((n + 1) / 2, (n + 2) / 2)
    GROUP BY customer_id"""

# (the EXISTS: a purchase deleted by the cascade of `rm` leaves no row behind)
_RECOMPUTE = """
            DELETE FROM purchase_gaps WHERE customer_id = {cid};
            INSERT INTO purchase_gaps (customer_id, median) {median};"""


def _recompute(cid: str) -> str:
    return _RECOMPUTE.format(cid=cid, median=MEDIAN_GAPS.format(
        only=f"AND customer_id = {cid} AND EXISTS (SELECT 1 FROM customers WHERE id = {cid})"))


def m018_repurchase(conn) -> None:
    # - purchase_gaps: the median gap per customer, as latest_ratings (m004) keeps the
    #   newest rating: recomputed by triggers whenever a purchase is added, moved (merge),
    #   re-dated, voided or deleted, so the follow-up report reads one number per customer
    #   instead of ordering every purchase (+400 ms at 100,000 customers);
    # - customers_last_purchase: the buyers whose last purchase is older than the shortest
    #   window, one index range (covering: id, tier, name).
    # Idempotent (IF [NOT] EXISTS, the table refilled), like m012: a file whose
    # user_version was set back by hand (tests of old backups do) migrates again.
    conn.executescript(
        f"""
        CREATE TABLE IF NOT EXISTS purchase_gaps (
            customer_id INTEGER PRIMARY KEY,
            median      REAL NOT NULL
        );
        DELETE FROM purchase_gaps;
        INSERT INTO purchase_gaps (customer_id, median) {MEDIAN_GAPS.format(only="")};
        DROP TRIGGER IF EXISTS purchases_gap_insert;
        DROP TRIGGER IF EXISTS purchases_gap_update;
        DROP TRIGGER IF EXISTS purchases_gap_delete;
        DROP TRIGGER IF EXISTS customers_gap_delete;
        CREATE TRIGGER purchases_gap_insert AFTER INSERT ON purchases BEGIN
            {_recompute("NEW.customer_id")}
        END;
        CREATE TRIGGER purchases_gap_update
            AFTER UPDATE OF customer_id, date, voided_at ON purchases BEGIN
            {_recompute("OLD.customer_id")}
            {_recompute("NEW.customer_id")}
        END;
        CREATE TRIGGER purchases_gap_delete AFTER DELETE ON purchases BEGIN
            {_recompute("OLD.customer_id")}
        END;
        CREATE TRIGGER customers_gap_delete AFTER DELETE ON customers BEGIN
            DELETE FROM purchase_gaps WHERE customer_id = OLD.id;
        END;
        CREATE INDEX IF NOT EXISTS customers_last_purchase ON customers(last_purchase_at, tier, name,
            forgotten_at) WHERE last_purchase_at IS NOT NULL AND forgotten_at IS NULL;
        """
    )
