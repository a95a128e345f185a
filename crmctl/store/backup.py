"""Backup, restore and passphrase change, done so that a crash never costs the database.

Every copy goes through the SQLite backup API between two keyed connections (the key is
handed over with ``set_key``, never put into SQL text, so no ``ATTACH … KEY``; and not
``VACUUM INTO``, reported to write corrupt output under SQLCipher). The copy is written to
a temp file created 0600 in the target's directory, verified (it opens with its key,
``PRAGMA integrity_check`` says ok, ``PRAGMA cipher_integrity_check`` finds nothing),
fsynced, and only then renamed over the target. So at every instant the target path is
either the old file or the complete new one:

- ``backup``: the live database is only read; a crash leaves at most a stray temp file.
- ``rekey``: no rekey in place. The live file is checkpointed, a full copy under the new
  key is made and verified, then renamed over it: the path opens with the old passphrase
  or the new one, never neither.
- ``restore``: the backup is copied under the *current* passphrase into a temp file next
  to the live database, verified, the live file is kept as ``crm.db.before-restore-<time>``
  (a hard link, so the live path never disappears), and the copy is renamed over it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from sqlcipher3 import dbapi2 as sqlcipher

from crmctl.errors import IntegrityFailure, InvalidValue, NotADatabase
from crmctl.i18n import _
from crmctl.store.connection import classify_unreadable, open_database, set_key
from crmctl.store.outputs import fsync_path as _fsync
from crmctl.store.outputs import private_temp as _private_temp
from crmctl.store.outputs import refuse_database_files
from crmctl.store.outputs import replace_into as _replace

SIDE_FILES = ("-wal", "-shm", "-journal")


def _raw_connect(path: Path, key: bytes):
    conn = sqlcipher.connect(str(path), isolation_level=None)
    set_key(conn, key)
    return conn


def verify_file(path: Path, key: bytes) -> None:
    """Raise unless ``path`` opens with ``key`` and both integrity checks pass."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise NotADatabase(_("{path} is not a crmctl database").format(path=path))
    conn = _raw_connect(path, key)
    try:
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        except sqlcipher.DatabaseError:
            raise classify_unreadable(path) from None
        if not {"customers", "audit_log"} <= tables:
            raise NotADatabase(_("{path} is an encrypted database, but not a crmctl one")
                               .format(path=path))
        try:
            check = conn.execute("PRAGMA integrity_check").fetchall()
            cipher = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        except sqlcipher.DatabaseError as exc:
            raise IntegrityFailure(_("{path} is damaged: {error}").format(
                path=path, error=exc)) from None
        if check != [("ok",)] or cipher:
            problem = cipher[0][0] if cipher else check[0][0]
            raise IntegrityFailure(_("{path} is damaged: {error}").format(path=path,
                                                                           error=problem))
    finally:
        conn.close()


def _cannot_copy(target: Path, exc: Exception) -> Exception:
    """The copy found no room (a full disk, or the file-size limit): SQLite says "database
    or disk is full", or "disk I/O error" for EFBIG. Named as the file being written, not as
    the database, which is untouched."""
    text = str(exc).lower()
    if "disk is full" in text or "disk i/o error" in text:
        return InvalidValue(f"cannot write {target}: {exc} (is the disk full?); "
                            "nothing was changed")
    return exc


def _remove(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def _temp_copy(source_conn, directory: Path, stem: str, key: bytes) -> Iterator[Path]:
    """Copy ``source_conn``'s database into a verified, fsynced 0600 temp file keyed with
    ``key``; yields its path; removes it unless the caller renamed it away."""
    tmp = _private_temp(directory, stem)
    try:
        dst = _raw_connect(tmp, key)
        try:
            source_conn.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        except sqlcipher.OperationalError as exc:
            raise _cannot_copy(directory / stem, exc) from None
        finally:
            dst.close()
        verify_file(tmp, key)
        _fsync(tmp)
        yield tmp
    finally:
        _remove(tmp)


def _unused(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def backup(conn, dest: Path, key: bytes) -> Path:
    """Write a verified encrypted copy of the open database ``conn`` to the file ``dest``
    (keyed with ``key``: the current passphrase or a new one); return the path written.
    (The CLI resolves a directory into a file name and records the audit entry.)"""
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise InvalidValue(_("cannot write {path}: it is a directory").format(path=dest))
    if not dest.parent.is_dir():
        raise InvalidValue(_("cannot write {path}: directory {directory} does not exist")
                           .format(path=dest, directory=dest.parent))
    refuse_database_files(dest, conn.path)  # nor its WAL, lock, a kept copy, a link to one
    with _temp_copy(conn, dest.parent, dest.name, key) as tmp:
        _replace(tmp, dest)
    return dest


def _release_live(conn, path: Path) -> None:
    """Checkpoint the WAL into the live file and close; refuse if a WAL is still in use."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    conn.close()
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise InvalidValue(_("the database is in use by another crmctl; close it and try again"))
    for suffix in SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def rekey(conn, new_key: bytes, prepare: Callable | None = None) -> None:
    """Change the passphrase by replacing the live file with a verified copy under the new
    key; ``conn`` (open with the old key) is closed. ``prepare(copy)`` changes the copy
    before it replaces the file (the CLI records the audit entry there, so the entry lives
    in the file it describes)."""
    path = Path(conn.path)
    if not new_key:
        raise InvalidValue(_("the new passphrase must not be empty"))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    with _temp_copy(conn, path.parent, path.name, new_key) as tmp:
        if prepare is not None:
            _prepare(tmp, new_key, conn.command, prepare)
        _release_live(conn, path)
        _replace(tmp, path)


def _prepare(tmp: Path, key: bytes, command: str, change) -> None:
    """Open the verified copy ``tmp`` (migrating it), ``change(conn)`` it, and verify and
    fsync it again as a single self-contained file."""
    copy = open_database(tmp, key, command=command, shared_lock=False)
    try:
        change(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.close()
    verify_file(tmp, key)
    _fsync(tmp)


def restore(src: Path, src_key: bytes, live: Path, live_key: bytes, live_conn=None,
            *, kept_name: str, command: str = "restore", prepare=None) -> Path | None:
    """Replace the live database with the backup ``src`` (opened with ``src_key``), re-keyed
    under ``live_key``; return where the previous file was kept (``kept_name`` beside it, a
    hard link, so the live path never disappears), None if there was none.

    The copy is opened (so an older backup is migrated), ``prepare(copy)`` changes it (the
    CLI re-applies later erasures and records the audit entry), and it is verified again,
    all while ``live_conn`` is still open and before the copy replaces it: what the copy
    says is in the file from its first instant on the live path."""
    src, live = Path(src).expanduser(), Path(live)
    if not src.exists():
        raise InvalidValue(_("no backup at {path}").format(path=src))
    if live.exists() and src.samefile(live):
        raise InvalidValue(_("{path} is the live database itself").format(path=src))
    verify_file(src, src_key)
    kept = None
    source = _raw_connect(src, src_key)
    try:
        with _temp_copy(source, live.parent, live.name, live_key) as tmp:
            source.close()
            _prepare(tmp, live_key, command, prepare or (lambda copy: None))
            if live_conn is not None:
                _release_live(live_conn, live)
            if live.exists():
                kept = _unused(live.with_name(kept_name))
                os.link(live, kept)
            _replace(tmp, live)
    finally:
        source.close()
    return kept
