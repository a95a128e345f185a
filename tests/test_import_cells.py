"""The import's fast paths agree with the libraries wherever they answer at all."""

from __future__ import annotations

import re
import string

import email_validator
import phonenumbers
import pytest
from conftest import examples
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from crmctl.core.importing import cells
from crmctl.core.validate import clean_text, normalize_email, normalize_phone, read_phone
from crmctl.errors import InvalidValue

SPECIAL_USE = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)
FAST = settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def library_email(value: str):
    try:
        return normalize_email(value)
    except InvalidValue:
        return "INVALID"


def library_phone(value: str, region: str = "CN"):
    try:
        return normalize_phone(value, region)
    except InvalidValue:
        return "INVALID"


# --- email ---------------------------------------------------------------------------

# The shape cells.py's docstring promises to answer: a dot-atom local part of letters,
# digits and _+-, labels of letters, digits and inner hyphens (no "--"), at least two of
# them, an alphabetic TLD that is not a special-use name, within the RFC lengths.
CERTAIN_EMAIL = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
                           r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def certain_email(value: str) -> bool:
    address = value.strip(" ")
    if not CERTAIN_EMAIL.fullmatch(address):
        return False
    local, domain = address.split("@")
    return (len(local) <= 64 and len(domain) <= 253 and len(address) <= 254
            and "--" not in domain and domain.rsplit(".", 1)[1].lower() not in SPECIAL_USE)


def check_email(value: str) -> None:
    """The fast path answers exactly for the certain shape, and then as the library does."""
    fast = cells.email(value)
    assert (fast is not None) == certain_email(value), (value, fast)
    if fast is not None:
        assert fast == library_email(value)

ATOM = st.text(alphabet=string.ascii_letters + string.digits + "_+-.%!#'", min_size=1, max_size=20)
LABEL = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=12)
TLD = st.sampled_from(["com", "cn", "de", "COM", "Cn", "org", "test", "local", "localhost",
                       "onion", "arpa", "invalid", "x", "1", "c0m", "xn--fiqs8s", "museum",
                       "co.uk", "com.cn"])


@st.composite
def real_shaped_emails(draw):
    local = draw(ATOM)
    labels = draw(st.lists(LABEL, min_size=0, max_size=3))
    domain = ".".join([*labels, draw(TLD)])
    pad = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return f"{pad}{local}@{domain}{pad}"


@FAST
@given(real_shaped_emails())
@example("Wang.Ming@Example.CN")
@example("a..b@example.com")
@example(".a@example.com")
@example("a@-example.com")
@example("a@exa--mple.com")
@example("a@xn--fiqs8s.cn")  # an IDN label: the library turns it into Unicode
@example("a@XN--FIQS8S.cn")
@example("a@" + "b" * 64 + ".com")
@example("a" * 65 + "@example.com")
@example("a@x.test")
@example("user+tag@sub.example.co.uk")
def test_fast_email_agrees_with_email_validator(value):
    check_email(value)


@FAST
@given(st.text(max_size=40))
def test_fast_email_on_arbitrary_text(value):
    check_email(value)


def test_fast_email_covers_the_common_shapes():
    for value in ("wang.ming@huawei.com", "Li.Na@163.COM", "john_smith+crm@example.co.uk",
                  "a-b@x-y.example.cn"):
        assert cells.email(value) == normalize_email(value)


def test_special_use_names_match_the_installed_library():
    assert cells.SPECIAL_USE == frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)


# --- phone ---------------------------------------------------------------------------

# The way of writing cells.py's docstring promises to answer for: 11 digits starting with
# 1, optionally after +86 or 86, with single spaces or dashes between digits.
SIMPLY_WRITTEN = re.compile(r"(?:\+?86[ -]?)?1[0-9](?:[ -]?[0-9]){9}")


def check_phone(value: str) -> None:
    """The fast path answers as the library does; it abstains only for another way of
    writing, or for a number the library refuses or does not call a mobile."""
    fast = cells.phone(value)
    if fast is not None:
        assert fast == library_phone(value)
    elif SIMPLY_WRITTEN.fullmatch(value.strip(" ")):
        assert library_phone(value) == "INVALID" or not is_mobile(value), value


def is_mobile(value: str) -> bool:
    number = phonenumbers.parse(value, "CN")
    return phonenumbers.number_type(number) in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

@st.composite
def real_shaped_phones(draw):
    first = draw(st.sampled_from("0123456789"))
    second = draw(st.sampled_from("0123456789"))
    digits = "1" + first + second + "".join(draw(st.lists(
        st.sampled_from("0123456789"), min_size=7, max_size=10)))
    prefix = draw(st.sampled_from(["", "+86", "86", "+86 ", "86-", "0086", "+86-", "+ 86",
                                   "(+86)", "+1", "0"]))
    sep = draw(st.sampled_from(["", " ", "-", "  ", ".", "--"]))
    groups = [digits[:3], digits[3:7], digits[7:]]
    pad = draw(st.sampled_from(["", " ", "\u3000"]))
    return pad + prefix + sep.join(g for g in groups if g) + pad


@FAST
@given(real_shaped_phones())
@example("13800138000")
@example("+86 138-0013-8000")
@example("8613800138000")
@example("14012345678")  # not a mobile range: the library says invalid, fast path abstains
@example("16101234567")
@example("17405012345")
def test_fast_phone_agrees_with_phonenumbers(value):
    check_phone(value)


@FAST
@given(st.text(alphabet="0123456789+- ()86", max_size=22))
def test_fast_phone_on_digit_soup(value):
    check_phone(value)


@FAST
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_number_the_fast_path_takes_is_valid(digits):
    fast = cells.phone(digits)
    library = library_phone(digits)
    if fast is None:
        assert library == "INVALID"  # it only abstains where the library refuses
    else:
        assert fast == library


@FAST
@given(st.from_regex(r" ?(?:\+?86[ -]?)?1[3-9](?:[ -]?[0-9]){9} ?", fullmatch=True))
@example("13800138000")
@example("8613800138000")
@example("+86 138 0013 8000")
@example(" 13800138000")
def test_fast_phone_says_as_the_library_whether_it_read_the_number_in_cn(value):
    """cells.without_country_code agrees with validate.read_phone's second answer wherever
    the fast path answers (the import's "numbers read as CN" count)."""
    fast = cells.phone(value)
    if fast is not None:
        assert (fast, cells.without_country_code(value)) == read_phone(value, "CN")


def test_fast_phone_only_for_region_cn():
    assert cells.phone("13800138000", "US") is None
    assert cells.phone("+86 138 0013 8000") == "+8613800138000"


# --- clean ---------------------------------------------------------------------------

@FAST
@given(st.text(max_size=30))
@example("王明")
@example(" 王明 ")
@example("Anna  Schmidt")
@example("e\u0301")  # not NFC
@example("a\u3000b")
def test_fast_clean_agrees_with_clean_text(value):
    assume(value)
    assert cells.clean(value) == clean_text(value)


@pytest.mark.parametrize("raw,expected", [
    ("1985-03-12", "1985-03-12"), ("1985/3/2", "1985-03-02"), ("1985年3月2日", "1985-03-02"),
    ("5/14/1978", "1978-05-14"), ("--05-01", "--05-01"), ("0/0/00", None), ("12-24", "--12-24"),
])
def test_birthday_shapes(raw, expected):
    assert cells.birthday(raw) == expected


def test_birthday_nonsense_is_refused():
    with pytest.raises(InvalidValue):
        cells.birthday("next tuesday")
