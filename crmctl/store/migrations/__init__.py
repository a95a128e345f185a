"""Schema migrations keyed on ``PRAGMA user_version``.

Each migration is a small function; it runs in one transaction together with the bump of
``user_version``, so a killed migration leaves the database at the previous version.
Append a new migration (a module of its own) at the end of ``MIGRATIONS`` in ``steps.py``
and raise ``SCHEMA_VERSION`` below; never edit one that has shipped.
"""

from __future__ import annotations

import importlib
import re
from typing import Callable

from crmctl.errors import NotADatabase
from crmctl.i18n import _
from crmctl.store.sqlscript import run_statements
from crmctl.store.transactions import atomic

# len(MIGRATIONS) (a test holds them equal): opening a database already at this version
# imports no migration module (19 of them, ~2.5 ms of every command's start-up).
SCHEMA_VERSION = 19


def _steps() -> list[Callable]:
    """MIGRATIONS, imported on first use (then, like a list a test puts in its place, a
    global of this package)."""
    if "MIGRATIONS" not in globals():
        steps = importlib.import_module("crmctl.store.migrations.steps")
        # each migration function by its name on this package, as before the list moved
        globals().update({step.__name__: step for step in steps.MIGRATIONS},
                         MIGRATIONS=steps.MIGRATIONS)
    return globals()["MIGRATIONS"]


def __getattr__(name: str):
    """``MIGRATIONS`` and the migration functions (m001_initial…), loaded on first use."""
    if name == "MIGRATIONS":
        return _steps()
    if re.fullmatch(r"m\d{3}_\w+", name) and name in {s.__name__ for s in _steps()}:
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def migrate(conn, on_upgrade: Callable[[int, int], None] | None = None) -> int:
    """Run every migration the database has not seen; return the final version.
    ``on_upgrade(old, new)`` is called first when there is one to run (m007 rewrites the
    search index: half a minute at a million customers, worth a word to the person)."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current == SCHEMA_VERSION and "MIGRATIONS" not in globals():  # nothing to import
        return current
    steps = _steps()
    if current > len(steps):
        raise NotADatabase(
            _("this database is at schema version {version}, newer than this crmctl "
              "understands ({known}); upgrade crmctl").format(version=current,
                                                              known=len(steps))
        )
    if current < len(steps) and on_upgrade:
        on_upgrade(current, len(steps))
    for version, migration in enumerate(steps[current:], start=current + 1):
        with atomic(conn):
            # Another process opening the same old database may have run it while we
            # waited for the write lock: look again under the lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= version:
                continue
            run_statements(conn, migration)
            conn.execute(f"PRAGMA user_version = {version}")
    return len(steps)
