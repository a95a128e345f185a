"""Transactions: ``atomic()`` (BEGIN IMMEDIATE, savepoints when nested), a larger page cache
for a block, and SQLite's errors translated into crmctl's. A leaf of the store, so that
migrations and the connection both build on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlcipher3 import dbapi2 as sqlcipher

from crmctl.errors import Busy, IntegrityFailure, InvalidValue
from crmctl.i18n import _


def translate_sqlite_error(exc: Exception) -> Exception | None:
    """Map a SQLite error that escaped a command to a crmctl error, or None if unknown."""
    message = str(exc).lower()
    if isinstance(exc, sqlcipher.OperationalError) and ("locked" in message or "busy" in message):
        return Busy(_("database is busy (another crmctl holds the write lock); try again"))
    # After a successful open, "file is not a database" means a page failed its HMAC check.
    if ("malformed" in message or "corrupt" in message or "hmac check failed" in message
            or "file is not a database" in message):
        return IntegrityFailure(_("the database is damaged: {error}").format(error=exc))
    # Migrations made every table, so one missing was dropped by someone with the key.
    if isinstance(exc, sqlcipher.OperationalError) and message.startswith("no such table"):
        return IntegrityFailure(_("the database is damaged or tampered with ({error}); "
                                  "restore it from a backup").format(error=exc))
    if "readonly" in message or "read-only" in message:
        return InvalidValue(_("the database is read-only; nothing was changed"))
    if "disk is full" in message or "disk i/o" in message:
        return InvalidValue(_("cannot write the database ({error}); nothing was changed")
                            .format(error=exc))
    return None


@contextmanager
def page_cache(conn: sqlcipher.Connection, kib: int) -> Iterator[sqlcipher.Connection]:
    """A page cache of at least ``kib`` KiB for the block, the previous size after it: for
    work that reads or changes the same pages many times (each page read from the file is
    decrypted and its HMAC checked once while it stays in the cache)."""
    previous = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {min(previous, -kib)}")  # negative: KiB
    try:
        yield conn
    finally:
        conn.execute(f"PRAGMA cache_size = {previous}")


# Transactions committed by atomic() in this process: the exit point (crmctl.cli) says
# "nothing was changed" after a failure only while this is 0.
commits = 0


@contextmanager
def atomic(conn: sqlcipher.Connection) -> Iterator[sqlcipher.Connection]:
    """One write transaction (BEGIN IMMEDIATE); nested calls become savepoints."""
    if conn.in_transaction:
        name = f"sp_{id(conn)}_{os.urandom(4).hex()}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlcipher.OperationalError as exc:
        raise translate_sqlite_error(exc) or exc from None
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    try:
        conn.execute("COMMIT")
    except sqlcipher.OperationalError as exc:
        conn.rollback()
        raise translate_sqlite_error(exc) or exc from None
    global commits
    commits += 1
