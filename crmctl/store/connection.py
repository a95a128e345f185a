"""Opening the encrypted database: key first, then pragmas, then migrations.

The key is handed to SQLCipher with ``set_key(bytes)`` so it never enters SQL text. A wrong
key only shows at the first read ("file is not a database"), so before keying we look at the
file's first bytes to tell a wrong passphrase from a plain SQLite file or a file that is not
a database at all.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlcipher

from crmctl.errors import (
    DatabaseMissing,
    IntegrityFailure,
    InvalidValue,
    NotADatabase,
    PassphraseError,
)
from crmctl.i18n import _
from crmctl.store import lock
from crmctl.store.migrations import migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = int(os.environ.get("CRMCTL_BUSY_TIMEOUT_MS", "5000"))

# Binding None as a parameter goes through the adapter protocol lookup (~2.7 µs each here,
# 10x a string); a customer row holds a dozen NULLs, so a million-row import spent most
# of its insert time there. With NoneType registered the lookup is one dict hit.
sqlcipher.register_adapter(type(None), lambda value: value)


class CrmConnection(sqlcipher.Connection):
    """A SQLCipher connection that remembers which command is using it (for the audit log)
    and holds the database's lock (store/lock.py) until it is closed."""

    command: str = "api"
    path: Path | None = None
    lock_handle: str | None = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            handle, self.lock_handle = self.lock_handle, None
            lock.release(handle)


def looks_encrypted(path: Path) -> bool:
    """True when the file has the shape of a SQLCipher database: whole pages of noise.

    SQLCipher pages are 4096 bytes of ciphertext (the first 16 bytes are the salt), so
    their byte entropy is close to 8 bits. A text file, an image or a truncated file is not.
    """
    import math
    from collections import Counter

    size = path.stat().st_size
    if size < 1024 or size % 512:
        return False
    with path.open("rb") as f:
        page = f.read(4096)
    counts = Counter(page)
    entropy = -sum(n / len(page) * math.log2(n / len(page)) for n in counts.values())
    return entropy > 7.5


def classify_unreadable(path: Path) -> Exception:
    """The error to report for a file that the key did not open."""
    with path.open("rb") as f:
        head = f.read(16)
    if head == SQLITE_MAGIC:
        return NotADatabase(_("{path} is a plain (unencrypted) SQLite file, not a crmctl database")
                            .format(path=path))
    if looks_encrypted(path):
        return PassphraseError(_("wrong passphrase for {path}").format(path=path))
    return NotADatabase(_("{path} is not a crmctl database (not an encrypted SQLite file)")
                        .format(path=path))


SQLITE_NOTADB = 26  # what a wrong key (or a file that is not a database) gives
SQLITE_CANTOPEN = 14
SQLITE_CORRUPT = 11


def _cannot_open(path: Path, exc: Exception) -> Exception:
    """A database that the key would open but the file system does not let SQLite use:
    a read-only directory or mount (the -wal/-shm files cannot be made), a full disk."""
    if getattr(exc, "sqlite_errorcode", None) == SQLITE_CANTOPEN:
        return InvalidValue(_("cannot open {path} ({error}): is it or its directory read-only?")
                            .format(path=path, error=exc))
    return InvalidValue(_("cannot open {path} ({error}): is the disk full?").format(path=path,
                                                                             error=exc))


def _damaged(path: Path, exc: Exception) -> IntegrityFailure:
    return IntegrityFailure(_("the database {path} is damaged ({error}); restore it from a backup")
                            .format(path=path, error=exc))


def _connect(path: Path, key: bytes, *, shared_lock: bool = True) -> CrmConnection:
    """A connection to the file with the key set (derived at the first read), holding the
    shared lock: taken before the file is opened, so a rekey or restore that holds the
    exclusive lock has finished replacing the file by the time we open it. (A database
    being created needs none: nobody else can have it open yet.)"""
    handle = lock.acquire(path, exclusive=False, timeout_ms=BUSY_TIMEOUT_MS) if shared_lock \
        else None
    try:
        conn = sqlcipher.connect(str(path), factory=CrmConnection, isolation_level=None)
    except BaseException:
        lock.release(handle)
        raise
    conn.lock_handle = handle
    conn.path = path
    set_key(conn, key)
    return conn


# For the test suite only (tests/conftest.py sets it in-process): the PBKDF2 iteration count
# of the key derivation. None keeps SQLCipher's default, 256,000; no option or environment
# variable reaches it, so every database a user makes is derived at the default.
TEST_KDF_ITER: int | None = None


def set_key(conn, key: bytes) -> None:
    """Key a new connection: ``set_key`` (the key never enters SQL text), quietly."""
    conn.execute("PRAGMA cipher_log_level = NONE")  # SQLCipher must not write to stderr
    conn.set_key(key)
    if TEST_KDF_ITER is not None:
        conn.execute(f"PRAGMA kdf_iter = {int(TEST_KDF_ITER)}")


def _apply_pragmas(conn: CrmConnection) -> None:
    options = {row[0] for row in conn.execute("PRAGMA compile_options")}
    if "ENABLE_FTS5" not in options:
        raise NotADatabase("the installed SQLCipher lacks FTS5; reinstall the sqlcipher3 wheel")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")  # a CRM must not lose a committed change
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")  # erased values do not linger in free pages
    conn.execute("PRAGMA temp_store = MEMORY")  # no plaintext temp files on disk


def open_database(path: Path | str, key: bytes, *, command: str = "api",
                  on_upgrade=None, shared_lock: bool = True) -> CrmConnection:
    """Open an existing crmctl database with its passphrase and bring its schema up to date
    (``on_upgrade(old, new)``: called before migrations run, see migrations.migrate).
    ``shared_lock=False``: for a private temp copy nobody else can know of (store/lock.py)."""
    path = Path(path)
    if not path.exists():
        raise DatabaseMissing(_("no database at {path}; create one with: crmctl init")
                              .format(path=path))
    if path.is_dir():
        raise NotADatabase(_("{path} is a directory, not a crmctl database").format(path=path))
    if path.stat().st_size == 0:
        raise NotADatabase(_("{path} is an empty file, not a crmctl database").format(path=path))
    conn = _connect(path, key, shared_lock=shared_lock)
    try:
        # Reads page 1 only: its HMAC proves the key before anything else is looked at.
        conn.execute("PRAGMA user_version").fetchone()
    except sqlcipher.DatabaseError as exc:
        conn.close()
        code = getattr(exc, "sqlite_errorcode", SQLITE_NOTADB)
        if code == SQLITE_NOTADB:
            raise classify_unreadable(path) from None
        if code == SQLITE_CORRUPT:  # a wrong key fails page 1's HMAC (NOTADB) first: so
            raise _damaged(path, exc) from None  # the key is right, the file cut short
        raise _cannot_open(path, exc) from None  # not the key: the file system said no
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorcode", None) in (SQLITE_NOTADB, SQLITE_CORRUPT):
            # The key opened page 1, so a page that fails its HMAC is damage, not the key.
            raise _damaged(path, exc) from None
        raise _cannot_open(path, exc) from None
    conn.command = command
    try:
        _apply_pragmas(conn)
        migrate(conn, on_upgrade)
    except BaseException:
        conn.close()
        raise
    return conn


def create_database(path: Path | str, key: bytes, *, command: str = "init") -> CrmConnection:
    """Create a new encrypted database, mode 0600; refuse to overwrite anything."""
    path = Path(path)
    if not key:
        raise PassphraseError(_("the passphrase must not be empty"))
    if not path.parent.exists():
        raise InvalidValue(_("cannot create {path}: directory {directory} does not exist")
                           .format(path=path, directory=path.parent))
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise InvalidValue(_("{path} already exists; refusing to overwrite it")
                           .format(path=path)) from None
    except OSError as exc:
        raise InvalidValue(_("cannot create {path}: {error}").format(
            path=path, error=exc.strerror)) from None
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask said
    conn = None
    try:
        conn = _connect(path, key, shared_lock=False)
        conn.command = command
        _apply_pragmas(conn)
        migrate(conn)
    except BaseException:
        if conn is not None:
            conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.chmod(side, 0o600)
    return conn


def exclusive_lock(path: Path | str):
    """Hold the database's lock alone (``with exclusive_lock(path):``): no other crmctl has
    it open until the block ends; waits up to the busy timeout for them to close."""
    return lock.holding(path, exclusive=True, timeout_ms=BUSY_TIMEOUT_MS)
