"""Backup, restore and passphrase change as the audit log and the erasure ledger see them.

The file work (verified copies, renames that survive a crash) is the store's
(store/backup.py); this module adds what the core knows: the audit entry of each, recorded
in the file it describes (a rekey's and a restore's in the copy, before it replaces the
database), and the erasures made after a backup, applied again to what is restored.
"""

from __future__ import annotations

from pathlib import Path

from crmctl import clock
from crmctl.core import audit, privacy
from crmctl.store import atomic
from crmctl.store import backup as store_backup


def _record(conn, action: str) -> None:
    with atomic(conn):
        audit.record(conn, action, "database", None, [])


def backup(conn, dest: Path, key: bytes) -> Path:
    """A verified encrypted copy of the database at ``dest``; audited in the database."""
    written = store_backup.backup(conn, dest, key)
    _record(conn, "backup")
    return written


def rekey(conn, new_key: bytes) -> None:
    """The database under a new passphrase (``conn`` is closed)."""
    store_backup.rekey(conn, new_key, prepare=lambda copy: _record(copy, "rekey"))


def restore(src: Path, src_key: bytes, live: Path, live_key: bytes, live_conn=None,
            *, command: str = "restore") -> tuple[Path | None, int]:
    """The backup ``src`` in place of the database ``live`` (under ``live_key``); return
    where the previous file was kept and how many later erasures were applied again.

    The live database's ledger of erasures is read while it is still open, and each erasure
    the backup lacks is applied to the restored copy before it takes the database's place."""
    ledger = privacy.erasure_ledger(live_conn) if live_conn is not None else []
    reapplied = 0

    def prepare(copy) -> None:
        nonlocal reapplied
        reapplied = privacy.reapply_erasures(copy, ledger)
        _record(copy, "restore")

    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    kept = store_backup.restore(src, src_key, live, live_key, live_conn, command=command,
                                kept_name=f"{Path(live).name}.before-restore-{stamp}",
                                prepare=prepare)
    return kept, reapplied
