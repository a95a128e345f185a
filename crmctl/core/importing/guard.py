"""The caps that keep a hostile import file from exhausting the machine, and their guards.

Every cap is far above any contact list and far below what would hurt: a file over one is
refused in one line before the work it would cost is done — the zip's directory is read
before openpyxl opens the workbook, the shared strings are counted while streaming, a
worksheet's XML and a CSV file are checked as they are read, in bounded chunks.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from crmctl.errors import InvalidValue
from crmctl.i18n import _

# --- the caps (one place) ---------------------------------------------------------------------
# Characters in one cell: a bigger cell is not a contact file.
MAX_CELL = 1_000_000
# Columns of a CSV header or row: a contact file has dozens; 50 million empty ones (a 100 MB
# line of commas) would be 50 million strings.
MAX_COLUMNS = 10_000
# Characters of one CSV line read at once: ten full cells. A line is read whole before it is
# split into cells, so this bounds the memory of a line without newlines.
MAX_LINE = 10 * MAX_CELL
# Bytes of all of an xlsx's parts inflated: a million-row sheet is about 300 MB of XML.
XLSX_MAX_TOTAL = 1 << 30
# Inflated / compressed size of one part bigger than XLSX_RATIO_FROM: real sheets compress
# 5-20 times, a zip bomb about 1000 times (1.2 MB inflating to 1.2 GB).
XLSX_MAX_RATIO = 100
# Bytes of a part below which it may compress as well as it likes (an empty sheet, styles).
XLSX_RATIO_FROM = 10 << 20
# Entries of the shared-strings table: openpyxl holds every one in memory before the first
# row is read (an Excel-saved sheet has about one per distinct text cell; crmctl's own
# export writes none).
XLSX_MAX_STRINGS = 1_000_000
# Bytes of worksheet XML between two tags: one cell's text is materialized whole by the XML
# parser, so this bounds it. A UTF-8 character is at most 4 bytes, so a longer run holds
# more than MAX_CELL characters (unless padded with character references, which no
# spreadsheet writes); a cell's exact length is checked again once it is read.
XLSX_MAX_TEXT_RUN = 4 * MAX_CELL

CHUNK = 1 << 16  # bytes read at a time when streaming a part


def _not_contacts(path, what: str) -> InvalidValue:
    return InvalidValue(_("{where}: {what}; this is not a contact file").format(where=path,
                                                                                  what=what))


# --- CSV -----------------------------------------------------------------------------------

class TooWide(Exception):
    """A CSV line over MAX_LINE or MAX_COLUMNS; the reader knows the row number."""

    def refusal(self, path, rownum: int) -> InvalidValue:
        return _not_contacts(_("{path} row {row}").format(path=path, row=rownum), str(self))


def too_many_columns() -> TooWide:
    return TooWide(_("more than {max:,} columns").format(max=MAX_COLUMNS))


def bounded_lines(text, delimiter: str):
    """The lines of ``text`` for csv.reader, each read with a cap (MAX_LINE characters).

    A line with MAX_COLUMNS delimiters and no quote is refused before csv splits it (every
    delimiter separates two cells); a quoted one is split (at most MAX_LINE characters) and
    its cells counted by the reader."""
    readline = text.readline
    while line := readline(MAX_LINE + 1):
        if line.count(delimiter) >= MAX_COLUMNS and '"' not in line:
            raise too_many_columns()
        if len(line) > MAX_LINE:
            if line.count(delimiter) < MAX_LINE // MAX_CELL - 1:  # too few cells to share
                raise TooWide(_("a cell longer than {max:,} characters").format(max=MAX_CELL))
            raise TooWide(_("a line longer than {max:,} characters").format(max=MAX_LINE))
        yield line


# --- xlsx: the zip's directory, the shared strings -------------------------------------------

def check_workbook(path: Path) -> None:
    """Refuse a workbook whose parts would inflate beyond the caps, whose shared-strings
    table holds too many entries or one over MAX_CELL, or whose XML holds a text too long
    to build; before openpyxl reads any of it.

    A zip that cannot be read, or has no content types, is left to openpyxl to report.
    zipfile never inflates a part beyond the size the central directory gives it (it stops
    there, and the CRC then fails), so a directory that understates a part cannot get more
    than the checked size out of it; the streaming reads below count what they get as well.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    with archive:
        infos = archive.infolist()
        _check_inflation(path, infos)
        strings = _shared_strings_part(archive)
        for info in infos:
            if info.filename == strings:
                _scan_shared_strings(path, archive, info)
            elif info.filename.lower().endswith((".xml", ".rels")):
                _scan_text_runs(path, archive, info)


def _check_inflation(path: Path, infos: list) -> None:
    total = sum(info.file_size for info in infos)
    if total > XLSX_MAX_TOTAL:
        raise _not_contacts(path, _("its parts would inflate to {size:.1f} GB, over the {max} GB "
                                    "an import reads").format(size=total / (1 << 30),
                                                              max=XLSX_MAX_TOTAL >> 30))
    for info in infos:
        if info.file_size > XLSX_RATIO_FROM and \
                info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _not_contacts(path, _("its part {part} would inflate {ratio:,} times, to "
                                        "{size:,} MB (a zip bomb)").format(
                part=info.filename, ratio=ratio, size=info.file_size >> 20))


def _shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The part openpyxl will read as the shared strings, found as openpyxl finds it (the
    content types); None when there is none or the content types cannot be read."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    try:
        manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
        part = manifest.find(SHARED_STRINGS)
    except Exception:  # noqa: BLE001 - openpyxl reports a damaged workbook its own way
        return None
    if part is None:
        return None
    name = part.PartName[1:]
    return name if name in archive.NameToInfo else None


class _Refused(Exception):
    """Raised from an expat handler to stop parsing; carries the refusal."""


def _scan_shared_strings(path: Path, archive: zipfile.ZipFile, info) -> None:
    """Stream the shared-strings part through expat: count its entries (<si>) and the
    characters of each, stopping at the first over a cap; no text is kept. A DTD is refused
    (no spreadsheet writes one; an entity could expand past any count)."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    state = {"strings": 0, "chars": 0}

    def start(name: str, attrs: dict) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "si":
            state["strings"] += 1
            state["chars"] = 0
            if state["strings"] > XLSX_MAX_STRINGS:
                raise _Refused(_too_many_strings(path))
        elif local == "sst":  # the count it declares, when it declares one
            declared = attrs.get("uniqueCount", "")
            if declared.isdigit() and int(declared) > XLSX_MAX_STRINGS:
                raise _Refused(_too_many_strings(path))

    def text(data: str) -> None:
        state["chars"] += len(data)
        if state["chars"] > MAX_CELL:
            raise _Refused(_not_contacts(
                path, _("a cell longer than {max:,} characters (shared string {n:,})").format(
                    max=MAX_CELL, n=state["strings"])))

    def doctype(*_args) -> None:
        raise ValueError(_("its shared strings declare a DTD, which no spreadsheet writes"))

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = doctype
    read = 0
    try:
        with archive.open(info) as part:
            while chunk := part.read(CHUNK):
                read += len(chunk)
                if read > info.file_size:  # more than the directory said: it lied
                    raise ValueError(_("{part} inflates beyond its stated size").format(
                        part=info.filename))
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Refused as refused:
        raise refused.args[0] from None


def _too_many_strings(path) -> InvalidValue:
    return InvalidValue(_("{path}: more than {max:,} distinct texts in its shared-strings "
                          "table, more than an import reads from an xlsx; save it as CSV").format(
        path=path, max=XLSX_MAX_STRINGS))


# --- xlsx: every other XML part, worksheets included ------------------------------------------

# A '<' that starts an element or an end tag. '<!' (a comment or CDATA section) and '<?' (a
# processing instruction) do not end a text: the XML parser joins the text around them.
_TAG = re.compile(rb"<[^!?]")
_LONG_TEXT = re.compile(rb"(?:[^<]|<[!?]){%d}" % (XLSX_MAX_TEXT_RUN + 1))


def _scan_text_runs(path: Path, archive: zipfile.ZipFile, info) -> None:
    """Stream one XML part (openpyxl parses every worksheet once while opening the
    workbook, before a row is handed over): refuse a text between two tags over
    XLSX_MAX_TEXT_RUN bytes, which the XML parser would build whole. Byte searches only,
    in C: a few ms per 10 MB."""
    run = 0  # bytes since the last tag, carried from chunk to chunk
    tail = b""  # a '<' ending the last chunk: what follows decides whether it is a tag
    read = 0
    with archive.open(info) as part:
        while chunk := part.read(CHUNK):
            read += len(chunk)
            if read > info.file_size:  # more than the directory said: it lied
                raise ValueError(_("{part} inflates beyond its stated size").format(
                        part=info.filename))
            buf = tail + chunk
            first = _TAG.search(buf)
            if first is None:
                run += len(buf)
            elif run + first.start() > XLSX_MAX_TEXT_RUN or (
                    len(buf) > XLSX_MAX_TEXT_RUN and _LONG_TEXT.search(buf)):
                run = XLSX_MAX_TEXT_RUN + 1
            else:
                run = len(buf) - _last_tag(buf)
            if run > XLSX_MAX_TEXT_RUN:
                raise _not_contacts(path, _("its part {part} holds a text of over {max:,} "
                                            "bytes (a cell longer than {cell:,} characters)")
                                    .format(part=info.filename, max=XLSX_MAX_TEXT_RUN,
                                            cell=MAX_CELL))
            tail = b"<" if buf.endswith(b"<") else b""
            run -= len(tail)  # that '<' is counted again with the next chunk


def _last_tag(buf: bytes) -> int:
    """Where the last '<' that starts a tag is in ``buf`` (there is one)."""
    end = len(buf)
    while True:
        at = buf.rfind(b"<", 0, end)
        if at + 1 < len(buf) and buf[at + 1] not in b"!?":
            return at
        end = at
