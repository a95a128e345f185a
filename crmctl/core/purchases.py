"""Purchases: exact money, stored as integer minor units (fen, cents); never a float.

An amount is read as a decimal string ("1234.50", "1,234.50") with no more decimal places
than its currency has (CNY/USD/EUR 2, JPY/KRW 0) and must be more than zero. Recording a
purchase keeps the customer's ``first_purchase_at``, ``last_purchase_at`` (local dates,
YYYY-MM-DD) and ``purchase_count`` up to date in the same transaction, so stages, tiers and
reports need no join over purchases.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from crmctl.core import audit, clock, settings
from crmctl.core.customers import parse_id
from crmctl.core.validate import clean_text
from crmctl.errors import InvalidValue, NotFound
from crmctl.store import atomic

# Decimal places per currency (ISO 4217 minor unit exponents) — the currencies crmctl knows.
CURRENCY_EXPONENTS = {"CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "JPY": 0, "KRW": 0}
# Digits, optionally grouped by commas in threes, then optionally a point and digits.
# No sign, no exponent ("1e3"), no spaces, no "NaN" or "Infinity".
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


@dataclass
class Purchase:
    id: int
    customer_id: int
    date: str
    amount_minor: int
    currency: str
    note: str | None
    campaign_id: int | None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["amount"] = minor_to_text(self.amount_minor, self.currency)
        return data


def check_currency(value: str | None) -> str:
    code = (value or "").strip().upper()
    if code not in CURRENCY_EXPONENTS:
        raise InvalidValue(f"unknown currency {value!r}; known: {', '.join(CURRENCY_EXPONENTS)}")
    return code


MAX_MINOR = 10**17  # a quadrillion CNY in fen: past any sale; 92 such still sum in 64 bits


def parse_amount(text, currency: str) -> int:
    """An amount as typed -> integer minor units of ``currency``; one clear error otherwise."""
    currency = check_currency(currency)
    places = CURRENCY_EXPONENTS[currency]
    raw = str(text if text is not None else "").strip()
    like = "1234.50" if places else "1234"
    if raw.startswith("-") and _AMOUNT.fullmatch(raw[1:]):
        raise InvalidValue(f"amount cannot be negative ({raw})")
    if not _AMOUNT.fullmatch(raw):
        raise InvalidValue(f"amount must be a number like {like}, not {raw!r}")
    amount = Decimal(raw.replace(",", ""))
    minor = amount.scaleb(places)
    if minor != minor.to_integral_value():
        raise InvalidValue(f"amount {raw} has more than {places} decimal places for {currency}")
    if minor == 0:
        raise InvalidValue("amount must be more than 0")
    if minor > MAX_MINOR:  # SQLite integers are 64-bit, and sums of them must fit too
        raise InvalidValue(f"amount {raw} is too large")
    return int(minor)


def minor_to_text(minor: int, currency: str) -> str:
    """Integer minor units -> the exact decimal, no grouping ("1234.50"): for JSON and CSV."""
    places = CURRENCY_EXPONENTS.get(currency, 2)
    return str(Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places)))


def format_money(minor: int, currency: str) -> str:
    """Integer minor units -> text for people: "123,456.70 CNY", "1,000 JPY"."""
    places = CURRENCY_EXPONENTS.get(currency, 2)
    value = Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))
    return f"{value:,} {currency}"


def major_to_minor(major: int, currency: str) -> int:
    """A whole amount in major units (a threshold like 100000) -> minor units."""
    return int(major) * 10 ** CURRENCY_EXPONENTS.get(currency, 2)


def spend_window(today: date, months: int = 12) -> tuple[str, str]:
    """(after, until): the trailing window is purchases dated after ``after`` up to and
    including ``until`` (today) — 12 months back from 2026-11-23 starts on 2025-11-24."""
    from dateutil.relativedelta import relativedelta

    return (today - relativedelta(months=months)).isoformat(), today.isoformat()


def record(conn, customer_id, amount, *, when: date | None = None, currency: str | None = None,
           note: str | None = None, campaign_id=None) -> int:
    """Record a purchase (``amount`` as text or Decimal); return its id."""
    cid = parse_id(customer_id)
    currency = check_currency(currency or settings.get(conn, "currency"))
    minor = parse_amount(amount, currency)
    today = clock.today()
    day = when or today
    if day > today:
        raise InvalidValue(f"a purchase cannot be dated in the future ({day.isoformat()})")
    note = clean_text(note)
    if campaign_id is not None:
        from crmctl.core import campaigns

        campaign_id = campaigns.check_for_interaction(conn, campaign_id)
    with atomic(conn):
        if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                            (cid,)).fetchone():
            raise NotFound(f"no customer {cid}")
        cur = conn.execute(
            "INSERT INTO purchases (customer_id, date, amount_minor, currency, note, campaign_id)"
            " VALUES (?, ?, ?, ?, ?, ?)", (cid, day.isoformat(), minor, currency, note,
                                           campaign_id))
        conn.execute(
            "UPDATE customers SET purchase_count = purchase_count + 1, "
            "first_purchase_at = CASE WHEN first_purchase_at IS NULL OR first_purchase_at > :d "
            "  THEN :d ELSE first_purchase_at END, "
            "last_purchase_at = CASE WHEN last_purchase_at IS NULL OR last_purchase_at < :d "
            "  THEN :d ELSE last_purchase_at END WHERE id = :id", {"d": day.isoformat(), "id": cid})
        fields = ["customer_id", "date", "amount_minor", "currency"]
        audit.record(conn, "purchase", "purchase", cur.lastrowid,
                     fields + (["note"] if note else []) + (["campaign_id"] if campaign_id else []))
    return cur.lastrowid


def trailing_spend(conn, customer_id: int, today: date | None = None, months: int = 12,
                   currency: str | None = None) -> int:
    """The customer's spend in minor units over the trailing window, in one currency
    (default: the ``currency`` setting; purchases in other currencies are not converted)."""
    currency = check_currency(currency or settings.get(conn, "currency"))
    after, until = spend_window(today or clock.today(), months)
    return conn.execute(
        "SELECT coalesce(sum(amount_minor), 0) FROM purchases WHERE customer_id = ? "
        "AND currency = ? AND date > ? AND date <= ?",
        (customer_id, currency, after, until)).fetchone()[0]


def for_customer(conn, customer_id: int) -> list[Purchase]:
    """A customer's purchases, newest first."""
    rows = conn.execute(
        "SELECT id, customer_id, date, amount_minor, currency, note, campaign_id FROM purchases"
        " WHERE customer_id = ? ORDER BY date DESC, id DESC", (customer_id,)).fetchall()
    return [Purchase(*row) for row in rows]
