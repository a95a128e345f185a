"""Table headers and enumerated words in the interface language (crmctl.i18n).

English runs return what they are given, untouched and at no cost; with a Chinese interface
a header is looked up in context ``column`` and a word in a cell of a known enumerated
column (tier, stage, channel, reason…) in the context of its kind. JSON and CSV never come
here: their keys and values stay English for scripts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Sequence

from crmctl.i18n import is_english, pgettext

# The columns whose cells hold an enumerated English word, and the word's kind (context).
WORD_KINDS = {"tier": "tier", "old_tier": "tier", "new_tier": "tier", "proposed": "tier",
              "stage": "stage", "channel": "channel", "direction": "direction",
              "reason": "reason", "complaint_category": "category", "status": "status",
              "segment": "segment", "kind": "kind", "category": "category",
              "source": "source", "check": "check", "rule": "rule"}


def headers(names: Sequence[str]) -> list[str]:
    """Column headers for people: the names themselves in English (a header given as the
    card's words, "last contact at", is looked up as its column, last_contact_at)."""
    if is_english():
        return list(names)
    return [_header(name) for name in names]


def _header(name: str) -> str:
    column = name.replace(" ", "_")
    word = pgettext("column", column) if column != name else column
    return pgettext("column", name) if word == column else word


def rows(records: Iterable[dict], columns: Sequence[str]) -> Iterable[dict]:
    """Rows whose enumerated words (and yes/no) are in the interface language (a copy;
    English: as is)."""
    if is_english():
        return records
    kinds = {c: WORD_KINDS[c] for c in columns if c in WORD_KINDS}
    return ({**row, **{c: _word(kind, row.get(c)) for c, kind in kinds.items()},
             **{c: _yes_no(v) for c, v in row.items() if isinstance(v, bool)}}
            for row in records)


def _yes_no(value: bool) -> str:
    return pgettext("boolean", "yes") if value else pgettext("boolean", "no")


def cells(names: Sequence[str], body: Sequence[Sequence[str]]) -> Sequence[Sequence[str]]:
    """``rows`` for a body of text cells under ``names`` (e.g. made by SQL)."""
    at = {i: WORD_KINDS[n] for i, n in enumerate(names) if n in WORD_KINDS}
    if is_english() or not at:
        return body
    word = lru_cache(maxsize=None)(_word)  # a few words, 24,000 rows: each looked up once
    return [[word(at[i], text) if i in at else text for i, text in enumerate(row)]
            for row in body]


def card(pairs: Sequence[tuple[str, object]]) -> Sequence[tuple[str, object]]:
    """A card's label/value pairs for people: each label as its column's header, and the
    value of an enumerated field (tier, stage…) as its word (English: as is)."""
    if is_english():
        return pairs
    return [(_header(label), _yes_no(value) if isinstance(value, bool) else
             _word(WORD_KINDS[key], value) if key in WORD_KINDS else value)
            for label, value in pairs for key in (label.replace(" ", "_"),)]


def field_value(field: str, value):
    """One field's value for people: an enumerated field's word (tier gold: 金牌) in the
    interface language; anything else as is."""
    if is_english() or field not in WORD_KINDS:
        return value
    return _word(WORD_KINDS[field], value)


def _word(kind: str, value):
    return pgettext(kind, value) if isinstance(value, str) and value else value
