"""Export: customers, interactions, purchases and follow-ups as csv, json, xlsx, vcf or ics;
one person's whole record as JSON (subject access).

The pipeline, one module per stage, top to bottom:

1. ``request``  — ``Request``: what, format, filter; ``checked()`` refuses bad words early.
2. ``select``   — the rows: one ``Table`` per ``--what``, from the filter ``list`` uses.
3. ``formats``  — a writer per format: ``csvjson`` (csv, json), ``xlsx`` (a streaming
                  sheet, no temp file), ``vcard`` (an address book), ``ics`` (a calendar).
4. ``deliver``  — the destination (0600, private until renamed) and the audit entry.

``campaign`` sends a campaign's target list down the same stages 3 and 4.

Spreadsheet safety (OWASP CSV injection): in csv a cell that starts with ``= + - @``, tab
or carriage return gets a leading ``'`` (``crmctl.spreadsheet``, the rule every csv of
crmctl follows; E.164 phones start with ``+``, so they too), unless ``--plain`` asks for the
values as stored (for programs). An xlsx string cell is never a formula: no quote. Every export
appends one audit entry (action ``export``; the columns exported, never values). Nothing
here prints: the caller renders the returned summary.
"""

from __future__ import annotations

import json

from crmctl.core import audit, privacy, settings
from crmctl.core.exporting.campaign import export_campaign
from crmctl.core.exporting.deliver import check_destination, deliver, refuse_binary_on_terminal
from crmctl.core.exporting.formats import BINARY, audited_columns, writer
from crmctl.core.exporting.request import FORMATS, WHATS, Request
from crmctl.core.exporting.select import (CUSTOMER_COLUMNS, INTERACTION_COLUMNS,
                                          PURCHASE_COLUMNS, Table, list_query, select_table)
from crmctl.errors import UsageError
from crmctl.i18n import _
# the one rule of every csv crmctl writes (tests/test_csv_safety.py holds export to it)
from crmctl.spreadsheet import neutralize, restore

__all__ = ["CUSTOMER_COLUMNS", "FORMATS", "INTERACTION_COLUMNS", "PURCHASE_COLUMNS", "WHATS",
           "Request", "Table", "export", "export_campaign", "export_customer", "list_query",
           "neutralize", "restore"]


def export(conn, request: Request, out=None, stream=None) -> dict:
    """Export what the request asks for to ``out`` (a path; None or '-': ``stream``).

    Returns a summary: what, format, rows, columns, path (None for the stream).
    """
    req = request.checked()
    path = check_destination(out, getattr(conn, "path", None))
    if path is None and stream is None:
        raise UsageError(_("export to a stream needs the stream"))
    table = select_table(conn, req)
    if req.fmt == "ics":
        table.origin = settings.database_id(conn)
    write, columns = writer(req.fmt), audited_columns(req.fmt, table)
    binary = req.fmt in BINARY
    refuse_binary_on_terminal(binary, path, stream)

    def record() -> None:
        audit.record(conn, "export", table.entity, None, columns)

    n = deliver(conn, path, stream, binary, "utf-8-sig" if req.excel else "utf-8",
                lambda s: write(s, table), record)
    return {"what": req.what, "format": req.fmt, "rows": n, "columns": columns,
            "path": str(path) if path else None}


def export_customer(conn, customer_id, out=None, stream=None) -> dict:
    """Everything held about one person (``privacy.subject_access``) as one JSON document."""
    path = check_destination(out, getattr(conn, "path", None))
    document = privacy.subject_access(conn, customer_id)
    sections = [k for k in document if k not in ("format", "generated_at")]

    def write(s) -> int:
        s.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
        return 1

    def record() -> None:
        audit.record(conn, "export", "customer", document["id"], sections)

    deliver(conn, path, stream, False, "utf-8", write, record)
    return {"what": "customer", "format": "json", "rows": 1, "columns": sections,
            "id": document["id"], "path": str(path) if path else None}
