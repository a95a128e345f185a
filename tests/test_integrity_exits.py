"""Exit 4 keeps its meaning: a database cut short or with garbage in it is damage (not "is the
disk full?", exit 1), and an audit table dropped by someone with the key is tampering (not
"internal error")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSPHRASE, inspect_db

CRMCTL = Path(sys.executable).with_name("crmctl")
PAGE = 4096


# One database per KDF count, made once: in-process tests open it at the test-only count,
# the installed command (real_kdf) at the real one.


def files(directory: Path) -> dict[str, bytes]:
    """What is in the directory, less the database's lock files (empty files every
    command may make: store/lock.py)."""
    return {p.name: p.read_bytes() for p in directory.iterdir()
            if not p.name.endswith((".lock", ".lock.gate"))}


@pytest.fixture(scope="module")
def made_at(tmp_path_factory):
    """made_at(kdf): a database (created, then 40 customers added, as ``init`` and ``add``
    do), closed: its bytes, made once per KDF count for the module."""
    from crmctl.core import customers
    from crmctl.store import create_database

    made: dict[int | None, bytes] = {}

    def make(kdf: int | None) -> bytes:
        if kdf not in made:
            path = tmp_path_factory.mktemp("made") / "crm.db"
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr("crmctl.store.connection.TEST_KDF_ITER", kdf)
                conn = create_database(path, PASSPHRASE.encode())
                for i in range(40):
                    customers.add(conn, {"name": f"王明{i}", "company": f"公司{i}",
                                         "email": f"w{i}@example.cn", "note": "备注" * 200})
                conn.close()
            assert not Path(f"{path}-wal").exists()  # everything is in the main file
            made[kdf] = path.read_bytes()
        return made[kdf]

    return make


@pytest.fixture
def made(made_at) -> bytes:
    """The database's bytes at the KDF count of this test (the real one for real_kdf)."""
    from crmctl.store import connection

    return made_at(connection.TEST_KDF_ITER)


def _garbage_in_the_middle(data: bytes) -> bytes:
    third = len(data) // 3
    return data[:third] + os.urandom(third) + data[2 * third:]


DAMAGE = {
    "truncated to half": lambda data: data[:len(data) // 2 // PAGE * PAGE],
    "truncated off a page boundary": lambda data: data[:len(data) // 2 + 123],
    "the first page only": lambda data: data[:PAGE],
    "zeros after the first page": lambda data: data[:PAGE] + bytes(len(data) - PAGE),
    "garbage in the middle": _garbage_in_the_middle,
}


def damaged_message(db_path: Path) -> str:
    return (f"crmctl: the database {db_path} is damaged (database disk image is malformed); "
            "restore it from a backup\n")


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_database_is_exit_4_one_line(cli, db_path, made, damage):
    db_path.write_bytes(DAMAGE[damage](made))
    before = files(db_path.parent)
    for args in (["list"], ["add", "李娜"], ["audit", "verify"], ["export"]):
        result = cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (
            4, "", damaged_message(db_path)), args
    assert files(db_path.parent) == before  # nothing written, nothing made beside it


@pytest.mark.real_kdf
def test_a_truncated_database_through_the_installed_command(db_path, made, tmp_path):
    """The installed command, as cron runs it: the same line and exit code."""
    db_path.write_bytes(made[:len(made) // 2 + 123])
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CRMCTL_DB": str(db_path),
           "CRMCTL_PASSPHRASE": PASSPHRASE,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    for command in ("list", "followups", "backup"):
        args = [command] + ([str(tmp_path / "b.db")] if command == "backup" else [])
        done = subprocess.run([str(CRMCTL), *args], env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout, done.stderr) == (4, "", damaged_message(db_path))
    assert not (tmp_path / "b.db").exists()


def test_a_wrong_passphrase_on_a_truncated_database_is_still_exit_3(cli, db_path, made):
    db_path.write_bytes(made[:len(made) // 2 // PAGE * PAGE])
    result = cli("list", env={"CRMCTL_PASSPHRASE": "not the passphrase"})
    assert (result.exit_code, result.stderr) == (
        3, f"crmctl: wrong passphrase for {db_path}\n")


# --- the audit table dropped with the key ------------------------------------------------

@pytest.fixture
def audit_dropped(initialized, db_path):
    from crmctl.store import open_database

    for name in ("王明", "李娜"):
        assert initialized("add", name).exit_code == 0
    conn = open_database(db_path, PASSPHRASE.encode())
    conn.execute("DROP TABLE audit_log")  # the tamperer of tests/test_audit_tamper.py
    conn.close()
    return initialized


def test_audit_verify_without_the_audit_table_is_exit_4(audit_dropped):
    result = audit_dropped("audit", "verify")
    assert (result.exit_code, result.stdout, result.stderr) == (
        4, "", "crmctl: audit log verification failed: the audit log table is missing\n")
    as_json = audit_dropped("audit", "verify", "--format", "json")
    assert as_json.exit_code == 4
    assert json.loads(as_json.stdout) == {"ok": False, "entries": 0, "head": None,
                                          "first_bad": None,
                                          "problem": "the audit log table is missing"}


@pytest.mark.parametrize("args", [["audit", "head"], ["audit", "log"], ["add", "张伟"]])
def test_other_commands_without_the_audit_table_are_exit_4(audit_dropped, args):
    result = audit_dropped(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        4, "", "crmctl: the database is damaged or tampered with (no such table: audit_log); "
               "restore it from a backup\n")
    if args[0] == "add":
        names = inspect_db(lambda c: c.execute("SELECT name FROM customers").fetchall())
        assert names == [("王明",), ("李娜",)]  # nothing added
