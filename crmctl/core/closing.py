"""Ending a relationship (客户终止, issue 18.8) and retention (保存期限, issue 18.9).

A closed customer keeps every record but has stage ``closed`` and is left out of the
follow-up report, campaign targets, exports and ``list`` (unless asked for). Retention,
off by default (``retention_days`` 0), names the customers to forget: closed more than
retention_days ago (counted from the closing: it ends the relationship), or, open, without
contact or purchase (never contacted: since added) for that long; ``apply`` forgets them as ``forget`` does, each audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from crmctl import clock
from crmctl.core import audit, settings
from crmctl.core.validate import clean_text
from crmctl.errors import InvalidValue
from crmctl.i18n import _
from crmctl.store import atomic

# the SQL the follow-up report adds to its customer filter (alias c): the closed ids are
# read once from the partial index of m017, so the report's covering indexes stay covering
NOT_CLOSED_SQL = ("{a}.id NOT IN (SELECT id FROM customers INDEXED BY customers_closed "
                  "WHERE closed_at IS NOT NULL)")


def close(conn, customer_id, reason: str | None) -> dict:
    """Close a live, open customer with a reason; return {id, name, closed_at}."""
    reason = clean_text(reason)
    if reason is None:
        raise InvalidValue(_("close needs --reason TEXT (why the relationship ends)"))
    from crmctl.core import privacy  # not at import: the follow-up report loads this module

    record = privacy.live_record(conn, customer_id)
    if record["closed_at"]:
        raise InvalidValue(_("customer {id} is already closed (since {day}); crmctl reopen "
                             "{id} first").format(id=record["id"], day=record["closed_at"][:10]))
    at = clock.now_text()
    with atomic(conn):
        conn.execute("UPDATE customers SET closed_at = ?, close_reason = ?, updated_at = ? "
                     "WHERE id = ?", (at, reason, at, record["id"]))
        _event(conn, record["id"], at, "close", reason)
        audit.record(conn, "close", "customer", record["id"], ["closed_at", "close_reason"])
    return {"id": record["id"], "name": record["name"], "closed_at": at}


def reopen(conn, customer_id, reason: str | None = None) -> dict:
    """Reopen a closed customer (why: optional); return {id, name}."""
    reason = clean_text(reason)
    from crmctl.core import privacy  # not at import: the follow-up report loads this module

    record = privacy.live_record(conn, customer_id)
    if not record["closed_at"]:
        raise InvalidValue(_("customer {id} is not closed").format(id=record["id"]))
    at = clock.now_text()
    with atomic(conn):
        conn.execute("UPDATE customers SET closed_at = NULL, close_reason = NULL, "
                     "updated_at = ? WHERE id = ?", (at, record["id"]))
        _event(conn, record["id"], at, "reopen", reason)
        audit.record(conn, "reopen", "customer", record["id"], ["closed_at", "close_reason"])
    return {"id": record["id"], "name": record["name"]}


def _event(conn, cid: int, at: str, kind: str, reason: str | None) -> None:
    """The history the timeline shows (m019): the customers row keeps only the state."""
    conn.execute("INSERT INTO close_events (customer_id, at, kind, reason) VALUES (?, ?, ?, ?)",
                 (cid, at, kind, reason))


def events(conn, cid: int) -> list[dict]:
    """Each close and reopen of a customer: {id, at (UTC), kind, reason}, oldest first."""
    return [{"id": eid, "at": at, "kind": kind, "reason": reason} for eid, at, kind, reason in
            conn.execute("SELECT id, at, kind, reason FROM close_events WHERE customer_id = ? "
                         "ORDER BY at, id", (cid,))]


def state(conn, cid: int) -> dict:
    """{closed_at, close_reason} of a customer (both None while open), for its card."""
    row = conn.execute("SELECT closed_at, close_reason FROM customers WHERE id = ?",
                       (cid,)).fetchone()
    return {"closed_at": row[0], "close_reason": row[1]} if row else {}


@dataclass
class Due:
    id: int
    name: str
    why: str  # "closed" or "inactive"
    since: str  # the local day closed, or of the last contact, purchase or addition


def _cutoff(days: int, today: date) -> str:
    """The stored (UTC) first instant of the local day ``days`` before today: a customer
    whose last activity is earlier is past retention (on that day itself: not yet)."""
    return clock.to_utc_text(datetime.combine(today - timedelta(days=days), time()).astimezone())


def due(conn, today: date | None = None) -> tuple[int, list[Due]]:
    """(retention_days, the customers it says to forget, by id); nothing when it is 0."""
    days = settings.get(conn, "retention_days")
    if not days:
        return 0, []
    cutoff = _cutoff(days, today or clock.today())
    rows = conn.execute(
        "SELECT id, name, closed_at, max(coalesce(last_contact_at, ''), "
        "coalesce(last_purchase_at, ''), created_at) AS active FROM customers "
        "WHERE forgotten_at IS NULL AND iif(closed_at IS NULL, max(coalesce(last_contact_at, "
        "''), coalesce(last_purchase_at, ''), created_at), closed_at) < :cut ORDER BY id",
        {"cut": cutoff}).fetchall()
    return days, [Due(cid, name, "closed" if closed else "inactive", _day(closed or active))
                  for cid, name, closed, active in rows]


def _day(text: str) -> str:
    """The local day of a stored instant; a purchase date is a day already."""
    return clock.local_date_of(text).isoformat() if "T" in text else text[:10]


def apply(conn, today: date | None = None) -> list[int]:
    """Forget every customer ``due`` names (each as ``forget``: audited); their ids."""
    from crmctl.core import privacy

    _, rows = due(conn, today)
    return [privacy.forget(conn, row.id)["id"] for row in rows]


def review_row(conn, until: date, today: date) -> tuple[str, str, str] | None:
    """(due day, purpose, its args as JSON) of the follow-up report's one retention row, or
    None."""
    days, rows = due(conn, today)
    if not rows:
        return None
    return today.isoformat(), (f"retention {days} days: {len(rows)} customer(s) to forget; "
                               "run crmctl retention"), f'["retention", {int(days)}, {len(rows)}]'
