"""Listings: rich tables on a terminal, plain aligned text off it (and past 1,000 rows).

On a terminal: rich tables (CJK-width aware). Piped or under cron: the same table as plain
aligned text, with no colour and no box characters, made without rich (emit_plain_table:
one line per row, never folded). ``--format json|csv``: machine output (formats).
"""

from __future__ import annotations

import sys
from typing import Iterable, Mapping, Sequence

from crmctl.i18n import _
from crmctl.render import labels, terminal
from crmctl.render.cells import (COLUMN_GAP, cell, display_width, for_people, is_people_key,
                                 one_line, padded)
from crmctl.render.formats import Format, emit_csv, emit_json
from crmctl.render.terminal import message, print_renderable

# Longer listings are plain aligned text on a terminal too (see emit_rows).
RICH_MAX_ROWS = 1000
_LINES_PER_WRITE = 256


def table(rows: Iterable[dict], columns: Sequence[str], *, headers: Sequence[str] | None = None,
          title: str | None = None, empty: str | None = None,
          links: Mapping[str, str] | None = None, drop: Sequence[str] = (),
          flex: str | None = None):
    """A rich table; ``links`` maps a column to a URL scheme (``{"phone": "tel:"}``): its
    values become hyperlinks (OSC 8, on a terminal only: never in pipes or cron mail).

    On a terminal the table fits its width without breaking a value inside (as gh and
    kubectl do): long values are cut with … (to 12 cells at the least), and only when that
    is not enough are the columns in ``drop`` left out, in that order (see fitting); what
    is still too wide is cut with … too. The title is one line, cut with … rather than
    wrapped."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    on_terminal = terminal.stdout_is_terminal()
    rows = [[cell(row.get(c)) for c in columns] for row in rows]
    if not rows:
        return _("nothing to show") if empty is None else empty
    heads = list(headers or columns)
    keep, cut = list(range(len(columns))), {}
    if on_terminal:
        keep, cut = fitting(rows, heads, columns, terminal.console().width, drop, flex)
    t = Table(box=box.SIMPLE_HEAD if on_terminal else None, title=None if on_terminal else title,
              show_edge=False, pad_edge=False, header_style="bold" if on_terminal else "",
              title_justify="left")
    for i in keep:
        if on_terminal:
            t.add_column(heads[i], no_wrap=True, overflow="ellipsis", max_width=cut.get(i))
        else:
            t.add_column(heads[i], overflow="fold")
    linked = {i: scheme for i, c in enumerate(columns) if (scheme := (links or {}).get(c))}
    for cells in rows:
        for i, most in cut.items():  # cut here: rich would pad a half 中 with a blank before …
            cells[i] = shortened(cells[i], most)
        for i, scheme in linked.items():
            if cells[i] and on_terminal:
                cells[i] = Text(cells[i], style=f"link {scheme}{cells[i]}")
        t.add_row(*(cells[i] for i in keep))
    if on_terminal and title:
        return Group(Text(title, style="italic", no_wrap=True, overflow="ellipsis"), t)
    return t


# between two columns of the terminal table (SIMPLE_HEAD, no edges): pad, divider, pad
_RICH_GAP = 3
# the narrowest a long column is cut to before others are dropped: one long value (a 46-cell
# company) must not push a whole column out for every row; 12 cells keep 5 Chinese characters
_FLEX_MIN = 12
# a column is long (cut before others are dropped) when wider than this share of the width
_LONG_SHARE = 5


def fitting(rows: Sequence[Sequence[str]], heads: Sequence[str], columns: Sequence[str],
            width: int, drop: Sequence[str], flex: str | None
            ) -> tuple[list[int], dict[int, int]]:
    """The indexes of the columns to show in ``width`` cells (see table), and the widths
    the columns cut with … are cut to.

    Too wide, the ``flex`` column and any long one (wider than a fifth of ``width``) may be
    cut to _FLEX_MIN cells (never narrower than the header); only when even these do not
    fit are the ``drop`` columns left out, in order. The room left is then given back to
    the cut columns, the least cut first, ``flex`` last."""
    heading = [display_width(one_line(str(head))) for head in heads]
    widths = [max(display_width(one_line(str(text))) for text in texts)
              for texts in zip(heads, *rows)]
    keep = list(range(len(columns)))
    gaps = _RICH_GAP * (len(keep) - 1)
    if sum(widths) + gaps <= width:
        return keep, {}
    at = columns.index(flex) if flex in columns else None
    pending = [columns.index(c) for c in drop if c in columns]
    floor = [max(h, _FLEX_MIN) if i == at or w > width // _LONG_SHARE else w
             for i, (w, h) in enumerate(zip(widths, heading))]
    floor = [min(f, w) for f, w in zip(floor, widths)]

    def spare() -> int:
        return width - sum(floor[i] for i in keep) - _RICH_GAP * (len(keep) - 1)

    while spare() < 0 and pending:
        keep.remove(pending.pop(0))
    shown, room = {i: floor[i] for i in keep}, spare()
    # the least cut first (a phone one cell short is whole again), the flexible one last
    for i in sorted(keep, key=lambda i: (i == at, widths[i] - shown[i])):
        grow = max(0, min(widths[i] - shown[i], room))
        shown[i], room = shown[i] + grow, room - grow
    return keep, {i: w for i, w in shown.items() if w < widths[i]}


def shortened(text: str, most: int) -> str:
    """``text`` in at most ``most`` cells: cut with … where it is wider (a wide character
    that would straddle the edge is left out whole, not replaced by a blank)."""
    line = one_line(text)
    if display_width(line) <= most:
        return text
    kept, used = [], 1  # the … takes one cell
    for char in line:
        used += display_width(char)
        if used > most:
            break
        kept.append(char)
    return "".join(kept) + "…"


def emit_rows(rows: Iterable[dict], columns: Sequence[str], fmt: Format, *,
              headers: Sequence[str] | None = None, title: str | None = None,
              empty: str | None = None, links: Mapping[str, str] | None = None,
              drop: Sequence[str] = (), flex: str | None = None) -> None:
    """A listing in the chosen format; json/csv carry every key given in ``columns``, with
    the stored UTC stamps; a table shows them in local time (cells.for_people)."""
    if fmt == Format.json:
        emit_json([{c: row.get(c) for c in columns} for row in rows])
        return
    if fmt == Format.csv:
        emit_csv(rows, columns)
        return
    if any(map(is_people_key, columns)):  # people read tables: local time, 18,000.00
        rows = (for_people(row, columns) for row in rows)
    rows, headers = labels.rows(rows, columns), labels.headers(headers or columns)
    if not terminal.stdout_is_terminal():
        emit_plain_table(rows, columns, headers=headers, title=title, empty=empty)
    elif len(rows := list(rows)) > RICH_MAX_ROWS:
        # rich lays out ~700 rows a second: 22,000 follow-ups would take half a minute
        emit_plain_table(rows, columns, headers=headers, title=title, empty=empty)
    else:
        out = table(rows, columns, headers=headers, title=title, empty=empty, links=links,
                    drop=drop, flex=flex)
        if isinstance(out, str):
            message(out)
        else:
            print_renderable(out)


def emit_plain_table(rows: Iterable[dict], columns: Sequence[str], *,
                     headers: Sequence[str] | None = None, title: str | None = None,
                     empty: str | None = None) -> None:
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
                    title: str | None = None, empty: str | None = None,
                    links: Mapping[str, str] | None = None, drop: Sequence[str] = (),
                    flex: str | None = None) -> None:
    """emit_rows' table for rows already made of text cells (e.g. by SQL), one per header
    (the headers are column names: in the interface language they become its words)."""
    if terminal.stdout_is_terminal() and len(body) <= RICH_MAX_ROWS:
        emit_rows([dict(zip(headers, cells)) for cells in body], headers, Format.table,
                  title=title, empty=empty, links=links, drop=drop, flex=flex)
    else:
        emit_plain_cells(labels.headers(headers), labels.cells(headers, body), title=title,
                         empty=empty)


def emit_plain_cells(headers: Sequence[str], body: Sequence[Sequence[str]], *,
                     title: str | None = None, empty: str | None = None) -> None:
    """emit_plain_table for rows already made of text cells (e.g. by SQL): the same text.

    Worked a column at a time (a column of ASCII is measured and padded by str methods
    alone), and written 256 lines at a time."""
    if not body:
        message(_("nothing to show") if empty is None else empty)
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
