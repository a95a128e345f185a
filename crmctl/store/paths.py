"""Where the database lives: --db, then CRMCTL_DB, then the platform user-data dir."""

from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("crmctl", appauthor=False)) / "crm.db"


def resolve_db_path(option: str | None) -> Path:
    value = option or os.environ.get("CRMCTL_DB")
    return Path(value).expanduser() if value else default_db_path()
