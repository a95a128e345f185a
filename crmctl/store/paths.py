"""Where the database lives: --db, then CRMCTL_DB, then the platform user-data dir."""

from __future__ import annotations

import os
from pathlib import Path

from crmctl.errors import UsageError
from crmctl.i18n import _


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("crmctl", appauthor=False)) / "crm.db"


EMPTY_DB = ('--db is empty (an unset variable in --db "$VAR"?); give the database path, '
            "or leave --db out to use CRMCTL_DB or the default")


def resolve_db_path(option: str | None) -> Path:
    """An explicit empty --db is refused (falling back to the real database would be the
    wrong one); an empty CRMCTL_DB counts as unset, as it does for most tools."""
    if option == "":
        raise UsageError(_(EMPTY_DB))
    value = option or os.environ.get("CRMCTL_DB")
    return Path(value).expanduser() if value else default_db_path()
