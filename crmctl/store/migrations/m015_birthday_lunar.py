"""Migration: a customer's lunar (农历) birthday, for care dates (issue 18, item 7)."""

from __future__ import annotations


def m015_birthday_lunar(conn) -> None:
    # MM-DD of the lunar calendar (a leap-month birth is kept as the regular month). The
    # partial index answers the report's "whose lunar birthday is one of these days", as
    # customers_birthday_day does for the solar one.
    conn.executescript(
        """
        ALTER TABLE customers ADD COLUMN birthday_lunar TEXT;
        CREATE INDEX customers_birthday_lunar ON customers(birthday_lunar)
            WHERE birthday_lunar IS NOT NULL AND forgotten_at IS NULL;
        """
    )
