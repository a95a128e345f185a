"""Spreadsheet safety (OWASP CSV injection): the one rule, its inverse and its SQL form.

Every csv crmctl writes (``export``, ``campaign export``, the rejects of ``import``, and
every listing under ``--format csv`` via crmctl.render) passes its text cells through
``neutralize``: a cell that starts with ``= + - @``, tab or carriage return gets a leading
``'`` so that no spreadsheet runs it as a formula. E.164 phones start with ``+``, so they
too, except in the phone column of ``campaign export`` (``neutralize_phone``: a bare E.164
number is no formula), and in the phone column of ``export --marketing`` (the same list for
the same gateways: ``neutralize_phone_sql``). An xlsx cell written as a string is never a formula, so xlsx
exports are not quoted. ``restore`` is the exact inverse, which ``import`` applies.

A leaf module (it imports nothing of crmctl) so that render, core and store may all use it.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_AFTER_QUOTE = FORMULA_START + ("'",)
# Sets of first characters: one look-up rules out almost every cell of a long listing.
_TRIGGERS = frozenset(FORMULA_START)
_QUOTED = frozenset(_AFTER_QUOTE)
# An E.164 number: + and 2 to 15 digits. No spreadsheet runs it as a formula (it is a
# number to them), so a phone column of them goes out bare for diallers and SMS gateways.
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def neutralize(cell):
    """A leading ' when a text cell starts with = + - @ tab or CR; anything else unchanged.

    A cell that itself starts with ' followed by one of those (or by another ') gets one
    too, so that ``restore`` gives every value back exactly: '=x is written ''=x.
    """
    if not isinstance(cell, str) or cell[:1] not in _QUOTED:
        return cell
    if cell[0] in _TRIGGERS or cell[1:2] in _QUOTED:
        return "'" + cell
    return cell


def neutralize_phone(cell):
    """``neutralize`` for a phone column: an E.164 number stays bare, anything else is
    neutralized as every cell is."""
    if isinstance(cell, str) and _E164.fullmatch(cell):
        return cell
    return neutralize(cell)


def restore(cell):
    """The inverse of ``neutralize``, for import: drop a leading ' iff the next character is
    one of = + - @ tab CR or '. ``restore(neutralize(x)) == x`` for every string."""
    if isinstance(cell, str) and cell.startswith("'") and cell[1:2] != "" \
            and cell[1] in _AFTER_QUOTE:
        return cell[1:]
    return cell


def neutralize_sql(expr: str) -> str:
    """``neutralize`` as an SQL expression over ``expr`` (same rule, run in SQLite)."""
    starts = ", ".join(f"char({ord(c)})" for c in FORMULA_START)
    quote = "''''"  # one ' as an SQL literal
    return (f"CASE WHEN substr({expr}, 1, 1) IN ({starts}) OR (substr({expr}, 1, 1) = {quote}"
            f" AND substr({expr}, 2, 1) IN ({starts}, {quote})) THEN {quote} || {expr} "
            f"ELSE {expr} END")


def neutralize_phone_sql(expr: str) -> str:
    """``neutralize_phone`` as an SQL expression: a bare E.164 number (+, a digit 1-9, 1 to
    14 more digits) stays as it is, anything else is ``neutralize_sql``'s."""
    return (f"CASE WHEN {expr} GLOB '+[1-9][0-9]*' AND length({expr}) BETWEEN 3 AND 16 "
            f"AND substr({expr}, 2) NOT GLOB '*[^0-9]*' THEN {expr} "
            f"ELSE {neutralize_sql(expr)} END")
