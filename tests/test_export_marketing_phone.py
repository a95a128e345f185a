"""Issue 15 audit 6: `export --marketing sms` writes E.164 phones bare, as `campaign export`
does (a bare E.164 number is no formula); every other cell keeps the spreadsheet rule."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from crmctl.core import customers, exporting
from crmctl.core.exporting import Request
from crmctl.spreadsheet import neutralize, neutralize_phone, neutralize_phone_sql


def rows(conn, tmp_path, **request) -> list[dict]:
    path = tmp_path / "m.csv"
    exporting.export(conn, Request(**request), path)
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


@pytest.fixture
def consenting(conn):
    wang = customers.add(conn, {"name": "王明", "company": "=华为", "phone": "13800138000"})
    anna = customers.add(conn, {"name": "Anna", "phone": "+49 30 1234567"})
    conn.executemany("INSERT INTO consent_events (customer_id, channel, granted, at, source) "
                     "VALUES (?, 'sms', 1, '2026-01-01T00:00:00Z', 'test')", [(wang,), (anna,)])
    return conn


def test_marketing_sms_phones_are_bare_like_campaign_export(consenting, tmp_path):
    got = rows(consenting, tmp_path, marketing="sms")
    assert [(r["name"], r["company"], r["phone"]) for r in got] == [
        ("王明", "'=华为", "+8613800138000"), ("Anna", "", "+49301234567")]


def test_a_plain_export_still_quotes_phones(consenting, tmp_path):
    got = rows(consenting, tmp_path)
    assert [r["phone"] for r in got] == ["'+8613800138000", "'+49301234567"]


@pytest.mark.parametrize("cell", ["+8613800138000", "+49301234567", "+1", "+12", "+0123",
                                  "+1234567890123456", "+86 138", "+86-1", "=1", "-2", "'+1",
                                  "13800138000", "", "+８６１"])
def test_the_sql_rule_is_neutralize_phone(cell):
    db = sqlite3.connect(":memory:")
    got = db.execute(f"SELECT {neutralize_phone_sql('?1')}", (cell,)).fetchone()[0]
    assert got == neutralize_phone(cell)
    if cell[:1] == "+" and got == cell:
        assert neutralize(cell) != cell  # only E.164 escapes the quote
