"""Naming a customer the way a person does (issue 16.7): ``12``, ``#12``, or a name, or a
unique prefix of a name, company or phone.

- Digits alone are always an id (a customer named "12" is reached by ``#``-less id only,
  or by another prefix); ``#12`` is the id crmctl prints.
- Anything else is looked up among live customers (a forgotten one has no name to match):
  a prefix of the name, the company or the phone, without regard to case. A phone may be
  typed with ``+``, the country code or separators (``+86 138``, ``138-0013``); a bare
  number would be an id. An exact name wins over longer names that start with it.
- Several matches are never guessed: one line lists them (id, name, company, phone).

Candidates come from the search index (``search.match_clause``: a prefix of a field is a
substring of it), so a lookup costs a search, not a scan of every customer.
"""

from __future__ import annotations

import re

from crmctl.core.rules import PHONE_LIKE_ID_DIGITS
from crmctl.core.validate import parse_customer_id
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _

_ID = re.compile(r"\s*-?\d+\s*")
_HASH_ID = re.compile(r"\s*#\s*(\S*)\s*")
_PHONE = re.compile(r"\+?[\d\s().\-]+")
DEFAULT_COUNTRY_CODE = "86"


def resolve(conn, ref) -> int:
    """The id a reference names (see the module docstring). Ids are returned as given: the
    caller checks that the customer exists, as it did for a number."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return parse_customer_id(ref)
    text = "" if ref is None else str(ref)
    if _ID.fullmatch(text):
        return parse_customer_id(text)
    hashed = _HASH_ID.fullmatch(text)
    if hashed:
        return parse_customer_id(hashed.group(1))
    words = text.strip()
    if not words:
        raise InvalidValue(_("customer id must be a number or a name, not ''"))
    return _unique(words, _candidates(conn, words))


def no_customer(cid) -> NotFound:
    """"no customer 12"; an id as long as a phone number (13800138000) adds how to name a
    customer by phone (a bare number is always an id): ``+86 138 0013 8000`` or ``138-0013``."""
    message = _("no customer {id}").format(id=cid)
    digits = str(cid).lstrip("-")
    if len(digits) >= PHONE_LIKE_ID_DIGITS and digits.isdigit():
        spaced = " ".join(p for p in (digits[:3], digits[3:7], digits[7:]) if p)
        message += _("; to name a customer by phone type +{cc} {spaced} or {dashed}").format(
            cc=DEFAULT_COUNTRY_CODE, spaced=spaced, dashed=f"{digits[:3]}-{digits[3:7]}")
    return NotFound(message)


def _candidates(conn, words: str) -> list[tuple]:
    """Live customers whose name, company or phone starts with ``words``, by id."""
    from crmctl.core import search  # (the pinyin keys) only when a name is looked up

    digits = re.sub(r"\D", "", words)
    is_phone = bool(_PHONE.fullmatch(words)) and len(digits) >= 3
    where, params = search.match_clause(digits if is_phone else words)
    rows = conn.execute(
        f"SELECT id, name, company, phone FROM customers WHERE forgotten_at IS NULL "
        f"AND {where} ORDER BY id", params).fetchall()
    if is_phone:
        starts = ("+" + digits,) if words.lstrip().startswith("+") else \
            ("+" + DEFAULT_COUNTRY_CODE + digits, "+" + digits)
        return [r for r in rows if r[3] and r[3].startswith(starts)]
    key = search.fold(words)
    return [r for r in rows
            if any(v and search.fold(v).startswith(key) for v in (r[1], r[2], r[3]))]


def _unique(words: str, rows: list[tuple]) -> int:
    if not rows:
        raise NotFound(_("no customer matches {words}").format(words=repr(words)))
    if len(rows) > 1:
        from crmctl.core import search

        exact = [r for r in rows if r[1] and search.fold(r[1]) == search.fold(words)]
        if len(exact) == 1:
            return exact[0][0]
        raise InvalidValue(ambiguity(words, rows))
    return rows[0][0]


def ambiguity(words: str, rows: list[tuple], shown: int = 5) -> str:
    """One line: the first ``shown`` candidates (id, name, company, phone), then how many
    more."""
    listed = "; ".join(
        " ".join([f"#{r[0]}", r[1] or "", *(v for v in (r[2], r[3]) if v)]).rstrip()
        for r in rows[:shown])
    more = _("; …and {count} more").format(count=len(rows) - shown) \
        if len(rows) > shown else ""
    return _("{words} matches {count} customers: {listed}{more} (give the id, e.g. #{id})"
             ).format(words=repr(words), count=len(rows), listed=listed, more=more,
                      id=rows[0][0])
