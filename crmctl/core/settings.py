"""Settings stored in the database itself, so cron and the terminal always agree.

Values are JSON. A key not set in the database has the default below.
"""

from __future__ import annotations

import json
from typing import Any

from crmctl.core import audit
from crmctl.errors import InvalidValue
from crmctl.store import atomic

DEFAULTS: dict[str, Any] = {
    "default_region": "CN",  # phones without a country code are read in this region
    "currency": "CNY",  # purchases without --currency
}


def get(conn, key: str) -> Any:
    if key not in DEFAULTS:
        raise InvalidValue(f"unknown setting {key!r}; known: {', '.join(sorted(DEFAULTS))}")
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else DEFAULTS[key]


def all_settings(conn) -> dict[str, Any]:
    stored = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM settings")}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def put(conn, key: str, value: Any) -> None:
    default = get(conn, key)  # validates the key
    if type(value) is not type(DEFAULTS[key]) and not (
        isinstance(DEFAULTS[key], float) and isinstance(value, int)
    ):
        raise InvalidValue(f"setting {key!r} takes a {type(DEFAULTS[key]).__name__}")
    if key == "default_region":
        value = _check_region(value)
    with atomic(conn):
        conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )
        if value != default:
            audit.record(conn, "set", "setting", key, [key])


def _check_region(value: str) -> str:
    import phonenumbers

    region = value.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidValue(f"unknown phone region {value!r} (use a code like CN, US, DE)")
    return region
