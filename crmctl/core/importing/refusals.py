"""Why a contact file is refused as a whole (one line each, in the interface language):
the reading side (read.py) raises these; a refused row's reason is elsewhere (rows.py)
and stays English, since it goes into the rejects file and the JSON summary."""

from __future__ import annotations

import csv
from pathlib import Path

from crmctl.errors import InvalidValue
from crmctl.i18n import _


def decode_error(path, encoding: str, exc: UnicodeError) -> InvalidValue:
    reason = getattr(exc, "reason", None) or str(exc)
    return InvalidValue(_("{path} is not valid {encoding} text ({reason}); check --encoding "
                          "(auto detects UTF-8, UTF-16, GB18030)").format(
        path=path, encoding=encoding, reason=reason))


def cell_too_long(path, rownum: int, max_cell: int) -> InvalidValue:
    return InvalidValue(_("{path} row {row}: a cell longer than {max:,} characters; this is "
                          "not a contact file").format(path=path, row=rownum, max=max_cell))


def csv_error(path, rownum: int, exc: csv.Error, max_cell: int) -> InvalidValue:
    if "field larger than field limit" in str(exc):
        return cell_too_long(path, rownum, max_cell)
    return InvalidValue(_("{path} row {row}: cannot read CSV: {error}").format(
        path=path, row=rownum, error=exc))


def xlsx_damage(path: Path, exc: Exception) -> InvalidValue:
    reason = " ".join(str(exc).split())[:200] or type(exc).__name__
    return InvalidValue(_("cannot read {path} as an xlsx workbook: {reason}").format(
        path=path, reason=reason))


def zip_misnamed(path: Path) -> InvalidValue:
    """A zip (PK…) named other than .xlsx."""
    return InvalidValue((_("{path} holds a zip archive (an xlsx workbook?) but is named "
                           "{suffix}; rename it to .xlsx") if path.suffix else
                         _("{path} holds a zip archive (an xlsx workbook?) but is named "
                           "without an extension; rename it to .xlsx")).format(
        path=path, suffix=path.suffix))


def out_of_order(path: Path, rownum: int, after: int | None) -> InvalidValue:
    where = (_("after row {after}").format(after=after) if after else _("first"))
    return InvalidValue(_("{path}: its worksheet has a row numbered {row} {where}; rows "
                          "numbered below 1 or out of order would be lost, so nothing is "
                          "imported (open and save the workbook again in Excel or "
                          "LibreOffice)").format(path=path, row=rownum, where=where))


def rows_beyond(path: Path, last_row: int) -> InvalidValue:
    return InvalidValue(_("{path}: rows beyond {last:,}, the last row a worksheet can have; "
                          "this is not a contact file").format(path=path, last=last_row))
