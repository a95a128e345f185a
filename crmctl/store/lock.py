"""The lock that keeps a whole-file replacement (rekey, restore) from losing anyone's write.

SQLite's own locks live in the database file and its -wal/-shm, so they cannot cover a
command that *replaces* the file: a writer that opened the old file would commit into it
after the rename, and its write would be gone although it had reported success. So every
crmctl connection holds a shared ``flock`` on ``<db>.lock`` from before it opens the file
until it closes; rekey, restore and forget hold it exclusively, across the whole
copy-verify-rename (forget: across its checkpoint, so no reader's snapshot keeps the
erased pages). A command that meets the other kind waits up to the busy timeout, then
says "database is busy" (exit 1). The lock file is empty and never removed (removing it
would let two processes lock two different files).

Locks are counted per process, so a command that holds the exclusive lock may open the
database again (restore re-opens what it wrote) without waiting for itself.

``flock`` is not fair: two scripts adding customers in a loop keep the shared lock taken
nearly all the time, and a rekey polling for the exclusive lock would starve. So a second
file, ``<db>.lock.gate``, is a turnstile: the exclusive side takes the gate first (no newcomer
gets past it) and then waits only for the commands already in; a shared taker passes the gate
(shared, for a moment) before it takes the lock.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crmctl.errors import Busy, InvalidValue
from crmctl.i18n import _

LOCK_SUFFIX = ".lock"
GATE_SUFFIX = ".lock.gate"
_POLL_SECONDS = 0.02

# realpath of the lock file -> [fd, exclusive, holders] for the locks this process holds
_held: dict[str, list] = {}


def lock_path(db_path: Path | str) -> Path:
    return Path(f"{db_path}{LOCK_SUFFIX}")


@contextmanager
def _gate(db_path: Path | str, exclusive: bool, timeout_ms: int) -> Iterator[None]:
    """Hold the turnstile while taking the lock (see the module's docstring)."""
    fd = _open_lock_file(Path(f"{db_path}{GATE_SUFFIX}"), exclusive)
    if fd is None:  # a read-only directory: nobody can replace the file there anyway
        yield
        return
    try:
        if not _flock(fd, exclusive, timeout_ms):
            raise _busy(exclusive)
        yield
    finally:
        os.close(fd)  # lets the next one through


def _open_lock_file(path: Path, exclusive: bool) -> int | None:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        try:  # a read-only directory or mount: an existing lock file can still be shared
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            if exclusive:
                raise InvalidValue(_("cannot make the lock file {path}: {error}").format(
                    path=path, error=exc.strerror)) from None
            return None  # nobody can replace a file in a directory nobody may write


def _flock(fd: int, exclusive: bool, timeout_ms: int) -> bool:
    """Take the lock, polling until the timeout; False if it could not be had."""
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            fcntl.flock(fd, mode)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)


def _busy(exclusive: bool) -> Busy:
    if exclusive:
        return Busy("database is busy (another crmctl has it open); try again")
    return Busy("database is busy (a rekey, restore or forget is replacing or cleaning it); "
                "try again")


def acquire(db_path: Path | str, *, exclusive: bool, timeout_ms: int) -> str | None:
    """Hold the lock of ``db_path`` (shared or exclusive); return a handle for release().

    A process that holds it already only counts one more holder (and, asked for the
    exclusive lock while it holds the shared one, converts it)."""
    path = lock_path(db_path)
    key = os.path.realpath(path)
    held = _held.get(key)
    if held is not None:
        if exclusive and not held[1]:
            with _gate(db_path, True, timeout_ms):
                if not _flock(held[0], True, timeout_ms):
                    raise _busy(True)
            held[1] = True
        held[2] += 1
        return key
    fd = _open_lock_file(path, exclusive)
    if fd is None:
        return None
    try:
        with _gate(db_path, exclusive, timeout_ms):
            if not _flock(fd, exclusive, timeout_ms):
                raise _busy(exclusive)
    except BaseException:
        os.close(fd)
        raise
    _held[key] = [fd, exclusive, 1]
    return key


def release(handle: str | None) -> None:
    held = _held.get(handle) if handle is not None else None
    if held is None:
        return
    held[2] -= 1
    if held[2] == 0:
        del _held[handle]
        os.close(held[0])  # closing the last descriptor releases the flock


@contextmanager
def holding(db_path: Path | str, *, exclusive: bool, timeout_ms: int) -> Iterator[None]:
    handle = acquire(db_path, exclusive=exclusive, timeout_ms=timeout_ms)
    try:
        yield
    finally:
        release(handle)
