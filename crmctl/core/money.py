"""Exact money: amounts as integer minor units (fen, cents) of a known currency; never a float.

An amount is read as a decimal string ("1234.50", "1,234.50") with no more decimal places
than its currency has (CNY/USD/EUR 2, JPY/KRW 0) and must be more than zero. Purchases,
campaign budgets and goals, tier thresholds, exports and reports all read and write money
here.

A leaf module (it imports only crmctl.errors), so that purchases, campaigns and exporting
share it without importing one another.
"""

from __future__ import annotations

import re
from decimal import Decimal

from crmctl.errors import InvalidValue
from crmctl.i18n import _

# Decimal places per currency (ISO 4217 minor unit exponents) — the currencies crmctl knows.
CURRENCY_EXPONENTS = {"CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "JPY": 0, "KRW": 0}
MAX_MINOR = 10**17  # a quadrillion CNY in fen: past any sale; 92 such still sum in 64 bits
# Digits, optionally grouped by commas in threes, then optionally a point and digits.
# No sign, no exponent ("1e3"), no spaces, no "NaN" or "Infinity".
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def check_currency(value: str | None) -> str:
    code = (value or "").strip().upper()
    if code not in CURRENCY_EXPONENTS:
        raise InvalidValue(_("unknown currency {value}; known: {known}").format(
            value=repr(value), known=", ".join(CURRENCY_EXPONENTS)))
    return code


def parse_amount(text, currency: str) -> int:
    """An amount as typed -> integer minor units of ``currency``; one clear error otherwise."""
    currency = check_currency(currency)
    places = CURRENCY_EXPONENTS[currency]
    raw = str(text if text is not None else "").strip()
    like = "1234.50" if places else "1234"
    if raw.startswith("-") and _AMOUNT.fullmatch(raw[1:]):
        raise InvalidValue(_("amount cannot be negative ({amount})").format(amount=raw))
    if not _AMOUNT.fullmatch(raw):
        raise InvalidValue(_("amount must be a number like {like}, not {amount}").format(
            like=like, amount=repr(raw)))
    amount = Decimal(raw.replace(",", ""))
    minor = amount.scaleb(places)
    if minor != minor.to_integral_value():
        raise InvalidValue(_("amount {amount} has more than {places} decimal places for "
                             "{currency}").format(amount=raw, places=places, currency=currency))
    if minor == 0:
        raise InvalidValue(_("amount must be more than 0"))
    if minor > MAX_MINOR:  # SQLite integers are 64-bit, and sums of them must fit too
        raise InvalidValue(_("amount {amount} is too large").format(amount=raw))
    return int(minor)


def parse_money(value, what: str, currency: str = "CNY") -> int | None:
    """An option's amount ("1234.5", "1,234.50") -> integer minor units; None stays None.
    Errors name the option: "--budget must be …"."""
    if value is None:
        return None
    try:
        return parse_amount(value, currency)
    except InvalidValue as exc:  # "amount must be …" -> "--budget must be …"
        raise InvalidValue(str(exc).replace("amount", what, 1)) from None


def minor_to_text(minor: int, currency: str) -> str:
    """Integer minor units -> the exact decimal, no grouping ("1234.50"): for JSON and CSV."""
    places = CURRENCY_EXPONENTS.get(currency, 2)
    return str(Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places)))


def money_text(minor: int | None, currency: str = "CNY") -> str | None:
    """``minor_to_text`` where the amount may be unknown: None stays None."""
    return None if minor is None else minor_to_text(minor, currency)


def format_money(minor: int, currency: str) -> str:
    """Integer minor units -> text for people: "123,456.70 CNY", "1,000 JPY"."""
    places = CURRENCY_EXPONENTS.get(currency, 2)
    value = Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))
    return f"{value:,} {currency}"


def major_to_minor(major: int, currency: str) -> int:
    """A whole amount in major units (a threshold like 100000) -> minor units."""
    return int(major) * 10 ** CURRENCY_EXPONENTS.get(currency, 2)
