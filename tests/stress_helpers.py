"""Shared helpers for the stress suites (tests/test_stress_*.py): run the installed crmctl
in a real process, hold the write lock from another process, and check that a database
is whole (integrity_check, cipher_integrity_check, audit verify)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from conftest import PASSPHRASE, new_database

CRMCTL = Path(sys.executable).with_name("crmctl")
NULL_KEYRING = "keyring.backends.null.Keyring"


def crmctl_env(db: Path, **extra: str) -> dict[str, str]:
    """The environment of a cron-like crmctl: no inherited CRMCTL_*, no keyring, no tty."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMCTL_")}
    env.update({"CRMCTL_DB": str(db), "CRMCTL_PASSPHRASE": PASSPHRASE,
                "PYTHON_KEYRING_BACKEND": NULL_KEYRING})
    env.update(extra)
    return env


def run(args, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the installed crmctl to completion; stdout/stderr as text."""
    return subprocess.run([str(CRMCTL), *map(str, args)], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def start(args, env: dict[str, str], **kwargs) -> subprocess.Popen:
    """Start the installed crmctl without waiting."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([str(CRMCTL), *map(str, args)], env=env, stdin=subprocess.DEVNULL,
                            text=True, **kwargs)


def populate(db: Path, n: int, *, note: str = "备注") -> None:
    """A fresh database with n customers (core API, one transaction each is too slow)."""
    from crmctl.core import customers
    from crmctl.store import atomic, open_database

    new_database(db)  # what create_database makes, copied (conftest.py)
    conn = open_database(db, PASSPHRASE.encode(), shared_lock=False)
    try:
        with atomic(conn):
            for i in range(n):
                customers.add(conn, {"name": f"客户{i}", "company": f"公司{i % 50}",
                                     "note": note}, allow_duplicate=True)
    finally:
        conn.close()


_HOLDER = textwrap.dedent("""
    import sys, time
    from crmctl.core import audit
    from crmctl.store import open_database
    conn = open_database(sys.argv[1], sys.argv[2].encode(), command="stress-holder")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE customers SET note = 'held' WHERE id = 1")
    audit.record(conn, "edit", "customer", 1, ["note"])
    print("locked", flush=True)
    time.sleep(float(sys.argv[3]))
    conn.execute("COMMIT")
    conn.close()
    print("released", flush=True)
""")


class LockHolder:
    """A python child that opens the database, takes the write lock (BEGIN IMMEDIATE and
    one write with its audit entry) and keeps it for ``seconds`` before committing."""

    def __init__(self, db: Path, seconds: float):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRMCTL_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(db), PASSPHRASE, str(seconds)], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "locked":
            self.proc.kill()
            raise AssertionError(f"lock holder did not start: {line!r} {self.proc.stderr.read()}")

    def wait(self, timeout: float = 60) -> None:
        out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0 and out.strip() == "released", err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@dataclass
class Health:
    integrity: list
    cipher_problems: list
    audit_ok: bool
    audit_entries: int
    customers: int

    @property
    def whole(self) -> bool:
        return self.integrity == [("ok",)] and not self.cipher_problems and self.audit_ok


def _opened(db: Path, passphrase: str):
    from crmctl.store import open_database

    return open_database(db, passphrase.encode())


def _health(conn) -> Health:
    from crmctl.core import audit

    verdict = audit.verify(conn)
    return Health(
        integrity=conn.execute("PRAGMA integrity_check").fetchall(),
        cipher_problems=conn.execute("PRAGMA cipher_integrity_check").fetchall(),
        audit_ok=verdict.ok, audit_entries=verdict.entries,
        customers=conn.execute("SELECT count(*) FROM customers").fetchone()[0])


def _snapshot(conn) -> dict[str, list]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
        "'CREATE VIRTUAL%' AND name NOT LIKE 'search_%' AND name NOT LIKE 'sqlite_%'")]
    return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            for t in tables}


def health(db: Path, passphrase: str = PASSPHRASE) -> Health:
    """Open the database as crmctl does and check everything that can be checked."""
    conn = _opened(db, passphrase)
    try:
        return _health(conn)
    finally:
        conn.close()


def snapshot(db: Path, passphrase: str = PASSPHRASE) -> dict[str, list]:
    """Every row of every ordinary table: to prove a refused command changed nothing."""
    conn = _opened(db, passphrase)
    try:
        return _snapshot(conn)
    finally:
        conn.close()


def state(db: Path, passphrase: str = PASSPHRASE) -> tuple[Health, dict[str, list]]:
    """health() and snapshot() from one open (each open costs ~0.2 s of key derivation)."""
    conn = _opened(db, passphrase)
    try:
        return _health(conn), _snapshot(conn)
    finally:
        conn.close()


def seed(db: Path) -> None:
    """Five customers (two scripts, one right-to-left) to import beside and aim at."""
    from crmctl.core import customers
    from crmctl.store import open_database

    new_database(db)
    conn = open_database(db, PASSPHRASE.encode(), shared_lock=False)
    for name, phone in (("王明", "13800138000"), ("李娜", "13900139000"), ("Anna", None),
                        ("محمد", None), ("张伟", "13700137000")):
        customers.add(conn, {"name": name, "phone": phone, "company": "华为"})
    conn.close()


def no_traceback(*texts: str) -> bool:
    return not any("Traceback (most recent call last)" in t for t in texts)
