"""One record as label: value lines (``show``, ``campaign show``)."""

from __future__ import annotations

import sys
from typing import Any, Sequence

from crmctl.render import labels, terminal
from crmctl import clock
from crmctl.render.cells import COLUMN_GAP, cell, is_stamp, one_line, padded
from crmctl.render.terminal import print_renderable


def emit_card(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """A record as label: value lines (empty values left out). Off a terminal, one line per
    field however long the value (a note is not folded at 160 columns; its line breaks
    are spaces, as in tables), stored instants in local time, labels padded as rich pads them on a terminal."""
    shown = [(label, clock.local_minute(value) if is_stamp(value) else cell(value))
             for label, value in labels.card(pairs) if value not in (None, "", [])]
    if not terminal.stdout_is_terminal():
        heads = padded([label for label, _ in shown]) if shown else []
        lines = [one_line(title).rstrip()]
        lines += [(label + COLUMN_GAP + one_line(text)).rstrip()
                  for label, (_, text) in zip(heads, shown)]
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
