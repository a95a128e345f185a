"""The follow-up report as one SQL statement: every source, already in the output's shape.

``statement`` returns the SELECT (and its parameters) whose rows are the report: the
contract's columns (``COLUMNS``) in order, sorted, overdue_days computed. The rules are
described in ``crmctl.core.followups``; here each source is one SELECT over the m004
indexes, and SQLite does the rest (dates, texts, the churn-risk grouping, the sort), so a
report of 22,000 rows costs no Python per row. Only the care dates (birthdays and
first-purchase anniversaries, a handful a day) are worked out in Python, where the
calendar rules (Feb 29) are plain to read; they join the statement through ``json_each``.

Days are local calendar days: ``date(instant, 'localtime')`` in SQLite and
``day_start_utc`` in Python follow the same process time zone.
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import date, datetime, time, timedelta

from crmctl import clock
from crmctl.core import care, closing, repurchase, rules, settings
from crmctl.core.rules import tier_rank_sql
from crmctl.core.validate import check_tier, normalize_tag

REASONS = ("complaint", "scheduled", "notify", "churn-risk", "cadence", "care", "data-review",
           "retention")
COLUMNS = ("customer_id", "name", "tier", "due", "overdue_days", "reason", "purpose",
           "followup_id", "phone", "company", "overdue_hours")
# What the columns hold, for a renderer that can spare json_quote where no value needs it
# (render.json_object_sql, ~4 % of the report): ids and day counts are integers (or NULL),
# reason is a word (reasons are REASONS); tier is NULL on the data-review row.
# The partial index latest_ratings_low (m006) holds the ratings up to the default threshold;
# a higher threshold set by the user reads latest_ratings without it.
_LOW_INDEX_HOLDS = rules.CHURN_RISK["low_satisfaction"]
INTEGER_COLUMNS = ("customer_id", "overdue_days", "followup_id", "overdue_hours")
WORD_COLUMNS = ("reason", "due")  # (due: YYYY-MM-DD on every row)


def day_start_utc(day: date) -> str:
    """The stored (UTC) form of the first instant of a local calendar day."""
    return clock.to_utc_text(datetime.combine(day, time()).astimezone())


def julian(day: date) -> float:
    """SQLite's julianday() of a calendar day (its midnight)."""
    return day.toordinal() + 1721424.5


def customer_filter(tier: str | None, tag: str | None, alias: str = "c",
                    ids: list[int] | None = None) -> tuple[str, dict]:
    """SQL (and its named parameters) restricting to live, open customers of a tier and a tag
    (and among ``ids``: the customers a segment filter selected, core/segment_followups)."""
    where, params = [f"{alias}.forgotten_at IS NULL",
                     closing.NOT_CLOSED_SQL.format(a=alias)], {}
    if ids is not None:
        where.append(f"{alias}.id IN (SELECT value FROM json_each(:ids))")
        params["ids"] = json.dumps(ids)
    if tier:

        where.append(f"{alias}.tier = :tier")
        params["tier"] = check_tier(tier)
    if tag:

        where.append(f"{alias}.id IN (SELECT ct.customer_id FROM customer_tags ct "
                     "JOIN tags t ON t.id = ct.tag_id WHERE t.name = :tag)")
        params["tag"] = normalize_tag(tag)
    return " AND ".join(where), params


def statement(conn, until: date, today: date, *, overdue_only: bool = False,
              tier: str | None = None, tag: str | None = None, ids: list[int] | None = None,
              projection: str | None = None,
              aggregate: str | None = None) -> tuple[str, dict]:
    """The report's SELECT and parameters: rows of COLUMNS, sorted by due day (overdue
    first), then tier (best first), customer, reason, follow-up id.

    ``projection``: SQL over those columns to select instead of them (e.g. each row as
    JSON text, ``render.json_object_sql``); the sort stays in the same SELECT.
    ``aggregate``: an aggregate over ``row``, the rows of ``projection`` in the report's
    order, that makes one row of the whole report (e.g. ``render.json_list_sql("row")``,
    the JSON document)."""

    where, params = customer_filter(tier, tag, ids=ids)
    cadence = settings.get(conn, "cadence_days")
    churn = settings.get(conn, "churn_risk")  # (core/rules.py: CHURN_RISK)
    complaint_days, silent = int(churn["complaint_open_days"]), int(churn["silent_cadences"])
    low = int(churn["low_satisfaction"])
    params.update(today=today.isoformat(), until=until.isoformat(),
                  jtoday=julian(today), juntil=julian(until),
                  opened_before=day_start_utc(today - timedelta(days=complaint_days)),
                  care=json.dumps(_care(conn, today, until, where, params),
                                  ensure_ascii=False))
    now = clock.now()
    params.update(jnow=now.timestamp() / 86400 + 2440587.5, **_response_params(conn),
                  **repurchase.params(conn, today))
    review = None if tier or tag or ids is not None else data_review_row(conn, until)
    params["review_due"], params["review_purpose"], params["review_args"] = (
        review or (None, None, None))
    retention = None if tier or tag or ids is not None else closing.review_row(conn, until, today)
    params["retention_due"], params["retention_purpose"], params["retention_args"] = (
        retention or (None, None, None))
    scans = []
    for n, (tier_name, days) in enumerate(cadence.items()):
        # the local day of the last contact + days <= until, or + 2x days <= today
        params[f"t{n}"], params[f"d{n}"] = tier_name, int(days)
        params[f"l{n}"] = max(day_start_utc(until - timedelta(days=days - 1)),
                              day_start_utc(today - timedelta(days=silent * days - 1)))
        scans.append(_SCAN.format(n=n, where=where))
    reason_rank = " ".join(f"WHEN '{r}' THEN {i}" for i, r in enumerate(REASONS))
    # within a day, a complaint past its answer time first: it is overdue by hours
    order = (f"due, late = 0, {tier_rank_sql('tier', unknown=9)}, customer_id, "
             f"CASE reason {reason_rank} END, coalesce(followup_id, 0), nth")
    wants_args = bool(_WANTS_ARGS.search(f"{projection} {aggregate}"))
    rows = f"FROM shaped {_CONTACT} ORDER BY {order}"
    select = f"{projection or ', '.join(COLUMNS)} {rows}"
    if aggregate:  # over the sorted rows, in order (see render.json_list_sql). Each row is
        # made before the sort, so the sorter carries one text and the aggregate reads it
        # out once; made after it, every text column was copied out of the sorter again
        # (-180 M instructions, ~4 % of `followups --format json`, bench/README.md)
        select = f"{aggregate} FROM (SELECT {projection} AS row {rows})"
    sql = _REPORT.format(
        scans=" UNION ALL ".join(scans) or _NO_SCAN, where=where,
        churn=silent, low=low, complaint_days=complaint_days + 1,
        low_index="INDEXED BY latest_ratings_low" if low <= _LOW_INDEX_HOLDS else "",
        hours=_RESPONSE_N, repurchase=repurchase.CTES.format(where=where),
        repurchase_risk=repurchase.RISK,
        **{f"args_{k}": v if wants_args else "NULL" for k, v in _ARGS.items()},
        overdue="WHERE due < :today OR late" if overdue_only else "") + select
    return sql, params


# The generated purposes as a code and their values (the column args, JSON), from which
# core/purposes.py words them in the interface language (the purpose column stays English
# for JSON and CSV). Made only for a projection that names args: a report that does not use
# them would still pay ~12 ms (the churn-risk aggregate, the complaint times). The care,
# data-review and retention rows bring theirs as parameters, made in Python.
_ARGS = {
    "complaint": "json_array('complaint', iid, strftime('%Y-%m-%d %H:%M', at, 'localtime'), "
                 "hours, strftime('%Y-%m-%d %H:%M', local_due), secs)",
    "cadence": "json_array('cadence', tier, days, never, date(jl))",
    # one [kind, n, m, never, start day] per risk (kinds and numbers: risks, below)
    "churn": "json_array('churn-risk', tier, json_group_array(json_array(kind, n, m, never, "
             "date(start))))",
}
_WANTS_ARGS = re.compile(r"\bargs\b")  # in a projection

# The response hours of a complaint's tier (the setting response_hours); a tier not in the
# setting gets the longest.
_RESPONSE_N = ("CASE c.tier " + " ".join(f"WHEN '{t}' THEN :rh_{t}" for t in rules.TIERS)
               + " ELSE :rh_else END")


def _response_params(conn) -> dict:
    hours = {t: int(h) for t, h in settings.get(conn, "response_hours").items()}
    return {**{f"rh_{t}": h for t, h in hours.items()}, "rh_else": max(hours.values())}


# each row's phone and company: one look-up by id in the narrow index of m015 (no table
# row read)
_CONTACT = ("LEFT JOIN (SELECT id AS contact_id, phone, company "
            "FROM customers INDEXED BY customers_contact) ON contact_id = shaped.customer_id")

# One index range of customers_due per tier (covering: no table row is read): those whose
# last contact (never contacted: the day added) makes them cadence-due by `until` or
# silent for 2x cadence by today. Days are carried as julian day numbers (jl: the local
# day of the last contact, at midnight) so each row converts its instant once.
_SCAN = """
    SELECT c.id, c.name, c.tier, :d{n} AS days, c.last_contact_at IS NULL AS never,
           julianday(coalesce(c.last_contact_at, c.created_at), 'localtime', 'start of day')
           AS jl
    FROM customers c INDEXED BY customers_due
    WHERE c.tier = :t{n} AND coalesce(c.last_contact_at, c.created_at) < :l{n} AND {where}"""
_NO_SCAN = ("SELECT NULL AS id, NULL AS name, NULL AS tier, 0 AS days, 0 AS never, "
            "NULL AS jl WHERE 0")

# risks: one row per churn-risk reason of a customer (kind: 0 silence, 1 rating,
# 2 complaint), with its start day and numbers; their texts are written once grouped.
_REPORT = """
WITH quiet AS MATERIALIZED ({scans}),
-- the open complaints: id, customer and time only, so the partial index of risks' third
-- source (m012) answers without reading interactions (a category would cost ~10 ms)
complaints AS MATERIALIZED (
    SELECT c.id, c.name, c.tier, i.id AS iid, i.at, {hours} AS hours,
           julianday(julianday(i.at) + {hours} / 24.0, 'localtime') AS local_due,
           CAST(round((:jnow - julianday(i.at) - {hours} / 24.0) * 86400) AS INTEGER) AS secs
    FROM interactions i INDEXED BY interactions_open_complaints
    CROSS JOIN customers c INDEXED BY customers_card ON c.id = i.customer_id
    WHERE i.complaint = 1 AND i.resolved_at IS NULL AND i.voided_at IS NULL AND {where}
),
{repurchase}
-- (never: whether never contacted for kind 0; the median purchase gap for kind 3)
risks (id, name, tier, start, kind, n, m, never) AS (
    SELECT id, name, tier, jl + {churn} * days, 0, CAST(:jtoday - jl AS INTEGER), days, never
    FROM quiet WHERE :jtoday - jl >= {churn} * days
    UNION ALL
    -- the newest rating per customer is kept by triggers in latest_ratings (m004)
    SELECT c.id, c.name, c.tier, julianday(r.at, 'localtime', 'start of day'), 1,
           r.satisfaction, NULL, NULL
    FROM latest_ratings r {low_index}
    CROSS JOIN customers c INDEXED BY customers_card ON c.id = r.customer_id
    WHERE r.satisfaction <= {low} AND {where}
    UNION ALL
    -- the open complaints (above) logged before the day that makes them too old
    SELECT id, name, tier,
           julianday(min(at), 'localtime', 'start of day') + {complaint_days}, 2, count(*),
           CAST(:jtoday - julianday(min(at), 'localtime', 'start of day') AS INTEGER), NULL
    FROM complaints WHERE at < :opened_before
    GROUP BY id
    UNION ALL
    {repurchase_risk}
),
-- jdue: the due day as a julian day number, from the numbers at hand where there are some
-- args: the purpose as a code and its values (see _ARGS); late: the seconds a complaint is
-- past its answer time, 0 otherwise (--overdue selects by it, not by the purpose's words).
report (customer_id, name, tier, due, jdue, reason, purpose, followup_id, nth, args, late) AS (
    -- complaint (core/complaints.py): every open one at once, due the tier's response
    -- time after it was logged (local_due: that instant; secs: seconds past it)
    SELECT id, name, tier, date(local_due), julianday(date(local_due)), 'complaint', printf(
        'complaint #%d logged %s: answer within %d h, by %s; '
        || iif(secs > 0, '%d h %02d min overdue', '%d h %02d min left'), iid,
        strftime('%Y-%m-%d %H:%M', at, 'localtime'), hours,
        strftime('%Y-%m-%d %H:%M', local_due),
        abs(secs) / 3600, abs(secs) / 60 % 60), NULL, iid,
        {args_complaint}, max(secs, 0)
    FROM complaints
    UNION ALL
    SELECT f.customer_id, c.name, c.tier, f.due, julianday(f.due), f.kind, f.purpose, f.id, 0,
           NULL, 0
    FROM followups f CROSS JOIN customers c INDEXED BY customers_card ON c.id = f.customer_id
    WHERE f.done_at IS NULL AND f.due <= :until AND {where}
    UNION ALL
    -- cadence: not when silent for 2x (churn risk says it) nor when a follow-up is planned
    SELECT id, name, tier, date(jl + days), jl + days, 'cadence',
           printf('%s cadence: every %d days; %s%s', tier, days,
                  iif(never, 'never contacted since added ', 'last contact '), date(jl)),
           NULL, 0, {args_cadence}, 0
    FROM quiet
    WHERE :jtoday - jl < {churn} * days AND jl + days <= :juntil
      AND id NOT IN (SELECT customer_id FROM followups WHERE done_at IS NULL)
    UNION ALL
    -- each risk worded once, joined in the order of their kinds (a customer has at most
    -- one risk of each kind)
    SELECT id, name, tier, date(min(start)), min(start), 'churn-risk', substr(group_concat(
        CASE kind
        WHEN 0 THEN printf('; %s for %d days (%s: every %d)',
                           iif(never, 'never contacted', 'no contact'), n, tier, m)
        WHEN 1 THEN printf('; last satisfaction %d/5 (%s)', n, date(start))
        WHEN 2 THEN iif(n > 1, printf('; %d complaints open, oldest %d days', n, m),
                        printf('; complaint open %d days', m))
        WHEN 3 THEN printf('; no purchase for %d days (window %d; %s)', n, m,
            iif(never IS NULL, 'a single purchase', printf('median interval %g days', never)))
        END, '' ORDER BY kind), 3), NULL, 0,
        {args_churn}, 0
    FROM risks GROUP BY id
    UNION ALL
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, julianday(value ->> 3), 'care',
           value ->> 4, NULL,
           CAST(key AS INTEGER), value -> 5, 0
    FROM json_each(:care)
    UNION ALL
    SELECT NULL, NULL, NULL, :review_due, julianday(:review_due), 'data-review',
           :review_purpose, NULL, 0, :review_args, 0
    WHERE :review_due IS NOT NULL
    UNION ALL
    SELECT NULL, NULL, NULL, :retention_due, julianday(:retention_due), 'retention',
           :retention_purpose, NULL, 0, :retention_args, 0
    WHERE :retention_due IS NOT NULL
),
shaped AS (
    SELECT customer_id, name, tier, due,
           max(0, CAST(:jtoday - jdue AS INTEGER)) AS overdue_days,
           reason, purpose, followup_id, nth, args, late,
           iif(late > 0, late / 3600, NULL) AS overdue_hours
    FROM report {overdue}
)
SELECT """


def data_review_row(conn, until: date) -> tuple[str, str, str] | None:
    """(due day, purpose, its args) of the data-review row (客户数据定期核对), or None: due
    data_review_days after the last `audit data` (never run: after the database's first
    audit entry); 0 days turns it off. One settings read and one row of the log."""
    days, last = settings.data_review(conn)
    since = last or (conn.execute("SELECT at FROM audit_log ORDER BY id LIMIT 1").fetchone()
                     or [None])[0]
    if not days or since is None:
        return None
    day = clock.local_date_of(since)
    due = day + timedelta(days=days)
    if due > until:
        return None
    what = f"last run {day.isoformat()}" if last else f"never run; in use since {day}"
    return due.isoformat(), (f"data review every {days} days: run crmctl audit data "
                             f"({what})"), json.dumps(["data-review", days, day.isoformat(),
                                                       not last])


# --- care dates: birthdays and first-purchase anniversaries ---------------------------------

def on_day(year: int, month: int, day: int) -> date:
    """A yearly date in a given year; Feb 29 falls on Feb 28 in other years."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_occurrence(month: int, day: int, today: date, first_year: int | None = None) -> date:
    """The first yearly occurrence on or after ``today`` (and not before ``first_year``)."""
    year = max(today.year, first_year or today.year)
    when = on_day(year, month, day)
    return when if when >= today else on_day(year + 1, month, day)


def _month_days(today: date, until: date) -> list[str] | None:
    """The MM-DD of every day from today to until (None: all of them), Feb 29 with Feb 28."""
    if (until - today).days >= 365:
        return None
    days = {(today + timedelta(days=n)).strftime("%m-%d")
            for n in range((until - today).days + 1)}
    return sorted(days | ({"02-29"} if "02-28" in days else set()))


def _care(conn, today: date, until: date, where: str, params: dict) -> list[list]:
    """Birthdays and first-purchase anniversaries from today to until (MM-DD indexes),
    then lunar birthdays and holidays: [customer_id, name, tier, due, purpose, args] each
    (args: the purpose as a code and values, PURPOSE_ARGS; none for a holiday, whose
    purpose is its Chinese name and day)."""
    if until < today:
        return []
    days = _month_days(today, until)
    rows = []
    for column, expr, index in (
            ("birthday", "substr(c.birthday, -5)", "customers_birthday_day"),
            ("first_purchase_at", "substr(c.first_purchase_at, 6, 5)",
             "customers_first_purchase_day")):
        # the planner would rather walk customers_due (partial on forgotten_at, like
        # every query here) and look each row up: tell it which index answers this
        near, hint = (f"c.{column} IS NOT NULL", "") if days is None else (
            f"c.{column} IS NOT NULL AND {expr} IN ({', '.join(repr(d) for d in days)})",
            f" INDEXED BY {index}")
        cur = conn.execute(f"SELECT c.id, c.name, c.tier, substr(c.{column}, 1, 10) "
                           f"FROM customers c{hint} WHERE {near} AND {where}", params)
        for cid, name, tier, value in cur:
            if column == "birthday":
                born = int(value[:4]) if value[0] != "-" else None
                when = next_occurrence(int(value[-5:-3]), int(value[-2:]), today)
                if when <= until:
                    age = f" (turns {when.year - born})" if born else ""
                    rows.append([cid, name, tier, when.isoformat(), f"birthday{age}",
                                 ["birthday", when.year - born if born else None]])
                continue
            bought = date.fromisoformat(value)
            when = next_occurrence(bought.month, bought.day, today, bought.year + 1)
            if when <= until:
                rows.append([cid, name, tier, when.isoformat(),
                             f"{_ordinal(when.year - bought.year)} anniversary of the "
                             f"first purchase ({value})",
                             ["anniversary", when.year - bought.year, value]])
    # holidays and lunar birthdays (core/care.py)
    return (rows + care.lunar_birthday_rows(conn, today, until, where, params)
            + care.holiday_rows(conn, today, until, where, params))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
