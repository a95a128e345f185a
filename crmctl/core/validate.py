"""Normalizing the values a person types or a file carries: email, phone, name.

Emails through email-validator (no DNS look-ups: crmctl works offline), phones through
phonenumbers to E.164 with the default region from settings (``CN`` out of the box).
"""

from __future__ import annotations

import re
import unicodedata

from crmctl import clock
from crmctl.core.words import TIERS, noun
from crmctl.errors import InvalidValue
from crmctl.i18n import _

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
        raise InvalidValue(_("{what} id must be a number, not {value}").format(
            what=noun(what), value=repr(value))) from None
    if number <= 0:
        raise InvalidValue(_("{what} id must be a positive number, not {value}").format(
            what=noun(what), value=repr(value)))
    if number > SQL_INT_MAX:
        raise InvalidValue(_("{what} id {value} is too large to be an id").format(
            what=noun(what), value=value))
    return number


def check_not_voided(what: str, ident: int, voided_at: str | None, doing: str) -> None:
    """The one-line refusal to void a voided record again, or to ``doing`` (edit, refund…)
    one: a voided record is kept as it was (interactions and purchases alike)."""
    if voided_at is None:
        return
    day = clock.local_date_of(voided_at).isoformat()
    if doing == "void":
        raise InvalidValue(_("{what} {id} is already voided (on {day})").format(
            what=noun(what), id=ident, day=day))
    raise InvalidValue(_("{what} {id} is voided (on {day}) and cannot be {doing}").format(
        what=noun(what), id=ident, day=day, doing=noun(doing)))


def parse_customer_id(value) -> int:
    return parse_positive_id(value, "customer")


def sql_limit(limit: int | None) -> str:
    """' LIMIT n' (empty for None); a limit past SQLite's integers is no limit at all."""
    if limit is None:
        return ""
    if limit < 0:
        raise InvalidValue(_("--limit must be 0 or more"))
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
        raise InvalidValue(_("text is not valid UTF-8 (is the terminal set to another "
                             "encoding?)")) from None


# (the pattern's text: re compiles it on first use, not at every start-up: ~1.5 ms)
_CJK_GAP = r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s+(?=[\u3400-\u9fff\uf900-\ufaff])"


def squeeze_cjk(name: str) -> str:
    """徐  清 → 徐清 (spaces between Chinese characters go; Anna Schmidt keeps its one): the
    one rule for a name, whether typed (add, edit) or imported."""
    return re.sub(_CJK_GAP, "", name) if " " in name and re.search(_CJK_GAP, name) else name


def normalize_name(value: str | None) -> str:
    name = clean_text(value)
    name = squeeze_cjk(name) if name else name
    if not name:
        raise InvalidValue(_("a customer needs a name"))
    if len(name) > 200:
        raise InvalidValue(_("name is longer than 200 characters"))
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
        raise InvalidValue(_("invalid email {value}: {reason}").format(
            value=repr(value), reason=exc)) from None


FOREIGN_HINT = "is it foreign? use --region"


def check_region(value: str) -> str:
    """An ISO 3166 alpha-2 code phonenumbers knows (cn → CN), for reading phone numbers."""
    import phonenumbers

    region = (value or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        shown = value if len(value) <= 12 else value[:12] + "…"
        raise InvalidValue(_("unknown phone region {region} (use a code like CN, US, DE)").format(
            region=repr(shown)))
    return region


def normalize_phone(value: str | None, region: str = "CN", hint: str = FOREIGN_HINT) -> str | None:
    """The number in E.164 (+8613800138000), or None when empty."""
    read = read_phone(value, region, hint)
    return None if read is None else read[0]


def read_phone(value: str | None, region: str = "CN",
               hint: str = FOREIGN_HINT) -> tuple[str, bool] | None:
    """(E.164, whether it was read under ``region``), or None when empty.

    A number with its own country code (+49…, 0049… or 00… in any region, 8613…) keeps it;
    only a number without one is read under ``region``, and one invalid there is refused
    with the region named and ``hint``, never turned into another country's number.
    """
    value = clean_text(value)
    if value is None:
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region, keep_raw_input=True)
        if number.country_code_source == _FROM_REGION and _idd_00(value):
            # 00 is the international prefix nearly everywhere, even where the region's own
            # is another (011 in the US): never read 0049… as a national number.
            number = phonenumbers.parse("+" + _idd_00(value), region, keep_raw_input=True)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(_("invalid phone {value}: {reason}").format(
            value=repr(value), reason=_phone_reason(exc))) from None
    in_region = number.country_code_source == _FROM_REGION
    if not phonenumbers.is_valid_number(number):
        if number.country_code_source in (_FROM_REGION, _WITHOUT_PLUS):
            raise InvalidValue(_("invalid phone {value}: not a valid {region} number; {hint}"
                                 ).format(value=repr(value), region=region, hint=_(hint)))
        raise InvalidValue(_("invalid phone {value}: not a valid number for +{code}").format(
            value=repr(value), code=number.country_code))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), in_region


# phonenumbers.CountryCodeSource: read in the region; or its own country code without a +
# (8613800138000 in CN, 13800138000 in US: 1 is the US code)
_FROM_REGION, _WITHOUT_PLUS = 20, 10
_IDD_00 = re.compile(r"[\s(]*[0０]\s*[0０]\s*(.+)")


def _idd_00(value: str) -> str | None:
    """What follows a leading 00 (the digits after the international prefix), or None."""
    m = _IDD_00.fullmatch(value)
    return m.group(1) if m else None


def _phone_reason(exc) -> str:
    text = str(exc)
    return text.split(") ", 1)[-1] if text.startswith("(") else text


def check_tier(tier: str) -> str:
    """diamond/gold/silver/regular for any tier word (金牌, 金牌客户, B…; core/words.py)."""
    return TIERS.check(tier)


def normalize_tag(value: str) -> str:
    tag = clean_text(value)
    if not tag:
        raise InvalidValue(_("a tag cannot be empty"))
    if ";" in tag or "," in tag:
        raise InvalidValue(_("a tag cannot contain ';' or ',': {tag}").format(tag=repr(tag)))
    if len(tag) > 64:
        raise InvalidValue(_("a tag is at most 64 characters"))
    return tag
