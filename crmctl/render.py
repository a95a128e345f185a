"""Rendering in one place: rich tables for people, JSON and CSV for scripts.

On a terminal: rich tables (CJK-width aware). Piped or under cron: the same table as plain
aligned text, with no colour and no box characters, made without rich (emit_plain_table:
one line per row, never folded). ``--format json|csv``: machine output, never coloured.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from enum import Enum
from typing import Any, Collection, Iterable, Sequence

from crmctl.spreadsheet import neutralize


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (ValueError, AttributeError):
        return False


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stdout_is_terminal() and not stderr:
        return Console(file=stream, highlight=False)
    # Not a terminal: plain text wide enough not to fold rows in a mail or a pipe.
    width = int(os.environ.get("COLUMNS", "0") or 0) or 160
    return Console(file=stream, width=width, color_system=None, highlight=False,
                   emoji=False, markup=False, force_terminal=False, soft_wrap=True)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def emit_json(data: Any) -> None:
    sys.stdout.write(to_json(data) + "\n")


def json_object_sql(columns: Sequence[str], *, integers: Collection[str] = (),
                    words: Collection[str] = ()) -> str:
    """An SQL expression that renders a row's columns as one object of emit_json's list
    (same keys, indent and escapes; integer, text and null values), so that SQLite, not
    Python, turns a long listing into JSON text: emit_json_objects prints the list.

    A caller that knows its columns may spare json_quote (a function call per value, ~5%
    of a long report): ``integers`` hold an integer or NULL, ``words`` a text that is never
    NULL and never needs escaping (a CHECK-constrained word such as a tier)."""
    if not columns:
        return "'  {}'"
    # one format() call: a chain of || would copy the growing text once per column
    keys = [json.dumps(c, ensure_ascii=False).replace("%", "%%") for c in columns]
    template = "  {\n" + ",\n".join(
        f"    {key}: " + ('"%s"' if c in words else "%s") for key, c in zip(keys, columns)
    ) + "\n  }"
    values = []
    for c in columns:
        name = '"{}"'.format(c.replace('"', '""'))
        values.append(f"coalesce({name}, 'null')" if c in integers else
                      name if c in words else f"json_quote({name})")
    return "format('{}', {})".format(template.replace("'", "''"), ", ".join(values))


def json_list_sql(objects: str) -> str:
    """An SQL aggregate over ``objects``, texts made by json_object_sql and fed to it in
    order, that joins them into the body of the list emit_json prints, as UTF-8 bytes (NULL
    for no rows): one value to write with emit_json_body, with no Python object per row and
    no decoding and re-encoding. The brackets are written around it, not added in SQL:
    each ``||`` on a 5 MB text would copy it (four copies, ~20 MB of fresh memory).

    Feed it from a subquery with the ORDER BY (SQLite keeps a FROM-clause subquery's order
    for an aggregate other than count, min and max), not with group_concat's own ORDER BY,
    which collects its input in a b-tree: ~100 ms more for the 22,000 rows of a report."""
    return f"CAST(group_concat({objects}, ',' || char(10)) AS BLOB)"


def emit_json_body(body: bytes | None) -> None:
    """Print the list whose body json_list_sql made (None: the empty list), as emit_json
    would print it."""
    out = sys.stdout
    out.flush()
    if body is None:
        out.buffer.write(b"[]\n")
    else:  # three writes: joining them would copy the body once more
        out.buffer.write(b"[\n")
        out.buffer.write(body)
        out.buffer.write(b"\n]\n")
    out.buffer.flush()


def emit_json_objects(objects: Sequence[str]) -> None:
    """Print objects rendered by json_object_sql as the list emit_json would print."""
    if not objects:
        sys.stdout.write("[]\n")
        return
    sys.stdout.write("[\n" + ",\n".join(objects) + "\n]\n")


def csv_cell(value: Any) -> str:
    """A cell of crmctl's CSV: ``cell`` text, made safe for a spreadsheet (the rule of
    ``export``: a text starting with = + - @ tab or CR gets a leading ', which import
    removes again); numbers stay numbers."""
    if type(value) is str:  # most cells: no cell() call
        return neutralize(value)
    if isinstance(value, (int, float)):
        return cell(value)
    return neutralize(cell(value))


def emit_csv(rows: Iterable[dict], columns: Sequence[str]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])


def table(rows: Iterable[dict], columns: Sequence[str], *, headers: Sequence[str] | None = None,
          title: str | None = None, empty: str = "nothing to show"):
    from rich import box
    from rich.table import Table

    terminal = stdout_is_terminal()
    t = Table(title=title, box=box.SIMPLE_HEAD if terminal else None,
              show_edge=False, pad_edge=False, header_style="bold" if terminal else "",
              title_justify="left")
    for header in headers or columns:
        t.add_column(header, overflow="fold")
    n = 0
    for row in rows:
        t.add_row(*(cell(row.get(c)) for c in columns))
        n += 1
    return t if n else empty


def emit_rows(rows: Iterable[dict], columns: Sequence[str], fmt: Format, *,
              headers: Sequence[str] | None = None, title: str | None = None,
              empty: str = "nothing to show") -> None:
    """A listing in the chosen format; json/csv carry every key given in ``columns``."""
    if fmt == Format.json:
        emit_json([{c: row.get(c) for c in columns} for row in rows])
    elif fmt == Format.csv:
        emit_csv(rows, columns)
    elif not stdout_is_terminal():
        emit_plain_table(rows, columns, headers=headers, title=title, empty=empty)
    elif len(rows := list(rows)) > RICH_MAX_ROWS:
        # rich lays out ~700 rows a second: 22,000 follow-ups would take half a minute
        emit_plain_table(rows, columns, headers=headers, title=title, empty=empty)
    else:
        out = table(rows, columns, headers=headers, title=title, empty=empty)
        if isinstance(out, str):
            message(out)
        else:
            print_renderable(out)


# Longer listings are plain aligned text on a terminal too (see emit_rows).
RICH_MAX_ROWS = 1000
# Between two columns: rich's padding (0, 1) on each side of the boundary, with no box.
COLUMN_GAP = "  "
_LINES_PER_WRITE = 256
# A line break (also \r\n, \x85, U+2028/2029), tab or other control character: one space.
_CONTROLS = {code: " " for code in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]}


def one_line(text: str) -> str:
    """``text`` on one line: each line break (CR LF counts as one), tab or other control
    character becomes one space."""
    if text.isprintable():
        return text
    return text.replace("\r\n", " ").translate(_CONTROLS)


# Text whose every character is printable ASCII (1 cell, 1 byte in UTF-8) or in these
# ranges (2 cells, 3 bytes: CJK ideographs, kana, Hangul syllables, full-width forms; every
# one of them checked against rich.cells in tests/test_render.py) measures without rich:
# cells = characters + (UTF-8 bytes - characters) / 2. Anything else goes to rich.cells.
_SIMPLE_WIDE = re.compile("[\x20-\x7e\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf"
                          "\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff60]*")


def display_width(text: str) -> int:
    """Terminal cells of one line of text, as rich.cells.cell_len counts them."""
    if text.isascii():
        return len(text)
    if _SIMPLE_WIDE.fullmatch(text):
        return len(text) + (len(text.encode("utf-8")) - len(text)) // 2
    from rich.cells import cell_len

    return cell_len(text)


def _padded(texts: list[str]) -> list[str]:
    """Each text left-aligned in the cells of the widest."""
    if "".join(texts).isascii():  # the usual column: ids, dates, words; str methods only
        pad = max(map(len, texts))
        return [text.ljust(pad) for text in texts]
    widths = list(map(display_width, texts))
    pad = max(widths)
    return [text.ljust(pad - width + len(text)) for text, width in zip(texts, widths)]


def emit_plain_table(rows: Iterable[dict], columns: Sequence[str], *,
                     headers: Sequence[str] | None = None, title: str | None = None,
                     empty: str = "nothing to show") -> None:
    """A listing as plain aligned text, without rich (for stdout off a terminal).

    The text rich made there: the title line (if any), the header line, then one line per
    row; each column left-aligned and padded to its widest cell by display width (CJK and
    emoji count 2, the widths rich's tables use), two blanks between columns, no blanks at
    the ends of lines. Never folded however wide, and a cell's line breaks and tabs are
    spaces (one_line): one row, one line. No rows: ``empty`` on stderr.
    """
    body = [[value if type(value) is str else cell(value) for value in map(row.get, columns)]
            for row in rows]
    emit_plain_cells(headers or columns, body, title=title, empty=empty)


def emit_text_table(headers: Sequence[str], body: Sequence[Sequence[str]], *,
                    title: str | None = None, empty: str = "nothing to show") -> None:
    """emit_rows' table for rows already made of text cells (e.g. by SQL), one per header."""
    if stdout_is_terminal() and len(body) <= RICH_MAX_ROWS:
        emit_rows([dict(zip(headers, cells)) for cells in body], headers, Format.table,
                  title=title, empty=empty)
    else:
        emit_plain_cells(headers, body, title=title, empty=empty)


def emit_plain_cells(headers: Sequence[str], body: Sequence[Sequence[str]], *,
                     title: str | None = None, empty: str = "nothing to show") -> None:
    """emit_plain_table for rows already made of text cells (e.g. by SQL): the same text.

    Worked a column at a time (a column of ASCII is measured and padded by str methods
    alone), and written 256 lines at a time."""
    if not body:
        message(empty)
        return
    columns = [[one_line(str(head)), *cells] for head, cells in zip(headers, zip(*body))]
    for i, texts in enumerate(columns):
        if not "".join(texts).isprintable():
            columns[i] = [one_line(text) for text in texts]
    # the last column is not padded (no blanks at line ends): its width is not needed
    padded = [_padded(texts) for texts in columns[:-1]]
    lines = [COLUMN_GAP.join(cells).rstrip() for cells in zip(*padded, columns[-1])]
    write = sys.stdout.write
    if title:
        write(one_line(title).rstrip() + "\n")
    for start in range(0, len(lines), _LINES_PER_WRITE):
        write("\n".join(lines[start:start + _LINES_PER_WRITE]) + "\n")


def print_renderable(renderable) -> None:
    """Print to stdout; off a terminal, without the trailing blanks rich pads lines with."""
    out = console()
    if stdout_is_terminal():
        out.print(renderable)
        return
    with out.capture() as captured:
        out.print(renderable)
    sys.stdout.write("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n")


def emit_card(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """A record as label: value lines (empty values left out). Off a terminal, one line per
    field however long the value (a note is not folded at 160 columns; its line breaks
    are spaces, as in tables), labels padded as rich pads them on a terminal."""
    shown = [(label, cell(value)) for label, value in pairs if value not in (None, "", [])]
    if not stdout_is_terminal():
        labels = _padded([label for label, _ in shown]) if shown else []
        lines = [one_line(title).rstrip()]
        lines += [(label + COLUMN_GAP + one_line(text)).rstrip()
                  for label, (_, text) in zip(labels, shown)]
        sys.stdout.write("\n".join(lines) + "\n")
        return
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for label, text in shown:
        grid.add_row(label, text)
    print_renderable(Group(Text(title, style="bold"), grid))


def message(text: str) -> None:
    """A human note on stderr (stdout stays clean for ids and data)."""
    sys.stderr.write(text + "\n")
