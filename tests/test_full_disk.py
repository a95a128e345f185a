"""A full disk is one line and exit 1, wherever it strikes, and the line tells the truth
(issue 13, item 5): the rejects file of an import (written before the commit, so a failure
rolls the import back), an export file, standard output (buffered or not), a backup, the
database itself. Never "internal error", never an "Exception ignored" traceback at exit,
never a temp file left behind.

The installed crmctl runs under `prlimit --fsize=N` (a write past N bytes fails with EFBIG;
Python ignores SIGXFSZ); one test puts the rejects file on a full tmpfs (ENOSPC) where
mounting one is allowed.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import shutil
import subprocess
import uuid

import pytest
from conftest import inspect_db, new_database
from stress_helpers import CRMCTL, crmctl_env, populate

pytestmark = [pytest.mark.skipif(shutil.which("prlimit") is None, reason="no prlimit here"),
              pytest.mark.e2e]


def run_limited(args, db, fsize: int, *, stdout=subprocess.PIPE, unbuffered: bool = True,
                cwd=None) -> subprocess.CompletedProcess:
    """The installed crmctl, writing no file past ``fsize`` bytes."""
    env = crmctl_env(db)
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.run(["prlimit", f"--fsize={fsize}", str(CRMCTL), *map(str, args)],
                          env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120, cwd=cwd)


def customers() -> int:
    return inspect_db(lambda c: c.execute("SELECT count(*) FROM customers").fetchone()[0])


def audit_entries() -> int:
    return inspect_db(lambda c: c.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".tmp" in p.name)


def audit_is_whole(db) -> bool:
    return subprocess.run([str(CRMCTL), "audit", "verify"], env=crmctl_env(db),
                          capture_output=True).returncode == 0


@pytest.fixture
def db(tmp_path):
    """A new database at the real KDF count (the module is e2e): what `crmctl init` makes,
    copied (conftest.new_database) rather than made by one more subprocess per test."""
    path = tmp_path / "crm.db"
    new_database(path)
    return path


def contacts(path, rows: int, bad_every: int, bad_note: int = 0) -> None:
    """A CSV of ``rows`` contacts; every ``bad_every``-th has no valid email (refused)
    and a note of ``bad_note`` characters."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "email", "note"])
        for i in range(rows):
            bad = i % bad_every == 0
            writer.writerow([f"客户{i}", "not-an-email" if bad else f"c{i}@example.com",
                             "x" * bad_note if bad else ""])


# --- the rejects file --------------------------------------------------------------------

def test_rejects_that_cannot_be_written_roll_the_import_back(db, tmp_path):
    """The old code exited 1 "internal error … probably a bug" and left .rej.csv.PID.tmp."""
    source, rejects = tmp_path / "in.csv", tmp_path / "rej.csv"
    contacts(source, 20, bad_every=2, bad_note=100_000)  # ~1 MB of refused rows
    result = run_limited(["import", source, "--rejects", rejects], db,
                         db.stat().st_size + 256_000)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"crmctl: cannot write {rejects}: file too large; nothing was changed\n"
    assert customers() == 0 and not rejects.exists() and leftovers(tmp_path) == []
    assert audit_is_whole(db)


@pytest.fixture
def full_tmpfs(tmp_path):
    """A 64 KB tmpfs, filled to the last block (root only; skipped where mount is refused)."""
    mount = tmp_path / "usb"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        with (mount / "filler").open("wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_rejects_on_a_full_disk_roll_the_import_back(db, tmp_path, full_tmpfs):
    """The issue's case: the rows fit the database, the few refused ones not the stick.
    The old code committed every row, then failed closing the rejects file ("internal
    error"), so a re-run would skip them all as duplicates."""
    source, rejects = tmp_path / "in.csv", full_tmpfs / "rej.csv"
    contacts(source, 300, bad_every=50)
    result = run_limited(["import", source, "--rejects", rejects], db, 1 << 40)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"crmctl: cannot write {rejects}: no space left on device; "
                             "nothing was changed\n")
    assert customers() == 0
    assert sorted(p.name for p in full_tmpfs.iterdir()) == ["filler"]


def test_rejects_that_cannot_be_put_in_place_after_the_commit_are_reported(
        initialized, tmp_path, monkeypatch):
    """The rename comes after the commit: if it fails, the import is committed and says so
    (exit 0, a warning line), and the temp file is removed."""
    source, rejects = tmp_path / "in.csv", tmp_path / "rej.csv"
    contacts(source, 300, bad_every=50)

    def no_room(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", no_room)
    result = initialized("import", source, "--rejects", rejects, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["inserted"] == 294
    assert result.stderr == (f"warning: cannot write {rejects}: no space left on device; the "
                             "import was committed without its 6 refused row(s)\n")
    assert customers() == 294 and not rejects.exists() and leftovers(tmp_path) == []


# --- export, standard output, backup, the database --------------------------------------------

@pytest.fixture
def populated(tmp_path):
    path = tmp_path / "crm.db"
    populate(path, 600)  # ~60 KB of CSV
    return path


LIMIT = 40_000  # bytes: room for the -shm and the WAL of a read, not for 600 customers


def test_export_to_a_full_disk_is_one_line_and_leaves_nothing(populated, tmp_path):
    """The old code: "internal error: OSError: [Errno 27] File too large"."""
    before = audit_entries()
    out = tmp_path / "out.csv"
    result = run_limited(["export", "--out", out], populated, LIMIT)
    assert (result.returncode, result.stdout) == (1, "")
    assert re.fullmatch(rf"crmctl: cannot write {re.escape(str(out))}: "
                        r"file too large; nothing was changed\n", result.stderr), result.stderr
    assert not out.exists() and leftovers(tmp_path) == []
    assert audit_entries() == before  # no record of an export that did not happen


@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
def test_standard_output_on_a_full_disk_is_one_line(populated, tmp_path, unbuffered):
    """Unbuffered (PYTHONUNBUFFERED=1, as in many container images), the old code lost the
    rest of a write cut short without an error: exit 0 and a truncated listing. Buffered,
    it said "internal error"."""
    out = tmp_path / "list.json"
    with out.open("w") as stdout:
        result = run_limited(["list", "--format", "json"], populated, LIMIT, stdout=stdout,
                             unbuffered=unbuffered)
    assert result.returncode == 1
    assert result.stderr == ("crmctl: cannot write standard output: file too large; nothing "
                             "was changed\n")


def test_a_write_whose_output_fails_says_the_change_was_saved(populated, tmp_path):
    """`add` commits, then its id cannot be printed (the file is at the limit): the old code
    printed an "Exception ignored … OSError" traceback at exit, status 120. Now one line
    that does not claim nothing changed: the customer is there."""
    out = tmp_path / "ids.txt"
    out.write_bytes(b"\n" * 200_000)
    with out.open("a") as stdout:
        result = run_limited(["add", "新客户"], populated, 200_000, stdout=stdout,
                             unbuffered=False)
    assert result.returncode == 1
    assert result.stderr == ("crmctl: cannot write standard output: file too large (the "
                             "command's changes to the database were saved)\n")
    assert customers() == 601


def test_backup_to_a_full_disk_names_the_backup_and_leaves_nothing(db, tmp_path):
    """The old line named the database ("cannot write the database"), which was untouched."""
    dest = tmp_path / "backups"
    dest.mkdir()
    target = dest / "crm-copy.db"
    result = run_limited(["backup", target], db, 100_000)
    assert (result.returncode, result.stdout) == (1, "")
    assert re.fullmatch(rf"crmctl: cannot write {re.escape(str(target))}: (disk I/O error|"
                        r"database or disk is full) \(is the disk full\?\); nothing was "
                        r"changed\n", result.stderr), result.stderr
    assert list(dest.iterdir()) == []
    assert audit_is_whole(db)


def test_a_database_that_cannot_grow_changes_nothing(db, tmp_path):
    source = tmp_path / "in.csv"
    contacts(source, 3000, bad_every=1000)
    result = run_limited(["import", source], db, db.stat().st_size + 64_000)
    assert (result.returncode, result.stdout) == (1, "")
    assert re.fullmatch(r"crmctl: cannot write the database \((disk I/O error|database or "
                        r"disk is full)\); nothing was changed\n", result.stderr), result.stderr
    assert customers() == 0 and leftovers(tmp_path) == []
    assert audit_is_whole(db)


def test_stdout_is_still_written_whole(populated, tmp_path):
    """The buffered standard output the exit point sets up loses nothing on the way."""
    out = tmp_path / f"{uuid.uuid4().hex}.json"
    with out.open("w") as stdout:
        result = run_limited(["list", "--format", "json"], populated, 1 << 40, stdout=stdout)
    assert result.returncode == 0
    assert len(json.loads(out.read_text())) == 600
