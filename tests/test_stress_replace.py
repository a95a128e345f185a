"""rekey and restore replace the database file; no write that a concurrent crmctl reported
as done may be lost by it (store/lock.py). Real processes of the installed crmctl: writers
add customers in a loop while the file is rekeyed or restored again and again; afterwards
every add that exited 0 is found (after a restore: in the result or in the before-restore
file that restore kept). Slow: ``make check``."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from stress_helpers import crmctl_env, run, start

pytestmark = pytest.mark.slow

ROUNDS = 20
WRITERS = 2
OTHER = "another passphrase, 另一个"


def _names(path: Path, passphrase: str) -> set[str]:
    from sqlcipher3 import dbapi2 as sqlcipher

    conn = sqlcipher.connect(str(path))
    try:
        conn.set_key(passphrase.encode())
        return {row[0] for row in conn.execute("SELECT name FROM customers")}
    finally:
        conn.close()


def _opens(path: Path, passphrase: str) -> bool:
    try:
        _names(path, passphrase)
        return True
    except Exception:  # noqa: BLE001 - a wrong key is "file is not a database"
        return False


class Writers:
    """Threads that each run `crmctl add` in a loop until stopped, keeping every name whose
    add exited 0 and printed an id. The passphrase is read from a file that the test
    updates after each rekey (an add that reads a stale one fails: that is not a loss)."""

    def __init__(self, env: dict[str, str]):
        self.env, self.confirmed, self.failed = env, [], []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(w,)) for w in range(WRITERS)]

    def _loop(self, writer: int) -> None:
        i = 0
        while not self.stop.is_set():
            name = f"写入{writer}-{i}"
            done = run(["add", name, "--allow-duplicate"], self.env)
            if done.returncode == 0 and done.stdout.strip().isdigit():
                self.confirmed.append(name)
            else:
                self.failed.append((done.returncode, done.stderr.strip()))
            i += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


def _init(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    db, secret = tmp_path / "crm.db", tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    env = crmctl_env(db, CRMCTL_PASSPHRASE_FILE=str(secret))
    assert run(["init"], env).returncode == 0
    return db, secret, env


def test_no_confirmed_add_is_lost_across_twenty_rekeys(tmp_path):
    db, secret, env = _init(tmp_path)
    current, rekeys = PASSPHRASE, 0
    with Writers(env) as writers:
        for n in range(ROUNDS):
            new = f"{OTHER} {n}"
            done = run(["rekey"], dict(env, CRMCTL_NEW_PASSPHRASE=new))
            if done.returncode == 0:
                current, rekeys = new, rekeys + 1
                secret.write_text(new + "\n")
            else:
                assert "database is busy" in done.stderr, done.stderr
            time.sleep(0.2)
    assert rekeys >= ROUNDS // 2, "most rekeys should get the lock"
    assert writers.confirmed, writers.failed[:3]
    assert set(writers.confirmed) <= _names(db, current)  # 0 lost
    assert {code for code, _ in writers.failed} <= {1, 3}  # busy, or a stale passphrase


def test_no_confirmed_add_is_lost_across_twenty_restores(tmp_path):
    db, _secret, env = _init(tmp_path)
    assert run(["add", "备份里的人"], env).returncode == 0
    assert run(["backup", tmp_path / "b.db"], env).returncode == 0
    restored = 0
    with Writers(env) as writers:
        for _ in range(ROUNDS):
            done = run(["restore", tmp_path / "b.db", "--yes"], env)
            if done.returncode == 0:
                restored += 1
            else:
                assert "database is busy" in done.stderr, done.stderr
            time.sleep(0.2)
    assert restored >= ROUNDS // 2, "most restores should get the lock"
    kept = sorted(tmp_path.glob("crm.db.before-restore-*"))
    assert len(kept) == restored
    found = _names(db, PASSPHRASE).union(*(_names(k, PASSPHRASE) for k in kept))
    assert writers.confirmed and set(writers.confirmed) <= found  # 0 lost
    assert {code for code, _ in writers.failed} <= {1}


def test_of_two_rekeys_started_together_one_wins_and_only_its_passphrase_opens(tmp_path):
    db, secret, env = _init(tmp_path)
    current = PASSPHRASE
    for n in range(5):
        news = [f"{OTHER} {n}a", f"{OTHER} {n}b"]
        procs = [start(["rekey"], dict(env, CRMCTL_NEW_PASSPHRASE=new)) for new in news]
        codes = [p.wait(timeout=120) for p in procs]
        assert sorted(codes) in ([0, 1], [0, 3]), [p.stderr.read() for p in procs]
        won = news[codes.index(0)]
        assert "passphrase changed" in procs[codes.index(0)].stderr.read()
        assert [_opens(db, p) for p in (current, *news)] == [False, *(n == won for n in news)]
        current = won
        secret.write_text(won + "\n")
