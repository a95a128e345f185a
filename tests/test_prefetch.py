"""The early open (crmctl.prefetch): the key is derived in a thread while the command line
is read, and the connection is used only for the same file and the same passphrase.
Anything else falls back to the normal open, which says what is wrong as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from crmctl import prefetch
from crmctl.errors import PassphraseError
from crmctl.store import create_database, open_database

KEY = PASSPHRASE.encode()


@pytest.fixture(autouse=True)
def fresh_state():
    prefetch.claim(Path("/"), b"")  # nothing left over from another test
    yield
    leftover = prefetch.claim(Path("/"), b"")
    assert leftover is None


@pytest.fixture
def db(db_path):
    create_database(db_path, KEY).close()
    return db_path


@pytest.mark.parametrize("argv, expected", [
    (["followups"], (None, "followups")),
    (["followups", "--format", "json"], (None, "followups")),
    (["--db", "x.db", "list", "--search", "王"], ("x.db", "list")),
    (["--db=客户.db", "show", "1"], ("客户.db", "show")),
    (["--debug", "report"], (None, "report")),
    (["--db"], None),
    (["--version"], None),
    (["-h"], None),
    ([], None),
])
def test_the_command_line_is_read_only_as_far_as_the_command(argv, expected):
    assert prefetch._db_option_and_command(argv) == expected


def test_a_report_command_gets_the_connection_opened_early(db):
    prefetch.start(["followups", "--format", "json"], os.environ)
    conn = prefetch.claim(db, KEY)
    assert conn is not None
    assert conn.execute("SELECT count(*) FROM customers").fetchone() == (0,)
    conn.close()
    assert prefetch.claim(db, KEY) is None  # once only


def test_open_database_uses_the_early_connection_and_migrates_it(db):
    prefetch.start(["--db", str(db), "list"], os.environ)
    conn = open_database(db, KEY, command="list")
    assert conn.command == "list" and conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert prefetch._thread is None  # it was claimed
    conn.close()


def test_another_file_or_passphrase_does_not_get_it(db, tmp_path):
    other = tmp_path / "other.db"
    create_database(other, b"another one").close()
    prefetch.start(["list"], os.environ)
    assert prefetch.claim(other, b"another one") is None
    prefetch.start(["list"], os.environ)
    assert prefetch.claim(db, b"not the passphrase") is None


def test_a_wrong_passphrase_is_reported_by_the_normal_open(db, monkeypatch):
    monkeypatch.setenv("CRMCTL_PASSPHRASE", "wrong")
    prefetch.start(["followups"], os.environ)
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        open_database(db, b"wrong")


@pytest.mark.parametrize("argv", [["add", "王明"], ["import", "x.csv"], ["init"],
                                  ["followups", "--help"], ["list", "-h"], ["--help"]])
def test_other_commands_and_help_start_nothing(db, argv):
    prefetch.start(argv, os.environ)
    assert prefetch._thread is None


def test_a_passphrase_command_is_never_run_early(db, monkeypatch, tmp_path):
    marker = tmp_path / "ran"
    monkeypatch.setenv("CRMCTL_PASSPHRASE_CMD", f"touch {marker}; echo {PASSPHRASE}")
    prefetch.start(["followups"], os.environ)
    assert prefetch.claim(db, KEY) is None
    assert not marker.exists()


def test_the_passphrase_file_comes_first_as_in_the_contract(db, monkeypatch, tmp_path):
    secret = tmp_path / "pass"
    secret.write_text(PASSPHRASE + "\nsecond line\n", encoding="utf-8")
    monkeypatch.setenv("CRMCTL_PASSPHRASE_FILE", str(secret))
    monkeypatch.setenv("CRMCTL_PASSPHRASE", "not this one")
    prefetch.start(["list"], os.environ)
    conn = prefetch.claim(db, KEY)
    assert conn is not None
    conn.close()


def test_installed_command_under_cron_conditions(db, tmp_path):
    """The console script starts the early open; the results are those of a normal open."""
    crmctl = str(Path(sys.executable).with_name("crmctl"))
    env = {"PATH": os.environ["PATH"], "CRMCTL_DB": str(db), "CRMCTL_PASSPHRASE": PASSPHRASE,
           "HOME": str(tmp_path)}
    ran = subprocess.run([crmctl, "add", "王明", "--phone", "13800138000"], env=env,
                         capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stderr
    ran = subprocess.run([crmctl, "list", "--format", "csv"], env=env, capture_output=True,
                         text=True, stdin=subprocess.DEVNULL)
    assert ran.returncode == 0 and "王明" in ran.stdout, ran.stderr
    wrong = subprocess.run([crmctl, "followups"], env={**env, "CRMCTL_PASSPHRASE": "wrong"},
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert (wrong.returncode, wrong.stderr) == (3, f"crmctl: wrong passphrase for {db}\n")
    missing = subprocess.run([crmctl, "--db", str(tmp_path / "none.db"), "show", "1"],
                             env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert missing.returncode == 1 and "no database at" in missing.stderr
