"""Follow-ups (定期回访): stored ones (scheduled, notify) and the report over all sources."""

from __future__ import annotations

from datetime import date

from crmctl.core import audit, clock
from crmctl.core.validate import clean_text
from crmctl.errors import InvalidValue, NotFound
from crmctl.store import atomic

KINDS = ("scheduled", "notify")


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
