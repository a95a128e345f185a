"""Normalizing the values a person types or a file carries: email, phone, name.

Emails through email-validator (no DNS look-ups: crmctl works offline), phones through
phonenumbers to E.164 with the default region from settings (``CN`` out of the box).
"""

from __future__ import annotations

import re
import unicodedata

from crmctl.core.words import TIERS
from crmctl.errors import InvalidValue

_SPACES = re.compile(r"\s+")
# Within one line of a multi-line text: runs of white space other than a line break.
_LINE_SPACES = re.compile(r"[^\S\n]+")
_LINE_ENDS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Fields that keep their line breaks (a note, an interaction's summary and outcome); names,
# companies and every other field stay on one line.
MULTILINE_FIELDS = frozenset({"note", "summary", "outcome"})


SQL_INT_MAX = 2**63 - 1  # SQLite's largest INTEGER; a bigger Python int cannot be bound


def parse_positive_id(value, what: str) -> int:
    """An id typed by a person: a positive number, and one SQLite can hold (a longer one
    names nothing that exists)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidValue(f"{what} id must be a number, not {value!r}") from None
    if number <= 0:
        raise InvalidValue(f"{what} id must be a positive number, not {value!r}")
    if number > SQL_INT_MAX:
        raise InvalidValue(f"{what} id {value} is too large to be an id")
    return number


def parse_customer_id(value) -> int:
    return parse_positive_id(value, "customer")


def sql_limit(limit: int | None) -> str:
    """' LIMIT n' (empty for None); a limit past SQLite's integers is no limit at all."""
    if limit is None:
        return ""
    if limit < 0:
        raise InvalidValue("--limit must be 0 or more")
    return f" LIMIT {min(int(limit), SQL_INT_MAX)}"


def clean_text(value: str | None) -> str | None:
    """NFC, trimmed, inner runs of white space folded; empty becomes None."""
    if value is None:
        return None
    _check_utf8(value)
    value = _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
    return value or None


def clean_multiline(value: str | None) -> str | None:
    """``clean_text`` for a text of several lines (a note, a summary): the line breaks stay.

    Every line break (CR LF, CR, U+2028…) becomes LF; within a line, runs of white space
    fold to one space and the line is trimmed; blank lines at either end go; empty is None.
    """
    if value is None:
        return None
    _check_utf8(value)
    value = _LINE_ENDS.sub("\n", unicodedata.normalize("NFC", value))
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    return "\n".join(lines).strip("\n") or None


def clean_field(field: str, value: str | None) -> str | None:
    """The cleaning a field's text gets: multi-line for MULTILINE_FIELDS, else one line."""
    return clean_multiline(value) if field in MULTILINE_FIELDS else clean_text(value)


def _check_utf8(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that were not UTF-8 on the command line arrive as lone surrogates.
        raise InvalidValue("text is not valid UTF-8 (is the terminal set to another "
                           "encoding?)") from None


def normalize_name(value: str | None) -> str:
    name = clean_text(value)
    if not name:
        raise InvalidValue("a customer needs a name")
    if len(name) > 200:
        raise InvalidValue("name is longer than 200 characters")
    return name


def normalize_email(value: str | None) -> str | None:
    """The normalized address (domain lower-cased, IDN as Unicode), or None when empty."""
    value = clean_text(value)
    if value is None:
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValue(f"invalid email {value!r}: {exc}") from None


def normalize_phone(value: str | None, region: str = "CN") -> str | None:
    """The number in E.164 (+8613800138000), or None when empty."""
    value = clean_text(value)
    if value is None:
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"invalid phone {value!r}: {_phone_reason(exc)}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(f"invalid phone {value!r}: not a valid number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_reason(exc) -> str:
    text = str(exc)
    return text.split(") ", 1)[-1] if text.startswith("(") else text


def check_tier(tier: str) -> str:
    """diamond/gold/silver/regular for any tier word (金牌, 金牌客户, B…; core/words.py)."""
    return TIERS.check(tier)


def normalize_tag(value: str) -> str:
    tag = clean_text(value)
    if not tag:
        raise InvalidValue("a tag cannot be empty")
    if ";" in tag or "," in tag:
        raise InvalidValue(f"a tag cannot contain ';' or ',': {tag!r}")
    if len(tag) > 64:
        raise InvalidValue("a tag is at most 64 characters")
    return tag
