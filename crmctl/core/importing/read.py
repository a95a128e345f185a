"""Reading a contact file for import: CSV in whatever encoding and delimiter, or xlsx.

Encodings, in this order: a BOM (UTF-8 or UTF-16); strict UTF-8; UTF-8 with a few junk
bytes (rows holding them are rejected, the rest import); strict GB18030 (Excel "CSV" on
Chinese Windows; tried after UTF-8 because it decodes almost any bytes); charset-normalizer,
the common Windows code pages first when it is unsure (charsets.py);
``--encoding`` overrides all of it. A UTF-8 BOM glued onto GBK text (some converters do it)
is skipped, with --encoding gb18030 or when what follows the BOM is not UTF-8 but GB18030.
Every cell is text: a phone 013800… keeps its zero and a person called "NA" or "Null" stays
a person. Rows are numbered as a spreadsheet shows them (the header is row 1; a quoted cell
spanning lines is still one row).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Callable, Iterator

from crmctl.core.importing import charsets, guard, refusals
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _

SAMPLE = 1 << 16
BLOCK = 1 << 20
DELIMITERS = ",;\t|"


@dataclass
class Source:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    encoding: str
    size: int
    position: Callable[[], int]
    replaced: bool = False  # decoded with replacement characters (junk bytes)
    layout: str | None = None  # the mapping its headers need (vCard: "vcard")


@contextmanager
def open_source(path: Path, encoding: str = "auto", max_cell: int = 1_000_000):
    if not path.exists():
        raise NotFound(_("no file {path}").format(path=path))
    if path.is_dir():
        raise InvalidValue(_("{path} is a directory, not a CSV or xlsx file").format(path=path))
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(SAMPLE)
    if not head.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe"):
        raise InvalidValue(_("{path} is empty").format(path=path))
    if head.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        if not head.startswith(b"PK"):
            raise InvalidValue(_("{path} is named {suffix} but is not an xlsx workbook (not "
                                 "a zip archive); if it is CSV, rename it to .csv").format(
                path=path, suffix=path.suffix))
        with _open_xlsx(path, size, max_cell) as source:
            yield source
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidValue(_("{path} is an old Excel .xls workbook; save it as .xlsx or CSV"
                             ).format(path=path))
    with _open_csv(path, head, size, encoding, max_cell) as source:
        yield source


# --- CSV -------------------------------------------------------------------------------

def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        raise InvalidValue(_("unknown encoding {name}").format(name=repr(name))) from None


def detect_encoding(path: Path, head: bytes) -> tuple[str, str]:
    """(encoding, errors) for the file; errors is 'replace' for UTF-8 with junk bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return _behind_utf8_bom(path, head)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "strict"
    if _looks_binary(head):
        raise InvalidValue(_("{path} is not a text file (it holds binary data); import reads "
                             "CSV or xlsx").format(path=path))
    if _decodes(path, "utf-8"):
        return "utf-8", "strict"
    bad, wide = _utf8_damage(path)
    if wide >= 10 * bad or _utf8_header(head):
        return "utf-8", "replace"
    if _decodes(path, "gb18030"):  # unless it is Big5 or Shift-JIS read as nonsense
        other = [e for e in charsets.instead_of_gb18030(head) if _decodes(path, e)]
        return (other[0] if other else "gb18030"), "strict"
    for guess in charsets.guesses(head):  # the common Windows code pages first
        if _decodes(path, guess):
            return _codec(guess), "strict"
    raise InvalidValue(_("cannot tell the encoding of {path}; name it with --encoding (e.g. "
                         "utf-8, gb18030, utf-16)").format(path=path))


def _behind_utf8_bom(path: Path, head: bytes) -> tuple[str, str]:
    """A UTF-8 BOM usually tells the truth; but Excel on Chinese Windows and some converters
    glue one onto GBK bytes. So what follows the BOM is judged as a file without one would
    be (UTF-8, UTF-8 with a few junk bytes, GB18030), and the reader skips the BOM; no
    guessing beyond those: the BOM says the file was meant as Unicode or Chinese."""
    skip = len(codecs.BOM_UTF8)
    if _decodes(path, "utf-8", skip):
        return "utf-8-sig", "strict"
    bad, wide = _utf8_damage(path, skip)
    if wide >= 10 * bad or _utf8_header(head[skip:]):
        return "utf-8-sig", "replace"
    if _decodes(path, "gb18030", skip):
        return "gb18030", "strict"
    raise InvalidValue(_("{path} starts with a UTF-8 byte-order mark but is neither UTF-8 nor "
                         "GB18030 text; name its encoding with --encoding (e.g. big5, cp1252)"
                         ).format(path=path))


def _skips_bom(head: bytes, encoding: str) -> int:
    """Bytes of a UTF-8 BOM to skip before decoding with ``encoding`` (a BOM glued onto
    GBK text is not part of the first header); utf-8-sig skips it itself."""
    if head.startswith(codecs.BOM_UTF8) and encoding != "utf-8-sig" \
            and not encoding.startswith(("utf-16", "utf-32")):
        return len(codecs.BOM_UTF8)
    return 0


def _utf8_header(head: bytes) -> bool:
    """The first line is UTF-8 with non-ASCII text in it (姓名,手机): a file saved as UTF-8
    whose junk rows came from elsewhere (a GBK row pasted in), not a GBK file: GBK text
    almost never happens to be valid UTF-8. Decoded as GB18030 it would be all mojibake."""
    line = head.splitlines()[0] if head.strip() else b""
    try:
        return not line.decode("utf-8").isascii()
    except UnicodeDecodeError:
        return False


def _looks_binary(head: bytes) -> bool:
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    return head.count(b"\x00") > len(head) // 100 or controls > len(head) // 20


def _blocks(path: Path, skip: int = 0) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(skip)
        while block := f.read(BLOCK):
            yield block


def _decodes(path: Path, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        for block in _blocks(path, skip):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except (UnicodeError, LookupError):  # UnicodeError: utf-16 without a BOM
        return False
    return True


def _utf8_damage(path: Path, skip: int = 0) -> tuple[int, int]:
    """(replacement characters, non-ASCII characters) when decoding as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    bad = wide = 0
    for block in _blocks(path, skip):
        text = decoder.decode(block)
        n = text.count("\ufffd")
        bad += n
        wide += len(text) - len(text.encode("ascii", "ignore")) - n
    return bad, wide


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the first lines most consistently."""
    lines = [re.sub(r'"[^"]*"', "", line) for line in sample.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0.0, 0)
    for d in DELIMITERS:
        n = lines[0].count(d)
        if n == 0:
            continue
        rest = lines[1:-1] or lines[1:]  # the last sampled line may be cut short
        same = sum(1 for line in rest if line.count(d) == n) / len(rest) if rest else 1.0
        if (same, n) > best_score:
            best, best_score = d, (same, n)
    return best


@contextmanager
def _open_csv(path: Path, head: bytes, size: int, encoding: str, max_cell: int):
    if encoding in ("auto", "", None):
        encoding, errors = detect_encoding(path, head)
    else:
        encoding, errors = _codec(encoding), "strict"
    raw = path.open("rb")
    raw.seek(_skips_bom(head, encoding))
    text = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
    previous_limit = csv.field_size_limit(max_cell)
    try:
        try:
            start = text.tell()
            sample = text.read(SAMPLE)
            text.seek(start)
            delimiter = sniff_delimiter(sample)
            reader = csv.reader(guard.bounded_lines(text, delimiter), delimiter=delimiter)
            header = next(reader, None)
        except UnicodeError as exc:  # UnicodeDecodeError, or utf-16 without a BOM
            raise refusals.decode_error(path, encoding, exc) from None
        except csv.Error as exc:
            raise refusals.csv_error(path, 1, exc, max_cell) from None
        except guard.TooWide as exc:
            raise exc.refusal(path, 1) from None
        if header is None:
            raise InvalidValue(_("{path} is empty").format(path=path))
        if len(header) > guard.MAX_COLUMNS:
            raise guard.too_many_columns().refusal(path, 1)
        headers = [h.strip() for h in header]
        yield Source(headers, _csv_rows(path, reader, encoding, max_cell), encoding, size,
                     raw.tell, errors == "replace")
    finally:
        csv.field_size_limit(previous_limit)
        text.close()


def _csv_rows(path, reader, encoding: str, max_cell: int):
    rownum = 1
    try:
        for cells in reader:
            rownum += 1
            if len(cells) > guard.MAX_COLUMNS:
                raise guard.too_many_columns().refusal(path, rownum)
            if cells and any(cells):
                yield rownum, cells
    except UnicodeError as exc:
        raise refusals.decode_error(path, encoding, exc) from None
    except csv.Error as exc:
        raise refusals.csv_error(path, rownum + 1, exc, max_cell) from None
    except guard.TooWide as exc:
        raise exc.refusal(path, rownum + 1) from None


# --- xlsx ------------------------------------------------------------------------------

# A string cell is never a formula: crmctl's xlsx holds '=… as stored, and the import's
# restore() must leave it so (the '+86…/'--06-01 of older exports still lose their quote).
_KEEP_QUOTE = ("'=", "''", "'@", "'\t", "'\r")


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_KEEP_QUOTE) else value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


XLSX_LAST_ROW = 1_048_576  # the last row a worksheet can have
XLSX_LAST_COLUMN = 16_384  # XFD


# openpyxl parses an untrusted file: a missing part (KeyError), XML that is not well-formed
# (ParseError), a cell reference or value that makes no sense (ValueError, TypeError,
# IndexError…), a damaged zip member (BadZipFile, zlib.error): each means "not a workbook
# we can read", so the reading side catches Exception there (found by test_stress_xlsx).
@contextmanager
def _open_xlsx(path: Path, size: int, max_cell: int):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        guard.check_workbook(path)  # the caps, before openpyxl inflates anything
        book = load_workbook(path, read_only=True, data_only=True)
    except InvalidValue:
        raise
    except InvalidFileException:  # a zip (PK…) named other than .xlsx
        raise refusals.zip_misnamed(path) from None
    except Exception as exc:  # noqa: BLE001 - see above
        raise refusals.xlsx_damage(path, exc) from None
    try:
        try:
            if not book.worksheets:
                raise InvalidValue(_("{path} holds no worksheet").format(path=path))
            sheet = book.worksheets[0]
            total = sheet.max_row or 1  # as the file claims it: for the progress bar only
            rows = _sheet_rows(sheet)
            first = next(rows, None)
        except InvalidValue:
            raise
        except Exception as exc:  # noqa: BLE001 - see above
            raise refusals.xlsx_damage(path, exc) from None
        if first is None:
            raise InvalidValue(_("{path} is empty").format(path=path))
        first_number, first_cells = first
        if first_number < 1:
            raise refusals.out_of_order(path, first_number, None)
        if first_number == 1:
            header = _row_values(first_cells)
        else:  # no row 1: no headers (as a sheet shows it); the row is checked with the rest
            header, rows = (), itertools.chain([first], rows)
        headers = [_xlsx_cell(h).strip() for h in header]
        done = [0]
        yield Source(headers, _xlsx_rows(path, rows, len(headers), max_cell, done), "xlsx",
                     total, lambda: done[0])
    finally:
        book.close()


def _sheet_rows(sheet):
    """(row number, cells) of each row element in the worksheet's XML, from openpyxl's parser.

    Not ``sheet.iter_rows``: its read-only reader drops a row numbered 0 (or one numbered
    no higher than the row before it) without a trace, and pads a gap in the numbering with
    empty rows (a row numbered 2,000,000 would mean two million of them), so rows could go
    missing from an import's count. This is what iter_rows does, minus the padding."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = sheet.parent
    with sheet._get_source() as src:
        parser = WorkSheetParser(src, sheet._shared_strings, data_only=book.data_only,
                                 epoch=book.epoch, date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        yield from parser.parse()


def _row_values(cells: list[dict], width: int | None = None) -> list:
    """A row's values by column (1 = A) up to its last cell, at most ``width`` of them."""
    width = min(max((c["column"] for c in cells), default=0),
                XLSX_LAST_COLUMN if width is None else width)
    values = [None] * width
    for c in cells:
        if 1 <= c["column"] <= width:
            values[c["column"] - 1] = c["value"]
    return values


def _xlsx_rows(path: Path, rows, width: int, max_cell: int, done: list):
    """(row number, cells) of the non-empty rows; a cell right of the header's last one has no
    column name and is left out. Rows must be numbered upwards from 2 (after the header):
    a row numbered 0 or below, or out of order, refuses the file (openpyxl would drop it)."""
    last = 1
    try:
        for rownum, row in rows:
            if rownum <= last:
                raise refusals.out_of_order(path, rownum, last)
            if rownum > XLSX_LAST_ROW:  # a row number no spreadsheet has
                raise refusals.rows_beyond(path, XLSX_LAST_ROW)
            last = rownum
            cells = [_xlsx_cell(v) for v in _row_values(row, width)]
            if any(len(c) > max_cell for c in cells):
                raise refusals.cell_too_long(path, rownum, max_cell)
            done[0] = rownum
            if any(cells):
                yield rownum, cells
    except InvalidValue:
        raise
    except Exception as exc:  # noqa: BLE001 - see above
        raise refusals.xlsx_damage(path, exc) from None
