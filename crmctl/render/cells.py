"""One value as the text of a cell, one line of it, and its width in terminal cells."""

from __future__ import annotations

import re
from typing import Any, Sequence

from crmctl import clock
from crmctl.i18n import _

# Between two columns: rich's padding (0, 1) on each side of the boundary, with no box.
COLUMN_GAP = "  "
# A line break (also \r\n, \x85, U+2028/2029), tab or other control character: one space.
_CONTROLS = {code: " " for code in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]}


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def is_stamp(value: Any) -> bool:
    """A stored instant: UTC, ``2026-12-07T02:15:00Z`` (what JSON and CSV carry)."""
    return type(value) is str and len(value) == 20 and value[10] == "T" and value[19] == "Z"


def is_time_key(key: str) -> bool:
    """A column or field holding stored instants: ``at``, ``created_at``, ``last_contact_at``…"""
    return key == "at" or key.endswith("_at")


# Keys holding an exact amount as text ("18000.00", as JSON and CSV carry it); tables and
# cards group its digits ("18,000.00"), as format_money does everywhere else.
MONEY_KEYS = frozenset({"revenue", "budget", "goal_revenue", "cost_per_response", "amount",
                        "spend", "total", "net", "refunded", "average_order", "total_spend",
                        "spend_12m"})
_AMOUNT = re.compile(r"-?\d+(\.\d+)?")


def is_people_key(key: str) -> bool:
    """A key whose values tables and cards show otherwise than JSON: instants, amounts,
    a birthday without its year."""
    return is_time_key(key) or key in MONEY_KEYS or key == "birthday"


def month_day(value: Any) -> Any:
    """A birthday without its year as people read it: ``--03-12`` (ISO 8601, as JSON and
    CSV keep it) -> ``03-12``, in Chinese ``3月12日``; other values as they are."""
    if type(value) is str and len(value) == 7 and value.startswith("--") and value[4] == "-" \
            and value[2:4].isdigit() and value[5:].isdigit():
        return _("{month:02d}-{day:02d}").format(month=int(value[2:4]), day=int(value[5:]))
    return value


def grouped(value: Any) -> Any:
    """An exact amount's text with its thousands grouped: "18000.00" -> "18,000.00"."""
    if type(value) is str and _AMOUNT.fullmatch(value):
        from decimal import Decimal

        return f"{Decimal(value):,}"
    return value


def for_people(row: dict, keys: Sequence[str] | None = None) -> dict:
    """``row`` as people read it in tables and cards: stored instants (the time keys) in
    local time, ``YYYY-MM-DD HH:MM``; amounts (MONEY_KEYS) grouped, ``18,000.00``; a
    birthday without its year ``03-12`` (month_day). JSON and CSV keep the UTC stamps, the
    plain amounts and ``--03-12`` for scripts."""
    keys = [k for k in (row if keys is None else keys) if is_people_key(k)]
    if not keys:
        return row
    shown = {k: clock.local_minute(row[k]) for k in keys if is_stamp(row.get(k))}
    shown.update({k: grouped(row.get(k)) for k in keys if k in MONEY_KEYS and k in row})
    if "birthday" in keys and "birthday" in row:
        shown["birthday"] = month_day(row["birthday"])
    return {**row, **shown} if shown else row


def one_line(text: str) -> str:
    """``text`` on one line: each line break (CR LF counts as one), tab or other control
    character becomes one space."""
    if text.isprintable():
        return text
    return text.replace("\r\n", " ").translate(_CONTROLS)


# Text whose every character is printable ASCII (1 cell, 1 byte in UTF-8) or in these
# ranges (2 cells, 3 bytes: CJK ideographs, kana, Hangul syllables, full-width forms; each
# checked against rich.cells in tests/contracts/test_display_width.py) measures without rich:
# cells = characters + (UTF-8 bytes - characters) / 2. Anything else goes to rich.cells.
# (the pattern's text: compiled on the first non-ASCII width, not at every start-up, ~1 ms)
_SIMPLE_WIDE = ("[\x20-\x7e\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf"
                "\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff60]*")
_simple_wide = None


def _compile_simple_wide():
    global _simple_wide
    _simple_wide = re.compile(_SIMPLE_WIDE)
    return _simple_wide


def display_width(text: str) -> int:
    """Terminal cells of one line of text, as rich.cells.cell_len counts them."""
    if text.isascii():
        return len(text)
    if (_simple_wide or _compile_simple_wide()).fullmatch(text):
        return len(text) + (len(text.encode("utf-8")) - len(text)) // 2
    from rich.cells import cell_len

    return cell_len(text)


def padded(texts: list[str]) -> list[str]:
    """Each text left-aligned in the cells of the widest."""
    if "".join(texts).isascii():  # the usual column: ids, dates, words; str methods only
        pad = max(map(len, texts))
        return [text.ljust(pad) for text in texts]
    widths = list(map(display_width, texts))
    pad = max(widths)
    return [text.ljust(pad - width + len(text)) for text, width in zip(texts, widths)]
