"""backup, restore, rekey: verified encrypted copies, private files, crash safety."""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PASSPHRASE

from crmctl.errors import PassphraseError
from crmctl.store import open_database

NEW = "新的 passphrase 2026"


def names(path: Path, passphrase: str = PASSPHRASE) -> list[str]:
    conn = open_database(path, passphrase.encode())
    try:
        return [r[0] for r in conn.execute("SELECT name FROM customers ORDER BY id")]
    finally:
        conn.close()


def opens_with(path: Path, passphrase: str) -> bool:
    try:
        open_database(path, passphrase.encode()).close()
        return True
    except PassphraseError:
        return False


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def listing(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in directory.iterdir() if not p.name.endswith("-shm")}


def test_backup_copy_opens_has_the_data_and_is_private(initialized, tmp_path):
    cli = initialized
    os.umask(0o022)  # even with a permissive umask
    cli("add", "王明", "--company", "华为")
    cli("add", "李娜", "--company", "腾讯")
    r = cli("backup", tmp_path / "b.db")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == f"backup written to {tmp_path / 'b.db'} (verified)\n"
    assert mode(tmp_path / "b.db") == 0o600
    assert names(tmp_path / "b.db") == ["王明", "李娜"]
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]  # no temp file left
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    assert cli("backup", shelf).exit_code == 0  # a directory: crm-<time>.db inside
    (copy,) = shelf.iterdir()
    assert copy.name.startswith("crm-") and mode(copy) == 0o600
    log = json.loads(cli("audit", "log", "--action", "backup", "--format", "json").stdout)
    assert [(e["entity"], e["fields"]) for e in log] == [("database", [])] * 2


def test_backup_with_new_passphrase(initialized, tmp_path, monkeypatch):
    cli = initialized
    cli("add", "王明")
    monkeypatch.setenv("CRMCTL_NEW_PASSPHRASE", NEW)
    assert cli("backup", tmp_path / "b.db", "--new-passphrase").exit_code == 0
    assert names(tmp_path / "b.db", NEW) == ["王明"]
    assert not opens_with(tmp_path / "b.db", PASSPHRASE)
    assert opens_with(tmp_path / "crm.db", PASSPHRASE)  # the live one keeps its passphrase


def test_new_passphrase_confirm_mismatch_writes_nothing(initialized, tmp_path, monkeypatch):
    import getpass

    cli = initialized
    answers = iter(["one passphrase", "another passphrase"] * 3)  # mistyped three times
    monkeypatch.setattr("crmctl.store.passphrase.stdin_is_terminal", lambda: True)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    before = listing(tmp_path)
    r = cli("backup", tmp_path / "b.db", "--new-passphrase")
    assert (r.exit_code, r.stderr) == (3, "the two entries differ; try again\n" * 2
                                       + "crmctl: the two passphrases differ; nothing was changed\n")
    assert listing(tmp_path) == before


def test_restore_refuses_non_db_and_wrong_passphrase(initialized, tmp_path):
    cli = initialized
    cli("add", "王明")
    (tmp_path / "notes.txt").write_text("王明 13800138000\n" * 400)
    cli("backup", tmp_path / "b.db")
    from crmctl.store import create_database

    other = tmp_path / "other.db"  # a crmctl database under another passphrase
    create_database(other, b"someone else's").close()
    before = listing(tmp_path)
    r = cli("restore", tmp_path / "notes.txt", "--yes")
    assert (r.exit_code, r.stderr) == (
        1, f"crmctl: {tmp_path / 'notes.txt'} is not a crmctl database "
           "(not an encrypted SQLite file)\n")
    r = cli("restore", other, "--yes")
    assert (r.exit_code, r.stderr) == (
        3, f"crmctl: the current passphrase does not open {other}; run restore on a terminal "
           "to be asked for the backup's\n")
    r = cli("restore", tmp_path / "missing.db", "--yes")
    assert (r.exit_code, r.stderr) == (1, f"crmctl: no backup at {tmp_path / 'missing.db'}\n")
    r = cli("restore", tmp_path / "b.db")
    assert (r.exit_code, r.stderr) == (2, "crmctl: restore needs --yes when not run on a terminal\n")
    damaged = tmp_path / "damaged.db"
    raw = bytearray((tmp_path / "b.db").read_bytes())
    raw[4096 * 5 + 100:4096 * 5 + 108] = bytes(8)  # one page no longer authenticates
    damaged.write_bytes(bytes(raw))
    before[damaged.name] = len(raw)
    r = cli("restore", damaged, "--yes")
    assert (r.exit_code, r.stderr) == (
        4, f"crmctl: {damaged} is damaged: database disk image is malformed\n")
    assert listing(tmp_path) == before
    assert names(tmp_path / "crm.db") == ["王明"]


def test_restore_brings_back_the_backup_and_keeps_the_previous(initialized, tmp_path):
    cli = initialized
    cli("add", "王明")
    cli("backup", tmp_path / "b.db")
    cli("add", "李娜")
    r = cli("restore", tmp_path / "b.db", "--yes")
    assert r.exit_code == 0, r.stderr
    (kept,) = tmp_path.glob("crm.db.before-restore-*")
    assert r.stderr.endswith(f"the previous database is kept as {kept}\n")
    assert names(tmp_path / "crm.db") == ["王明"]
    assert names(kept) == ["王明", "李娜"]
    assert mode(tmp_path / "crm.db") == 0o600 and mode(kept) == 0o600
    verified = json.loads(cli("audit", "verify", "--format", "json").stdout)
    # the backup was taken before its own entry was written: add, then restore
    assert verified["ok"] and verified["entries"] == 2
    log = json.loads(cli("audit", "log", "--format", "json").stdout)
    assert [e["action"] for e in log] == ["restore", "add"]


def test_restore_a_backup_under_another_passphrase_rekeys_it(conn, db_path, tmp_path):
    from crmctl.core import backups, customers

    customers.add(conn, {"name": "王明"})
    backups.backup(conn, tmp_path / "b.db", NEW.encode())
    customers.add(conn, {"name": "李娜"})
    kept, reapplied = backups.restore(tmp_path / "b.db", NEW.encode(), db_path,
                                      PASSPHRASE.encode(), conn)
    assert reapplied == 0
    assert names(db_path) == ["王明"] and names(kept) == ["王明", "李娜"]
    assert not opens_with(db_path, NEW)


def test_rekey_then_only_the_new_passphrase_opens(initialized, tmp_path, isolated):
    from crmctl.store.passphrase import KEYRING_SERVICE, keyring_account

    cli = initialized
    db = tmp_path / "crm.db"
    cli("add", "王明")
    isolated.set_password(KEYRING_SERVICE, keyring_account(db), PASSPHRASE)
    r = cli("rekey", env={"CRMCTL_NEW_PASSPHRASE": NEW})
    assert (r.exit_code, r.stderr) == (0, "passphrase changed; use the new one from now on\n"
                                          "this run read the passphrase from CRMCTL_PASSPHRASE: "
                                          "it still holds the old one; update it before the next "
                                          "run (cron) or it fails; the keyring entry now holds "
                                          "the new one\n")
    assert not opens_with(db, PASSPHRASE)
    assert names(db, NEW) == ["王明"] and mode(db) == 0o600
    assert isolated.get_password(KEYRING_SERVICE, keyring_account(db)) == NEW
    files = {p.name for p in tmp_path.iterdir() if p.name.startswith("crm.db")}
    assert files - {"crm.db.lock", "crm.db.lock.gate"} in (  # the lock files stay (store/lock.py)
        {"crm.db"}, {"crm.db", "crm.db-shm"}, {"crm.db", "crm.db-shm", "crm.db-wal"})
    r = cli("audit", "log", "--format", "json", env={"CRMCTL_PASSPHRASE": NEW})
    assert [e["action"] for e in json.loads(r.stdout)][:1] == ["rekey"]
    r = cli("rekey", env={"CRMCTL_PASSPHRASE": NEW, "CRMCTL_NEW_PASSPHRASE": NEW})
    assert (r.exit_code, r.stderr) == (
        1, "crmctl: the new passphrase is the same as the current one\n")
    r = cli("rekey", env={"CRMCTL_PASSPHRASE": NEW})  # no new passphrase and no terminal
    assert r.exit_code == 3 and "CRMCTL_NEW_PASSPHRASE" in r.stderr
    assert opens_with(db, NEW)


# --- kill -9 at random moments ---------------------------------------------------------------

CRMCTL = Path(sys.executable).with_name("crmctl")


def _populate(db: Path, n: int) -> None:
    from crmctl.core import customers
    from crmctl.store import create_database

    conn = create_database(db, PASSPHRASE.encode())
    for i in range(n):
        customers.add(conn, {"name": f"客户{i}", "company": f"公司{i % 50}",
                             "note": "备注 " * 40}, allow_duplicate=True)
    conn.close()


def _run(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(CRMCTL), *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_at_random_moments(tmp_path: Path, kills: int, seed: int) -> list[str]:
    """Run rekey / backup / restore and kill -9 each at a random moment; return which
    passphrase opened the database after each kill."""
    rng = random.Random(seed)
    db = tmp_path / "crm.db"
    _populate(db, 300)
    keys = [PASSPHRASE, NEW]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CRMCTL_")},
           "CRMCTL_DB": str(db), "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    started = time.monotonic()
    full = _run(["backup", str(tmp_path / "good.db")], {**env, "CRMCTL_PASSPHRASE": PASSPHRASE})
    assert full.wait(60) == 0
    span = time.monotonic() - started
    opened = []
    for i in range(kills):
        current = next(k for k in keys if opens_with(db, k))
        other = keys[1 - keys.index(current)]
        command = rng.choice(["rekey", "rekey", "backup", "restore"])
        if command == "restore" and current != PASSPHRASE:
            command = "rekey"  # good.db is under PASSPHRASE: restore would only refuse
        args = {"rekey": ["rekey"], "backup": ["backup", str(tmp_path / f"b{i}.db")],
                "restore": ["restore", str(tmp_path / "good.db"), "--yes"]}[command]
        proc = _run(args, {**env, "CRMCTL_PASSPHRASE": current, "CRMCTL_NEW_PASSPHRASE": other})
        time.sleep(rng.uniform(0.05, span * 1.5))
        proc.kill()
        proc.wait()
        survivors = [k for k in keys if opens_with(db, k)]
        assert len(survivors) == 1, f"after killing {command} #{i}: opens with {survivors}"
        conn = open_database(db, survivors[0].encode())
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 300
        conn.close()
        opened.append(survivors[0])
        leftovers = [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
        assert all(mode(p) == 0o600 for p in leftovers)
    return opened


@pytest.mark.slow  # ~8 s of kill -9 (3 subprocesses at the real KDF count): make check
@pytest.mark.e2e
def test_kill_9_quick(tmp_path):
    kill_at_random_moments(tmp_path, kills=3, seed=5)


@pytest.mark.slow
@pytest.mark.e2e
def test_kill_9_many(tmp_path):
    opened = kill_at_random_moments(tmp_path, kills=30, seed=int(time.time()))
    assert len(opened) == 30
