"""Environment faults: read-only database, missing directory, HOME unset, no keyring,
disk full. Each one: exit 1 (or 3 for the passphrase), one clear line, nothing lost.

Read-only and disk-full need a real file system that says no. As root (these tests'
usual home) chmod does not stop writes, so: a read-only bind mount and a small tmpfs when
`mount` is allowed, `chattr +i` for an immutable file; without root, chmod 0400 and
RLIMIT_FSIZE (the kernel refuses writes past a size) stand in. Tests skip, saying why,
when their mechanism is missing.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from stress_helpers import crmctl_env, health, populate, run, snapshot

pytestmark = [pytest.mark.slow, pytest.mark.e2e]  # make check: races and machine limits

WRITE_REFUSED_RO = "crmctl: the database is read-only; nothing was changed\n"
FULL = "crmctl: cannot write the database (database or disk is full); nothing was changed\n"


def one_line(text: str) -> bool:
    return text.endswith("\n") and text.count("\n") == 1 and "Traceback" not in text


@contextmanager
def mounted(target: Path, *args: str):
    """mount … target for the duration; skip the test when mounting is not allowed."""
    target.mkdir(exist_ok=True)
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} not allowed here: {done.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "data" / "crm.db"
    path.parent.mkdir()
    populate(path, 30)
    return path


def big_csv(path: Path, rows: int) -> Path:
    lines = [f"导入{i},公司{i % 30},+86137{i:08d},{'备注' * 20}" for i in range(rows)]
    path.write_text("name,company,phone,note\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- read-only --------------------------------------------------------------------------------

@contextmanager
def read_only_file(path: Path):
    """Make the file itself unwritable: chmod 0400 for a normal user, chattr +i for root."""
    if os.geteuid() != 0:
        path.chmod(0o400)
        try:
            yield "chmod 0400"
        finally:
            path.chmod(0o600)
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)]).returncode:
        pytest.skip("root, and chattr +i is not available: cannot make the file read-only")
    try:
        yield "chattr +i"
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_only_database_file_reads_work_writes_refused_in_one_line(db):
    env = crmctl_env(db)
    before = snapshot(db)
    with read_only_file(db):
        listed = run(["list", "--format", "csv"], env)
        added = run(["add", "王明", "--company", "华为"], env)
        tagged = run(["tag", "add", "vip", "1", "2"], env)
        verified = run(["audit", "verify"], env)
    assert listed.returncode == 0 and listed.stdout.count("\n") == 31, listed.stderr
    assert (added.returncode, added.stdout, added.stderr) == (1, "", WRITE_REFUSED_RO)
    assert (tagged.returncode, tagged.stderr) == (1, WRITE_REFUSED_RO)
    assert verified.returncode == 0
    assert snapshot(db) == before and health(db).whole


def test_read_only_mount_says_so_in_one_line_and_loses_nothing(db, tmp_path):
    """A read-only directory (bind mount): SQLite cannot make the -shm file WAL readers need.
    Before the fix this said 'wrong passphrase' (exit 3), sending the user after the key."""
    before = snapshot(db)
    for side in ("-wal", "-shm"):
        assert not Path(f"{db}{side}").exists()
    with mounted(tmp_path / "ro", "-o", "bind,ro", str(db.parent)) as ro:
        env = crmctl_env(ro / "crm.db")
        listed = run(["list"], env)
        added = run(["add", "王明"], env)
        wrong_key = run(["list"], {**env, "CRMCTL_PASSPHRASE": "not it"})
    line = (f"crmctl: cannot open {ro / 'crm.db'} (unable to open database file): "
            "is it or its directory read-only?\n")
    assert (listed.returncode, listed.stdout, listed.stderr) == (1, "", line)
    assert (added.returncode, added.stdout, added.stderr) == (1, "", line)
    assert (wrong_key.returncode, wrong_key.stderr) == (
        3, f"crmctl: wrong passphrase for {ro / 'crm.db'}\n")
    assert snapshot(db) == before and health(db).whole


# --- paths and HOME -----------------------------------------------------------------------

def test_database_in_a_directory_that_does_not_exist(cli, tmp_path):
    path = tmp_path / "nowhere" / "deeper" / "crm.db"
    r = cli("--db", path, "list")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", f"crmctl: no database at {path}; create one with: crmctl init\n")
    r = cli("--db", path, "add", "王明")
    assert (r.exit_code, r.stderr) == (
        1, f"crmctl: no database at {path}; create one with: crmctl init\n")
    assert not (tmp_path / "nowhere").exists()  # reading and refusing created nothing
    # init makes the missing directories (the platform data dir does not exist at first)
    # but a file in the way is one line, not a traceback (found by this test)
    (tmp_path / "afile").write_text("not a directory")
    blocked = tmp_path / "afile" / "sub" / "crm.db"
    r = cli("--db", blocked, "init")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", f"crmctl: cannot create {blocked}: cannot make directory {blocked.parent} "
               "(Not a directory)\n")
    r = cli("--db", path, "init")
    assert r.exit_code == 0 and path.exists(), r.stderr
    assert (path.parent.stat().st_mode & 0o777) == 0o700


def test_home_unset(db):
    env = crmctl_env(db)
    env.pop("HOME", None)
    added = run(["add", "王明", "--company", "华为"], env)
    listed = run(["list", "--search", "王明", "--format", "csv"], env)
    assert (added.returncode, added.stderr, added.stdout) == (0, "", "31\n")
    assert listed.returncode == 0 and "王明,华为" in listed.stdout
    # no CRMCTL_DB either: the default path is used and named; nothing is created there
    bare = {k: v for k, v in env.items() if k not in ("CRMCTL_DB", "XDG_DATA_HOME")}
    default = subprocess.run(
        [str(Path(os.sys.executable)), "-c",
         "from crmctl.store import default_db_path; print(default_db_path())"],
        env=bare, capture_output=True, text=True).stdout.strip()
    if Path(default).exists():
        pytest.skip(f"a real database exists at {default}; not touching it")
    listed = run(["list"], bare)
    assert (listed.returncode, listed.stderr) == (
        1, f"crmctl: no database at {default}; create one with: crmctl init\n")
    assert not Path(default).exists()


# --- keyring -----------------------------------------------------------------------------

def test_no_keyring_backend_falls_through(db):
    env = crmctl_env(db, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    listed = run(["list", "--format", "json"], env)
    assert (listed.returncode, listed.stderr) == (0, "")
    remembered = run(["key", "remember"], env)
    assert remembered.returncode == 1 and one_line(remembered.stderr)
    assert remembered.stderr.startswith("crmctl: no usable keyring here")
    no_source = {k: v for k, v in env.items() if k != "CRMCTL_PASSPHRASE"}
    started = time.monotonic()
    cron = run(["followups"], no_source, timeout=30)
    assert cron.returncode == 3 and one_line(cron.stderr) and cron.stdout == ""
    assert cron.stderr.startswith("crmctl: no passphrase: set CRMCTL_PASSPHRASE_FILE")
    assert time.monotonic() - started < 20, "cron must not wait for input"
    assert health(db).whole


# --- disk full ---------------------------------------------------------------------------

def fill(path: Path, leave: int) -> None:
    """Grow ``path`` until the file system has at most ``leave`` bytes free."""
    with open(path, "ab") as f:
        try:
            while True:
                room = os.statvfs(path)
                if room.f_bavail * room.f_frsize <= leave:
                    return
                f.write(b"\0" * 4096)
                f.flush()
        except OSError:
            return


def test_disk_full_tmpfs(db, tmp_path):
    """A 600 KB tmpfs holding the database: a big import fills it; a full disk stops even
    the opening (the -shm file); init on it leaves nothing; a backup onto it is refused."""
    csv_file = big_csv(tmp_path / "big.csv", 8000)
    with mounted(tmp_path / "small", "-t", "tmpfs", "-o", "size=600k", "tmpfs") as small:
        live = small / "crm.db"
        shutil.copy2(db, live)
        env = crmctl_env(live)
        before = snapshot(live)
        imported = run(["import", csv_file], env)
        assert (imported.returncode, imported.stdout, imported.stderr) == (1, "", FULL)
        assert snapshot(live) == before and health(live).whole
        fill(small / "filler", leave=100_000)  # no room for a second copy
        backup = run(["backup", small / "b.db"], env)
        assert backup.returncode == 1 and one_line(backup.stderr), backup.stderr
        assert sorted(p.name for p in small.iterdir()) == ["crm.db", "crm.db.lock",
                                                          "crm.db.lock.gate", "filler"]
        fill(small / "filler", leave=0)  # every last block
        for leftover in ("crm.db-wal", "crm.db-shm"):
            assert not (small / leftover).exists()
        listed = run(["list"], env)
        assert (listed.returncode, listed.stderr) == (
            1, f"crmctl: cannot open {live} (disk I/O error): is the disk full?\n")
        fresh = run(["init"], crmctl_env(small / "new.db"))
        assert fresh.returncode == 1 and one_line(fresh.stderr), fresh.stderr
        assert not [p for p in small.iterdir() if p.name.startswith("new.db")]
        (small / "filler").unlink()
        assert snapshot(live) == before and health(live).whole


def _limit_file_size(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_disk_full_simulated_with_a_file_size_limit(db, tmp_path):
    """No root needed: RLIMIT_FSIZE makes the kernel refuse writes past 300 KB (EFBIG),
    as a full disk refuses them; the import fails whole and nothing is lost."""
    csv_file = big_csv(tmp_path / "big.csv", 8000)
    env = crmctl_env(db)
    before = snapshot(db)
    done = subprocess.run([str(Path(os.sys.executable).with_name("crmctl")), "import",
                           str(csv_file)], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=_limit_file_size(300_000))
    assert done.returncode == 1 and done.stdout == "" and one_line(done.stderr), done.stderr
    assert done.stderr.startswith("crmctl: cannot write the database (")
    assert done.stderr.endswith("); nothing was changed\n")
    assert snapshot(db) == before
    state = health(db)
    assert state.whole and state.customers == 30
