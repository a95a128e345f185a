"""Migration 17: ending a relationship (issue 18.8): a customer may be closed."""

from __future__ import annotations


def m017_close(conn) -> None:
    conn.execute("ALTER TABLE customers ADD COLUMN closed_at TEXT")
    conn.execute("ALTER TABLE customers ADD COLUMN close_reason TEXT")
    # The follow-up report leaves closed customers out with `id NOT IN (SELECT id ... WHERE
    # closed_at IS NOT NULL)`: read from this small partial index once, so the report's
    # covering indexes (partial on forgotten_at IS NULL) stay covering.
    conn.execute("CREATE INDEX customers_closed ON customers(id, closed_at) "
                 "WHERE closed_at IS NOT NULL")
