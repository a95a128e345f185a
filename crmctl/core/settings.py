"""Settings stored in the database itself, so cron and the terminal always agree.

Values are JSON. A key not set in the database has the default below.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from crmctl import clock
from crmctl.core import audit, rules
from crmctl.core.money import check_currency
from crmctl.core.validate import check_region, check_tier
from crmctl.errors import InvalidValue
from crmctl.i18n import _, pgettext
from crmctl.store import atomic

# The numbers and what they mean: core/rules.py.
DEFAULTS: dict[str, Any] = {
    "default_region": "CN",  # phones without a country code are read in this region
    "currency": "CNY",  # purchases without --currency
    "cadence_days": rules.CADENCE_DAYS,
    "response_hours": rules.RESPONSE_HOURS,
    "tier_spend": rules.TIER_SPEND,
    "diamond_long_relationship": rules.DIAMOND_LONG_RELATIONSHIP,
    "downgrade_inactive_days": rules.DOWNGRADE_INACTIVE_DAYS,
    "satisfaction_falling": rules.SATISFACTION_FALLING,
    "churn_risk": rules.CHURN_RISK,
    "repurchase_window": rules.REPURCHASE_WINDOW,  # per tier: purchase-based churn risk
    "care_holidays": rules.CARE_HOLIDAYS,  # [] turns holiday care off
    "care_holiday_days": rules.CARE_HOLIDAY_DAYS,
    "care_holiday_tiers": rules.CARE_HOLIDAY_TIERS,
    "data_review_days": rules.DATA_REVIEW_DAYS,
    "retention_days": rules.RETENTION_DAYS,  # 0: off
}


# Internal, not a setting (config never lists it): a random id made once per database, so
# that what crmctl names for the outside world (calendar UIDs) never collides between two.
# number settings for which 0 turns the rule off (retention, the data-review reminder)
_OFF_AT_ZERO = ("retention_days", "data_review_days")

DATABASE_ID_KEY = "_database_id"


def database_id(conn) -> str:
    """This database's random id (32 hex digits), made and stored on first use."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (DATABASE_ID_KEY,)).fetchone()
    if row is None:
        with atomic(conn):
            conn.execute("INSERT OR IGNORE INTO settings(key, value) VALUES (?, ?)",
                         (DATABASE_ID_KEY, json.dumps(os.urandom(16).hex())))
        row = conn.execute("SELECT value FROM settings WHERE key = ?",
                           (DATABASE_ID_KEY,)).fetchone()
    return json.loads(row[0])


# Internal, not a setting: when `audit data` last ran (UTC text), for the data-review row.
DATA_REVIEW_KEY = "_data_review_at"


def record_data_review(conn) -> None:
    """Note that `audit data` ran now (no audit entry: it changes no record)."""
    with atomic(conn):
        conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) "
                     "DO UPDATE SET value = excluded.value",
                     (DATA_REVIEW_KEY, json.dumps(clock.now_text())))


def data_review(conn) -> tuple[int, str | None]:
    """(data_review_days, when `audit data` last ran or None): one read of the settings."""
    rows = dict(conn.execute("SELECT key, value FROM settings WHERE key IN (?, ?)",
                             ("data_review_days", DATA_REVIEW_KEY)).fetchall())
    days = json.loads(rows["data_review_days"]) if "data_review_days" in rows else \
        DEFAULTS["data_review_days"]
    last = rows.get(DATA_REVIEW_KEY)
    return days, json.loads(last) if last else None


def get(conn, key: str) -> Any:
    if key not in DEFAULTS:
        raise InvalidValue(_("unknown setting {key}; known: {known}").format(
            key=repr(key), known=", ".join(sorted(DEFAULTS))))
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    # a copy: a caller changing the value must not change the defaults of everyone after it
    return json.loads(row[0]) if row else copy.deepcopy(DEFAULTS[key])


def all_settings(conn) -> dict[str, Any]:
    stored = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM settings")}
    return {key: stored.get(key, copy.deepcopy(default)) for key, default in DEFAULTS.items()}


def put(conn, key: str, value: Any) -> Any:
    """Store a setting after its checks; returns the value as stored (a currency in upper case)."""
    default = get(conn, key)  # validates the key
    expected = DEFAULTS[key]
    if type(value) is not type(expected):
        raise InvalidValue(_("setting {key} takes a {kind}, like {example}").format(
            key=repr(key), kind=_kind(expected),
            example=json.dumps(expected, ensure_ascii=False)))
    if isinstance(expected, dict) and set(value) != set(expected):
        raise InvalidValue(_("setting {key} needs exactly the keys {keys}").format(
            key=repr(key), keys=", ".join(expected)))
    if isinstance(expected, dict) and any(type(value[k]) is not type(v) or
                                          (isinstance(v, int) and value[k] < 0)
                                          for k, v in expected.items()):
        raise InvalidValue(_("setting {key} takes a JSON object like {example}").format(
            key=repr(key), example=json.dumps(expected, ensure_ascii=False)))
    if key == "default_region":
        value = check_region(value)
    if key == "currency":  # what `purchase` would take: a known ISO code, upper case
        value = check_currency(value)
    if key.startswith("care_holiday"):
        value = _care_value(key, value)
    if type(expected) is int and value < 0:  # every number setting is a count of days
        raise InvalidValue((_("setting {key} takes a whole number of days (0: off)")
                            if key in _OFF_AT_ZERO else
                            _("setting {key} takes a whole number of days, 0 or more")
                            ).format(key=repr(key)))
    if key == "repurchase_window":
        _check_repurchase(key, value)
    with atomic(conn):
        conn.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )
        if value != default:
            audit.record(conn, "set", "setting", key, [key])
    return value


def _check_repurchase(key: str, value: dict) -> None:
    """Each tier's window: the four whole numbers, each at least 1, min_days <= max_days."""
    example = DEFAULTS[key]["diamond"]
    for window in value.values():
        if (set(window) != set(example)
                or any(type(n) is not int or n < 1 for n in window.values())
                or window["min_days"] > window["max_days"]):
            raise InvalidValue(_("setting {key} takes for each tier {example}: whole numbers "
                                 "of at least 1, min_days at most max_days").format(
                key=repr(key), example=json.dumps(example)))


def _care_value(key: str, value):
    """The care settings' items: holiday names, tiers, a number of days up to a month."""
    if key == "care_holiday_days":
        if not 0 <= value <= 31:
            raise InvalidValue(_("setting {key} takes a whole number of days from 0 to 31").format(
                key=repr(key)))
        return value
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise InvalidValue(_("setting {key} takes a list of names, like {example}").format(
            key=repr(key), example=json.dumps(DEFAULTS[key], ensure_ascii=False)))
    if key == "care_holiday_tiers":
        return [check_tier(item) for item in value]
    return [item.strip() for item in value]


def _kind(value) -> str:
    return {dict: pgettext("noun", "JSON object"), str: pgettext("noun", "text"),
            int: pgettext("noun", "whole number"), list: pgettext("noun", "list")}.get(
        type(value), type(value).__name__)
