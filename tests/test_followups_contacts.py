"""Issue 16.6: follow-up rows carry the customer's phone and company (table columns, JSON
and CSV keys); on a terminal the phone is a tel: link, never in pipes or cron mail."""

from __future__ import annotations

import csv
import io
import json

import pytest

from crmctl.render import terminal as render_terminal


@pytest.fixture
def due(initialized, pin_clock):
    pin_clock("2026-11-23T09:00:00+08:00")
    cli = initialized
    assert cli("add", "王明", "--company", "华为", "--phone", "13800138000").exit_code == 0
    assert cli("add", "李娜").exit_code == 0  # no phone, no company
    assert cli("followups", "schedule", "1", "today", "--purpose", "发报价单").exit_code == 0
    assert cli("followups", "schedule", "2", "today").exit_code == 0
    return cli


def test_json_and_csv_rows_carry_phone_and_company(due):
    rows = json.loads(due("followups", "--format", "json").stdout)
    assert [(r["name"], r["phone"], r["company"]) for r in rows] == [
        ("王明", "+8613800138000", "华为"), ("李娜", None, None)]
    assert list(rows[0]) == ["customer_id", "name", "tier", "due", "overdue_days", "reason",
                             "purpose", "followup_id", "phone", "company", "overdue_hours"]
    lines = list(csv.reader(io.StringIO(due("followups", "--format", "csv").stdout)))
    assert lines[0][-3:] == ["phone", "company", "overdue_hours"]
    assert lines[1][-3:] == ["'+8613800138000", "华为", ""]  # neutralized for spreadsheets
    assert lines[2][-3:] == ["", "", ""]


def test_the_table_cron_mails_has_phone_and_company_and_no_link(due):
    result = due("followups")
    assert result.exit_code == 0
    assert result.stdout == (
        "2 follow-ups due by 2026-11-23 (0 overdue)\n"
        "due         overdue  reason     id  name  phone           company  tier     why"
        "       fid\n"
        "2026-11-23           scheduled  1   王明  +8613800138000  华为     regular  发报价单  1\n"
        "2026-11-23           scheduled  2   李娜                           regular            2\n")


def test_on_a_terminal_the_phone_is_a_tel_link(due, monkeypatch):
    monkeypatch.setattr(render_terminal, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich writes links to a terminal only
    out = due("followups").stdout
    assert ";tel:+8613800138000\x1b\\+8613800138000\x1b]8;;\x1b\\" in out
    assert out.count("\x1b]8;") == 2  # one link (opened, closed): 李娜 has no phone


def test_piped_output_has_no_escape_codes(due, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b" not in due("followups").stdout
