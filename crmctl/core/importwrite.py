"""Writing validated import rows, a chunk at a time, inside the import's one transaction.

Duplicates (same email compared case-insensitively, or same phone) are found with one SQL
statement per chunk and key (json_each joined to the customers indexes) — rows inserted by
earlier chunks of the same file are in the table already, so this also finds duplicates
within the file across chunks; inside a chunk a dict does it. Then one executemany each for
the new customers, their tier history, their tags and the two search indexes.

A validated row's empty fields may be None or "" (the column validator passes CSV cells
through as they are): both are stored as NULL.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

from crmctl.core import search
from crmctl.core.mapping import COLUMNS
from crmctl.errors import Duplicate
from crmctl.store import page_cache

# nullif(?, ''): binding "" and letting SQL make it NULL is cheaper than binding None
_INSERT = (f"INSERT INTO customers ({', '.join(COLUMNS)}, created_at, updated_at) "
           f"VALUES ({', '.join(['nullif(?, %s)' % repr('')] * (len(COLUMNS) - 1))}, "
           "coalesce(nullif(?, ''), 'regular'), ?, ?)")
_UPDATE = ("UPDATE customers SET "
           + ", ".join(f"{c} = coalesce(nullif(?, ''), {c})" for c in COLUMNS)
           + ", updated_at = ? WHERE id = ?")
_EMAIL_HITS = ("SELECT j.value, min(c.id) FROM json_each(?) j JOIN customers c "
               "ON lower(c.email) = j.value AND c.email IS NOT NULL "
               "AND c.forgotten_at IS NULL GROUP BY j.value")
_PHONE_HITS = ("SELECT j.value, min(c.id) FROM json_each(?) j JOIN customers c "
               "ON c.phone = j.value AND c.forgotten_at IS NULL GROUP BY j.value")
# SQLite's lower() folds ASCII only; the keys must match what the index holds.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
TIER = COLUMNS.index("tier")
EMAIL, PHONE = COLUMNS.index("email"), COLUMNS.index("phone")


def _email_key(email: str) -> str:
    return email.lower() if email.isascii() else email.translate(_ASCII_LOWER)


class Writer:
    def __init__(self, conn, on_duplicate: str, extra_tags: list[str], now: str):
        self.conn = conn
        self.mode = on_duplicate
        self.extra_tags = extra_tags
        self.now = now
        self.first_id = self.next_id = conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM customers").fetchone()[0]
        self.inserted = self.updated = self.skipped = 0
        self._tag_ids: dict[str, int] = {}

    def write(self, good: list) -> list[tuple[int, str]]:
        """Write one chunk of validated rows; return the rows refused as (row, reason)."""
        if not good:
            return []
        emails = {_email_key(r[1][EMAIL]) for r in good if r[1][EMAIL]}
        phones = {r[1][PHONE] for r in good if r[1][PHONE]}
        by_email = dict(self.conn.execute(_EMAIL_HITS, (json.dumps(list(emails)),))) if emails else {}
        by_phone = dict(self.conn.execute(_PHONE_HITS, (json.dumps(list(phones)),))) if phones else {}
        new: list = []  # rows to insert, each [id, row number, values, tags, tri, grams]
        seen_email: dict[str, list] = {}
        seen_phone: dict[str, list] = {}
        updates: dict[int, list] = {}
        refused: list[tuple[int, str]] = []
        for row in good:
            values = row[1]
            key_e = _email_key(values[EMAIL]) if values[EMAIL] else None
            key_p = values[PHONE] or None
            if ((key_e is None or (key_e not in seen_email and key_e not in by_email))
                    and (key_p is None or (key_p not in seen_phone and key_p not in by_phone))):
                entry = [self.next_id, *row]  # nearly every row: new to the db and the chunk
                self.next_id += 1
                new.append(entry)
                if key_e:
                    seen_email[key_e] = entry
                if key_p:
                    seen_phone[key_p] = entry
                continue
            targets = self._targets(key_e, key_p, by_email, by_phone, seen_email, seen_phone)
            reason = self._duplicate(row[0], targets)
            if reason:
                refused.append((row[0], reason))
            elif self.mode == "skip":
                self.skipped += 1
            else:
                self._merge(targets[0][1], row, updates)
                self.updated += 1
                if key_e:
                    seen_email.setdefault(key_e, targets[0][1])
                if key_p:
                    seen_phone.setdefault(key_p, targets[0][1])
        self._insert(new)
        self._update(updates)
        return refused

    def _targets(self, key_e, key_p, by_email, by_phone, seen_email, seen_phone):
        """[(field, target)…]: target an id in the db or a pending row of this chunk."""
        out = []
        for fieldname, key, chunk_seen, db_hits in (("email", key_e, seen_email, by_email),
                                                    ("phone", key_p, seen_phone, by_phone)):
            if key is None:
                continue
            if key in chunk_seen:
                out.append((fieldname, chunk_seen[key]))
            elif key in db_hits:
                out.append((fieldname, db_hits[key]))
        return out

    def _describe(self, target) -> str:
        if isinstance(target, list):
            return f"row {target[1]} of this file"
        if target >= self.first_id:
            return "an earlier row of this file"
        return f"customer {target}"

    def _duplicate(self, rownum: int, targets) -> str | None:
        """The reason to refuse the row, None to skip or update it; raises in error mode."""
        first = targets[0][1]
        ident = (lambda t: id(t) if isinstance(t, list) else t)
        if len(targets) == 2 and ident(targets[1][1]) != ident(first):
            return (f"same email as {self._describe(first)} but same phone as "
                    f"{self._describe(targets[1][1])}")
        if self.mode == "error":
            fields = " and ".join(f for f, _ in targets)
            raise Duplicate(f"row {rownum}: same {fields} as {self._describe(first)}; "
                            "nothing was imported (--on-duplicate error)")
        return None

    def _merge(self, target, row, updates: dict) -> None:
        values, tags = row[1], row[2]
        if isinstance(target, list):  # a row of this chunk not yet written: merge into it
            old = target[2] = list(target[2])  # validated values may be a tuple
            for i, v in enumerate(values):
                if v:
                    old[i] = v
            target[3] = [*target[3], *tags]
            target[4:] = search.document((old[0], old[1], old[3], old[4], old[10]))
            return
        pending = updates.setdefault(target, [[None] * len(COLUMNS), []])
        for i, v in enumerate(values):
            if v:
                pending[0][i] = v
        pending[1].extend(tags)

    def _insert(self, new: list) -> None:
        if not new:
            return
        conn, now = self.conn, self.now
        conn.executemany(_INSERT, [(*e[2], now, now) for e in new])
        last = conn.execute("SELECT max(id) FROM customers").fetchone()[0]
        if last != new[-1][0]:  # ids are max + 1, and only this transaction writes
            raise RuntimeError(f"import: expected customer ids up to {new[-1][0]}, got {last}")
        tiered = [(e[0], now, e[2][TIER]) for e in new if e[2][TIER] not in (None, "", "regular")]
        if tiered:
            conn.executemany("INSERT INTO tier_history (customer_id, at, old_tier, new_tier, "
                             "reason) VALUES (?, ?, NULL, ?, 'import')", tiered)
        self._link([(e[0], t) for e in new for t in (*e[3], *self.extra_tags)])
        conn.executemany("INSERT INTO search_trigram(rowid, text) VALUES (?, ?)",
                         [(e[0], e[4]) for e in new])
        conn.executemany("INSERT INTO search_grams(rowid, text) VALUES (?, ?)",
                         [(e[0], e[5]) for e in new])
        self.inserted += len(new)

    def _update(self, updates: dict) -> None:
        if not updates:
            return
        conn, now = self.conn, self.now
        ids = list(updates)
        old_tiers = dict(conn.execute("SELECT id, tier FROM customers WHERE id IN "
                                      "(SELECT value FROM json_each(?))", (json.dumps(ids),)))
        changed = [(cid, now, old_tiers[cid], v[0][TIER]) for cid, v in updates.items()
                   if v[0][TIER] and v[0][TIER] != old_tiers[cid]]
        conn.executemany(_UPDATE, [(*v[0], now, cid) for cid, v in updates.items()])
        if changed:
            conn.executemany("INSERT INTO tier_history (customer_id, at, old_tier, new_tier, "
                             "reason) VALUES (?, ?, ?, ?, 'import')", changed)
        self._link([(cid, t) for cid, v in updates.items() for t in (*v[1], *self.extra_tags)])
        from crmctl.core.customers import reindex

        reindex(conn, ids)

    def _link(self, pairs: list[tuple[int, str]]) -> None:
        if not pairs:
            return
        rows = []
        for cid, name in pairs:
            tag_id = self._tag_ids.get(name)
            if tag_id is None:
                self.conn.execute("INSERT INTO tags(name) VALUES (?) ON CONFLICT(name) "
                                  "DO NOTHING", (name,))
                tag_id = self.conn.execute("SELECT id FROM tags WHERE name = ?",
                                           (name,)).fetchone()[0]
                self._tag_ids[name] = tag_id
            rows.append((cid, tag_id))
        self.conn.executemany("INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) "
                              "VALUES (?, ?)", rows)


# Indexes no part of the import reads: dropped for a big import and rebuilt (one sort each)
# at its end, inside the same transaction, from their own CREATE statements.
REBUILT_INDEXES = ("customers_tier", "customers_referred_by", "customers_last_contact",
                   "customers_due", "customers_birthday_day", "customers_first_purchase_day",
                   "customer_tags_tag")
SEARCH_TABLES = ("search_trigram", "search_grams")
IMPORT_CACHE_KIB = 64 * 1024
# FTS5 settings while a big import runs (name, value, FTS5's default): no merging of
# segments, and a 16 MB in-memory term hash instead of 1 MB, so a million rows are flushed
# as a few dozen segments instead of thousands (about a quarter less time in FTS5).
FTS_BULK_CONFIG = (("automerge", 0, 4), ("hashsize", 16 * 1024 * 1024, 1024 * 1024))


@contextmanager
def bulk_mode(conn, big: bool):
    """Inside the import's transaction: a bigger page cache; for a big import, the indexes
    above dropped and rebuilt, and FTS5 tuned for bulk while rows go in (restored after)."""
    with page_cache(conn, IMPORT_CACHE_KIB):
        if not big:
            yield
            return
        marks = ",".join("?" * len(REBUILT_INDEXES))
        saved = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                             f"AND name IN ({marks})", REBUILT_INDEXES).fetchall()
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
