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
  satisfaction rating is 2 or less; a complaint open more than 7 days; no purchase for
  longer than the repurchase window (core/repurchase.py). Its due day is the day the risk
  began (last contact + 2x cadence, the day of the rating, complaint day + 8, last
  purchase + window + 1).
- ``care`` (客户关怀): a birthday (``YYYY-MM-DD`` or ``--MM-DD``; Feb 29 falls on Feb 28
  in other years) or the anniversary of the first purchase, between today and ``until``;
  a lunar birthday, or a holiday of the customer's region ``care_holiday_days`` ahead for
  the ``care_holiday_tiers`` (core/care.py).

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
from crmctl.core.references import no_customer, resolve
from crmctl.core.validate import (clean_multiline, clean_text,
                                  parse_positive_id)
from crmctl.errors import InvalidValue, NotFound, UsageError
from crmctl.i18n import _, ngettext
from crmctl.store import atomic, page_cache

KINDS = ("scheduled", "notify")
AUDITED_FIELDS = ["customer_id", "due", "purpose"]  # the audit entry of a new follow-up
# The report looks customers up by id from several sources: each page decrypted once.
REPORT_CACHE_KIB = 64 * 1024


def schedule(conn, customer_id: int, due: date, purpose: str | None = None,
             kind: str = "scheduled") -> int:
    """Store a follow-up for a customer; return its id. Joins the caller's transaction."""

    if kind not in KINDS:
        raise InvalidValue(_("unknown follow-up kind {kind}").format(kind=repr(kind)))
    if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                        (customer_id,)).fetchone():
        raise no_customer(customer_id)
    with atomic(conn):
        cur = conn.execute(
            "INSERT INTO followups (customer_id, due, kind, purpose, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (customer_id, due.isoformat(), kind, clean_text(purpose), clock.now_text()))
        audit.record(conn, "schedule" if kind == "scheduled" else "notify", "followup",
                     cur.lastrowid, AUDITED_FIELDS)
    return cur.lastrowid


# --- upkeep: schedule from the command line, done, snooze ---------------------------------

def plan(conn, customer_id, due: date, purpose: str | None) -> tuple[int, int, list[int]]:
    """``followups schedule``: a scheduled follow-up on a day not in the past; return its
    id, the customer's and those of the customer's other open follow-ups that day (worth
    a warning)."""

    cid = resolve(conn, customer_id)
    if due < clock.today():
        raise InvalidValue(_("cannot schedule a follow-up in the past ({day})").format(
            day=due.isoformat()))
    if conn.execute("SELECT 1 FROM customers WHERE id = ? AND closed_at IS NOT NULL",
                    (cid,)).fetchone():  # a closed customer's follow-ups never show
        raise InvalidValue(_("customer #{id} is closed; reopen it first").format(id=cid))
    with atomic(conn):
        fid = schedule(conn, cid, due, purpose)
        return fid, cid, open_on_day(conn, cid, due, besides=fid)


def same_day_warning(customer_id: int, day: date, others: list[int]) -> str:
    """The stderr warning when a customer has more than one open follow-up on a day."""
    return ngettext("warning: customer {id} already has open follow-up {ids} due {day}",
                    "warning: customer {id} already has open follow-ups {ids} due {day}",
                    len(others)).format(id=customer_id, ids=", ".join(str(i) for i in others),
                                        day=day.isoformat())


def still_open_notice(fid: int, due: str) -> str:
    """The stderr note when a contact is logged while a follow-up due by today is open."""
    return _("follow-up {id} (due {due}) is still open; close it with --done {id}").format(
        id=fid, due=due)


def parse_fid(value) -> int:
    return parse_positive_id(value, "follow-up")


def _open_followup(conn, followup_id) -> tuple[int, str]:
    fid, _owner, due = _open_followup_of(conn, followup_id)
    return fid, due


def _open_followup_of(conn, followup_id) -> tuple[int, int, str]:
    """(id, customer id, due day) of an open follow-up of a live customer; else one line."""
    fid = parse_fid(followup_id)
    row = conn.execute("SELECT f.done_at, f.due, f.cancel_reason, f.customer_id "
                       "FROM followups f JOIN customers c ON c.id = f.customer_id "
                       "WHERE f.id = ? AND c.forgotten_at IS NULL", (fid,)).fetchone()
    if row is None:
        raise NotFound(_("no follow-up {id}").format(id=fid))
    if row[0] is not None:
        day = clock.local_date_of(row[0]).isoformat()
        raise InvalidValue((_("follow-up {id} is already cancelled (on {day})")
                            if row[2] is not None else
                            _("follow-up {id} is already done (on {day})")).format(id=fid, day=day))
    return fid, row[3], row[1]


def open_on_day(conn, customer_id: int, day: date, *, besides: int | None = None) -> list[int]:
    """Ids of the customer's open follow-ups due on ``day`` (other than ``besides``)."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM followups WHERE customer_id = ? AND due = ? AND done_at IS NULL "
        "AND id IS NOT ? ORDER BY id", (customer_id, day.isoformat(), besides))]


def still_open(conn, customer_id: int, today: date | None = None) -> list[tuple[int, str]]:
    """(id, due day) of the customer's open follow-ups due today or earlier, oldest first."""
    day = (today or clock.today()).isoformat()
    return conn.execute("SELECT id, due FROM followups WHERE customer_id = ? AND "
                        "done_at IS NULL AND due <= ? ORDER BY due, id",
                        (customer_id, day)).fetchall()


def done(conn, followup_id, note: str | None = None, *, customer_id: int | None = None) -> int:
    """Mark a stored follow-up done (once); return its id. With ``customer_id`` (log-contact
    --done) it must be that customer's."""

    with atomic(conn):
        fid, owner, _due = _open_followup_of(conn, followup_id)
        if customer_id is not None and owner != customer_id:
            raise NotFound(_("customer {id} has no follow-up {followup}").format(
                id=customer_id, followup=fid))
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
        raise InvalidValue(_("cannot snooze to a day in the past ({day})").format(
            day=until.isoformat()))
    with atomic(conn):
        fid, previous = _open_followup(conn, followup_id)
        if until.isoformat() <= previous:  # both YYYY-MM-DD: text order is date order
            raise InvalidValue(_("follow-up {id} is due on {due} already; snooze moves it later, "
                                 "not to {day}").format(id=fid, due=previous,
                                                        day=until.isoformat()))
        conn.execute("UPDATE followups SET due = ? WHERE id = ?", (until.isoformat(), fid))
        audit.record(conn, "snooze", "followup", fid, ["due"])
    return fid, previous


def cancel(conn, followup_id, reason: str) -> int:
    """Cancel an open follow-up (scheduled by mistake, no longer wanted): it closes, leaves
    the report and stays in the timeline as cancelled, with the reason; return its id."""

    reason = clean_multiline(reason)
    if not reason:
        raise InvalidValue(_("--reason cannot be empty"))
    with atomic(conn):
        fid, _due = _open_followup(conn, followup_id)
        conn.execute("UPDATE followups SET done_at = ?, cancel_reason = ? WHERE id = ?",
                     (clock.now_text(), reason, fid))
        audit.record(conn, "cancel", "followup", fid, ["done_at", "cancel_reason"])
    return fid


def edit(conn, followup_id, *, due: date | None = None,
         purpose: str | None = None) -> tuple[int, int, list[str]]:
    """Change an open follow-up's due day (any day not in the past) and/or purpose; return
    (id, customer id, the fields changed)."""

    if due is None and purpose is None:
        raise UsageError(_("followups edit needs --due or --purpose"))
    if due is not None and due < clock.today():
        raise InvalidValue(_("cannot move a follow-up into the past ({day})").format(
            day=due.isoformat()))
    with atomic(conn):
        fid, cid, _due = _open_followup_of(conn, followup_id)
        changes = {}
        if due is not None:
            changes["due"] = due.isoformat()
        if purpose is not None:
            changes["purpose"] = clean_text(purpose)
        conn.execute(f"UPDATE followups SET {', '.join(f'{k} = ?' for k in changes)} "
                     "WHERE id = ?", [*changes.values(), fid])
        audit.record(conn, "edit", "followup", fid, list(changes))
    return fid, cid, list(changes)


# --- the report (one SQL statement: crmctl.core.followups_report) -------------------------

def due(conn, until: date | None = None, *, overdue_only: bool = False,
        tier: str | None = None, tag: str | None = None,
        today: date | None = None, ids: list[int] | None = None,
        args: bool = False) -> list[dict]:
    """The follow-up report: rows with the contract's keys (COLUMNS), by due day; with
    ``args``, each generated purpose's code and values too (core/purposes.py words them)."""
    keys = COLUMNS + ("args",) if args else COLUMNS
    return [dict(zip(keys, row)) for row in due_rows(
        conn, until, overdue_only=overdue_only, tier=tier, tag=tag, today=today, ids=ids,
        projection=", ".join(keys) if args else None)]


def due_rows(conn, until: date | None = None, *, overdue_only: bool = False,
             tier: str | None = None, tag: str | None = None, today: date | None = None,
             projection: str | None = None, aggregate: str | None = None,
             ids: list[int] | None = None) -> list[tuple]:
    """The report's rows as tuples of COLUMNS, or of ``projection`` (SQL over those
    columns, e.g. each row as JSON text made by SQLite: ``render.json_object_sql``), or
    one row of ``aggregate`` over those, in order (``render.json_list_sql("row")``)."""
    today = today or clock.today()
    sql, params = statement(conn, until or today, today, overdue_only=overdue_only,
                            tier=tier, tag=tag, ids=ids, projection=projection,
                            aggregate=aggregate)
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


