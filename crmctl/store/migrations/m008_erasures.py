"""Migration 8: the ledger of erasures (issue 13: an erasure outlives a restore)."""

from __future__ import annotations


def m008_erasures(conn) -> None:
    # The ledger of erasures (privacy.py): which customer `forget` erased and when, nothing
    # personal; the customer's created_at tells them from a later one given the same id. No
    # foreign key: `restore` carries it into the restored file and re-applies what it lacks.
    conn.executescript(
        """
        CREATE TABLE erasures (
            customer_id INTEGER NOT NULL,
            created_at  TEXT NOT NULL,
            erased_at   TEXT NOT NULL,
            PRIMARY KEY (customer_id, created_at)
        ) WITHOUT ROWID;
        INSERT INTO erasures SELECT id, created_at, forgotten_at FROM customers
            WHERE forgotten_at IS NOT NULL;
        """
    )
