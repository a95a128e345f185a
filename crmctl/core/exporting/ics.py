"""iCalendar (icalendar) of the follow-up report: one all-day VEVENT per row.

UIDs are stable, so importing the file again updates events instead of duplicating them,
and globally unique (RFC 5545), so two databases never share one: each ends with the
database's random id (``settings.database_id``). A stored follow-up is
``followup-<id>-<dbid>@crmctl``; a cadence or churn-risk reminder is one per customer
(``cadence-<customer>-<dbid>@crmctl``: its day moves as contacts are logged); a care date is
one per occasion (customer, day and purpose).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta, timezone

from crmctl import clock

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
    text = f"{row['reason']}: {row['name']}"
    return f"{text} — {row['purpose']}" if row.get("purpose") else text


def description(row: dict) -> str:
    lines = [f"customer #{row['customer_id']} {row['name']} ({row['tier']})",
             f"reason: {row['reason']}"]
    if row.get("purpose"):
        lines.append(f"purpose: {row['purpose']}")
    if row.get("overdue_days"):
        lines.append(f"overdue: {row['overdue_days']} days")
    if row.get("followup_id"):
        lines.append(f"done: crmctl followups done {row['followup_id']}")
    return "\n".join(lines)


def event(row: dict, stamp, origin: str):
    from icalendar import Event

    day = date.fromisoformat(row["due"])
    ev = Event()
    ev.add("uid", uid(row, origin))
    ev.add("dtstamp", stamp)
    ev.add("dtstart", day)  # a date: an all-day event
    ev.add("dtend", day + timedelta(days=1))
    ev.add("summary", summary(row))
    ev.add("description", description(row))
    ev.add("categories", [row["reason"]])
    return ev


def write_ics(stream, table) -> int:
    """A VCALENDAR of every row of a follow-up table (``table.origin``: the database's
    id), written event by event."""
    stamp = clock.now().astimezone(timezone.utc).replace(microsecond=0)
    stream.write(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\n"
                 "CALSCALE:GREGORIAN\r\n")
    n = 0
    for row in table.rows:
        ics = event(dict(zip(table.columns, row)), stamp, table.origin).to_ical()
        stream.write(ics.decode("utf-8"))
        n += 1
    stream.write("END:VCALENDAR\r\n")
    return n
