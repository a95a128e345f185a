"""Migration 9: a follow-up can be cancelled (issue 17: scheduled by mistake)."""

from __future__ import annotations


def m009_followup_cancel(conn) -> None:
    # A cancelled follow-up is closed like a done one (done_at is the moment it closed), so
    # the report, its partial index followups_open and every "open" test stay as they are;
    # cancel_reason says it was cancelled rather than done, and why.
    conn.executescript(
        """
        ALTER TABLE followups ADD COLUMN cancel_reason TEXT
            CHECK (cancel_reason IS NULL OR done_at IS NOT NULL);
        """
    )
