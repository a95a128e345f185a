"""Concurrency with real processes: readers beside a writer (WAL), a second writer waits
up to the busy timeout then succeeds or says "database is busy", and concurrent writers
never corrupt the database or fork the audit chain."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import PASSPHRASE
from stress_helpers import CRMCTL, LockHolder, crmctl_env, health, populate, run, snapshot, start

pytestmark = [pytest.mark.slow, pytest.mark.e2e]  # make check: races and machine limits

BUSY_LINE = "crmctl: database is busy (another crmctl holds the write lock); try again\n"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "crm.db"
    populate(path, 20)
    return path


def test_readers_succeed_while_a_writer_holds_the_lock(db):
    env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="200")
    scheduled = run(["followups", "schedule", "1", "+3d", "--purpose", "回访"], env)
    assert scheduled.returncode == 0, scheduled.stderr
    holder = LockHolder(db, seconds=30)
    try:
        started = time.monotonic()
        listed = run(["list", "--format", "json"], env)
        cron = run(["followups", "--until", "+30d", "--format", "json"], env)
        verified = run(["audit", "verify", "--format", "json"], env)
        elapsed = time.monotonic() - started
        assert holder.proc.poll() is None, "the lock must still be held during the reads"
    finally:
        holder.kill()  # killed holding the lock: its transaction is simply never there
    assert (listed.returncode, listed.stderr) == (0, "")
    rows = json.loads(listed.stdout)
    assert len(rows) == 20 and {r["name"] for r in rows} == {f"客户{i}" for i in range(20)}
    assert (cron.returncode, cron.stderr) == (0, ""), cron.stderr
    due = [(r["customer_id"], r["name"], r["reason"], r["purpose"])
           for r in json.loads(cron.stdout)]
    assert due == [(1, "客户0", "scheduled", "回访")]  # the follow-up committed before the lock
    # the reader sees the last committed state: the held edit is invisible, the chain holds
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True
    assert elapsed < 25, "a reader must not wait for the writer"
    state = health(db)
    # 20 adds and the schedule; the killed holder's entry was never committed
    assert state.whole and state.customers == 20 and state.audit_entries == 21


def test_second_writer_gives_up_after_the_busy_timeout(db):
    env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="500")
    before = snapshot(db)
    holder = LockHolder(db, seconds=30)
    try:
        started = time.monotonic()
        added = run(["add", "王明", "--company", "华为"], env)
        tagged = run(["tag", "add", "vip", "1"], env)
        waited = time.monotonic() - started
        assert holder.proc.poll() is None
    finally:
        holder.kill()
    assert (added.returncode, added.stdout, added.stderr) == (1, "", BUSY_LINE)
    assert (tagged.returncode, tagged.stdout, tagged.stderr) == (1, "", BUSY_LINE)
    assert waited >= 1.0, "each writer must wait the busy timeout (500 ms) before giving up"
    assert snapshot(db) == before  # the killed holder's edit and both refusals left nothing
    assert health(db).whole


def test_second_writer_succeeds_when_the_lock_is_released_in_time(db):
    env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="20000")
    holder = LockHolder(db, seconds=2.5)
    started = time.monotonic()
    added = run(["add", "王明", "--company", "华为"], env)
    waited = time.monotonic() - started
    holder.wait()
    assert (added.returncode, added.stderr) == (0, ""), added.stderr
    assert added.stdout.strip() == "21"
    assert waited >= 1.5, "the writer should have waited for the holder's commit"
    state = health(db)
    assert state.whole and state.customers == 21
    assert state.audit_entries == 22  # 20 adds, the holder's edit, the new add


_WRITER = textwrap.dedent("""
    import sys
    from crmctl.core import customers
    from crmctl.store import open_database
    db, key, prefix, n = sys.argv[1], sys.argv[2].encode(), sys.argv[3], int(sys.argv[4])
    conn = open_database(db, key, command="add")
    for i in range(n):
        customers.add(conn, {"name": f"{prefix}{i}", "phone": f"+86138{prefix == '李' and 1 or 2}"
                             f"{i:07d}"})
    conn.close()
""")


def test_two_core_writers_interleave_without_forking_the_audit_chain(db):
    """Two processes adding 50 customers each, one transaction per add, as fast as they can."""
    env = {k: v for k, v in crmctl_env(db).items() if k != "CRMCTL_PASSPHRASE"}
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(db), PASSPHRASE, prefix, "50"],
                              env=env, stderr=subprocess.PIPE, text=True)
             for prefix in ("王", "李")]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    state = health(db)
    assert state.whole, state
    assert state.customers == 120 and state.audit_entries == 120
    names = {row[1] for row in snapshot(db)["customers"]}
    assert {f"王{i}" for i in range(50)} | {f"李{i}" for i in range(50)} <= names


@pytest.mark.slow
def test_two_crmctl_processes_add_fifty_each(db):
    """The installed command, 2 × 50 `crmctl add` processes racing for the lock."""
    env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="30000")
    script = ('for i in $(seq 0 49); do "$0" add "$1$i" --phone "+86139$2$(printf %07d $i)" '
              '>/dev/null || exit 1; done')
    procs = [subprocess.Popen(["bash", "-c", script, str(CRMCTL), prefix,
                               digit], env=env, stderr=subprocess.PIPE, text=True)
             for prefix, digit in (("张", "1"), ("刘", "2"))]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    state = health(db)
    assert state.whole and state.customers == 120 and state.audit_entries == 120
    verified = run(["audit", "verify", "--format", "json"], crmctl_env(db))
    assert verified.returncode == 0 and json.loads(verified.stdout)["entries"] == 120


def wait_until_locked(db, proc, limit: float = 60) -> None:
    """Return once another process holds the write lock (probe: BEGIN IMMEDIATE, no wait)."""
    from crmctl.store import open_database

    conn = open_database(db, PASSPHRASE.encode())
    conn.execute("PRAGMA busy_timeout = 0")
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except Exception as exc:  # noqa: BLE001 - sqlcipher's OperationalError
                if "locked" in str(exc) or "busy" in str(exc):
                    return
                raise
            conn.execute("ROLLBACK")
            time.sleep(0.02)
    finally:
        conn.close()


def test_followups_waits_for_nothing_while_an_import_runs(db, tmp_path):
    """cron's `followups` beside a running import (which holds the write lock throughout)."""
    rows = "\n".join(f"导入{i},导入公司{i % 30},+86137{i:08d}" for i in range(40000))
    (tmp_path / "big.csv").write_text("name,company,phone\n" + rows + "\n", encoding="utf-8")
    env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="300")
    importer = start(["import", tmp_path / "big.csv", "--format", "json"], env)
    try:
        wait_until_locked(db, importer)
        cron = run(["followups", "--format", "json"], env)
        still_running = importer.poll() is None
        out, err = importer.communicate(timeout=300)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert (cron.returncode, cron.stderr) == (0, "")
    assert importer.returncode == 0, err
    assert json.loads(out)["inserted"] == 40000
    state = health(db)
    assert state.whole and state.customers == 40020
    if not still_running:
        pytest.skip("the import finished before followups ran; the overlap was not exercised")


def test_processes_opening_an_old_database_at_once_migrate_it_once(tmp_path, monkeypatch):
    """crmctl upgraded, then cron and a person open the old database at the same moment:
    each open runs the pending migrations; only one may apply each (found by this test:
    the others failed with 'table … already exists')."""
    from crmctl.store import create_database, migrations

    every = list(migrations.MIGRATIONS)
    db = tmp_path / "old.db"
    env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="20000")
    for round_ in range(2):
        for side in ("", "-wal", "-shm"):
            (tmp_path / f"old.db{side}").unlink(missing_ok=True)
        monkeypatch.setattr(migrations, "MIGRATIONS", every[:1])
        create_database(db, PASSPHRASE.encode()).close()
        monkeypatch.setattr(migrations, "MIGRATIONS", every)
        procs = [start(["list", "--format", "json"], env) for _ in range(4)]
        results = [(p.wait(120), *p.communicate()) for p in procs]
        # each one that found an old version (1, or a later one the others reached) says so
        said = re.compile(f"upgrading {re.escape(str(db))} from schema version \\d+"
                          f" to {len(every)} \\(once; up to a minute at a million customers\\)\n")
        assert [code for code, _, _ in results] == [0] * 4, round_
        assert all(err == "" or said.fullmatch(err) for _, _, err in results), results
        assert all(json.loads(out) == [] for _, out, _ in results)
        assert health(db).whole
