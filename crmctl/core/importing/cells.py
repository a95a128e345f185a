"""One cell's value, decided fast where its shape makes the answer certain.

``email-validator`` and ``phonenumbers`` cost about 20 µs a value each; a million-row import
would spend most of its time in them. The functions here recognise only shapes whose answer
is certain and return exactly what crmctl.core.validate would (tests/test_import_cells.py
checks this with hypothesis on generated and real-shaped inputs); for anything else
``email`` and ``phone`` return None and the library decides.

- email: a plain ASCII dot-atom local part, an ASCII domain of letter/digit/hyphen labels
  (no ``xn--`` or other ``--``), at least two labels, an alphabetic TLD that is not a
  special-use name, within the RFC lengths → the same address with the domain lower-cased.
- phone: with default region CN, an 11-digit number matching the mobile pattern taken from
  phonenumbers' own CN metadata, optionally written with +86 / 86 and spaces or dashes →
  +86 followed by the 11 digits. Only for the region CN: any other region (the default
  one, or the row's country) goes to the library.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from crmctl.core.customers import normalize_birthday
from crmctl.core.importing import mapping
from crmctl.core.validate import clean_text, normalize_tag
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


def without_country_code(value: str) -> bool:
    """For a value phone() took: it was written without +86/86, so read in the region CN
    (validate.read_phone's second answer)."""
    return value.lstrip(" ")[:1] == "1"


def clean(value: str) -> str | None:
    """validate.clean_text, without its regex and NFC pass for text that needs neither."""
    if (value.isprintable() and value[:1] != " " and value[-1:] != " " and "  " not in value
            and (value.isascii() or unicodedata.is_normalized("NFC", value))):
        return value or None
    return clean_text(value)


_BIRTHDAY_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_BIRTHDAY_MDY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")  # Outlook (US) writes M/D/YYYY
_NO_BIRTHDAY = {"0/0/00", "0/0/0000", "00/00/0000", "0000-00-00"}


LUNAR_PREFIXES = ("农历", "阴历")


def birthday(value: str) -> str | None:
    """A birthday in the shapes contact files use, normalized as `add` does (a lunar one,
    农历八月十五, is the row validator's: rows.py keeps it as birthday_lunar)."""
    if value in _NO_BIRTHDAY:
        return None
    if value.startswith(LUNAR_PREFIXES):
        raise InvalidValue(f"invalid birthday {value!r}: a lunar birthday")
    m = _BIRTHDAY_YMD.fullmatch(value)
    if m:
        value = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    else:
        m = _BIRTHDAY_MDY.fullmatch(value)
        if m:
            value = f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    return normalize_birthday(value)


@lru_cache(maxsize=1024)
def tier_of(cell: str) -> str | None:
    return mapping.tier_word(cell)


@lru_cache(maxsize=4096)
def tags_of(cell: str) -> tuple[str, ...]:
    """The tags in one cell (tag cells repeat a lot: parsed once each)."""
    return tuple(normalize_tag(t) for t in mapping.split_tags(mapping.unprefix(cell)))
