"""Migration 19: indexes of the live (not voided) interactions for the reports (issue 18:
each `report` subcommand under 3 s at a million interactions).

Since m012 the old `interactions_at` and `interactions_rated` indexes lack `voided_at`, so
the reports read the whole table instead (NOT INDEXED): ~0.6 s each at a million rows. These
three are partial on `voided_at IS NULL` and cover what the reports read, so the weeks, the
ratings and the complaints come from the index alone; the queries name them (INDEXED BY),
and no other query can pick them by chance without repeating their WHERE.
"""

from __future__ import annotations


def m019_report_indexes(conn) -> None:
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
