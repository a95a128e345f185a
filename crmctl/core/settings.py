"""Settings stored in the database itself, so cron and the terminal always agree.

Values are JSON. A key not set in the database has the default below.
"""

from __future__ import annotations

import json
from typing import Any

from crmctl.errors import InvalidValue
from crmctl.store import atomic

DEFAULTS: dict[str, Any] = {
    "default_region": "CN",  # phones without a country code are read in this region
    "currency": "CNY",  # purchases without --currency
    # Tier service levels (客户分级): follow-up cadence in days and response target in hours.
    "cadence_days": {"diamond": 7, "gold": 30, "silver": 90, "regular": 180},
    "response_hours": {"diamond": 24, "gold": 48, "silver": 72, "regular": 120},
    # Tier rules: trailing-12-month spend thresholds in major currency units.
    "tier_spend": {"diamond": 500000, "gold": 100000, "silver": 20000},
    "diamond_long_relationship": {"spend": 200000, "years": 3},
    "downgrade_inactive_days": 365,
    # Falling satisfaction (crmctl.core.tiers): the latest `ratings` scores within `days`,
    # since the last tier change, never rise and the latest is `min_drop`+ below the oldest.
    "satisfaction_falling": {"ratings": 3, "min_drop": 2, "days": 365},
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
    from crmctl.core import audit  # (here: reading a setting, as every report does, needs none)

    default = get(conn, key)  # validates the key
    expected = DEFAULTS[key]
    if type(value) is not type(expected):
        raise InvalidValue(f"setting {key!r} takes a {_kind(expected)}, like "
                           f"{json.dumps(expected, ensure_ascii=False)}")
    if isinstance(expected, dict) and set(value) != set(expected):
        raise InvalidValue(f"setting {key!r} needs exactly the keys {', '.join(expected)}")
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


def _kind(value) -> str:
    return {dict: "JSON object", str: "text", int: "whole number", list: "list"}.get(
        type(value), type(value).__name__)


def _check_region(value: str) -> str:
    import phonenumbers

    region = value.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        shown = value if len(value) <= 12 else value[:12] + "…"
        raise InvalidValue(f"unknown phone region {shown!r} (use a code like CN, US, DE)")
    return region
