"""Migration 19: indexes of the live (not voided) interactions for the reports (issue 18:
each `report` subcommand under 3 s at a million interactions), and the history of closing
and reopening a customer (its timeline).

Since m012 the old `interactions_at` and `interactions_rated` indexes lack `voided_at`, so
the reports read the whole table instead (NOT INDEXED): ~0.6 s each at a million rows. These
three are partial on `voided_at IS NULL` and cover what the reports read, so the weeks, the
ratings and the complaints come from the index alone; the queries name them (INDEXED BY).
A fourth covers the live purchases the purchase_ledger view reads (the spend sums: 150 ->
75 ms at 200,000 purchases).
"""

from __future__ import annotations


def m019_reports(conn) -> None:
    # interactions per week (the overview): a count per local week range
    conn.execute("CREATE INDEX interactions_live_at ON interactions(at, voided_at) "
                 "WHERE voided_at IS NULL")
    # `report satisfaction` (by month, tier, channel) and the HTML page
    conn.execute("CREATE INDEX interactions_live_rated ON interactions(at, customer_id, "
                 "satisfaction, channel, voided_at) "
                 "WHERE satisfaction IS NOT NULL AND voided_at IS NULL")
    # `report complaints` (category, cause, month, hours to resolve)
    conn.execute("CREATE INDEX interactions_live_complaints ON interactions(at, customer_id, "
                 "complaint_category, resolved_at, root_cause, complaint, voided_at) "
                 "WHERE complaint = 1 AND voided_at IS NULL")

    # the purchase_ledger view's live purchases from the index alone (spend per customer
    # for the RFM segments, `report value`, `report sales`, --spend-min/--segment filters)
    conn.execute("CREATE INDEX purchases_live ON purchases(customer_id, currency, date, "
                 "amount_minor, campaign_id, voided_at) WHERE voided_at IS NULL")
    # Each close and reopen with its reason and moment, for the customer's timeline
    # (customers.closed_at/close_reason hold only the current state; reopen clears them).
    # A customer closed before this migration gets its close event back from those columns.
    conn.execute("""CREATE TABLE close_events (
        id          INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        at          TEXT NOT NULL,                   -- UTC instant
        kind        TEXT NOT NULL CHECK (kind = 'close' OR kind = 'reopen'),
        reason      TEXT
    )""")
    conn.execute("CREATE INDEX close_events_customer ON close_events(customer_id, at)")
    conn.execute("INSERT INTO close_events (customer_id, at, kind, reason) "
                 "SELECT id, closed_at, 'close', close_reason FROM customers "
                 "WHERE closed_at IS NOT NULL ORDER BY closed_at, id")
