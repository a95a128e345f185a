"""A big import's settings inside its transaction: a bigger page cache, the indexes no part
of the import reads dropped and rebuilt at its end, FTS5 tuned for bulk writes."""

from __future__ import annotations

from contextlib import contextmanager

from crmctl.store import page_cache

# Indexes no part of the import reads: dropped for a big import and rebuilt (one sort each)
# at its end, inside the same transaction, from their own CREATE statements.
REBUILT_INDEXES = ("customers_tier", "customers_last_contact", "customers_due",
                   "customer_tags_tag", "customers_care")
# Rebuilt only when the file has a birthday column (a lunar one in it is kept as
# birthday_lunar): partial indexes that rows without a birthday never enter, so with no such
# column they are left in place and cost nothing, where a rebuild reads the whole table
# (0.6 s a million customers each). Never dropped: customers_referred_by and
# customers_first_purchase_day, partial on columns an import never sets.
BIRTHDAY_INDEXES = ("customers_birthday_day", "customers_birthday_lunar")
BIRTHDAY_FIELDS = ("birthday", "birthday_lunar")
SEARCH_TABLES = ("search_trigram", "search_grams")
IMPORT_CACHE_KIB = 64 * 1024
# FTS5 settings while a big import runs (name, value, FTS5's default): no merging of
# segments, and a 16 MB in-memory term hash instead of 1 MB, so a million rows are flushed
# as a few dozen segments instead of thousands (about a quarter less time in FTS5).
FTS_BULK_CONFIG = (("automerge", 0, 4), ("hashsize", 16 * 1024 * 1024, 1024 * 1024))


@contextmanager
def bulk_mode(conn, big: bool, fields=BIRTHDAY_FIELDS):
    """Inside the import's transaction: a bigger page cache; for a big import, the indexes
    above dropped and rebuilt (the birthday ones only if ``fields``, the customer fields the
    file fills, has a birthday), and FTS5 tuned for bulk while rows go in (restored after)."""
    with page_cache(conn, IMPORT_CACHE_KIB):
        if not big:
            yield
            return
        rebuilt = REBUILT_INDEXES + (BIRTHDAY_INDEXES if set(fields) & set(BIRTHDAY_FIELDS)
                                     else ())
        marks = ",".join("?" * len(rebuilt))
        saved = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                             f"AND name IN ({marks})", rebuilt).fetchall()
        for name, _ in saved:
            conn.execute(f"DROP INDEX {name}")
        saved_config = {}
        for table in SEARCH_TABLES:
            for key, bulk_value, default in FTS_BULK_CONFIG:
                row = conn.execute(f"SELECT v FROM {table}_config WHERE k = ?", (key,)).fetchone()
                saved_config[table, key] = row[0] if row else default
                conn.execute(f"INSERT INTO {table}({table}, rank) VALUES (?, ?)", (key, bulk_value))
        yield
        for (table, key), value in saved_config.items():
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES (?, ?)", (key, value))
        for _, sql in saved:
            conn.execute(sql)
