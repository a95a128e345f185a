"""A campaign's target list for the mailing or messaging tool (``campaign export``).

The rows are ``campaigns.export_rows`` (consent checked again now, only the channel's
address); they go out through the same writers and delivery as every export: csv cells
neutralized (but an E.164 phone goes out bare, for diallers and SMS gateways), 0600 files,
the audit entry and the file together.
"""

from __future__ import annotations

from crmctl.core import audit, campaigns
from crmctl.core.exporting.deliver import check_destination, deliver, refuse_binary_on_terminal
from crmctl.core.exporting.formats import BINARY, writer
from crmctl.core.exporting.select import Table
from crmctl.errors import InvalidValue
from crmctl.i18n import _
from crmctl.spreadsheet import neutralize, neutralize_phone

FORMATS = ("csv", "json", "xlsx")


def export_campaign(conn, campaign_id, fmt: str = "csv", out=None, stream=None) -> dict:
    """Write the target list as csv, json or xlsx to ``out`` (a path) or, for None or '-',
    to ``stream``. Returns the summary of ``export_rows`` with campaign_id, format, path."""
    kind = (fmt or "").strip().lower()
    if kind not in FORMATS:
        raise InvalidValue(_("unknown export format {format}; formats: {formats}").format(
            format=repr(fmt), formats=", ".join(FORMATS)))
    path = check_destination(out, getattr(conn, "path", None))
    binary = kind in BINARY
    refuse_binary_on_terminal(binary, path, stream)
    camp, rows, summary = campaigns.export_rows(conn, campaign_id)
    columns = summary["columns"]
    # csv only (an xlsx string cell is never a formula); a phone column's E.164 stays bare
    cleaners = [(neutralize_phone if c == "phone" else neutralize) if kind == "csv"
                else _unchanged for c in columns]
    table = Table("campaign_target", tuple(columns),
                  [tuple(f(r[c]) for f, c in zip(cleaners, columns)) for r in rows])
    write = writer(kind)

    def record() -> None:
        audit.record(conn, "export", "campaign", camp.id, columns)

    deliver(conn, path, stream, binary, "utf-8", lambda s: write(s, table), record)
    return {**summary, "campaign_id": camp.id, "format": kind,
            "path": str(path) if path else None}


def _unchanged(value):
    return value
