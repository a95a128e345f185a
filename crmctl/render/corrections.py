"""What `interactions list` and `purchases list` show: voided records stay listed, marked."""

from __future__ import annotations

from crmctl import clock
from crmctl.i18n import _
from crmctl.render.formats import Format
from crmctl.render.tables import emit_rows

INTERACTION_COLUMNS = ["id", "at", "channel", "direction", "summary", "outcome",
                       "satisfaction", "complaint", "category", "resolved_at", "campaign_id",
                       "voided_at", "void_reason"]
PURCHASE_COLUMNS = ["id", "customer_id", "date", "amount", "currency", "refunded", "net",
                    "note", "campaign_id", "voided_at", "void_reason"]


def _local(at: str | None) -> str | None:
    return None if at is None else clock.from_utc_text(at).strftime("%Y-%m-%d %H:%M")


def _state(row: dict) -> str:
    return _("voided: {reason}").format(reason=row["void_reason"]) if row["voided_at"] else ""


def emit_interactions(rows: list[dict], fmt: Format) -> None:
    """A customer's interactions; JSON/CSV keep UTC, the table shows local time."""
    if fmt != Format.table:
        emit_rows(rows, INTERACTION_COLUMNS, fmt)
        return
    shown = []
    for r in rows:
        note = (_("complaint (resolved)") if r["resolved_at"] else _("complaint (open)")) \
            if r["complaint"] else ""
        shown.append({**r, "when": _local(r["at"]), "rating": r["satisfaction"],
                      "complaint": note, "state": _state(r)})
    emit_rows(shown, ["id", "when", "channel", "summary", "outcome", "rating", "complaint",
                      "state"], fmt, empty=_("no interactions recorded"))


def emit_purchases(rows: list[dict], fmt: Format) -> None:
    """A customer's purchases with what was refunded and what is left (net)."""
    if fmt != Format.table:
        emit_rows(rows, PURCHASE_COLUMNS, fmt)
        return
    emit_rows([{**r, "state": _state(r)} for r in rows],
              ["id", "date", "amount", "currency", "refunded", "net", "note", "state"], fmt,
              empty=_("no purchases recorded"))
