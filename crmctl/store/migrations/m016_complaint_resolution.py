"""Migration 16: a resolved complaint records its root cause and solution (issue 18.1)."""

from __future__ import annotations


def m016_complaint_resolution(conn) -> None:
    # `complaints resolve IID --cause --solution`: what went wrong and what was done, for the
    # complaint analysis. NULL for complaints resolved before (nobody was asked), and for
    # those resolved by `log-contact --resolves-complaint`.
    conn.execute("ALTER TABLE interactions ADD COLUMN root_cause TEXT")
    conn.execute("ALTER TABLE interactions ADD COLUMN solution TEXT")
