"""A one-sheet xlsx written straight into its zip, streaming, with no temp file anywhere.

openpyxl's writer (even write-only) spills every sheet to a temp file in $TMPDIR before
zipping it: plaintext customer data outside the database, left behind when the process
is killed. This writer streams the sheet's XML into the zip member on the stream it is
given (the caller's private file beside the destination, or stdout), so the data exists
nowhere else. Strings are inline (``t="inlineStr"``): no shared-string table in memory.

The package is the minimal one every spreadsheet opens: content types, the package and
workbook relationships, the workbook and one worksheet.
"""

from __future__ import annotations

import re
import zipfile
from typing import Iterable

from crmctl.core.exporting.select import Table
from crmctl.errors import InvalidValue
from crmctl.i18n import _

XLSX_MAX_ROWS = 1_048_575  # a sheet has 1,048,576 rows, one is the header

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STATIC = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
        '.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}
# Characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, plus U+FFFE/U+FFFF):
# dropped, as openpyxl's writer required.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_BATCH = 2000  # rows per write into the deflate stream


class TooManyRows(Exception):
    """More rows than the caller allows; the sheet is left unfinished."""


def _letters(n: int) -> str:
    name = ""
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(ref: str, value) -> str:
    if value is None or value == "":  # no cell at all, as openpyxl wrote them
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = ILLEGAL.sub("", value if isinstance(value, str) else str(value)).translate(_ESCAPE)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _row(number: int, letters: list[str], values) -> str:
    cells = "".join(_cell(f"{col}{number}", v) for col, v in zip(letters, values))
    return f'<row r="{number}">{cells}</row>'


def write_sheet(stream, sheet_name: str, columns, rows: Iterable, max_rows: int) -> int:
    """Write header + rows as one sheet to the binary ``stream``; return the row count.

    Raises TooManyRows past ``max_rows`` (nothing usable was written then).
    """
    letters = [_letters(i) for i in range(1, len(columns) + 1)]
    name = sheet_name[:31].translate(_ESCAPE).replace('"', "&quot;")
    n = 0
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as book:
        for part, xml in _STATIC.items():
            book.writestr(part, _XML + xml)
        book.writestr("xl/workbook.xml", _XML + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet name="{name}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'))
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write((_XML + f'<worksheet xmlns="{_MAIN}"><sheetData>'
                         + _row(1, letters, columns)).encode("utf-8"))
            batch = []
            for row in rows:
                if n == max_rows:
                    raise TooManyRows(max_rows)
                n += 1
                batch.append(_row(n + 1, letters, row))
                if len(batch) == _BATCH:
                    sheet.write("".join(batch).encode("utf-8"))
                    batch = []
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode("utf-8"))
    return n


def write_xlsx(stream, table: Table) -> int:
    """A table as one sheet named for its rows ("customers"), streamed into the zip on
    the binary ``stream``; characters XML cannot hold are dropped."""
    try:
        return write_sheet(stream, table.entity + "s", table.columns, table.rows, XLSX_MAX_ROWS)
    except TooManyRows:
        raise InvalidValue(_("xlsx holds at most {rows} rows under its header; export csv, or "
                             "narrow with a filter or --limit").format(rows=f"{XLSX_MAX_ROWS:,}")
                           ) from None
