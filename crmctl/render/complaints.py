"""What `complaints` shows: each complaint with its age, tier, category, due and status."""

from __future__ import annotations

from crmctl import clock
from crmctl.i18n import _
from crmctl.render.formats import Format
from crmctl.render.tables import emit_rows

# complaint_category: the column whose words the table translates (render/labels.py)
TABLE_COLUMNS = ["id", "customer_id", "name", "tier", "complaint_category", "at", "age_hours",
                 "due", "status", "root_cause"]


def emit_complaints(rows: list[dict], columns, fmt: Format) -> None:
    """JSON/CSV: every column, instants in UTC; the table: local time, the main columns."""
    if fmt != Format.table:
        emit_rows(rows, list(columns), fmt)
        return
    shown = [{**r, "due": clock.local_minute(r["due"]), "complaint_category": r["category"]}
             for r in rows]
    emit_rows(shown, TABLE_COLUMNS, fmt, empty=_("no complaints"))
