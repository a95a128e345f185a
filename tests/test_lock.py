"""The database lock (store/lock.py): rekey, restore and forget hold it alone; every other
crmctl shares it. Quick checks with real processes; the 20-round races are in
test_stress_replace.py (make check)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from conftest import PASSPHRASE, inspect_db
from stress_helpers import crmctl_env, run, start

# e2e (keys at the real count) on every test that hands the database to another process or
# opens it without crmctl; the last test stays in-process, at the test-only count

_HOLD = textwrap.dedent("""
    import sys, time
    from crmctl.store import exclusive_lock
    with exclusive_lock(sys.argv[1]):
        print("held", flush=True)
        sys.stdin.readline()
""")


class Held:
    """Another process that holds the lock exclusively, as a rekey does, until closed."""

    def __init__(self, db):
        self.proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(db)], text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout.readline() == "held\n"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def db(initialized, tmp_path):
    initialized("add", "王明")
    return tmp_path / "crm.db"


@pytest.mark.e2e
def test_a_writer_gives_up_with_busy_while_the_file_is_being_replaced(db):
    env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="300")
    with Held(db):
        added = run(["add", "李娜"], env)
        listed = run(["list"], env)
    assert (added.returncode, added.stdout, added.stderr) == (
        1, "", "crmctl: database is busy (a rekey, restore or forget is replacing or cleaning "
               "it); try again\n")
    assert listed.returncode == 1
    assert inspect_db(lambda c: [r[0] for r in c.execute("SELECT name FROM customers")]) == [
        "王明"]


@pytest.mark.e2e
def test_a_writer_waits_for_the_lock_and_then_writes(db):
    env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="20000")
    with Held(db) as held:
        adding = start(["add", "李娜"], env)
        time.sleep(1)
        assert adding.poll() is None  # waiting for the lock
    out, err = adding.communicate(timeout=60)
    assert (adding.returncode, out, err) == (0, "2\n", "")
    assert held.proc.returncode == 0


@pytest.mark.e2e
def test_rekey_refuses_while_another_crmctl_has_the_database_open(db, tmp_path):
    """A reader holding the shared lock (a long report) keeps rekey from replacing the
    file under it; rekey says busy and changes nothing."""
    holder = textwrap.dedent("""
        import sys
        from crmctl.store import open_database
        conn = open_database(sys.argv[1], sys.argv[2].encode())
        print("open", flush=True)
        sys.stdin.readline()
        conn.close()
    """)
    proc = subprocess.Popen([sys.executable, "-c", holder, str(db), PASSPHRASE], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout.readline() == "open\n"
    try:
        env = crmctl_env(db, CRMCTL_BUSY_TIMEOUT_MS="300",
                         CRMCTL_NEW_PASSPHRASE="新的 passphrase 2026")
        done = run(["rekey"], env)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert (done.returncode, done.stderr) == (
        1, "crmctl: database is busy (another crmctl has it open); try again\n")
    assert run(["list"], crmctl_env(db)).returncode == 0  # the old passphrase still opens


@pytest.mark.e2e
def test_forget_says_so_when_a_foreign_reader_keeps_the_old_pages(db, cli, monkeypatch):
    """A program outside crmctl (no lock) holds a read snapshot: the checkpoint cannot
    overwrite the old pages, so forget must not claim the person is gone from the file."""
    from sqlcipher3 import dbapi2 as sqlcipher

    monkeypatch.setattr("crmctl.store.connection.BUSY_TIMEOUT_MS", 200)
    reader = sqlcipher.connect(str(db), isolation_level=None)
    reader.set_key(PASSPHRASE.encode())
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM customers").fetchone()  # the snapshot
    try:
        result = cli("forget", "1", "--yes")
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert (result.exit_code, result.stderr) == (
        1, "crmctl: #1 is erased, but another program has the database open, so the old "
           "values stay in the file until it closes (the next crmctl command then clears "
           "them)\n")
    assert cli("forget", "1", "--yes").exit_code == 1  # erased in the database all the same


def test_rekey_and_restore_leave_one_lock_file_and_no_temp_files(db, cli, tmp_path):
    assert cli("backup", tmp_path / "b.db").exit_code == 0
    assert cli("restore", tmp_path / "b.db", "--yes").exit_code == 0
    assert cli("rekey", env={"CRMCTL_NEW_PASSPHRASE": "新的 passphrase 2026"}).exit_code == 0
    left = sorted(p.name for p in tmp_path.iterdir()
                  if p.name.endswith(".lock") or ".tmp-" in p.name)
    assert left == ["crm.db.lock"]
