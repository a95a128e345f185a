"""The installed command, run the way cron runs it: a minimal environment (PATH, HOME, the
database and a passphrase file; no TERM, no LANG), no terminal, stdin from /dev/null."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PASSPHRASE

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
CRMCTL = BIN / "crmctl"
BOX = re.compile("[─│┃━┏┓┗┛┡┩╇═║╭╮╯╰]")


@pytest.fixture
def cron(tmp_path):
    """run(*args, **env overrides) -> CompletedProcess, as cron would start crmctl."""
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret.chmod(0o600)
    home = tmp_path / "home"
    home.mkdir()
    base = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home),
            "CRMCTL_DB": str(tmp_path / "crm.db"), "CRMCTL_PASSPHRASE_FILE": str(secret)}

    def run(*args, exe=CRMCTL, **env):
        merged = {**base, **env}
        merged = {k: v for k, v in merged.items() if v is not None}
        argv = [str(exe), *args] if isinstance(exe, Path) else [*exe, *args]
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              env=merged, timeout=60)

    run.db = tmp_path / "crm.db"
    run.tmp = tmp_path
    return run


def text(stream: bytes) -> str:
    return stream.decode("utf-8")  # strict: the output must be UTF-8 even without LANG


def failure_line(done) -> str:
    err = text(done.stderr)
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert done.stdout == b""
    return err.rstrip("\n")


def test_cron_session(cron):
    init = cron("init")
    assert init.returncode == 0, text(init.stderr)
    assert oct(cron.db.stat().st_mode & 0o777) == "0o600"
    added = cron("add", "王明", "--company", "华为技术", "--phone", "13800138000", "--tag", "重要")
    assert added.returncode == 0, text(added.stderr)
    assert text(added.stdout) == "1\n"
    assert cron("add", "Anna Schmidt", "--email", "anna@acme.de").returncode == 0

    listing = cron("list")
    assert listing.returncode == 0
    out = text(listing.stdout)
    assert "王明" in out and "华为技术" in out and "重要" in out and "+8613800138000" in out
    assert not BOX.search(out) and "\x1b[" not in out
    assert listing.stderr == b""

    rows = json.loads(text(cron("list", "--format", "json").stdout))
    assert [(r["id"], r["name"], r["tags"]) for r in rows] == [(1, "王明", ["重要"]),
                                                               (2, "Anna Schmidt", [])]
    found = json.loads(text(cron("list", "--search", "王", "--format", "json").stdout))
    assert [r["id"] for r in found] == [1]


def test_failures_exit_codes_one_line(cron):
    missing = cron("list")
    assert missing.returncode == 1
    assert failure_line(missing) == (f"crmctl: no database at {cron.db}; "
                                     "create one with: crmctl init")
    assert cron("init").returncode == 0
    assert text(cron("add", "王明").stdout) == "1\n"
    before = cron.db.read_bytes()

    wrong = cron.tmp / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    wrong.chmod(0o600)
    bad_key = cron("list", CRMCTL_PASSPHRASE_FILE=str(wrong))
    assert bad_key.returncode == 3
    assert failure_line(bad_key) == f"crmctl: wrong passphrase for {cron.db}"

    usage = cron("list", "--no-such-option")
    assert usage.returncode == 2
    assert failure_line(usage).startswith("crmctl: No such option: --no-such-option")

    invalid = cron("add", "李娜", "--email", "li@")
    assert invalid.returncode == 1
    assert failure_line(invalid).startswith("crmctl: invalid email 'li@'")

    not_found = cron("show", "42")
    assert (not_found.returncode, failure_line(not_found)) == (1, "crmctl: no customer 42")

    rm = cron("rm", "1")  # no terminal, no --yes
    assert (rm.returncode, failure_line(rm)) == (2, "crmctl: rm needs --yes when not run on "
                                                    "a terminal")
    assert cron.db.read_bytes() == before


def test_no_passphrase_source_under_cron_exits_3_at_once(cron):
    assert cron("init").returncode == 0
    started = time.monotonic()
    done = cron("list", CRMCTL_PASSPHRASE_FILE=None)  # and no keyring backend set up
    assert time.monotonic() - started < 5
    assert done.returncode == 3
    assert failure_line(done).startswith("crmctl: no passphrase: set CRMCTL_PASSPHRASE_FILE")


def test_not_a_database_under_cron(cron):
    cron.db.write_text("name,phone\n王明,13800138000\n", encoding="utf-8")
    done = cron("list")
    assert done.returncode == 1
    assert failure_line(done) == (f"crmctl: {cron.db} is not a crmctl database "
                                  "(not an encrypted SQLite file)")


def test_help_and_python_m(cron):
    top = cron("--help")
    assert top.returncode == 0
    assert "init" in text(top.stdout) and "list" in text(top.stdout)
    sub = cron("add", "--help")
    assert sub.returncode == 0 and "Example:" in text(sub.stdout)
    as_module = cron("-m", "crmctl", "--help", exe=[sys.executable])
    assert as_module.returncode == 0
    assert text(as_module.stdout) == text(top.stdout)
    version = cron("--version")
    assert version.returncode == 0 and text(version.stdout).startswith("crmctl ")


def test_debug_shows_the_real_traceback(cron):
    assert cron("init").returncode == 0
    done = cron("--debug", "show", "42")
    assert done.returncode != 0
    err = text(done.stderr)
    assert "Traceback" in err
    assert err.rstrip().splitlines()[-1] == "crmctl.errors.NotFound: no customer 42"
    assert "AttributeError" not in err


def test_a_database_made_by_the_installed_command_is_derived_at_256000(tmp_path):
    """The suite's low key-derivation count (conftest.fast_kdf) never reaches a user: a
    database made by the installed crmctl opens with SQLCipher 4's defaults (PBKDF2 at
    256,000) and not with the test count."""
    from sqlcipher3 import dbapi2

    from conftest import TEST_KDF_ITER
    from stress_helpers import crmctl_env, run

    db = tmp_path / "made.db"
    assert run(["init"], crmctl_env(db)).returncode == 0

    def opens(kdf_iter: int) -> bool:
        conn = dbapi2.connect(str(db))
        try:
            conn.set_key(PASSPHRASE.encode())
            conn.execute(f"PRAGMA kdf_iter = {kdf_iter}")
            conn.execute("SELECT count(*) FROM customers").fetchone()
            return True
        except dbapi2.DatabaseError:
            return False
        finally:
            conn.close()

    assert opens(256_000) and not opens(TEST_KDF_ITER)
