"""Time in one place: instants are stored in UTC (ISO 8601 with Z), days as local dates.

``CRMCTL_NOW`` (an ISO 8601 instant) pins the clock, for tests and for replaying a report.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone


def now() -> datetime:
    """The current instant, timezone-aware, in the local zone."""
    pinned = os.environ.get("CRMCTL_NOW")
    if pinned:
        moment = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.astimezone()  # a naive pin is local time
        return moment.astimezone()
    return datetime.now().astimezone()


def today() -> date:
    """Today in the user's local time zone."""
    return now().date()


def to_utc_text(moment: datetime) -> str:
    """How an instant is stored: UTC, second precision, with Z."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_text() -> str:
    return to_utc_text(now())


def from_utc_text(text: str) -> datetime:
    """A stored instant, back in the local time zone."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone()


def local_minute(text: str) -> str:
    """A stored instant as people read it: local time, ``YYYY-MM-DD HH:MM``."""
    return from_utc_text(text).strftime("%Y-%m-%d %H:%M")


def local_date_of(text: str | None) -> date | None:
    """The local calendar day of a stored instant."""
    return from_utc_text(text).date() if text else None
