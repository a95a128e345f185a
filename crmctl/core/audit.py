"""The operation log (操作日志): append-only, hash-chained.

Each entry stores the hash of the one before it, and its own hash covers its id, its
contents and that previous hash, so any edit, deletion, insertion or reordering breaks the
chain at a place ``verify`` reports. The last entry can only be checked against a head kept
elsewhere (``verify(expect=...)``). Entries hold field *names*, never values: no personal
data and no passphrase is ever written here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache

from crmctl.clock import now_text
from crmctl.core.validate import SQL_INT_MAX
from crmctl.errors import UsageError
from crmctl.i18n import _

GENESIS = "0" * 64


@dataclass
class Entry:
    id: int
    at: str
    os_user: str
    command: str
    action: str
    entity: str
    entity_id: str | None
    fields: list[str]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Verification:
    ok: bool
    entries: int
    head: str | None
    first_bad: int | None
    problem: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def os_user() -> str:
    try:
        import getpass  # (here: the reports cron runs import this module and write nothing)

        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no USER, LOGNAME or passwd entry (containers)
        return "unknown"


def entry_hash(entry_id: int, at: str, user: str, command: str, action: str, entity: str,
               entity_id: str | None, fields_json: str, prev_hash: str) -> str:
    payload = json.dumps(
        [entry_id, at, user, command, action, entity, entity_id, fields_json, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    import hashlib  # (here, as getpass: only a write or a verify hashes)

    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(conn, action: str, entity: str, entity_id, fields=()) -> str:
    """Append one entry; call inside the transaction of the change it records."""
    return record_many(conn, [(action, entity, entity_id, fields)])


def record_many(conn, items) -> str | None:
    """Append many entries in order, as that many record() calls would, the chain computed
    in one pass and the rows written with one executemany; ``items`` holds (action, entity,
    entity_id, fields). All share one ``at``. Call inside the transaction of the changes."""
    prev = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    entry_id, prev_hash = (prev[0], prev[1]) if prev else (0, GENESIS)
    at, user, command = now_text(), os_user(), getattr(conn, "command", "api")
    rows = []
    for action, entity, entity_id, fields in items:
        entry_id += 1
        ident = None if entity_id is None else str(entity_id)
        fields_json = json.dumps(sorted(set(fields)), ensure_ascii=False)
        digest = entry_hash(entry_id, at, user, command, action, entity, ident, fields_json,
                            prev_hash)
        rows.append((entry_id, at, user, command, action, entity, ident, fields_json,
                     prev_hash, digest))
        prev_hash = digest
    conn.executemany(
        "INSERT INTO audit_log (id, at, os_user, command, action, entity, entity_id, fields,"
        " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return rows[-1][9] if rows else None


def _entry(row) -> Entry:
    return Entry(row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]),
                 row[8], row[9])


_COLUMNS = "id, at, os_user, command, action, entity, entity_id, fields, prev_hash, hash"


def entries(conn, *, since: str | None = None, action: str | None = None,
            entity: str | None = None, limit: int | None = None) -> list[Entry]:
    """Entries newest first, filtered; ``since`` is a UTC ISO instant or date."""
    where, params = [], []
    if since:
        where.append("at >= ?")
        params.append(since)
    if action:
        where.append("action = ?")
        params.append(action)
    if entity:
        where.append("entity = ?")
        params.append(entity)
    sql = f"SELECT {_COLUMNS} FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(min(limit, SQL_INT_MAX))  # past SQLite's integers: no limit
    return [_entry(row) for row in conn.execute(sql, params)]


def head(conn) -> str | None:
    row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def verify(conn, expect: str | None = None) -> Verification:
    """Walk the chain oldest first; report the first entry that does not hold.

    ``entries`` and ``head`` always describe the whole log as it is (count, newest hash),
    whether or not it holds. ``expect`` (12+ hex characters of a head printed earlier)
    fails the check unless some entry of the valid chain has that hash.
    """
    if expect is not None:
        expect = expect.strip().lower()
        if len(expect) < 12 or len(expect) > 64 or any(c not in "0123456789abcdef"
                                                       for c in expect):
            raise UsageError(_("--expect takes 12 or more hex characters of a head "
                               "printed by `audit head`"))
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'audit_log'").fetchone():  # dropped by someone with the key
        return Verification(False, 0, None, None, "the audit log table is missing")
    total, head_hash = conn.execute(
        "SELECT count(*), (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) "
        "FROM audit_log").fetchone()

    def bad(entry_id, problem):
        return Verification(False, total, head_hash, entry_id, problem)

    prev_hash, expected_seen, previous_id = GENESIS, expect is None, 0
    for row in conn.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id"):
        entry_id, stored = row[0], row[9]
        if entry_id != previous_id + 1:
            return bad(entry_id, "an entry is missing before it")
        if row[8] != prev_hash:
            return bad(entry_id, "previous-hash link broken")
        if entry_hash(*row[:9]) != stored:
            return bad(entry_id, "contents do not match hash")
        if expect and stored.startswith(expect):
            expected_seen = True
        prev_hash, previous_id = stored, entry_id
    if not expected_seen:
        return bad(None, "the log no longer contains the expected head")
    return Verification(True, total, head_hash, None)
