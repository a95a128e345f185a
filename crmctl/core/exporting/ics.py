"""iCalendar (icalendar) of the follow-up report: one all-day VEVENT per row.

UIDs are stable, so importing the file again updates events instead of duplicating them,
and globally unique (RFC 5545), so two databases never share one: each ends with the
database's random id (``settings.database_id``). A stored follow-up is
``followup-<id>-<dbid>@crmctl``; a cadence or churn-risk reminder is one per customer
(``cadence-<customer>-<dbid>@crmctl``: its day moves as contacts are logged); a care date is
one per occasion (customer, day and purpose: the English one, so a UID is the same in any
language).

A calendar is for people: SUMMARY and DESCRIPTION are in the interface language (the
purpose worded from its code and values, the ``args`` column a Chinese export brings,
core/purposes.py); CATEGORIES keeps the reason's English code, as JSON does.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta, timezone

from crmctl import clock
from crmctl.core.purposes import Wording
from crmctl.i18n import _, is_english, pgettext

# Follow-up fields an event carries (the audit entry names these).
FIELDS = ("customer_id", "name", "tier", "due", "overdue_days", "reason", "purpose",
          "followup_id")
PRODID = "-//crmctl//follow-ups//EN"


def uid(row: dict, origin: str) -> str:
    """The event's UID; ``origin`` is the database's id."""
    if row.get("followup_id"):
        return f"followup-{row['followup_id']}-{origin}@crmctl"
    if row["reason"] == "care":
        digest = hashlib.sha256((row.get("purpose") or "").encode()).hexdigest()[:8]
        return f"care-{row['customer_id']}-{row['due']}-{digest}-{origin}@crmctl"
    return f"{row['reason']}-{row['customer_id']}-{origin}@crmctl"


def summary(row: dict) -> str:
    reason = pgettext("reason", row["reason"])  # a row of no customer: data review, retention
    text = _("{reason}: {name}").format(reason=reason, name=row["name"]) if row["name"] \
        else reason
    return f"{text} — {row['purpose']}" if row.get("purpose") else text


def description(row: dict) -> str:
    tier = row["tier"] and pgettext("tier", row["tier"])
    lines = [_("customer #{id} {name} ({tier})").format(id=row["customer_id"],
                                                        name=row["name"], tier=tier)
             ] if row["customer_id"] is not None else []
    lines.append(_("reason: {reason}").format(reason=pgettext("reason", row["reason"])))
    if row.get("purpose"):
        lines.append(_("purpose: {purpose}").format(purpose=row["purpose"]))
    if row.get("overdue_days"):
        lines.append(_("overdue: {n} days").format(n=row["overdue_days"]))
    if row.get("followup_id"):
        lines.append(_("done: crmctl followups done {id}").format(id=row["followup_id"]))
    return "\n".join(lines)


def _for_people(row: dict, wording) -> dict:
    """The row whose purpose is worded in the interface language (English: as it is)."""
    if wording is None or not row.get("purpose"):
        return row
    return {**row, "purpose": wording.sentence(row["reason"], row["purpose"], row.get("args"))}


def event(row: dict, stamp, origin: str, wording=None):
    from icalendar import Event

    day = date.fromisoformat(row["due"])
    ev = Event()
    ev.add("uid", uid(row, origin))
    ev.add("dtstamp", stamp)
    ev.add("dtstart", day)  # a date: an all-day event
    ev.add("dtend", day + timedelta(days=1))
    shown = _for_people(row, wording)
    ev.add("summary", summary(shown))
    ev.add("description", description(shown))
    ev.add("categories", [row["reason"]])
    return ev


def write_ics(stream, table) -> int:
    """A VCALENDAR of every row of a follow-up table (``table.origin``: the database's
    id), written event by event."""
    stamp = clock.now().astimezone(timezone.utc).replace(microsecond=0)
    stream.write(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\n"
                 "CALSCALE:GREGORIAN\r\n")
    n = 0
    wording = None if is_english() else Wording()
    for row in table.rows:
        ics = event(dict(zip(table.columns, row)), stamp, table.origin, wording).to_ical()
        stream.write(ics.decode("utf-8"))
        n += 1
    stream.write("END:VCALENDAR\r\n")
    return n
