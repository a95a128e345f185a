"""Listings: rich tables on a terminal, plain aligned text off it (and past 1,000 rows).

On a terminal: rich tables (CJK-width aware). Piped or under cron: the same table as plain
aligned text, with no colour and no box characters, made without rich (emit_plain_table:
one line per row, never folded). ``--format json|csv``: machine output (formats).
"""

from __future__ import annotations

import sys
from typing import Iterable, Sequence

from crmctl.render import labels, terminal
from crmctl.render.cells import COLUMN_GAP, cell, one_line, padded
from crmctl.render.formats import Format, emit_csv, emit_json
from crmctl.render.terminal import message, print_renderable

# Longer listings are plain aligned text on a terminal too (see emit_rows).
RICH_MAX_ROWS = 1000
_LINES_PER_WRITE = 256


def table(rows: Iterable[dict], columns: Sequence[str], *, headers: Sequence[str] | None = None,
          title: str | None = None, empty: str = "nothing to show"):
    from rich import box
    from rich.table import Table

    on_terminal = terminal.stdout_is_terminal()
    t = Table(title=title, box=box.SIMPLE_HEAD if on_terminal else None,
              show_edge=False, pad_edge=False, header_style="bold" if on_terminal else "",
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
        return
    if fmt == Format.csv:
        emit_csv(rows, columns)
        return
    rows, headers = labels.rows(rows, columns), labels.headers(headers or columns)
    if not terminal.stdout_is_terminal():
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
    """emit_rows' table for rows already made of text cells (e.g. by SQL), one per header
    (the headers are column names: in the interface language they become its words)."""
    if terminal.stdout_is_terminal() and len(body) <= RICH_MAX_ROWS:
        emit_rows([dict(zip(headers, cells)) for cells in body], headers, Format.table,
                  title=title, empty=empty)
    else:
        emit_plain_cells(labels.headers(headers), labels.cells(headers, body), title=title,
                         empty=empty)


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
    widened = [padded(texts) for texts in columns[:-1]]
    lines = [COLUMN_GAP.join(cells).rstrip() for cells in zip(*widened, columns[-1])]
    write = sys.stdout.write
    if title:
        write(one_line(title).rstrip() + "\n")
    for start in range(0, len(lines), _LINES_PER_WRITE):
        write("\n".join(lines[start:start + _LINES_PER_WRITE]) + "\n")
