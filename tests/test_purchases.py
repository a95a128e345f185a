"""Purchases: exact amounts in minor units, the customer's purchase columns, the trailing
window, and every bad input refused with one line and nothing changed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crmctl.core import audit, customers, money, purchases
from crmctl.errors import InvalidValue, NotFound

NOW = "2026-11-23T10:00:00+08:00"  # 02:00Z: the same calendar day in UTC and Shanghai
TABLES = ("customers", "purchases", "audit_log")


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", NOW)


def counts(conn) -> dict:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def columns(conn, cid):
    return conn.execute("SELECT first_purchase_at, last_purchase_at, purchase_count "
                        "FROM customers WHERE id = ?", (cid,)).fetchone()


@pytest.mark.parametrize("text, currency, minor", [
    ("12.30", "CNY", 1230), ("1,234.50", "CNY", 123450), ("100", "CNY", 10000),
    ("0.01", "CNY", 1), ("  88.8 ", "USD", 8880), ("1000", "JPY", 1000), ("500", "KRW", 500),
    ("12345678901234.56", "CNY", 1234567890123456), ("0.10", "EUR", 10),
])
def test_amounts_are_exact_minor_units(text, currency, minor):
    got = money.parse_amount(text, currency)
    assert got == minor and type(got) is int


@pytest.mark.parametrize("text, message", [
    ("12.345", "amount 12.345 has more than 2 decimal places for CNY"),
    ("-5", "amount cannot be negative (-5)"),
    ("abc", "amount must be a number like 1234.50, not 'abc'"),
    ("1e3", "amount must be a number like 1234.50, not '1e3'"),
    ("NaN", "amount must be a number like 1234.50, not 'NaN'"),
    ("Infinity", "amount must be a number like 1234.50, not 'Infinity'"),
    ("0", "amount must be more than 0"),
    ("0.00", "amount must be more than 0"),
    ("", "amount must be a number like 1234.50, not ''"),
    ("1,23", "amount must be a number like 1234.50, not '1,23'"),
    ("12.", "amount must be a number like 1234.50, not '12.'"),
    ("+5", "amount must be a number like 1234.50, not '+5'"),
])
def test_bad_amounts_are_refused_with_one_clear_line(text, message):
    with pytest.raises(InvalidValue) as err:
        money.parse_amount(text, "CNY")
    assert str(err.value) == message


def test_currency_decimal_places():
    with pytest.raises(InvalidValue, match="more than 0 decimal places for JPY"):
        money.parse_amount("10.5", "JPY")
    with pytest.raises(InvalidValue, match="unknown currency 'XYZ'"):
        money.parse_amount("10", "XYZ")
    assert money.parse_amount("10", "cny") == 1000


def test_money_formatting():
    assert money.format_money(12345670, "CNY") == "123,456.70 CNY"
    assert money.format_money(1, "USD") == "0.01 USD"
    assert money.format_money(1000, "JPY") == "1,000 JPY"
    assert money.minor_to_text(123450, "CNY") == "1234.50"
    assert Decimal(money.minor_to_text(1234567890123456, "CNY")) == Decimal(
        "12345678901234.56")


def test_record_keeps_the_customer_purchase_columns(conn):
    cid = customers.add(conn, {"name": "王明", "company": "华为"})
    assert columns(conn, cid) == (None, None, 0)
    purchases.record(conn, cid, "100.00", when=date(2026, 6, 1))
    purchases.record(conn, cid, "50", when=date(2026, 3, 1), note="样品")  # back-dated
    pid = purchases.record(conn, cid, "20", when=date(2026, 11, 23))
    assert columns(conn, cid) == ("2026-03-01", "2026-11-23", 3)
    assert customers.get(conn, cid).stage == "repeat"
    rows = purchases.for_customer(conn, cid)
    assert [r.date for r in rows] == ["2026-11-23", "2026-06-01", "2026-03-01"]
    assert rows[0].id == pid and rows[0].amount_minor == 2000 and rows[0].currency == "CNY"
    assert rows[2].to_dict()["amount"] == "50.00" and rows[2].note == "样品"
    # the audit entry names fields, never the amount or the note
    entry = {e.entity_id: e for e in audit.entries(conn, entity="purchase")}[str(rows[2].id)]
    assert entry.action == "purchase"
    assert set(entry.fields) == {"customer_id", "date", "amount_minor", "currency", "note"}
    raw = conn.execute("SELECT group_concat(fields || entity_id) FROM audit_log").fetchone()[0]
    assert "样品" not in raw and "5000" not in raw


def test_default_currency_comes_from_settings(conn):
    from crmctl.core import settings

    cid = customers.add(conn, {"name": "Anna Schmidt"})
    settings.put(conn, "currency", "EUR")
    purchases.record(conn, cid, "9.99")
    assert purchases.for_customer(conn, cid)[0].currency == "EUR"


@pytest.mark.parametrize("kwargs, error, message", [
    ({"customer_id": 999, "amount": "10"}, NotFound, "no customer 999"),
    ({"customer_id": "abc", "amount": "10"}, NotFound,
     "no customer matches 'abc'"),
    ({"amount": "10", "when": date(2026, 11, 24)}, InvalidValue,
     "a purchase cannot be dated in the future (2026-11-24)"),
    ({"amount": "10", "currency": "XYZ"}, InvalidValue,
     "unknown currency 'XYZ'; known: CNY, USD, EUR, GBP, HKD, JPY, KRW"),
    ({"amount": "-5"}, InvalidValue, "amount cannot be negative (-5)"),
])
def test_refused_purchases_change_nothing(conn, kwargs, error, message):
    cid = customers.add(conn, {"name": "李娜"})
    before = counts(conn)
    with pytest.raises(error) as err:
        purchases.record(conn, kwargs.pop("customer_id", cid), kwargs.pop("amount"), **kwargs)
    assert str(err.value) == message
    assert counts(conn) == before and columns(conn, cid) == (None, None, 0)


def test_trailing_spend_window_edges(conn):
    cid = customers.add(conn, {"name": "张伟"})
    purchases.record(conn, cid, "1.00", when=date(2025, 11, 23))   # 12 months ago: out
    purchases.record(conn, cid, "10.00", when=date(2025, 11, 24))  # the window's first day
    purchases.record(conn, cid, "100.00", when=date(2026, 11, 23))  # today: in
    purchases.record(conn, cid, "1000.00", when=date(2026, 5, 1), currency="USD")  # not CNY
    assert purchases.trailing_spend(conn, cid, date(2026, 11, 23)) == 11000
    assert purchases.trailing_spend(conn, cid, date(2026, 11, 23), currency="USD") == 100000
    # a day earlier the window is 2025-11-23 … 2026-11-22: the first moves in, today's out
    assert purchases.trailing_spend(conn, cid, date(2026, 11, 22)) == 1100
    assert purchases.trailing_spend(conn, cid, date(2026, 11, 23), months=1) == 10000


def _count_purchases():
    from conftest import inspect_db

    return inspect_db(counts)


def test_cli_purchase_prints_the_id_and_refuses_bad_input(initialized):
    cli = initialized
    cid = cli("add", "王明", "--company", "华为").stdout.strip()
    ok = cli("purchase", cid, "12,800.50", "--date", "yesterday", "--note", "年度服务合同")
    assert ok.exit_code == 0, ok.stderr
    assert ok.stdout.strip() == "1" and ok.stderr == ""
    before = _count_purchases()
    cases = [
        (("12.345",), 1, "amount 12.345 has more than 2 decimal places for CNY"),
        (("-5",), 1, "amount cannot be negative (-5)"),
        (("abc",), 1, "amount must be a number like 1234.50, not 'abc'"),
        (("1e3",), 1, "amount must be a number like 1234.50, not '1e3'"),
        (("0",), 1, "amount must be more than 0"),
        (("10", "--date", "2026-13-01"), 1, "cannot read date '2026-13-01': try 2026-12-01, 昨天 or -7d (more in --help)"),
        (("10", "--date", "tomorrow"), 1, "a purchase cannot be dated in the future (2026-11-24)"),
        (("10", "--currency", "XYZ"), 1,
         "unknown currency 'XYZ'; known: CNY, USD, EUR, GBP, HKD, JPY, KRW"),
    ]
    for args, code, line in cases:
        result = cli("purchase", cid, *args)
        assert (result.exit_code, result.stderr) == (code, f"crmctl: {line}\n"), args
        assert result.stdout == ""
    for args, line in [(("999", "10"), "no customer 999"),
                       (("abc", "10"), "no customer matches 'abc'")]:
        result = cli("purchase", *args)
        assert (result.exit_code, result.stderr) == (1, f"crmctl: {line}\n")
    usage = cli("purchase", cid, "10", "--curency", "USD")  # a typo stays a usage error
    assert usage.exit_code == 2 and usage.stderr.count("\n") == 1
    assert "unexpected extra argument" in usage.stderr
    assert cli("purchase", cid).exit_code == 2  # no amount
    assert _count_purchases() == before
