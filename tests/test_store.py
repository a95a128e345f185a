"""The store: creating and opening the encrypted file, refusing what is not ours, migrations,
atomic(), and what lands on disk (nothing readable, a standard SQLCipher 4 file)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlcipher3 import dbapi2

from crmctl.core import customers
from crmctl.errors import DatabaseMissing, NotADatabase, PassphraseError
from crmctl.store import atomic, create_database, open_database
from crmctl.store.migrations import MIGRATIONS

from conftest import PASSPHRASE

KEY = PASSPHRASE.encode()


def snapshot(path: Path) -> dict:
    """Bytes and mtime of the db and its -wal/-shm (None when absent)."""
    out = {}
    for suffix in ("", "-wal", "-shm"):
        p = Path(f"{path}{suffix}")
        out[suffix] = (p.read_bytes(), p.stat().st_mtime_ns) if p.exists() else None
    return out


def one_line(result) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- create and open -------------------------------------------------------------------

def test_create_then_open_round_trip(db_path):
    conn = create_database(db_path, KEY)
    cid = customers.add(conn, {"name": "王明", "company": "华为"})
    conn.close()
    again = open_database(db_path, KEY)
    try:
        assert customers.get(again, cid).company == "华为"
        assert again.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert again.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert again.execute("PRAGMA secure_delete").fetchone()[0] == 1
        assert again.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    finally:
        again.close()


def test_modes_are_0600_even_with_a_loose_umask(db_path):
    old = os.umask(0o022)
    try:
        conn = create_database(db_path, KEY)
        customers.add(conn, {"name": "李娜"})  # a write: -wal and -shm exist while open
        sides = [Path(f"{db_path}{s}") for s in ("", "-wal", "-shm")]
        present = [p for p in sides if p.exists()]
        assert Path(f"{db_path}-wal") in present
        for p in present:
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        conn.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_cli_init_creates_0600_and_refuses_to_overwrite(initialized, db_path):
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    before = snapshot(db_path)
    result = initialized("init")
    assert result.exit_code == 1
    assert one_line(result) == f"crmctl: {db_path} already exists; refusing to overwrite it"
    assert snapshot(db_path) == before


def test_init_refuses_to_overwrite_a_stranger_file(cli, db_path):
    db_path.write_text("客户名单\n王明,13800138000\n", encoding="utf-8")
    before = snapshot(db_path)
    result = cli("init")
    assert result.exit_code == 1
    assert "refusing to overwrite" in one_line(result)
    assert snapshot(db_path) == before


def test_create_database_refuses_an_existing_file(db_path):
    db_path.write_bytes(b"x")
    with pytest.raises(Exception, match="refusing to overwrite"):
        create_database(db_path, KEY)
    assert db_path.read_bytes() == b"x"


# --- refusing what does not open -------------------------------------------------------

def test_wrong_passphrase_exit_3_file_unchanged(initialized, db_path):
    assert initialized("add", "王明").exit_code == 0
    before = snapshot(db_path)
    result = initialized("list", env={"CRMCTL_PASSPHRASE": "not the passphrase"})
    assert result.exit_code == 3
    assert one_line(result) == f"crmctl: wrong passphrase for {db_path}"
    assert result.stdout == ""
    assert snapshot(db_path) == before
    with pytest.raises(PassphraseError):
        open_database(db_path, b"wrong")


def test_plain_sqlite_file_refused(cli, db_path):
    plain = sqlite3.connect(db_path)
    plain.execute("CREATE TABLE customers (name TEXT)")
    plain.execute("INSERT INTO customers VALUES ('王明')")
    plain.commit()
    plain.close()
    before = snapshot(db_path)
    result = cli("list")
    assert result.exit_code == 1
    assert one_line(result) == (f"crmctl: {db_path} is a plain (unencrypted) SQLite file, "
                                "not a crmctl database")
    assert snapshot(db_path) == before


@pytest.mark.parametrize("content", [
    "王明,13800138000\n李娜,13900139000\n".encode() * 200,  # a text file > 1 page
    os.urandom(100),                                        # random, short
    b"",                                                    # empty
], ids=["text", "random-short", "empty"])
def test_not_a_database_refused(cli, db_path, content):
    db_path.write_bytes(content)
    before = snapshot(db_path)
    result = cli("list")
    assert result.exit_code == 1
    assert "not a crmctl database" in one_line(result)
    assert snapshot(db_path) == before


def test_directory_refused(cli, db_path):
    db_path.mkdir()
    result = cli("list")
    assert result.exit_code == 1
    assert one_line(result) == f"crmctl: {db_path} is a directory, not a crmctl database"


def test_missing_database(cli, db_path):
    result = cli("list")
    assert result.exit_code == 1
    assert one_line(result) == f"crmctl: no database at {db_path}; create one with: crmctl init"
    assert not db_path.exists()
    with pytest.raises(DatabaseMissing):
        open_database(db_path, KEY)


# --- migrations ------------------------------------------------------------------------

def test_blank_database_migrates_to_latest(db_path):
    conn = create_database(db_path, KEY)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"customers", "tags", "customer_tags", "interactions", "purchases", "followups",
            "consent_events", "audit_log", "settings", "search_trigram",
            "search_grams"} <= tables
    conn.close()


def test_unmigrated_keyed_file_is_brought_up_to_date(db_path):
    from crmctl.store.connection import set_key

    raw = dbapi2.connect(str(db_path))
    set_key(raw, KEY)
    raw.execute("CREATE TABLE scratch (x)")  # a keyed SQLCipher file at user_version 0
    raw.commit()
    raw.close()
    conn = open_database(db_path, KEY)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def test_database_from_a_newer_crmctl_refused(initialized, db_path):
    conn = open_database(db_path, KEY)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(NotADatabase, match="newer than this crmctl"):
        open_database(db_path, KEY)
    result = initialized("list")
    assert result.exit_code == 1
    assert one_line(result) == (
        f"crmctl: this database is at schema version {len(MIGRATIONS) + 1}, newer than this "
        f"crmctl understands ({len(MIGRATIONS)}); upgrade crmctl")


def test_failed_migration_leaves_previous_version(db_path, monkeypatch):
    from crmctl.store import migrations

    conn = create_database(db_path, KEY)
    conn.close()

    def m_broken(c):
        c.execute("CREATE TABLE half_done (x)")
        c.execute("SELECT no_such_function()")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, m_broken])
    with pytest.raises(dbapi2.OperationalError):
        open_database(db_path, KEY)
    monkeypatch.setattr(migrations, "MIGRATIONS", list(MIGRATIONS))
    conn = open_database(db_path, KEY)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchone()
    conn.close()


CHECKED = {  # table: (column, allowed values, a value the rule refuses)
    "customers": ("tier", ["diamond", "gold", "silver", "regular"], "platinum"),
    "interactions": ("channel", ["phone", "email", "meeting", "visit", "wechat", "chat",
                                 "social", "other"], "fax"),
    "consent_events": ("granted", [0, 1], 2),
}


def _check_rule(conn, table: str, column: str, value) -> bool:
    """Whether the table's CHECK lets ``value`` through (tested on an empty copy)."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")  # the copy's parents are not in temp
    conn.execute("SAVEPOINT probe")
    try:
        conn.execute(sql.replace(f"CREATE TABLE {table}", "CREATE TEMP TABLE probe", 1))
        columns = [r[1] for r in conn.execute("PRAGMA temp.table_info(probe)") if r[3]]
        fill = {c: {"granted": 1, "channel": "email"}.get(c, "x") for c in columns}
        fill[column] = value
        names = ", ".join(fill)
        conn.execute(f"INSERT INTO probe ({names}) VALUES ({', '.join('?' * len(fill))})",
                     list(fill.values()))
        return True
    except dbapi2.IntegrityError:
        return False
    finally:
        conn.execute("ROLLBACK TO probe")
        conn.execute("RELEASE probe")
        conn.execute("PRAGMA foreign_keys = ON")


def test_m005_rewrites_in_list_checks_as_the_same_rule(db_path, monkeypatch):
    """The IN-list CHECKs (an ephemeral table built per INSERT) become OR chains that let
    through exactly what they did: every allowed value, NULL where NULL was allowed, and
    nothing else; a database at version 4 with data keeps it and stays intact."""
    from crmctl.store import migrations

    monkeypatch.setattr(migrations, "MIGRATIONS", list(MIGRATIONS[:4]))
    conn = create_database(db_path, KEY)
    conn.execute("INSERT INTO customers (name, tier, created_at, updated_at) "
                 "VALUES ('王明', 'gold', 'a', 'a')")
    conn.commit()
    before = {t: [_check_rule(conn, t, c, v) for v in [*ok, bad]]
              for t, (c, ok, bad) in CHECKED.items()}
    conn.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", list(MIGRATIONS))
    conn = open_database(db_path, KEY)
    texts = " ".join(r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE sql "
                                                "LIKE '%CHECK%'"))
    assert " IN (" not in texts.replace(" IN\n", " IN (") and "tier = 'gold' OR" in texts
    after = {t: [_check_rule(conn, t, c, v) for v in [*ok, bad]]
             for t, (c, ok, bad) in CHECKED.items()}
    assert after == before == {t: [True] * len(ok) + [False] for t, (_, ok, _) in CHECKED.items()}
    assert _check_rule(conn, "interactions", "direction", None)  # NULL passes, as before
    assert not _check_rule(conn, "interactions", "direction", "sideways")
    assert conn.execute("SELECT name, tier FROM customers").fetchall() == [("王明", "gold")]
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with pytest.raises(dbapi2.IntegrityError, match="CHECK constraint failed"):
        conn.execute("UPDATE customers SET tier = 'platinum'")
    conn.close()


# --- atomic() --------------------------------------------------------------------------

def names(conn) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM customers ORDER BY id")]


def _insert(conn, name):
    conn.execute("INSERT INTO customers (name, created_at, updated_at) VALUES (?, 'x', 'x')",
                 (name,))


def test_atomic_rolls_back_on_exception(conn):
    with pytest.raises(RuntimeError):
        with atomic(conn):
            _insert(conn, "王明")
            raise RuntimeError("boom")
    assert names(conn) == []
    assert not conn.in_transaction


def test_nested_atomic_rolls_back_only_the_inner_part(conn):
    with atomic(conn):
        _insert(conn, "王明")
        with pytest.raises(ValueError):
            with atomic(conn):
                _insert(conn, "李娜")
                raise ValueError("inner")
        _insert(conn, "张伟")
    assert names(conn) == ["王明", "张伟"]


def test_nested_failure_propagating_rolls_back_everything(conn):
    with pytest.raises(ValueError):
        with atomic(conn):
            _insert(conn, "王明")
            with atomic(conn):
                _insert(conn, "李娜")
                raise ValueError("inner")
    assert names(conn) == []
    assert not conn.in_transaction


def test_atomic_commits(conn, db_path):
    with atomic(conn):
        _insert(conn, "王明")
    other = open_database(db_path, KEY)
    assert names(other) == ["王明"]
    other.close()


# --- the key and the bytes on disk -----------------------------------------------------

def test_key_never_enters_sql_text(db_path, monkeypatch):
    statements: list[str] = []
    real_connect = dbapi2.connect

    def tracing_connect(*args, **kwargs):
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(dbapi2, "connect", tracing_connect)
    create_database(db_path, KEY).close()
    conn = open_database(db_path, KEY)
    customers.add(conn, {"name": "王明"})
    conn.close()
    assert any("cipher_log_level" in s for s in statements)  # the trace did see the open
    assert any("INSERT INTO customers" in s for s in statements)
    for secret in (PASSPHRASE, KEY.hex(), "电池"):
        assert not [s for s in statements if secret.lower() in s.lower()]


MARKER_NAME = "Zebulon Quaxworth 鑫淼焱"
MARKER_EMAIL = "zebulon.quaxworth@markerdomain.example"
MARKER_NOTE = "marker-note-xyzzy-plugh 秘密备注"


def _assert_no_marker(paths):
    for p in paths:
        data = p.read_bytes()
        for text in (MARKER_NAME, MARKER_EMAIL, MARKER_NOTE, "Quaxworth", "xyzzy", "鑫淼焱"):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert text.encode(encoding) not in data, (p.name, text, encoding)


def test_no_plaintext_on_disk(db_path):
    conn = create_database(db_path, KEY)
    customers.add(conn, {"name": MARKER_NAME, "email": MARKER_EMAIL, "note": MARKER_NOTE,
                         "company": "Quaxworth Holdings"})
    open_sides = [Path(f"{db_path}{s}") for s in ("", "-wal", "-shm")]
    _assert_no_marker([p for p in open_sides if p.exists()])  # while the WAL holds it
    conn.close()
    _assert_no_marker([p for p in open_sides if p.exists()])
    assert b"SQLite format 3" not in db_path.read_bytes()[:16]


@pytest.mark.real_kdf
def test_standard_sqlcipher4_file(db_path):
    """Another SQLCipher 4 tool opens it with PRAGMA key and default settings."""
    conn = create_database(db_path, KEY)
    cid = customers.add(conn, {"name": "王明", "email": "wang@example.cn"})
    conn.close()
    plain = dbapi2.connect(str(db_path))
    try:
        quoted = PASSPHRASE.replace("'", "''")
        plain.execute(f"PRAGMA key = '{quoted}'")
        assert plain.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
        row = plain.execute("SELECT name, email FROM customers WHERE id = ?", (cid,)).fetchone()
        assert row == ("王明", "wang@example.cn")
    finally:
        plain.close()


def _sqlcipher_cli_major() -> int | None:
    exe = shutil.which("sqlcipher")
    if not exe:
        return None
    done = subprocess.run([exe, ":memory:", "PRAGMA cipher_version;"], capture_output=True,
                          text=True, timeout=10)
    version = done.stdout.strip()
    return int(version.split(".")[0]) if version[:1].isdigit() else None


def test_sqlcipher_cli_opens_it(db_path):
    """The sqlcipher shell, when a SQLCipher 4 one is installed (Debian 12 ships 3.4.1)."""
    major = _sqlcipher_cli_major()
    if major is None or major < 4:
        pytest.skip(f"no SQLCipher 4 command-line shell here (found: {major})")
    conn = create_database(db_path, KEY)
    customers.add(conn, {"name": "李娜"})
    conn.close()
    script = f"PRAGMA key = '{PASSPHRASE}';\nSELECT name FROM customers;\n"
    done = subprocess.run(["sqlcipher", str(db_path)], input=script, capture_output=True,
                          text=True, timeout=30)
    assert "李娜" in done.stdout, done.stderr


# --- damage, busy, tampering -----------------------------------------------------------

def _damaged_copy(db_path, pages) -> None:
    """A real database with ~120 pages, then 16 bytes zeroed inside each of ``pages``
    (negative numbers count from the end); page 1 (the key check) stays intact."""
    conn = create_database(db_path, KEY)
    for i in range(30):
        customers.add(conn, {"name": f"王明{i}", "note": "备注" * 1500})
    conn.close()
    data = bytearray(db_path.read_bytes())
    count = len(data) // 4096
    for page in pages:
        number = page if page > 0 else count + 1 + page
        assert number > 1
        offset = (number - 1) * 4096 + 200
        data[offset:offset + 16] = bytes(16)
    db_path.write_bytes(bytes(data))


def test_damaged_schema_pages_exit_4_not_wrong_passphrase(cli, db_path):
    _damaged_copy(db_path, range(2, 100))  # every page but the first: the schema too
    before = snapshot(db_path)
    result = cli("list")
    assert result.exit_code == 4
    assert one_line(result).startswith(f"crmctl: the database {db_path} is damaged")
    assert snapshot(db_path) == before


def test_damaged_data_pages_exit_4(cli, db_path):
    _damaged_copy(db_path, range(-10, 0))
    result = cli("list", "--format", "json")
    assert result.exit_code == 4
    assert one_line(result).startswith("crmctl: the database is damaged")


def test_busy_database_exit_1(initialized, db_path, monkeypatch):
    from crmctl.store import connection

    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 100)
    holder = open_database(db_path, KEY)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = initialized("add", "王明")
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1
    assert one_line(result) == ("crmctl: database is busy (another crmctl holds the write "
                                "lock); try again")
    assert result.stdout == ""


def test_audit_tampering_exit_4(initialized, db_path):
    for name in ("王明", "李娜", "张伟"):
        assert initialized("add", name).exit_code == 0
    ok = initialized("audit", "verify", "--format", "json")
    assert ok.exit_code == 0
    assert {k: v for k, v in __import__("json").loads(ok.stdout).items()
            if k in ("ok", "entries", "first_bad")} == {"ok": True, "entries": 3,
                                                       "first_bad": None}
    conn = open_database(db_path, KEY)
    conn.execute("UPDATE audit_log SET fields = '[\"name\",\"email\"]' WHERE id = 2")
    conn.close()
    bad = initialized("audit", "verify")
    assert bad.exit_code == 4
    assert one_line(bad) == ("crmctl: audit log verification failed at entry 2: contents do "
                             "not match hash")


def test_m007_rewrites_the_grams_index_of_live_customers_only(db_path, monkeypatch):
    """A database indexed by the old CJK expansion (a run's pairs after its last character)
    is reindexed at version 7: 股a finds 中国股app, everything found before is still found,
    and a forgotten customer stays out of the index."""
    from crmctl.core import customers, privacy, search
    from crmctl.core.customers import Filter
    from crmctl.store import migrations

    def old_expansion(match):
        run = match.group(0)
        return " " + " ".join([*run, *(run[i:i + 2] for i in range(len(run) - 1))]) + " "

    monkeypatch.setattr(migrations, "MIGRATIONS", list(MIGRATIONS[:6]))
    def old_reindex(c, ids):  # as schema 6 indexed: no name_key, grams of one column
        for row in c.execute(f"SELECT id, {', '.join(search.SEARCHED_FIELDS)} FROM customers "
                             f"WHERE id IN ({','.join(map(str, ids))})").fetchall():
            trigram, grams = search.document(row[1:])
            c.execute("INSERT INTO search_trigram(rowid, text) VALUES (?, ?)", (row[0], trigram))
            c.execute("INSERT INTO search_grams(rowid, text) VALUES (?, ?)", (row[0], grams))

    monkeypatch.setattr(search, "_expand_cjk", old_expansion)
    from crmctl.core import contact_points  # schema 6 has no contact_points (m014) yet
    monkeypatch.setattr(contact_points, "owner", lambda *args: None)
    monkeypatch.setattr(contact_points, "erase", lambda *args: None)
    monkeypatch.setattr(customers, "reindex", old_reindex)
    conn = create_database(db_path, KEY)
    kept = customers.add(conn, {"name": "王明华", "company": "中国股app", "note": "会议室B"})
    other = customers.add(conn, {"name": "Anna Schmidt", "company": "A股票"})
    gone = customers.add(conn, {"name": "李娜", "company": "上海股app"})
    with atomic(conn):  # forgotten as at schema 6, which had no ledger of erasures yet
        privacy.erase_traces(conn, [gone])
        conn.execute("UPDATE customers SET name = ?, company = NULL, "
                     "forgotten_at = updated_at WHERE id = ?", (privacy.FORGOTTEN_NAME, gone))

    def found(c, query):
        return [x.id for x in customers.list_customers(c, Filter(search=query))]

    def found_at_schema_6(c, query):  # list's SELECT names columns of later migrations
        clause, params = search.match_clause(query)
        return [r[0] for r in c.execute(f"SELECT id FROM customers WHERE forgotten_at IS NULL "
                                        f"AND {clause} ORDER BY id", params)]

    assert found_at_schema_6(conn, "股a") == [] and found_at_schema_6(conn, "室b") == []
    conn.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", list(MIGRATIONS))
    monkeypatch.undo()
    conn = open_database(db_path, KEY)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert found(conn, "股a") == [kept] and found(conn, "室b") == [kept]
    for query, ids in [("王", [kept]), ("明华", [kept]), ("a股", [other]), ("an", [other]),
                       ("李", []), ("李娜", []), ("上海", [])]:
        assert found(conn, query) == ids, query
    assert conn.execute("SELECT count(*) FROM search_grams WHERE search_grams MATCH '王'"
                        ).fetchone()[0] == 1
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.execute("INSERT INTO search_grams(search_grams, rank) VALUES ('integrity-check', 0)")
    conn.close()


def test_an_upgrade_is_said_once_on_stderr(db_path, cli, monkeypatch):
    """A command that finds an older schema says, before migrating (m007 takes half a
    minute at a million customers), what it is doing; stdout stays clean, and the next
    command says nothing."""
    from crmctl.store import migrations

    monkeypatch.setattr(migrations, "MIGRATIONS", list(MIGRATIONS[:6]))
    create_database(db_path, KEY).close()
    monkeypatch.setattr(migrations, "MIGRATIONS", list(MIGRATIONS))
    first = cli("list", "--format", "json")
    assert (first.exit_code, first.stdout) == (0, "[]\n")
    assert first.stderr == (f"upgrading {db_path} from schema version 6 to {len(MIGRATIONS)} "
                            "(once; up to a minute at a million customers)\n")
    again = cli("list", "--format", "json")
    assert (again.exit_code, again.stdout, again.stderr) == (0, "[]\n", "")


def test_schema_version_is_the_number_of_migrations():
    from crmctl.store import migrations

    assert migrations.SCHEMA_VERSION == len(MIGRATIONS)
    assert MIGRATIONS.index(migrations.m019_reports) == 18  # the functions, by name, as before


def test_opening_a_current_database_imports_no_migration(initialized, db_path):
    """Every command opens the database: one at today's version needs none of the 19
    migration modules (m007 compiles a CJK pattern, m013 pulls in pinyin)."""
    from crmctl.store import connection

    code = ("import sys\n"
            "from crmctl.store import connection, open_database\n"
            f"connection.TEST_KDF_ITER = {connection.TEST_KDF_ITER!r}\n"
            f"conn = open_database({str(db_path)!r}, {PASSPHRASE.encode()!r})\n"
            "print(sorted(m for m in sys.modules if m.startswith('crmctl.store.migrations.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
