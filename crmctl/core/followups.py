"""Follow-ups (定期回访): stored ones (scheduled, notify) and the report over all sources.

The report (``due``) lists, up to a day ``until`` (default today), one row per reason:

- ``scheduled`` / ``notify``: stored follow-ups not done, due on or before ``until``.
- ``cadence``: the tier's service level (settings ``cadence_days``) since the last
  contact, or since the customer was added when never contacted: due = that local day +
  cadence. Left out when the customer has any open stored follow-up (the next contact is
  already planned, and logging it resets the clock; a plan far ahead cannot hide a slipping
  customer, because churn risk below still shows) and when the customer is at churn risk
  for lack of contact (the churn-risk row says the same, louder).
- ``churn-risk`` (流失预警), the state *today* whatever ``until`` says, one row per
  customer naming every reason: no contact for 2x cadence days or more; the latest
  satisfaction rating is 2 or less; a complaint open more than 7 days. Its due day is the
  day the risk began (last contact + 2x cadence, the day of the rating, complaint day + 8).
- ``care`` (客户关怀): a birthday (``YYYY-MM-DD`` or ``--MM-DD``; Feb 29 falls on Feb 28
  in other years) or the anniversary of the first purchase, between today and ``until``.

Days are local calendar days; stored instants are UTC. Rows come sorted by due day, so
the most overdue come first. Forgotten customers never appear.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from crmctl.core import audit, clock
from crmctl.core.validate import clean_text
from crmctl.errors import InvalidValue, NotFound
from crmctl.store import atomic

KINDS = ("scheduled", "notify")
REASONS = ("scheduled", "notify", "churn-risk", "cadence", "care")
COLUMNS = ("customer_id", "name", "tier", "due", "overdue_days", "reason", "purpose",
           "followup_id")
CHURN_FACTOR = 2  # no contact for this many cadences
LOW_SATISFACTION = 2  # a latest rating at or below this
COMPLAINT_OPEN_DAYS = 7  # a complaint open more than this many days


def schedule(conn, customer_id: int, due: date, purpose: str | None = None,
             kind: str = "scheduled") -> int:
    """Store a follow-up for a customer; return its id. Joins the caller's transaction."""
    if kind not in KINDS:
        raise InvalidValue(f"unknown follow-up kind {kind!r}")
    if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                        (customer_id,)).fetchone():
        raise NotFound(f"no customer {customer_id}")
    with atomic(conn):
        cur = conn.execute(
            "INSERT INTO followups (customer_id, due, kind, purpose, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (customer_id, due.isoformat(), kind, clean_text(purpose), clock.now_text()))
        audit.record(conn, "schedule" if kind == "scheduled" else "notify", "followup",
                     cur.lastrowid, ["customer_id", "due", "purpose"])
    return cur.lastrowid


# --- upkeep: schedule from the command line, done, snooze ---------------------------------

def plan(conn, customer_id, due: date, purpose: str | None) -> int:
    """``followups schedule``: a scheduled follow-up on a day not in the past."""
    from crmctl.core.customers import parse_id

    cid = parse_id(customer_id)
    if due < clock.today():
        raise InvalidValue(f"cannot schedule a follow-up in the past ({due.isoformat()})")
    return schedule(conn, cid, due, purpose)


def parse_fid(value) -> int:
    try:
        fid = int(str(value).strip())
    except ValueError:
        raise InvalidValue(f"follow-up id must be a number, not {value!r}") from None
    if fid <= 0:
        raise InvalidValue(f"follow-up id must be a positive number, not {value!r}")
    return fid


def _open_followup(conn, followup_id) -> tuple[int, str]:
    fid = parse_fid(followup_id)
    row = conn.execute("SELECT f.done_at, f.due FROM followups f JOIN customers c "
                       "ON c.id = f.customer_id WHERE f.id = ? AND c.forgotten_at IS NULL",
                       (fid,)).fetchone()
    if row is None:
        raise NotFound(f"no follow-up {fid}")
    if row[0] is not None:
        day = clock.local_date_of(row[0]).isoformat()
        raise InvalidValue(f"follow-up {fid} is already done (on {day})")
    return fid, row[1]


def done(conn, followup_id, note: str | None = None) -> int:
    """Mark a stored follow-up done (once); return its id."""
    with atomic(conn):
        fid, _ = _open_followup(conn, followup_id)
        note = clean_text(note)
        conn.execute("UPDATE followups SET done_at = ?, note = coalesce(?, note) WHERE id = ?",
                     (clock.now_text(), note, fid))
        audit.record(conn, "done", "followup", fid, ["done_at"] + (["note"] if note else []))
    return fid


def snooze(conn, followup_id, until: date) -> tuple[int, str]:
    """Move an open follow-up to a later day; return (id, previous due day)."""
    if until < clock.today():
        raise InvalidValue(f"cannot snooze to a day in the past ({until.isoformat()})")
    with atomic(conn):
        fid, previous = _open_followup(conn, followup_id)
        conn.execute("UPDATE followups SET due = ? WHERE id = ?", (until.isoformat(), fid))
        audit.record(conn, "snooze", "followup", fid, ["due"])
    return fid, previous


# --- the report -----------------------------------------------------------------------------

def day_start_utc(day: date) -> str:
    """The stored (UTC) form of the first instant of a local calendar day."""
    return clock.to_utc_text(datetime.combine(day, time()).astimezone())


def customer_filter(tier: str | None, tag: str | None, alias: str = "c") -> tuple[str, dict]:
    """SQL (and its named parameters) restricting to live customers of a tier and a tag."""
    where, params = [f"{alias}.forgotten_at IS NULL"], {}
    if tier:
        from crmctl.core.customers import check_tier

        where.append(f"{alias}.tier = :tier")
        params["tier"] = check_tier(tier)
    if tag:
        from crmctl.core.tags import normalize_tag

        where.append(f"{alias}.id IN (SELECT ct.customer_id FROM customer_tags ct "
                     "JOIN tags t ON t.id = ct.tag_id WHERE t.name = :tag)")
        params["tag"] = normalize_tag(tag)
    return " AND ".join(where), params


def due(conn, until: date | None = None, *, overdue_only: bool = False,
        tier: str | None = None, tag: str | None = None,
        today: date | None = None) -> list[dict]:
    """The follow-up report: rows with the contract's keys (COLUMNS), by due day."""
    from crmctl.core import settings
    from crmctl.core.lifecycle import TIER_RANK

    today = today or clock.today()
    until = until or today
    where, params = customer_filter(tier, tag)
    cadence = settings.get(conn, "cadence_days")
    risks = _Risks()
    # Every source below looks customers up by id; a cache that holds the whole customers
    # table makes each page decrypted once per report, not once per source.
    previous = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {min(previous, -65536)}")  # negative: KiB
    try:
        rows = _stored(conn, until, where, params)
        rows += _scan_customers(conn, today, until, where, params, cadence, risks)
        _rated_and_complaints(conn, today, where, params, risks)
    finally:
        conn.execute(f"PRAGMA cache_size = {previous}")
    rows += risks.rows()
    for row in rows:
        row["overdue_days"] = max(0, (today - date.fromisoformat(row["due"])).days)
    if overdue_only:
        rows = [row for row in rows if row["overdue_days"] > 0]
    rows.sort(key=lambda r: (r["due"], TIER_RANK.get(r["tier"], 9), r["customer_id"],
                             REASONS.index(r["reason"]), r["followup_id"] or 0))
    return rows


def _row(cid, name, tier, due_day, reason, purpose, fid=None) -> dict:
    return {"customer_id": cid, "name": name, "tier": tier, "due": str(due_day),
            "overdue_days": 0, "reason": reason, "purpose": purpose, "followup_id": fid}


def _stored(conn, until: date, where: str, params: dict) -> list[dict]:
    cur = conn.execute(
        "SELECT f.id, f.customer_id, c.name, c.tier, f.due, f.kind, f.purpose "
        "FROM followups f CROSS JOIN customers c ON c.id = f.customer_id "
        f"WHERE f.done_at IS NULL AND f.due <= :until AND {where}",
        {**params, "until": until.isoformat()})
    return [_row(cid, name, tier, day, kind, purpose, fid)
            for fid, cid, name, tier, day, kind, purpose in cur]


class _Risks:
    """Churn-risk reasons gathered per customer, one row each in the end."""

    def __init__(self) -> None:
        self.found: dict[int, list] = {}  # id -> [name, tier, first day, [why]]

    def add(self, cid: int, name: str, tier: str, start: date, why: str) -> None:
        entry = self.found.setdefault(cid, [name, tier, start, []])
        entry[2] = min(entry[2], start)
        entry[3].append(why)

    def rows(self) -> list[dict]:
        return [_row(cid, name, tier, start, "churn-risk", "; ".join(why))
                for cid, (name, tier, start, why) in self.found.items()]


def _scan_customers(conn, today: date, until: date, where: str, params: dict,
                    cadence: dict, risks: _Risks) -> list[dict]:
    """Cadence rows, care rows, and silence as a churn risk, through the m004 indexes.

    Per tier, one index range (customers_due): those whose last contact (or, never
    contacted, the day added) is before the first UTC instant of the local day that makes
    them due by ``until`` or silent for 2x cadence by today. Customers with an open stored
    follow-up get no cadence row.
    """
    planned = {cid for (cid,) in conn.execute(
        "SELECT customer_id FROM followups WHERE done_at IS NULL")}
    since = "coalesce(c.last_contact_at, c.created_at)"
    rows = []
    for tier, days in cadence.items():  # local day of `since` + days <= the day given
        limit = max(day_start_utc(until - timedelta(days=days - 1)),
                    day_start_utc(today - timedelta(days=CHURN_FACTOR * days - 1)))
        cur = conn.execute(
            f"SELECT c.id, c.name, date({since}, 'localtime'), c.last_contact_at IS NULL "
            f"FROM customers c INDEXED BY customers_due WHERE c.tier = :late_tier "
            f"AND {since} < :late_limit "
            f"AND {where}", {**params, "late_tier": tier, "late_limit": limit})
        for cid, name, day, never in cur:
            last = date.fromisoformat(day)
            quiet = (today - last).days
            if quiet >= CHURN_FACTOR * days:  # the churn-risk row says it, louder
                risks.add(cid, name, tier, last + timedelta(days=CHURN_FACTOR * days),
                          f"{'never contacted' if never else 'no contact'} for {quiet} days "
                          f"({tier}: every {days})")
            elif last + timedelta(days=days) <= until and cid not in planned:
                what = f"never contacted since added {day}" if never else f"last contact {day}"
                rows.append(_row(cid, name, tier, last + timedelta(days=days), "cadence",
                                 f"{tier} cadence: every {days} days; {what}"))
    return rows + _care(conn, today, until, where, params)


def _rated_and_complaints(conn, today: date, where: str, params: dict, risks: _Risks) -> None:
    """Churn risk from the interactions: a latest rating <= 2, a complaint open > 7 days."""
    # The newest rating per customer is kept by triggers in latest_ratings (m004).
    for cid, name, tier, score, day in conn.execute(
            "SELECT c.id, c.name, c.tier, r.satisfaction, date(r.at, 'localtime') "
            "FROM latest_ratings r NOT INDEXED CROSS JOIN customers c ON c.id = r.customer_id "
            f"WHERE r.satisfaction <= {LOW_SATISFACTION} AND {where}", params):
        risks.add(cid, name, tier, date.fromisoformat(day), f"last satisfaction {score}/5 ({day})")
    opened_before = day_start_utc(today - timedelta(days=COMPLAINT_OPEN_DAYS))
    # customer_id and at only: the partial index answers without reading interactions
    for cid, name, tier, day, n in conn.execute(
            "SELECT c.id, c.name, c.tier, date(min(i.at), 'localtime'), count(*) "
            "FROM interactions i INDEXED BY interactions_open_complaints "
            "CROSS JOIN customers c ON c.id = i.customer_id WHERE i.complaint = 1 "
            "AND i.resolved_at IS NULL AND i.at < :opened_before "
            f"AND {where} GROUP BY c.id", {**params, "opened_before": opened_before}):
        first = date.fromisoformat(day)
        what = f"{n} complaints open, oldest" if n > 1 else "complaint open"
        risks.add(cid, name, tier, first + timedelta(days=COMPLAINT_OPEN_DAYS + 1),
                  f"{what} {(today - first).days} days")


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


def _care(conn, today: date, until: date, where: str, params: dict) -> list[dict]:
    """Birthdays and first-purchase anniversaries from today to until (MM-DD indexes)."""
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
                    rows.append(_row(cid, name, tier, when, "care", f"birthday{age}"))
                continue
            bought = date.fromisoformat(value)
            when = next_occurrence(bought.month, bought.day, today, bought.year + 1)
            if when <= until:
                rows.append(_row(cid, name, tier, when, "care",
                                 f"{_ordinal(when.year - bought.year)} anniversary of the "
                                 f"first purchase ({value})"))
    return rows


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
