"""WHEN: the contract's date words — YYYY-MM-DD, today, tomorrow, yesterday, +3d, +2w, +1m,
-7d, and weekday names (the next such day, never today) — in the user's local time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from crmctl import clock
from crmctl.errors import InvalidValue

WEEKDAYS = {name: i for i, names in enumerate([
    ("monday", "mon", "周一", "星期一"), ("tuesday", "tue", "周二", "星期二"),
    ("wednesday", "wed", "周三", "星期三"), ("thursday", "thu", "周四", "星期四"),
    ("friday", "fri", "周五", "星期五"), ("saturday", "sat", "周六", "星期六"),
    ("sunday", "sun", "周日", "星期日", "星期天")]) for name in names}
_OFFSET = re.compile(r"([+-])(\d{1,4})([dwmy])")
HELP = "use YYYY-MM-DD, today, tomorrow, yesterday, +3d, +2w, +1m, -7d or a weekday name"


def parse_when(text: str, today: date | None = None) -> date:
    """A calendar day from a WHEN word; one clear error for anything else."""
    from dateutil.relativedelta import relativedelta

    today = today or clock.today()
    word = (text or "").strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word == "yesterday":
        return today - timedelta(days=1)
    if word in WEEKDAYS:
        ahead = (WEEKDAYS[word] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    m = _OFFSET.fullmatch(word)
    if m:
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        unit = m.group(3)
        step = {"d": relativedelta(days=n), "w": relativedelta(weeks=n),
                "m": relativedelta(months=n), "y": relativedelta(years=n)}[unit]
        return today + step
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise InvalidValue(f"cannot read date {text!r}: {HELP}") from None


def parse_moment(text: str) -> datetime:
    """An instant: a WHEN word (at the current time of day when relative, at noon for a bare
    date in the past) or an ISO date-time like 2026-11-20T15:30."""
    word = (text or "").strip()
    if re.match(r"\d{4}-\d{2}-\d{2}[Tt ]\d", word):
        try:
            moment = datetime.fromisoformat(word)
        except ValueError:
            raise InvalidValue(f"cannot read time {text!r}: use YYYY-MM-DDTHH:MM or {HELP}") from None
        return moment if moment.tzinfo else moment.astimezone()
    now = clock.now()
    day = parse_when(word, now.date())
    return now.replace(year=day.year, month=day.month, day=day.day)


def parse_since(text: str) -> date:
    return parse_when(text)
