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

import gc
from datetime import date

from crmctl import clock
from crmctl.core import audit
from crmctl.core.followups_report import (  # noqa: F401 - the report's names, here too
    COLUMNS,
    INTEGER_COLUMNS,
    REASONS,
    WORD_COLUMNS,
    customer_filter,
    day_start_utc,
    next_occurrence,
    on_day,
    statement,
)
from crmctl.core.validate import (clean_multiline, clean_text, parse_customer_id,
                                  parse_positive_id)
from crmctl.errors import InvalidValue, NotFound
from crmctl.store import atomic, page_cache

KINDS = ("scheduled", "notify")
AUDITED_FIELDS = ["customer_id", "due", "purpose"]  # the audit entry of a new follow-up
# The report looks customers up by id from several sources: each page decrypted once.
REPORT_CACHE_KIB = 64 * 1024


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
                     cur.lastrowid, AUDITED_FIELDS)
    return cur.lastrowid


# --- upkeep: schedule from the command line, done, snooze ---------------------------------

def plan(conn, customer_id, due: date, purpose: str | None) -> int:
    """``followups schedule``: a scheduled follow-up on a day not in the past."""

    cid = parse_customer_id(customer_id)
    if due < clock.today():
        raise InvalidValue(f"cannot schedule a follow-up in the past ({due.isoformat()})")
    return schedule(conn, cid, due, purpose)


def parse_fid(value) -> int:
    return parse_positive_id(value, "follow-up")


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
        note = clean_multiline(note)
        conn.execute("UPDATE followups SET done_at = ?, note = coalesce(?, note) WHERE id = ?",
                     (clock.now_text(), note, fid))
        audit.record(conn, "done", "followup", fid, ["done_at"] + (["note"] if note else []))
    return fid


def snooze(conn, followup_id, until: date) -> tuple[int, str]:
    """Move an open follow-up to a later day than its due day (never earlier: `snooze 7
    friday` must not pull in a follow-up due the Friday after); return (id, previous due
    day)."""

    if until < clock.today():
        raise InvalidValue(f"cannot snooze to a day in the past ({until.isoformat()})")
    with atomic(conn):
        fid, previous = _open_followup(conn, followup_id)
        if until.isoformat() <= previous:  # both YYYY-MM-DD: text order is date order
            raise InvalidValue(f"follow-up {fid} is due on {previous} already; snooze moves "
                               f"it later, not to {until.isoformat()}")
        conn.execute("UPDATE followups SET due = ? WHERE id = ?", (until.isoformat(), fid))
        audit.record(conn, "snooze", "followup", fid, ["due"])
    return fid, previous


# --- the report (one SQL statement: crmctl.core.followups_report) -------------------------

def due(conn, until: date | None = None, *, overdue_only: bool = False,
        tier: str | None = None, tag: str | None = None,
        today: date | None = None) -> list[dict]:
    """The follow-up report: rows with the contract's keys (COLUMNS), by due day."""
    return [dict(zip(COLUMNS, row)) for row in due_rows(
        conn, until, overdue_only=overdue_only, tier=tier, tag=tag, today=today)]


def due_rows(conn, until: date | None = None, *, overdue_only: bool = False,
             tier: str | None = None, tag: str | None = None, today: date | None = None,
             projection: str | None = None,
             aggregate: str | None = None) -> list[tuple]:
    """The report's rows as tuples of COLUMNS, or of ``projection`` (SQL over those
    columns, e.g. each row as JSON text made by SQLite: ``render.json_object_sql``), or
    one row of ``aggregate`` over those, in order (``render.json_list_sql("row")``)."""
    today = today or clock.today()
    sql, params = statement(conn, until or today, today, overdue_only=overdue_only,
                            tier=tier, tag=tag, projection=projection, aggregate=aggregate)
    with page_cache(conn, REPORT_CACHE_KIB):
        cur = conn.execute(sql, params)
        # The result tuples hold no reference cycles: collecting while 20,000 of them are
        # made only walks them again (~3% of `crmctl followups` at 100,000 customers).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cur.fetchall()
        finally:
            if collecting:
                gc.enable()


