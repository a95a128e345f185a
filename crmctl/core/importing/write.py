"""Writing validated import rows, a chunk at a time, inside the import's one transaction.

Duplicates (same email compared case-insensitively, or same phone) are found with one SQL
statement per chunk and key (json_each joined to the customers indexes) — rows inserted by
earlier chunks of the same file are in the table already, so this also finds duplicates
within the file across chunks; inside a chunk a dict does it. Then one executemany each for
the new customers, their tier history, their tags and the two search indexes.

A validated row is (row number, values, tags, trigram text, grams text, pinyin sort key,
pinyin tokens), values in
fields.COLUMNS order. Its empty fields may be None or "" (the column validator passes CSV
cells through as they are): both are stored as NULL.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter

from crmctl.core import search
from crmctl.core.customers import reindex
from crmctl.core.contact_points import primary_type
from crmctl.core.importing import primaries
from crmctl.core.importing.fields import AT, COLUMNS, EXTRA, pinyin_keys, searched_values
from crmctl.errors import Duplicate

# nullif(?, ''): binding "" and letting SQL make it NULL is cheaper than binding None
_INSERT = (f"INSERT INTO customers ({', '.join(COLUMNS)}, created_at, updated_at, name_key) "
           "VALUES ("
           + ", ".join("coalesce(nullif(?, ''), 'regular')" if c == "tier" else "nullif(?, '')"
                       for c in COLUMNS)
           + ", ?, ?, ?)")
_UPDATE = ("UPDATE customers SET "
           + ", ".join(f"{c} = coalesce(nullif(?, ''), {c})" for c in COLUMNS)
           + ", updated_at = ? WHERE id = ?")
_EMAIL_HITS = ("SELECT j.value, min(c.id) FROM json_each(?) j JOIN customers c "
               "ON lower(c.email) = j.value AND c.email IS NOT NULL "
               "AND c.forgotten_at IS NULL GROUP BY j.value")
_PHONE_HITS = ("SELECT j.value, min(c.id) FROM json_each(?) j JOIN customers c "
               "ON c.phone = j.value AND c.forgotten_at IS NULL GROUP BY j.value")
# the other phones and emails of everyone (contact_points; a forgotten customer has none)
_OTHER_HITS = ("SELECT j.value, min(p.customer_id) FROM json_each(?) j JOIN contact_points p "
               "ON p.kind = ? AND {} = j.value GROUP BY j.value")
# SQLite's lower() folds ASCII only; the keys must match what the index holds.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# the parts of a validated row (row number, values, tags, trigram text, grams text, pinyin
# sort key, pinyin tokens) and of its values
_VALUES, _TAGS, _TRIGRAM, _GRAMS, _TOKENS = (itemgetter(i) for i in (1, 2, 3, 4, 6))
_EMAIL, _PHONE, _TIER = itemgetter(AT.email), itemgetter(AT.phone), itemgetter(AT.tier)


def _identity(target):
    """A pending row is one by identity, a customer by id."""
    return id(target) if isinstance(target, _New) else target


def _email_key(email: str) -> str:
    return email.lower() if email.isascii() else email.translate(_ASCII_LOWER)


@dataclass(slots=True)
class _New:
    """A customer of this chunk waiting for its INSERT; a later row with the same email or
    phone may still merge into it."""

    id: int
    row: int
    values: tuple | list
    tags: tuple | list
    trigram: str
    grams: str
    sort_key: str | None  # the name's pinyin
    tokens: str  # pinyin search tokens
    extra: tuple | None = None  # fields.EXTRA: types, the other phones/emails


class Writer:
    def __init__(self, conn, on_duplicate: str, extra_tags: list[str], now: str):
        self.conn = conn
        self.mode = on_duplicate
        self.extra_tags = extra_tags
        self.now = now
        self.first_id = self.next_id = conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM customers").fetchone()[0]
        self.inserted = self.updated = self.skipped = 0
        self.skipped_rows: list[tuple[int, str]] = []  # (row, "duplicate of #ID"), for rejects
        self._tag_ids: dict[str, int] = {}
        self._points: list[tuple] = []
        self._others: bool | None = None  # whether anyone has other phones/emails yet
        # {customer id: [(kind, value, type)…]}: primaries an earlier row of this chunk set
        # and a later one replaced (kept as other phones/emails: primaries.py)
        self._earlier: dict[int, list] = {}

    def write(self, good: list) -> list[tuple[int, str]]:
        """Write one chunk of validated rows; return the rows refused as (row, reason).

        Nearly every row shares no email or phone with the database or with another row of
        the chunk and has no other phones/emails: such rows go to the INSERTs as they came,
        with no Python of their own here (the writer is the import's critical path). The
        others ("suspects") are decided one at a time, in file order."""
        if not good:
            return []
        first = self.next_id
        keys_e, keys_p, suspects, by_email, by_phone = self._suspects(good)
        new: list = []  # validated rows as they came, and _New entries (at ``pending``)
        pending: list[int] = []
        seen_email: dict[str, _New | int] = {}
        seen_phone: dict[str, _New | int] = {}
        updates: dict[int, tuple[list, list]] = {}  # customer id: (values, tags) to merge
        refused: list[tuple[int, str]] = []
        done = 0
        for i in sorted(suspects):
            new.extend(good[done:i])  # the clean rows before this one, in file order
            self.next_id += i - done
            done = i + 1
            rownum, values, tags, *texts = good[i]
            extra = None
            if len(values) > EXTRA:  # a row with several phones/emails (importing/multi.py)
                extra, values = values[EXTRA], values[:EXTRA]
            keys_e_row, keys_p_row = _keys(keys_e[i], keys_p[i], extra)
            targets = self._targets(keys_e_row, keys_p_row, by_email, by_phone, seen_email,
                                    seen_phone)
            if not targets:
                entry = _New(self.next_id, rownum, values, tags, *texts, extra)
                self.next_id += 1
                pending.append(len(new))
                new.append(entry)
                for key in keys_e_row:
                    seen_email.setdefault(key, entry)
                for key in keys_p_row:
                    seen_phone.setdefault(key, entry)
                continue
            _, target = targets[0]
            reason = self._duplicate(rownum, targets)
            if reason:
                refused.append((rownum, reason))
            elif self.mode == "skip":
                self.skipped += 1
                self.skipped_rows.append(
                    (rownum, f"duplicate of #{target.id if isinstance(target, _New) else target}"))
            else:
                self._merge(target, values, tags, updates, extra)
                self.updated += 1
                for key in keys_e_row:
                    seen_email.setdefault(key, target)
                for key in keys_p_row:
                    seen_phone.setdefault(key, target)
        new.extend(good[done:])
        self.next_id += len(good) - done
        self._insert(first, new, pending)
        self._update(updates)
        return refused

    def _suspects(self, good: list):
        """(email key of each row, phone of each row, the rows to decide one by one, the
        database's {email key: id}, {phone: id}): rows with other phones/emails, and rows
        with an email or phone that the database or another row of the chunk also has."""
        values = list(map(_VALUES, good))
        keys_e = [_email_key(e) if e else None for e in map(_EMAIL, values)]
        keys_p = [p or None for p in map(_PHONE, values)]
        suspects = {i for i, v in enumerate(values) if len(v) > EXTRA}
        extra_e, extra_p = set(), set()  # the other phones/emails of those rows
        for i in suspects:
            for kind, value, _ in values[i][EXTRA][2]:
                (extra_p.add(value) if kind == "phone" else extra_e.add(_email_key(value)))
        emails, phones = (set(keys_e) | extra_e) - {None}, (set(keys_p) | extra_p) - {None}
        by_email, by_phone = self._in_database(emails, phones)
        for keys, extra_keys, hits in ((keys_e, extra_e, by_email), (keys_p, extra_p, by_phone)):
            repeated = {k for k, n in Counter(keys).items() if n > 1}
            marked = (repeated | extra_keys | hits.keys()) - {None}
            if marked:
                suspects.update(i for i, k in enumerate(keys) if k in marked)
        return keys_e, keys_p, suspects, by_email, by_phone

    def _in_database(self, emails: set, phones: set) -> tuple[dict, dict]:
        """({email key: id}, {phone: id}) of the customers already holding these emails and
        phones, as their primary or among their others."""
        by_email = (dict(self.conn.execute(_EMAIL_HITS, (json.dumps(list(emails)),)))
                    if emails else {})
        by_phone = (dict(self.conn.execute(_PHONE_HITS, (json.dumps(list(phones)),)))
                    if phones else {})
        if self._others is None:
            self._others = conn_has_points(self.conn)
        if self._others:
            for hits, kind, keys, column in ((by_email, "email", emails, "lower(p.value)"),
                                             (by_phone, "phone", phones, "p.value")):
                if keys:
                    for key, cid in self.conn.execute(_OTHER_HITS.format(column),
                                                      (json.dumps(list(keys)), kind)):
                        hits[key] = min(cid, hits.get(key, cid))
        return by_email, by_phone

    def _targets(self, keys_e, keys_p, by_email, by_phone, seen_email, seen_phone):
        """[(field, target)…]: target an id in the db or a pending row of this chunk."""
        out = []
        for fieldname, keys, chunk_seen, db_hits in (("email", keys_e, seen_email, by_email),
                                                     ("phone", keys_p, seen_phone, by_phone)):
            for key in keys:
                if key in chunk_seen:
                    out.append((fieldname, chunk_seen[key]))
                elif key in db_hits:
                    out.append((fieldname, db_hits[key]))
        return out

    def _describe(self, target) -> str:
        if isinstance(target, _New):
            return f"row {target.row} of this file"
        if target >= self.first_id:
            return "an earlier row of this file"
        return f"customer {target}"

    def _duplicate(self, rownum: int, targets) -> str | None:
        """The reason to refuse the row, None to skip or update it; raises in error mode."""
        (first_field, first), *rest = targets
        other = next(((f, t) for f, t in rest if _identity(t) != _identity(first)), None)
        if other:
            return (f"same {first_field} as {self._describe(first)} but same {other[0]} as "
                    f"{self._describe(other[1])}")
        if self.mode == "error":
            fields = " and ".join(dict.fromkeys(f for f, _ in targets))  # each kind once
            raise Duplicate(f"row {rownum}: same {fields} as {self._describe(first)}; "
                            "nothing was imported (--on-duplicate error)")
        return None

    def _merge(self, target, values, tags, updates: dict, extra=None) -> None:
        if isinstance(target, _New):  # a row of this chunk not yet written: merge into it
            old = target.values = list(target.values)  # validated values may be a tuple
            left = _replaced_primaries(old, values, target.extra)
            for i, v in enumerate(values):
                if v:
                    old[i] = v
            target.tags = [*target.tags, *tags]
            if extra is not None or left:
                target.extra = _merged(target.extra, extra, left)
            others = " ".join(v for _, v, _ in (target.extra or (0, 0, ()))[2])
            target.trigram, target.grams = search.document((*searched_values(old), others))
            target.sort_key, target.tokens = pinyin_keys(old)
            return
        pending_values, pending_tags = updates.setdefault(target, ([None] * len(COLUMNS), []))
        for kind, at in primaries.KINDS:  # an earlier row's primary, replaced by this one's
            if values[at] and pending_values[at] and not primaries.same(
                    kind, values[at], pending_values[at]):
                self._earlier.setdefault(target, []).append((kind, pending_values[at], None))
        for i, v in enumerate(values):
            if v:
                pending_values[i] = v
        pending_tags.extend(tags)
        if extra is not None:
            self._points.append((target, extra))

    def _insert(self, first: int, new: list, pending: list[int]) -> None:
        """INSERT the chunk's new customers, ids ``first``… in order: validated rows as they
        came and, at ``pending``, _New entries (rows that others may have merged into)."""
        if not new:
            return
        extras = []
        for at in pending:
            e = new[at]
            new[at] = (e.row, e.values, e.tags, e.trigram, e.grams, e.sort_key, e.tokens)
            if e.extra is not None:
                extras.append((e.id, e.values, e.extra))
        conn, now = self.conn, self.now
        ids = range(first, first + len(new))
        conn.executemany(_INSERT, [(*values, now, now, key) for _, values, _, _, _, key, _ in new])
        last = conn.execute("SELECT max(id) FROM customers").fetchone()[0]
        if last != ids[-1]:  # ids are max + 1, and only this transaction writes
            raise RuntimeError(f"import: expected customer ids up to {ids[-1]}, got {last}")
        tiered = [(cid, now, tier) for cid, tier in zip(ids, map(_TIER, map(_VALUES, new)))
                  if tier not in (None, "", "regular")]
        if tiered:
            conn.executemany("INSERT INTO tier_history (customer_id, at, old_tier, new_tier, "
                             "reason) VALUES (?, ?, NULL, ?, 'import')", tiered)
        more = self.extra_tags
        self._link([(cid, t) for cid, tags in zip(ids, map(_TAGS, new)) for t in (*tags, *more)]
                   if more else [(cid, t) for cid, tags in zip(ids, map(_TAGS, new))
                                 for t in tags])
        self._write_points(extras)
        conn.executemany("INSERT INTO search_trigram(rowid, text) VALUES (?, ?)",
                         zip(ids, map(_TRIGRAM, new)))
        conn.executemany("INSERT INTO search_grams(rowid, text, pinyin) VALUES (?, ?, ?)",
                         zip(ids, map(_GRAMS, new), map(_TOKENS, new)))
        self.inserted += len(new)

    def _update(self, updates: dict) -> None:
        if not updates:
            return
        conn, now = self.conn, self.now
        ids = list(updates)
        old = primaries.old_rows(conn, ids)
        changed = [(cid, now, old[cid][0], values[AT.tier])
                   for cid, (values, _) in updates.items()
                   if values[AT.tier] and values[AT.tier] != old[cid][0]]
        promoted, demoted = primaries.replaced(old, updates, self._earlier, self._points)
        self._earlier = {}
        conn.executemany(_UPDATE, [(*values, now, cid) for cid, (values, _) in updates.items()])
        primaries.apply(conn, promoted, demoted)
        if changed:
            conn.executemany("INSERT INTO tier_history (customer_id, at, old_tier, new_tier, "
                             "reason) VALUES (?, ?, ?, ?, 'import')", changed)
        self._link([(cid, t) for cid, (_, tags) in updates.items()
                    for t in (*tags, *self.extra_tags)])
        self._write_points([(cid, None, extra) for cid, extra in self._points])
        self._points = []
        reindex(conn, ids)

    def _write_points(self, rows: list) -> None:
        """The primary's types and the other phones/emails of these customers (a value that
        is the customer's primary is not one of the others)."""
        if not rows:
            return
        self._others = True
        self.conn.executemany(
            "UPDATE customers SET phone_type = coalesce(?, phone_type), "
            "email_type = coalesce(?, email_type) WHERE id = ?",
            [(extra[0], extra[1], cid) for cid, _, extra in rows if extra[0] or extra[1]])
        self.conn.executemany(
            "INSERT OR IGNORE INTO contact_points (customer_id, kind, value, type) "
            "SELECT ?1, ?2, ?3, ?4 FROM customers WHERE id = ?1 AND "
            "(?2 = 'phone' AND phone IS NOT ?3 OR ?2 = 'email' AND lower(email) IS NOT lower(?3))",
            [(cid, kind, value, typ) for cid, _, extra in rows for kind, value, typ in extra[2]])

    def _link(self, pairs: list[tuple[int, str]]) -> None:
        if not pairs:
            return
        tag_ids = self._tag_ids
        for name in dict.fromkeys(name for _, name in pairs if name not in tag_ids):
            self.conn.execute("INSERT INTO tags(name) VALUES (?) ON CONFLICT(name) "
                              "DO NOTHING", (name,))
            tag_ids[name] = self.conn.execute("SELECT id FROM tags WHERE name = ?",
                                              (name,)).fetchone()[0]
        self.conn.executemany("INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) "
                              "VALUES (?, ?)", [(cid, tag_ids[name]) for cid, name in pairs])


def _keys(key_e, key_p, extra) -> tuple[list, list]:
    """Every email key and phone of a row: the primary, then the others."""
    keys_e = [key_e] if key_e else []
    keys_p = [key_p] if key_p else []
    for kind, value, _ in (extra[2] if extra else ()):
        (keys_p.append(value) if kind == "phone" else keys_e.append(_email_key(value)))
    return keys_e, keys_p


def _merged(old, new, left=()):
    """Two rows' extras as one (the later row's types win, every value is kept), with the
    earlier row's primaries the later one replaced (``left``) among the others."""
    old = old or (None, None, (), ())
    new = new or (None, None, (), ())
    phone_type = new[0] or (None if any(k == "phone" for k, _, _ in left) else old[0])
    email_type = new[1] or (None if any(k == "email" for k, _, _ in left) else old[1])
    return (phone_type, email_type, (*old[2], *left, *new[2]), ())


def _replaced_primaries(old, values, extra) -> tuple:
    """The (kind, value, type) primaries of a pending row that a later row's replace."""
    types = {"phone": extra[0] if extra else None, "email": extra[1] if extra else None}
    return tuple((kind, old[at], primary_type(kind, old[at], types[kind]))
                 for kind, at in primaries.KINDS
                 if values[at] and old[at] and not primaries.same(kind, values[at], old[at]))


def conn_has_points(conn) -> bool:
    return conn.execute("SELECT 1 FROM contact_points LIMIT 1").fetchone() is not None
