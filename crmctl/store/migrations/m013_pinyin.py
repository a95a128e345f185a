"""Migration 13: pinyin keys (issue 16) — a sort key for names, and the pinyin of names and
companies as a second column of the grams search index.

The grams index is contentless, so a column cannot be added to it: it is made again with
the columns (text, pinyin) and every live customer's texts are written into it (~1 minute at
a million customers, announced by migrate's on_upgrade). The grams text is m007's own frozen
copy; the pinyin comes from crmctl.pinyin, the one definition of the keys (a later change to
them comes with a migration of its own that fills them again)."""

from __future__ import annotations

from crmctl import pinyin
from crmctl.store.migrations.m007_search_grams import _FIELDS, _grams


def m013_pinyin(conn) -> None:
    conn.executescript(
        """
        ALTER TABLE customers ADD COLUMN name_key TEXT;
        DROP TABLE search_grams;
        CREATE VIRTUAL TABLE search_grams USING fts5(
            text, pinyin, tokenize = 'unicode61 remove_diacritics 2', content = '',
            contentless_delete = 1);
        """
    )
    last = 0
    while True:
        rows = conn.execute(f"SELECT id, {', '.join(_FIELDS)} FROM customers "
                            "WHERE id > ? AND forgotten_at IS NULL ORDER BY id LIMIT 20000",
                            (last,)).fetchall()
        if not rows:
            return
        conn.executemany("UPDATE customers SET name_key = ? WHERE id = ?",
                         [(pinyin.sort_key(row[1]), row[0]) for row in rows])
        conn.executemany("INSERT INTO search_grams(rowid, text, pinyin) VALUES (?, ?, ?)",
                         [(row[0], _grams(row[1:]), pinyin.search_tokens(row[1], row[2]))
                          for row in rows])
        last = rows[-1][0]
