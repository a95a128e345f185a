"""Migration 10: a consent event may say for what purpose it was given (issue 18, item 10)."""

from __future__ import annotations


def m010_consent_purpose(conn) -> None:
    # PIPL asks consent for a stated purpose; NULL for the events recorded before this
    # (their purpose was never asked), so nothing is invented for them.
    conn.executescript("ALTER TABLE consent_events ADD COLUMN purpose TEXT;")
