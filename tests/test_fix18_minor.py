"""Issue 18's smaller gaps: `report value` leaves closed customers out unless --all (as
`list`); `config set` hands a negative number to the setting's own range check; a care
holiday no region knows is warned about."""

from __future__ import annotations

import json

import pytest
from conftest import inspect_db

from crmctl.core import settings
from crmctl.core.money import CURRENCY_EXPONENTS


@pytest.fixture
def crm(initialized, pin_clock):
    cli = initialized
    pin_clock("2026-12-01T09:00:00+08:00")
    for args in (("王明",), ("李娜", "--company", "华为")):
        assert cli("add", *args).exit_code == 0
    for cid, amount in (("1", "100"), ("2", "5000")):
        assert cli("purchase", cid, amount, "--date", "2026-11-20").exit_code == 0
    assert cli("close", "2", "--reason", "客户要求终止合作").exit_code == 0
    return cli


def test_report_value_leaves_out_the_closed_unless_all(crm):
    shown = crm("report", "value", "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    rows = json.loads(shown.stdout)["rows"]
    assert [(r["id"], r["rank"], r["total_spend"]) for r in rows] == [(1, 1, "100.00")]
    table = crm("report", "value")
    assert table.exit_code == 0 and "王明" in table.stdout and "李娜" not in table.stdout
    every = json.loads(crm("report", "value", "--all", "--format", "json").stdout)["rows"]
    assert sorted((r["id"], r["rank"]) for r in every) == [(1, 2), (2, 1)]


@pytest.mark.parametrize("key, value, line", [
    ("retention_days", "-1", "setting 'retention_days' takes a whole number of days (0: off)"),
    ("retention_days", "-30", "setting 'retention_days' takes a whole number of days (0: off)"),
    ("care_holiday_days", "-2",
     "setting 'care_holiday_days' takes a whole number of days from 0 to 31")])
def test_config_set_a_negative_number_reaches_the_range_check(initialized, key, value, line):
    before = inspect_db(lambda c: settings.get(c, key))
    refused = initialized("config", "set", key, value)
    assert (refused.exit_code, refused.stdout, refused.stderr) == (1, "", f"crmctl: {line}\n")
    assert inspect_db(lambda c: settings.get(c, key)) == before
    done = initialized("config", "set", "retention_days", "0")
    assert (done.exit_code, done.stderr) == (0, "retention_days = 0\n")


WARN = ("warning: no region crmctl knows has a holiday named {}; care follow-ups come only "
        "for names that begin a holiday's name\n")


@pytest.mark.parametrize("names, unknown", [
    ('["中秋", "春节"]', None),  # both CN's (中秋节 begins with 中秋)
    ('["圣诞"]', None),  # Hong Kong's 圣诞节: a region of Chinese practice
    ('["光棍节", "国庆"]', "光棍节"),
    ('["光棍节", "感恩"]', "光棍节, 感恩")])
def test_care_holidays_warns_of_a_name_no_region_has(initialized, names, unknown):
    done = initialized("config", "set", "care_holidays", names)
    expected = f"care_holidays = {names.replace(',', ', ').replace(',  ', ', ')}\n"
    assert done.exit_code == 0
    assert done.stderr == expected + (WARN.format(unknown) if unknown else "")
    assert inspect_db(lambda c: settings.get(c, "care_holidays")) == json.loads(names)


def test_care_holidays_knows_the_customers_countries(initialized):
    """Thanksgiving is the United States': a warning until a customer has a +1 phone."""
    before = initialized("config", "set", "care_holidays", '["Thanksgiving"]')
    assert before.stderr == 'care_holidays = ["Thanksgiving"]\n' + WARN.format("Thanksgiving")
    assert initialized("add", "John Smith", "--phone", "+1 212 555 0100").exit_code == 0
    done = initialized("config", "set", "care_holidays", '["Thanksgiving"]')
    assert done.stderr == 'care_holidays = ["Thanksgiving"]\n'


@pytest.mark.parametrize("key, value, line", [
    ("downgrade_inactive_days", "-5",
     "setting 'downgrade_inactive_days' takes a whole number of days, 0 or more"),
    ("data_review_days", "-1", "setting 'data_review_days' takes a whole number of days (0: off)"),
    ("currency", "--usd", "unknown currency '--usd'; known: " + ", ".join(CURRENCY_EXPONENTS)),
    ("currency", "人民币", "unknown currency '人民币'; known: " + ", ".join(CURRENCY_EXPONENTS))])
def test_every_number_and_the_currency_are_checked_like_the_commands_that_use_them(
        initialized, key, value, line):
    before = inspect_db(lambda c: settings.get(c, key))
    refused = initialized("config", "set", key, value)
    assert (refused.exit_code, refused.stdout, refused.stderr) == (1, "", f"crmctl: {line}\n")
    assert inspect_db(lambda c: settings.get(c, key)) == before


def test_a_currency_setting_is_stored_as_its_code(initialized):
    done = initialized("config", "set", "currency", "usd")
    assert (done.exit_code, done.stderr) == (0, 'currency = "USD"\n')
    assert inspect_db(lambda c: settings.get(c, "currency")) == "USD"
