"""Care dates of Chinese practice (issue 18 item 7): holidays and festivals of a customer's
region, greeted ``care_holiday_days`` before, and lunar (农历) birthdays.

The follow-up report (core/followups_report.py, ``_care``) adds these rows to the
birthdays and first-purchase anniversaries: [customer_id, name, tier, due, purpose].

- A customer's country: the ``region`` text when it names 香港/澳门/台湾 (HK/MO/TW) or is
  Chinese (a province, a city: CN); else the country code of the E.164 phone; else the
  ``default_region`` setting (``_COUNTRY_SQL``: SQLite works it out, a few keys reach Python).
- A country's holidays of a year: the public holidays of the ``holidays`` library (names in
  Chinese where it has them; moved days off, 补假 and the days after skipped; the first day
  of a multi-day holiday), and for regions of Chinese practice the lunar festivals
  (rules.LUNAR_FESTIVALS) from ``lunardate``. Importing ``holidays`` and building a year
  costs ~200 ms, more than the whole report: each (country, year) is worked out once and
  kept as a small JSON file in the user cache dir (public dates, no personal data), as is
  each year's lunar calendar; later runs import neither library.
- A lunar birthday is ``MM-DD`` of the lunar calendar (a leap-month birth counts as the
  regular month; day 30 falls on day 29 in a 29-day month), due on that year's solar day.
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from crmctl import clock
from crmctl.core import rules, settings
from crmctl.errors import InvalidValue
from crmctl.i18n import _

CACHE_VERSION = 1
_MONTHS = "正二三四五六七八九十冬腊"
_MONTH_WORDS = {**{f"{m}月": i for i, m in enumerate(_MONTHS, 1)},
                "一月": 1, "十一月": 11, "十二月": 12, "端月": 1}
_DIGITS = "一二三四五六七八九十"
LUNAR_HELP = "use MM-DD of the lunar calendar, or 八月十五 (正月初一, 腊月廿三)"
# How long a lunar year can be, in days: every lunar birthday comes once within it.
_LUNAR_YEAR_MAX = 385


# --- lunar birthdays: reading and writing them -----------------------------------------------

def lunar_day_name(day: int) -> str:
    """初一 … 初十, 十一 … 二十, 廿一 … 廿九, 三十."""
    if day <= 10:
        return "初" + _DIGITS[day - 1]
    if day < 20:
        return "十" + _DIGITS[day - 11]
    if day in (20, 30):
        return "二十" if day == 20 else "三十"
    return "廿" + _DIGITS[day - 21]


def lunar_name(key: str) -> str:
    """``08-15`` → 八月十五; ``01-01`` → 正月初一; ``12-23`` → 腊月廿三."""
    month, day = int(key[:2]), int(key[3:])
    return f"{_MONTHS[month - 1]}月{lunar_day_name(day)}"


_DAY_WORDS = {lunar_day_name(d): d for d in range(1, 31)} | {
    "念" + _DIGITS[d - 21]: d for d in range(21, 30)} | {"卅": 30, "廿": 20, "初十": 10}


def normalize_birthday_lunar(value: str | None) -> str | None:
    """A lunar birthday as ``MM-DD``: 08-15, 8/15, 1985-08-15 (the year is not kept),
    八月十五, 正月初一, 腊月廿三, 闰四月初八 (a leap month counts as the regular one);
    农历/阴历 in front is allowed. None or blank: None."""
    text = (value or "").strip()
    if not text:
        return None
    body = re.sub(r"\s+", "", text.removeprefix("农历").removeprefix("阴历")).replace("闰", "")
    month = day = None
    digits = re.fullmatch(r"(?:\d{4}[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?", body)
    if digits:
        month, day = int(digits[1]), int(digits[2])
    else:
        for word, number in sorted(_MONTH_WORDS.items(), key=lambda kv: -len(kv[0])):
            if body.startswith(word):
                month, day = number, _DAY_WORDS.get(body[len(word):].removesuffix("日"))
                break
    if not (month and day and 1 <= month <= 12 and 1 <= day <= 30):
        raise InvalidValue(_("invalid lunar birthday {value}: {help}").format(
            value=repr(text), help=_(LUNAR_HELP)))
    return f"{month:02d}-{day:02d}"


# --- the cache of worked-out dates ---------------------------------------------------------

def _cache_dir() -> Path:
    """platformdirs' user cache dir of crmctl; on Linux its rule (XDG) without importing it,
    which with its tempfile would add ~5 ms to every daily report's start-up."""
    if sys.platform == "linux":
        base = os.environ.get("XDG_CACHE_HOME", "")
        return Path(base if base.strip() else os.path.expanduser("~/.cache"), "crmctl")
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("crmctl", appauthor=False))


def _cached(name: str, compute):
    """The JSON value kept as ``name`` in the cache dir; computed and kept on a miss. A
    cache that cannot be read is worked out again; one that cannot be written is skipped."""
    path = _cache_dir() / f"{name}-v{CACHE_VERSION}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = compute()
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(value, out, ensure_ascii=False)
        os.replace(temp, path)  # atomic: a reader sees the old file or the whole new one
    except OSError:
        pass
    return value


def lunar_keys(year: int) -> list[str]:
    """For each day of a solar year, the lunar birthdays (``MM-DD``, space-separated) that
    fall on it: "" in a leap month; day 29 of a 29-day month also holds day 30."""
    def compute():
        from lunardate import LunarDate

        first, days = date(year, 1, 1), []
        following = LunarDate.from_solar_date(year, 1, 1)
        for n in range((date(year + 1, 1, 1) - first).days):
            lunar = following
            following = LunarDate.from_solar_date(*(first + timedelta(days=n + 1)).timetuple()[:3])
            key = "" if lunar.is_leap_month else f"{lunar.month:02d}-{lunar.day:02d}"
            if key and lunar.day == 29 and following.day == 1:
                key += f" {lunar.month:02d}-30"
            days.append(key)
        return days
    return _cached(f"lunar-{year}", compute)


def holidays_of(country: str, year: int) -> list[list[str]]:
    """[[YYYY-MM-DD, name], …] of a country's occasions in a year, by date (cached)."""
    return _cached(f"holidays-{country}-{year}", lambda: _compute_holidays(country, year))


def _compute_holidays(country: str, year: int) -> list[list[str]]:
    import holidays

    try:
        kind = holidays.country_holidays(country)
        language = next((lang for lang in ("zh_CN", "zh_HK", "zh_MO", "zh_TW")
                         if lang in (getattr(kind, "supported_languages", ()) or ())), None)
        found = holidays.country_holidays(country, years=year, language=language)
    except NotImplementedError:  # a country the library does not know: no holidays
        found = {}
    lunar = rules.LUNAR_FESTIVALS if country in rules.LUNAR_FESTIVAL_COUNTRIES else {}
    days, previous = {}, {}
    for day, names in sorted(found.items()):
        for name in names.split("; "):
            if any(word in name for word in rules.HOLIDAY_SKIP) or any(
                    name.startswith(festival) for festival in lunar):
                continue  # a lunar festival comes from the lunar calendar below
            if previous.get(name) != day - timedelta(days=1):
                days.setdefault(day.isoformat(), []).append(name)
            previous[name] = day
    if lunar:
        from lunardate import LunarDate

        for name, (month, day) in lunar.items():
            for lunar_year in (year - 1, year):  # 春节 of a solar year is its lunar year's
                try:
                    solar = LunarDate(lunar_year, month, day).to_solar_date()
                except ValueError:  # beyond the library's table (1900-2099)
                    continue
                if solar.year == year:
                    days.setdefault(solar.isoformat(), []).append(name)
    return [[day, name] for day in sorted(days) for name in days[day]]


# --- holiday care rows -----------------------------------------------------------------------

_REGION_NAMES = {"HK": ("香港", "hong kong", "hongkong"), "MO": ("澳门", "澳門", "macau", "macao"),
                 "TW": ("台湾", "台灣", "臺灣", "taiwan")}


def _country_sql(region: str = "c.region", phone: str = "c.phone") -> str:
    """SQL for a customer's country key: HK/MO/TW/CN from the region text or the phone's
    country code, else the first 4 characters of an E.164 phone (``+1 2…``), else ''."""
    whens = [f"WHEN {' OR '.join(f'{region} LIKE {chr(39)}%{n}%{chr(39)}' for n in names)} "
             f"THEN '{cc}'" for cc, names in _REGION_NAMES.items()]
    whens.append(f"WHEN {region} GLOB '*[一-鿿]*' OR {region} LIKE '%china%' THEN 'CN'")
    whens += [f"WHEN {phone} LIKE '{code}%' THEN '{cc}'"
              for code, cc in rules.CARE_PHONE_COUNTRIES.items()]
    return f"CASE {' '.join(whens)} WHEN {phone} LIKE '+%' THEN substr({phone}, 1, 4) ELSE '' END"


def _country_of_key(key: str, default: str) -> str:
    if not key:
        return default
    if not key.startswith("+"):
        return key
    import phonenumbers

    for digits in (key[1:2], key[1:3], key[1:4]):  # country codes are prefix-free
        if digits.isdigit():
            region = phonenumbers.region_code_for_country_code(int(digits))
            if region not in ("ZZ", "001"):
                return region
    return default


def _wanted(name: str, wanted: list[str]) -> bool:
    names = (name, rules.HOLIDAY_ALIASES.get(name, name))
    return any(n.startswith(w) for n in names for w in wanted)


def holiday_rows(conn, today: date, until: date, where: str, params: dict) -> list[list]:
    """A row per customer of the care tiers for each chosen holiday of their country that
    is not past and is due (``care_holiday_days`` before it) by ``until``."""
    wanted = settings.get(conn, "care_holidays")
    tiers = settings.get(conn, "care_holiday_tiers")
    if not wanted or not tiers or until < today:
        return []
    lead = timedelta(days=settings.get(conn, "care_holiday_days"))
    params = {**params, **{f"care_t{n}": t for n, t in enumerate(tiers)}}
    in_tiers = f"c.tier IN ({', '.join(f':care_t{n}' for n in range(len(tiers)))})"
    key_sql = _country_sql()
    keys = [k for (k,) in conn.execute(  # from the index alone (m011); few distinct pairs
        f"SELECT DISTINCT {_country_sql('region', 'phone')} FROM (SELECT DISTINCT c.region, "
        f"substr(c.phone, 1, 4) AS phone FROM customers c INDEXED BY customers_care "
        f"WHERE {in_tiers} AND {where})", params)]
    default = settings.get(conn, "default_region")
    first, last = today.isoformat(), (until + lead).isoformat()
    by_key = {}
    for key in keys:
        country = _country_of_key(key, default)
        by_key[key] = [(day, name) for year in range(today.year, (until + lead).year + 1)
                       for day, name in holidays_of(country, year)
                       if first <= day <= last and _wanted(name, wanted)]
    hit = {key: days for key, days in by_key.items() if days}
    if not hit:
        return []
    params.update({f"care_k{n}": k for n, k in enumerate(hit)})
    cur = conn.execute(
        f"SELECT c.id, c.name, c.tier, {key_sql} AS k FROM customers c "
        f"INDEXED BY customers_care WHERE {in_tiers} "
        f"AND k IN ({', '.join(f':care_k{n}' for n in range(len(hit)))}) AND {where}", params)
    return [[cid, name, tier, (date.fromisoformat(day) - lead).isoformat(), f"{holiday} {day}"]
            for cid, name, tier, key in cur for day, holiday in hit[key]]


def unknown_holidays(conn, names: list[str], today: date | None = None) -> list[str]:
    """Those of ``names`` (the care_holidays setting) that begin no holiday's name, this
    year or next, of any country crmctl knows here: those of Chinese practice
    (rules.LUNAR_FESTIVAL_COUNTRIES), the default region, and the customers' countries."""
    today = today or clock.today()
    default = settings.get(conn, "default_region")
    keys = [k for (k,) in conn.execute(
        f"SELECT DISTINCT {_country_sql('region', 'phone')} FROM (SELECT DISTINCT region, "
        f"substr(phone, 1, 4) AS phone FROM customers WHERE forgotten_at IS NULL)")]
    countries = ({*rules.LUNAR_FESTIVAL_COUNTRIES, default}
                 | {_country_of_key(key, default) for key in keys})
    known = {name for country in sorted(countries) for year in (today.year, today.year + 1)
             for _, name in holidays_of(country, year)}
    return [w for w in names if not any(_wanted(name, [w]) for name in known)]


# --- lunar birthday rows -------------------------------------------------------------------

def lunar_birthday_rows(conn, today: date, until: date, where: str, params: dict) -> list[list]:
    """A row per customer whose lunar birthday falls from today to until (its first
    occurrence), due on that solar day."""
    if until < today or not conn.execute(
            "SELECT 1 FROM customers INDEXED BY customers_birthday_lunar "
            "WHERE birthday_lunar IS NOT NULL AND forgotten_at IS NULL LIMIT 1").fetchone():
        return []
    first: dict[str, date] = {}
    years: dict[int, list[str]] = {}
    for n in range(min((until - today).days, _LUNAR_YEAR_MAX) + 1):
        day = today + timedelta(days=n)
        if day.year not in years:
            years[day.year] = lunar_keys(day.year)
        for key in years[day.year][day.timetuple().tm_yday - 1].split():
            first.setdefault(key, day)
    if not first:
        return []
    params = {**params, **{f"care_l{n}": k for n, k in enumerate(first)}}
    cur = conn.execute(
        "SELECT c.id, c.name, c.tier, c.birthday_lunar FROM customers c "
        "INDEXED BY customers_birthday_lunar WHERE c.birthday_lunar IN "
        f"({', '.join(f':care_l{n}' for n in range(len(first)))}) AND {where}", params)
    return [[cid, name, tier, first[key].isoformat(), f"lunar birthday (农历{lunar_name(key)})",
             ["lunar-birthday", lunar_name(key)]] for cid, name, tier, key in cur]
