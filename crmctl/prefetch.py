"""Deriving the database key while the command line is still being read.

Opening the database costs ~0.2 s of key derivation (SQLCipher's PBKDF2, 256,000
iterations), which runs in C without holding the GIL; importing Typer and building the
command costs ~0.1 s of Python. For the commands that read and report (what cron runs),
the console script (``crmctl.launch``) starts the open in a thread first, so the two
overlap on a second core.

It is only an early start of the same open: the connection is used only if the command
then opens exactly that file with exactly that passphrase (``claim``). Anything that goes
wrong here (no file, a wrong passphrase) is dropped silently and met again by the normal
open, which reports it as usual. The passphrase is taken only from the sources that can be
read without side effects, in the contract's order (``passphrase.without_side_effects``):
never a command's output, the keyring or a prompt.
"""

from __future__ import annotations

import threading
from pathlib import Path

# The commands that only read and report; the others open the database their own way
# (init, backup, restore, rekey), rarely run unattended, or fork (import).
COMMANDS = frozenset({"followups", "report", "list", "show", "export"})
_ROOT_FLAGS = frozenset({"--debug"})

_lock = threading.Lock()
_thread: threading.Thread | None = None
_opened: list = []  # [(path, key, connection)] once the thread has opened one


def start(argv: list[str], environ) -> None:
    """Begin opening the database in a thread, when the command line names a reporting
    command and the passphrase is at hand. Never raises."""
    global _thread
    target = _db_option_and_command(argv)
    if target is None:
        return
    db_option, command = target
    if command not in COMMANDS or {"-h", "--help"} & set(argv):
        return
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_open, args=(db_option, dict(environ)),
                                       name="crmctl-prefetch", daemon=True)
            _thread.start()


def claim(path: Path, key: bytes):
    """The connection opened early for this file and passphrase, or None (once only)."""
    global _thread
    with _lock:
        thread, _thread = _thread, None
    if thread is None:
        return None
    thread.join()
    if not _opened:
        return None
    import hmac  # (here, not at start-up)

    early_path, early_key, conn = _opened.pop()
    if early_path == Path(path) and hmac.compare_digest(early_key, key):
        return conn
    conn.close()
    return None


def _db_option_and_command(argv: list[str]) -> tuple[str | None, str] | None:
    """(--db value, command name) from the root options before the command; None when the
    line has anything else there (better no early start than a wrong guess)."""
    db, args = None, iter(argv)
    for arg in args:
        if arg == "--db":
            db = next(args, None)
            if db is None:
                return None
        elif arg.startswith("--db="):
            db = arg[len("--db="):]
        elif arg in _ROOT_FLAGS:
            continue
        elif arg.startswith("-"):
            return None
        else:
            return db, arg
    return None


def _open(db_option: str | None, environ: dict) -> None:
    try:
        from crmctl.store.connection import new_connection
        from crmctl.store.passphrase import without_side_effects
        from crmctl.store.paths import resolve_db_path

        key = without_side_effects(environ)
        path = resolve_db_path(db_option)
        if key is None or not path.is_file():
            return
        conn = new_connection(path, key)
        try:
            conn.execute("PRAGMA user_version").fetchone()  # the key derivation
        except Exception:  # noqa: BLE001 - the normal open meets it again and says what
            conn.close()
            return
        _opened.append((path, key, conn))
    except Exception:  # noqa: BLE001 - an early start must never be the reason to fail
        return
