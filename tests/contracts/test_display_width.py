"""render.display_width measures a cell without importing rich (its import costs ~60 ms of
a cron run): a short way for printable ASCII and the common 2-cell ranges (the private
cells._SIMPLE_WIDE), rich.cells only for the rest. This test reads that private pattern and
checks every character of its ranges against rich; tests/test_render.py checks the result
on any text with hypothesis."""

from __future__ import annotations

import re

from crmctl import render
from crmctl.render import cells


def test_display_width_is_rich_cell_len():
    """The short way (printable ASCII plus the ranges of 2-cell, 3-byte characters in
    cells._SIMPLE_WIDE) gives rich's widths: every character of those ranges checked."""
    from rich.cells import cell_len

    ranges = re.findall("(.)-(.)", cells._SIMPLE_WIDE.strip("[]*"))
    assert ranges[0] == (" ", "~") and len(ranges) == 7
    for start, end in ranges[1:]:
        for code in range(ord(start), ord(end) + 1):
            ch = chr(code)
            assert (cell_len(ch), len(ch.encode("utf-8"))) == (2, 3), hex(code)
    for text in ["王明", "Anna 王明 ｆｕｌｌ", "アンナ", "한국", "😀", "Zoë", "e\u0301", "👍🏽",
                 "王\u200d明", "a\u3000b", "¥1,200", "", "ＡＢＣ", "〜"]:
        assert render.display_width(text) == cell_len(text), text
