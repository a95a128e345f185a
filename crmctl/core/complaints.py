"""Complaints (投诉) and the tier's response time (issue 18.1).

A complaint is an interaction logged with ``--complaint``; it is due ``response_hours`` of
its customer's tier after it was logged (core/rules.py RESPONSE_HOURS, a setting) and stays
open until resolved: by a later contact (``log-contact --resolves-complaint``) or by
``complaints resolve IID --cause --solution``, which records the root cause and the solution
(m016). Nothing is stored for the due time: it is worked out from the complaint and the
tier, so voiding, resolving or a tier change need no upkeep. The same rule makes the
``complaint`` rows of ``followups`` (core/followups_report.py).

A complaint is overdue strictly after its due instant: a diamond one logged at 10:00 is
overdue from 10:00:01 the next day, not at 10:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crmctl import clock
from crmctl.core import audit, settings, words
from crmctl.core.validate import check_not_voided, clean_multiline, parse_positive_id
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _
from crmctl.store import atomic

STATUSES = ("open", "overdue", "resolved")
COLUMNS = ("id", "customer_id", "name", "tier", "category", "at", "age_hours",
           "response_hours", "due", "status", "resolved_at", "root_cause", "solution",
           "summary")
INTEGER_COLUMNS = ("id", "customer_id", "age_hours", "response_hours")
TEXT_MAX = 2000


def response_hours(conn) -> dict[str, int]:
    """Hours to answer a complaint, per tier (the setting response_hours)."""
    return {tier: int(hours) for tier, hours in settings.get(conn, "response_hours").items()}


def due_of(at: str, hours: int) -> str:
    """The due instant (stored form) of a complaint logged at ``at``."""
    return clock.to_utc_text(clock.from_utc_text(at) + timedelta(hours=hours))


def status_of(due: str, resolved_at: str | None, now: str) -> str:
    """open, overdue (strictly past its due instant) or resolved (texts in UTC order)."""
    if resolved_at is not None:
        return "resolved"
    return "overdue" if now > due else "open"


def listing(conn, *, open_only: bool = False, category: str | None = None) -> list[dict]:
    """Live complaints of live customers, oldest first, with their age in whole hours (to
    now, or to the resolution), the tier's response time, due instant and status."""
    where, params = ["i.complaint = 1", "i.voided_at IS NULL", "c.forgotten_at IS NULL"], []
    if open_only:
        where.append("i.resolved_at IS NULL")
    if category is not None:
        where.append("coalesce(i.complaint_category, 'other') = ?")
        params.append(words.CATEGORIES.check(category))
    hours, now = response_hours(conn), clock.now_text()
    rows = conn.execute(
        "SELECT i.id, i.customer_id, c.name, c.tier, coalesce(i.complaint_category, 'other'), "
        "i.at, i.resolved_at, i.root_cause, i.solution, i.summary "
        "FROM interactions i JOIN customers c ON c.id = i.customer_id "
        f"WHERE {' AND '.join(where)} ORDER BY i.at, i.id", params).fetchall()
    out = []
    for iid, cid, name, tier, cat, at, resolved_at, cause, solution, summary in rows:
        limit = hours.get(tier, max(hours.values()))
        due = due_of(at, limit)
        end = _instant(resolved_at or now)
        out.append({
            "id": iid, "customer_id": cid, "name": name, "tier": tier, "category": cat,
            "at": at, "age_hours": max(0, int((end - _instant(at)).total_seconds() // 3600)),
            "response_hours": limit, "due": due, "status": status_of(due, resolved_at, now),
            "resolved_at": resolved_at, "root_cause": cause, "solution": solution,
            "summary": summary})
    return out


def _instant(text: str) -> datetime:
    return clock.from_utc_text(text)


def resolve(conn, interaction_id, cause: str, solution: str) -> dict:
    """Resolve an open complaint now, recording its root cause and solution; return
    {id, customer_id, resolved_at}. Refused (nothing changed) for an id that is no live
    complaint, one already resolved, or an empty cause or solution."""
    iid = parse_positive_id(interaction_id, "complaint")
    cause, solution = _text("--cause", cause), _text("--solution", solution)
    with atomic(conn):
        row = conn.execute(
            "SELECT i.customer_id, i.complaint, i.resolved_at, i.voided_at FROM interactions i "
            "JOIN customers c ON c.id = i.customer_id "
            "WHERE i.id = ? AND c.forgotten_at IS NULL", (iid,)).fetchone()
        if row is None or not row[1]:
            raise NotFound(_("no complaint {id}").format(id=iid))
        check_not_voided("complaint", iid, row[3], "resolved")
        if row[2] is not None:
            raise InvalidValue(_("complaint {id} was already resolved at {at}").format(
                id=iid, at=clock.local_minute(row[2])))
        now = clock.now_text()
        conn.execute("UPDATE interactions SET resolved_at = ?, root_cause = ?, solution = ? "
                     "WHERE id = ?", (now, cause, solution, iid))
        audit.record(conn, "resolve", "interaction", iid,
                     ["resolved_at", "root_cause", "solution"])
    return {"id": iid, "customer_id": row[0], "resolved_at": now}


def _text(option: str, value: str | None) -> str:
    text = clean_multiline(value)
    if not text:
        raise InvalidValue(_("{option} cannot be empty").format(option=option))
    if len(text) > TEXT_MAX:
        raise InvalidValue(_("{option} is longer than {max} characters").format(
            option=option, max=TEXT_MAX))
    return text
