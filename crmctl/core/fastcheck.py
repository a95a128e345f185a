"""Fast paths for the email and phone shapes that make up nearly every real contact file.

``email-validator`` and ``phonenumbers`` cost about 20 µs a value each; a million-row import
would spend most of its time in them. The functions here recognise only shapes whose answer
is certain and return exactly what crmctl.core.validate would (tests/test_fastcheck.py checks
this with hypothesis on generated and real-shaped inputs); for anything else they return
None and the library decides.

- email: a plain ASCII dot-atom local part, an ASCII domain of letter/digit/hyphen labels
  (no ``xn--`` or other ``--``), at least two labels, an alphabetic TLD that is not a
  special-use name, within the RFC lengths → the same address with the domain lower-cased.
- phone: with default region CN, an 11-digit number matching the mobile pattern taken from
  phonenumbers' own CN metadata, optionally written with +86 / 86 and spaces or dashes →
  +86 followed by the 11 digits.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from crmctl.core import mapping
from crmctl.core.validate import (clean_text, normalize_email, normalize_name,
                                  normalize_phone)
from crmctl.errors import InvalidValue

_LOCAL = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_SHAPE = re.compile(rf"({_LOCAL})@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})")
# email_validator.SPECIAL_USE_DOMAIN_NAMES (checked against the installed library in tests)
SPECIAL_USE = frozenset(("arpa", "invalid", "local", "localhost", "onion", "test"))

_PHONE_SHAPE = re.compile(r"(?:\+?86[ -]?)?(1[0-9](?:[ -]?[0-9]){9})")


def email(value: str) -> str | None:
    """The normalized address when the shape is certain, else None (ask the library)."""
    m = EMAIL_SHAPE.fullmatch(value.strip(" "))
    return None if m is None else email_of(m)


def email_of(match: re.Match) -> str | None:
    """email() for a match of EMAIL_SHAPE: the address, or None where the shape alone is
    not enough (lengths, IDN ``--`` labels, special-use names)."""
    local, domain = match.groups()
    if len(local) > 64 or len(domain) > 253 or len(local) + len(domain) + 1 > 254:
        return None
    domain = domain.lower()
    if "--" in domain:
        return None
    labels = domain.split(".")
    if labels[-1] in SPECIAL_USE:
        return None
    return f"{local}@{domain}"


@lru_cache(maxsize=1)
def cn_mobile() -> re.Pattern:
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    return re.compile(f"(?:{metadata.mobile.national_number_pattern})")


def phone(value: str, region: str = "CN") -> str | None:
    """+86… for a Chinese mobile number written in a common way, else None."""
    if region != "CN":
        return None
    m = _PHONE_SHAPE.fullmatch(value.strip(" "))
    if m is None:
        return None
    digits = m.group(1).replace(" ", "").replace("-", "")
    if not cn_mobile().fullmatch(digits):
        return None
    return "+86" + digits


def clean(value: str) -> str | None:
    """validate.clean_text, without its regex and NFC pass for text that needs neither."""
    if (value.isprintable() and value[:1] != " " and value[-1:] != " " and "  " not in value
            and (value.isascii() or unicodedata.is_normalized("NFC", value))):
        return value or None
    return clean_text(value)


_BIRTHDAY_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_BIRTHDAY_MDY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")  # Outlook (US) writes M/D/YYYY
_NO_BIRTHDAY = {"0/0/00", "0/0/0000", "00/00/0000", "0000-00-00"}


def birthday(value: str) -> str | None:
    """A birthday in the shapes contact files use, normalized as `add` does."""
    from crmctl.core.customers import normalize_birthday

    if value in _NO_BIRTHDAY:
        return None
    m = _BIRTHDAY_YMD.fullmatch(value)
    if m:
        value = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    else:
        m = _BIRTHDAY_MDY.fullmatch(value)
        if m:
            value = f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    return normalize_birthday(value)


class RowValidator:
    """Turns a row of cells into a validated customer: (values in mapping.COLUMNS order, tags).

    Raises InvalidValue with the reason when the row cannot be imported. Runs in the import's
    worker processes, so it holds only the plan and the default region.
    """

    def __init__(self, plan, region: str = "CN", replaced: bool = False):
        self.by = plan.by_target
        self.region = region
        self.replaced = replaced  # the file was decoded with replacement characters
        self.width = len(plan.headers)
        self.text_fields = [(mapping.COLUMNS.index(f), self.by[f]) for f in
                            ("company", "title", "wechat", "industry", "region", "company_size",
                             "source", "note") if f in self.by]
        self.used = sorted({i for idx in self.by.values() for i in idx})

    def _first(self, cells, target):
        return self._first_of(cells, self.by.get(target, ()))

    @staticmethod
    def _first_of(cells, indexes):
        """The first cell among ``indexes`` that is not empty once cleaned (export's
        spreadsheet-safety quote removed), or None."""
        for i in indexes:
            value = cells[i]
            if value:
                if value[0] == "'":
                    value = mapping.unprefix(value)
                value = clean(value)
                if value:
                    return value
        return None

    def __call__(self, cells: list[str]) -> tuple[list, list[str]]:
        if len(cells) != self.width:
            cells = self._fit(cells)
        for i in self.used:
            if "\x00" in cells[i] or (self.replaced and "\ufffd" in cells[i]):
                raise InvalidValue("the row holds bytes that are not text in the file's encoding")
        values: list = [None] * len(mapping.COLUMNS)
        name = self._first(cells, "name")
        if name is None:
            name = clean(mapping.compose_name(*(self._first(cells, t) or ""
                                                for t in ("given", "middle", "family"))))
        values[0] = normalize_name(name) if name is None or len(name) > 200 else name
        for pos, idx in self.text_fields:
            values[pos] = self._first_of(cells, idx)
        raw = self._first(cells, "email")
        if raw is not None:
            raw = mapping.first_value(raw)
            values[3] = email(raw) or normalize_email(raw)
        raw = self._first(cells, "phone")
        if raw is not None:
            raw = mapping.first_value(raw)
            values[4] = phone(raw, self.region) or normalize_phone(raw, self.region)
        values[11] = self._birthday(cells)
        raw = self._first(cells, "tier")
        if raw is not None:
            values[12] = tier_of(raw)
            if values[12] is None:
                raise InvalidValue(f"unknown tier {raw!r} (use diamond/gold/silver/regular, "
                                   "钻石/金牌/银牌/普通 or A/B/C/D)")
        return values, self._tags(cells)

    def _fit(self, cells: list[str]) -> list[str]:
        if len(cells) < self.width:
            return cells + [""] * (self.width - len(cells))
        if any(c.strip() for c in cells[self.width:]):
            raise InvalidValue(f"the row has {len(cells)} cells but the header has {self.width}")
        return cells[:self.width]

    def _birthday(self, cells) -> str | None:
        raw = self._first(cells, "birthday")
        if raw is not None:
            return birthday(raw)
        month, day = self._first(cells, "birth_month"), self._first(cells, "birth_day")
        if month and day:
            year = self._first(cells, "birth_year")
            return birthday(f"{year}-{month}-{day}" if year else f"{month}-{day}")
        return None

    def _tags(self, cells) -> list[str]:
        out: list[str] = []
        for i in self.by.get("tags", ()):
            value = cells[i]
            if value:
                out.extend(tags_of(value))
        return out


@lru_cache(maxsize=1024)
def tier_of(cell: str) -> str | None:
    return mapping.tier_word(cell)


@lru_cache(maxsize=4096)
def tags_of(cell: str) -> tuple[str, ...]:
    """The tags in one cell (tag cells repeat a lot: parsed once each)."""
    from crmctl.core.tags import normalize_tag

    return tuple(normalize_tag(t) for t in mapping.split_tags(mapping.unprefix(cell)))
