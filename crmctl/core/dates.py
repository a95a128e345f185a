"""WHEN: the days and times people type, in English and Chinese, in the local time zone.

One table-driven reader: a table of words (day words, weekdays, units, week shifts) and a
list of regular expressions, each with the rule that turns its match into a day. Forms:

- days: ``today tomorrow yesterday``, 今天 明天 后天 昨天 前天 (大后天, 大前天)
- weekdays: ``friday fri``, 周五 星期五 礼拜五 — the next such day, never today (the last
  such day for a past-facing option); ``next friday``/下周五, ``this friday``/本周五/这周五,
  ``last friday``/上周五: that day of next, this or last week (weeks start on Monday)
- offsets: ``+3d -7d +2w +1m +1y 3d``, ``in 3 days``, ``3 days ago``, 3天后 2周后 1个月后
  1年后 3天前 (Chinese numerals too: 三天后, 两周后)
- calendar days: ``2026-12-10 2026/12/10 2026.12.10`` 2026年12月10日; without a year
  ``12-10 12/10`` 12月10日 (12月10号) — this year, or next year once the day has passed for
  a future-facing option (a follow-up), last year when it is still ahead for a past-facing
  one (a purchase, a contact's ``--at``, ``--since``)
- times (``parse_moment``): ``10:15``, ``3pm``, 下午3点, 上午10点半, 3点15分, after a day or
  alone (today): ``明天 10:15``, ``昨天 下午3点``, ``2026/12/10 10:15``, and ISO
  ``2026-11-20T15:30``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from crmctl import clock
from crmctl.core.words import noun
from crmctl.errors import InvalidValue
from crmctl.i18n import _

# the forms a future-facing option (a follow-up) and a past-facing one (a purchase, --at,
# --since) show in --help and in their error, each its direction's
EXAMPLES = "2026-12-10, 明天 or +3d"
EXAMPLES_PAST = "2026-12-01, 昨天 or -7d"
HELP = ("2026-12-10, 12-10, 12月10日, today, 明天, friday, 周五, 下周五, next friday, "
        "+3d, 3d, in 3 days, 3天后, 2周后")
HELP_TIME = HELP + "; with a time: 10:15, 下午3点, 明天 10:15, 2026-11-20T15:30"
HELP_PAST = ("2026-12-01, 2026/12/01, 12-01, 12月1日, today, yesterday, 昨天, 前天, friday, "
             "上周五, last friday, -7d, 3 days ago, 3天前, 2周前")
HELP_PAST_TIME = HELP_PAST + "; with a time: 10:15, 下午3点, 昨天 10:15, 2026-11-20T15:30"

DAY_WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1, "今天": 0, "今日": 0, "明天": 1,
             "明日": 1, "后天": 2, "大后天": 3, "昨天": -1, "昨日": -1, "前天": -2, "大前天": -3}
WEEKDAYS = {name: i for i, names in enumerate([
    ("monday", "mon", "周一", "星期一", "礼拜一"), ("tuesday", "tue", "周二", "星期二", "礼拜二"),
    ("wednesday", "wed", "周三", "星期三", "礼拜三"), ("thursday", "thu", "周四", "星期四", "礼拜四"),
    ("friday", "fri", "周五", "星期五", "礼拜五"), ("saturday", "sat", "周六", "星期六", "礼拜六"),
    ("sunday", "sun", "周日", "周天", "星期日", "星期天", "礼拜日", "礼拜天")]) for name in names}
WEEK_SHIFTS = {"next": 1, "下": 1, "下个": 1, "this": 0, "本": 0, "这": 0, "这个": 0,
               "last": -1, "上": -1, "上个": -1}
UNITS = {"d": "days", "day": "days", "days": "days", "天": "days", "日": "days",
         "w": "weeks", "week": "weeks", "weeks": "weeks", "周": "weeks", "星期": "weeks",
         "个星期": "weeks", "礼拜": "weeks", "个礼拜": "weeks",
         "m": "months", "month": "months", "months": "months", "个月": "months",
         "y": "years", "year": "years", "years": "years", "年": "years"}
AFTER = {"后": 1, "以后": 1, "之后": 1, "前": -1, "以前": -1, "之前": -1}
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUM = r"\d{1,4}|[零一二两三四五六七八九十]{1,3}|an?|one"
_WEEKDAY = _alt(WEEKDAYS)
_EN_UNIT = r"days?|weeks?|months?|years?"
# Each pattern (matched against the whole text, lower-cased, spaces folded) and its rule,
# as texts: compiled on first use (_compiled), not at every start-up (~3 ms; the report's
# default `--until today` is a day word and compiles none).
PATTERNS = [
    (_alt(DAY_WORDS), "day_word"),
    (f"(?:(?P<shift>{_alt(WEEK_SHIFTS)}) ?)?(?P<weekday>{_WEEKDAY})", "weekday"),
    (r"(?P<sign>[+-]?)(?P<n>\d{1,4}) ?(?P<unit>[dwmy])", "offset"),
    (f"in (?P<n>{_NUM}) (?P<unit>{_EN_UNIT})", "offset"),
    (f"(?P<n>{_NUM}) (?P<unit>{_EN_UNIT}) (?P<ago>ago)", "offset"),
    (f"(?P<n>{_NUM}) ?(?P<unit>{_alt(u for u in UNITS if not u.isascii())}) ?"
     f"(?P<after>{_alt(AFTER)})", "offset"),
    (r"(?P<y>\d{4}) ?[-/.年] ?(?P<m>\d{1,2}) ?[-/.月] ?(?P<d>\d{1,2}) ?[日号]?", "day"),
    (r"(?P<m>\d{1,2}) ?[-/月] ?(?P<d>\d{1,2}) ?[日号]?", "day"),
]
_PERIODS = {"上午": 0, "早上": 0, "早晨": 0, "凌晨": 0, "am": 0, "中午": 12, "下午": 12,
            "傍晚": 12, "晚上": 12, "pm": 12}
_MINUTE_WORDS = {"半": 30, "一刻": 15, "三刻": 45}
_TIME = (
    f"(?P<pre>{_alt(p for p in _PERIODS if not p.isascii())})? ?(?:"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))? ?(?P<ampm>am|pm)?"
    r"|(?P<h2>\d{1,2}) ?(?P<ampm2>am|pm)"
    f"|(?P<h3>{_NUM}) ?[点時时] ?(?:(?P<mi3>{_NUM}) ?分?|(?P<word>{_alt(_MINUTE_WORDS)}))?)")
_DAY_AND_TIME = f"(?:(?P<day>.+?)[ tT]?)?(?P<time>{_TIME})"
_ISO_MOMENT = (r"\d{4}-\d{2}-\d{2}[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
               r"(?:Z|[+-]\d{2}:?\d{2})?")
_done: dict = {}


def _compiled(text: str):
    """A pattern of this module, compiled once, on first use."""
    pattern = _done.get(text)
    if pattern is None:
        pattern = _done[text] = re.compile(text)
    return pattern


def _number(text: str) -> int:
    """A count as typed: 12, 三, 两, 十二, 二十, a/an/one."""
    if text.isdigit():
        return int(text)
    if text in ("a", "an", "one"):
        return 1
    if "十" not in text:
        return _DIGITS.get(text, -1)
    tens, _sep, ones = text.partition("十")
    tens, ones = (_DIGITS.get(tens, -1) if tens else 1), (_DIGITS.get(ones, -1) if ones else 0)
    return -1 if min(tens, ones) < 0 else tens * 10 + ones


def _key(text: str) -> str:
    return " ".join((text or "").replace("\u3000", " ").split()).lower()


def _refuse(text: str, what: str = "date", past: bool = False):
    return InvalidValue(_("cannot read {what} {text}: try {examples} (more in --help)").format(
        what=noun(what), text=repr(text), examples=_(EXAMPLES_PAST if past else EXAMPLES)))


def parse_when(text: str, today: date | None = None, *, past: bool = False) -> date:
    """A calendar day from a WHEN word; one clear error for anything else.

    ``past``: the option looks back (a purchase, a contact, --since): a day without a year is
    the latest such day up to today, a bare weekday the last such day before today.
    """
    today = today or clock.today()
    word = _key(text)
    if word in DAY_WORDS:  # (the first pattern: today, 明天…)
        return today + timedelta(days=DAY_WORDS[word])
    for pattern, rule in PATTERNS:
        m = _compiled(pattern).fullmatch(word)
        if m:
            day = _RULES[rule](m, today, past)
            if day is not None:
                return day
    raise _refuse(text, past=past)


def _day_word(m, today: date, past: bool) -> date:
    return today + timedelta(days=DAY_WORDS[m.group(0)])


def _weekday(m, today: date, past: bool) -> date:
    target = WEEKDAYS[m.group("weekday")]
    if m.group("shift") is not None:  # that day of next / this / last week
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=WEEK_SHIFTS[m.group("shift")], days=target)
    if past:
        return today - timedelta(days=(today.weekday() - target - 1) % 7 + 1)
    return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)


def _offset(m, today: date, past: bool) -> date | None:
    from dateutil.relativedelta import relativedelta

    n = _number(m.group("n"))
    if n < 0:
        return None
    groups = m.groupdict()
    if groups.get("sign") == "-" or groups.get("ago") or AFTER.get(groups.get("after"), 1) < 0:
        n = -n
    return today + relativedelta(**{UNITS[m.group("unit")]: n})


def _day(m, today: date, past: bool) -> date | None:
    month, day = int(m.group("m")), int(m.group("d"))
    year = m.groupdict().get("y")
    try:
        if year is not None:
            return date(int(year), month, day)
        if (month, day) == (2, 29):  # the next (or last) year that has one
            step = -1 if past else 1
            year = today.year
            while True:
                try:
                    found = date(year, 2, 29)
                    if (found >= today) if not past else (found <= today):
                        return found
                except ValueError:
                    pass
                year += step
        found = date(today.year, month, day)
    except ValueError:
        return None
    if past and found > today:
        return found.replace(year=today.year - 1)
    if not past and found < today:
        return found.replace(year=today.year + 1)
    return found


_RULES = {"day_word": _day_word, "weekday": _weekday, "offset": _offset, "day": _day}


def calendar_parts(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of a calendar day as typed (1985/3/12, 1985年3月12日,
    3-12, 3月12日), unchecked; None for anything else."""
    for pattern, rule in PATTERNS:
        m = _compiled(pattern).fullmatch(_key(text)) if rule == "day" else None
        if m:
            year = m.groupdict().get("y")
            return (int(year) if year else None), int(m.group("m")), int(m.group("d"))
    return None


def parse_time(text: str) -> time | None:
    """A time of day (10:15, 3pm, 下午3点, 10点半), or None when ``text`` is none."""
    m = _compiled(_TIME).fullmatch(_key(text))
    if not m:
        return None
    g = m.groupdict()
    hour = _number(g["h"] or g["h2"] or g["h3"])
    minute = int(g["mi"]) if g["mi"] else 0
    if g["mi3"]:
        minute = _number(g["mi3"])
    elif g["word"]:
        minute = _MINUTE_WORDS[g["word"]]
    period = g["pre"] or g["ampm"] or g["ampm2"]
    if period is not None and period.isascii() and not 1 <= hour <= 12:
        return None  # 13pm
    if period is not None and _PERIODS[period] == 12 and hour < 12:
        hour += 12
    elif period in ("am", "凌晨") and hour == 12:
        hour = 0
    try:
        return time(hour, minute, int(g["s"] or 0))
    except ValueError:
        return None


def parse_moment(text: str) -> datetime:
    """An instant (past-facing): a WHEN word at the current time of day, a time alone
    (today), a WHEN word and a time (明天 10:15, 昨天 下午3点), or ISO 2026-11-20T15:30."""
    word = (text or "").strip()
    if _compiled(_ISO_MOMENT).fullmatch(word):
        try:
            moment = datetime.fromisoformat(word.replace("Z", "+00:00"))
        except ValueError:
            raise _refuse(text, "time", past=True) from None
        return moment if moment.tzinfo else moment.astimezone()
    now = clock.now()
    at = parse_time(word)
    if at is not None:  # a time alone: today
        return datetime.combine(now.date(), at).astimezone()
    m = _compiled(_DAY_AND_TIME).fullmatch(_key(word))
    at = parse_time(m.group("time")) if m and m.group("day") else None
    if at is not None:
        try:
            day = parse_when(m.group("day"), now.date(), past=True)
        except InvalidValue:
            raise _refuse(text, past=True) from None
        return datetime.combine(day, at).astimezone()
    day = parse_when(word, now.date(), past=True)
    return now.replace(year=day.year, month=day.month, day=day.day)


def parse_since(text: str) -> date:
    return parse_when(text, past=True)


def spend_window(today: date, months: int = 12) -> tuple[str, str]:
    """(after, until): the trailing window is purchases dated after ``after`` up to and
    including ``until`` (today) — 12 months back from 2026-11-23 starts on 2025-11-24."""
    from dateutil.relativedelta import relativedelta

    return (today - relativedelta(months=months)).isoformat(), today.isoformat()
