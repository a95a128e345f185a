"""Migration 12: interactions and purchases can be voided, purchases refunded (issue 17)."""

from __future__ import annotations

# The newest rating per customer, as m004's triggers keep it, but a voided interaction no
# longer counts: voiding (an UPDATE of voided_at) recomputes it like an edit of `at`.
_RECOMPUTE = """
            DELETE FROM latest_ratings WHERE customer_id = {cid};
            INSERT INTO latest_ratings (customer_id, at, satisfaction)
                SELECT customer_id, at, satisfaction FROM interactions
                WHERE customer_id = {cid} AND satisfaction IS NOT NULL AND voided_at IS NULL
                  AND EXISTS (SELECT 1 FROM customers WHERE id = {cid})
                ORDER BY at DESC, id DESC LIMIT 1;"""


def m012_corrections(conn) -> None:
    # - voided_at / void_reason: a record logged by mistake stays (shown as voided in the
    #   timeline, kept for the audit trail) but counts in no rule;
    # - refunds: real money given back, whole or part, on its own date; the customer and
    #   the currency are the purchase's (no copy, so moving a purchase moves its refunds);
    # - purchase_ledger: every live money movement, purchases (+) and their refunds (-), with
    #   the day each happened (`date`) and the day of the purchase (`bought`): the one
    #   place spend, tier, RFM, referral and campaign totals read money from;
    # - interactions_open_complaints holds live complaints only, so the follow-up report
    #   still answers from the index alone (a query naming it must say voided_at IS NULL).
    # Idempotent (a column is added only where missing, the rest IF [NOT] EXISTS): a file
    # whose user_version was set back by hand (tests of old backups do) migrates again.
    for table in ("interactions", "purchases"):
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if "voided_at" not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN voided_at TEXT")
        if "void_reason" not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN void_reason TEXT "
                         "CHECK (void_reason IS NULL OR voided_at IS NOT NULL)")
    conn.executescript(
        f"""
        CREATE TABLE IF NOT EXISTS refunds (
            id           INTEGER PRIMARY KEY,
            purchase_id  INTEGER NOT NULL REFERENCES purchases(id) ON DELETE CASCADE,
            date         TEXT NOT NULL,          -- local date YYYY-MM-DD
            amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
            reason       TEXT,
            created_at   TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS refunds_purchase ON refunds(purchase_id);
        CREATE VIEW IF NOT EXISTS purchase_ledger AS
            SELECT id AS purchase_id, customer_id, 'purchase' AS kind, date, date AS bought,
                   amount_minor, currency, campaign_id
            FROM purchases WHERE voided_at IS NULL
            UNION ALL
            SELECT p.id, p.customer_id, 'refund', r.date, p.date, -r.amount_minor,
                   p.currency, p.campaign_id
            FROM refunds r JOIN purchases p ON p.id = r.purchase_id
            WHERE p.voided_at IS NULL;
        DROP INDEX IF EXISTS interactions_open_complaints;
        CREATE INDEX interactions_open_complaints ON interactions(customer_id, at)
            WHERE complaint = 1 AND resolved_at IS NULL AND voided_at IS NULL;
        DROP TRIGGER IF EXISTS interactions_rating_update;
        CREATE TRIGGER interactions_rating_update
            AFTER UPDATE OF customer_id, at, satisfaction, voided_at ON interactions BEGIN
            {_RECOMPUTE.format(cid="OLD.customer_id")}
            {_RECOMPUTE.format(cid="NEW.customer_id")}
        END;
        DROP TRIGGER IF EXISTS interactions_rating_delete;
        CREATE TRIGGER interactions_rating_delete AFTER DELETE ON interactions
            WHEN OLD.satisfaction IS NOT NULL BEGIN
            {_RECOMPUTE.format(cid="OLD.customer_id")}
        END;
        """
    )
