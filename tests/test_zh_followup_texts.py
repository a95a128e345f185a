"""The follow-up texts left in English before issue 16.5's last round, now in the interface
language: the same-day / still-open warnings, `retention`'s why words, and the ICS calendar's
SUMMARY and DESCRIPTION (a calendar is for people); JSON, CSV, UIDs and CATEGORIES stay."""

from __future__ import annotations

import json

import pytest

ZH = {"CRMCTL_LANG": "zh_CN"}


@pytest.fixture
def crm(cli, pin_clock):
    pin_clock("2026-11-20T09:00:00")
    assert cli("init").exit_code == 0
    assert cli("add", "王明", "--company", "华为", "--tier", "金牌").exit_code == 0
    assert cli("add", "李娜", "--company", "腾讯").exit_code == 0
    return cli


def test_same_day_and_still_open_warnings(crm, pin_clock):
    cli = crm
    assert cli("followups", "schedule", 1, "2026-11-21", "--purpose", "报价").stdout == "1\n"
    pin_clock("2026-11-23T10:00:00")
    r = cli("followups", "schedule", 1, "today", env=ZH)
    assert (r.exit_code, r.stdout) == (0, "2\n")
    r = cli("followups", "schedule", 1, "today", env=ZH)
    assert r.stderr.splitlines() == ["跟进 3 已安排在 2026-11-23",
                                     "警告：客户 1 在 2026-11-23 已有未完成的跟进 2"]
    r = cli("log-contact", 1, "--channel", "电话", "--summary", "回访", "--next", "today",
            env=ZH)
    assert r.exit_code == 0
    assert r.stderr.splitlines()[1:] == [
        "警告：客户 1 在 2026-11-23 已有未完成的跟进 2, 3",
        "跟进 1（2026-11-21 到期）仍未完成；用 --done 1 关闭它",
        "跟进 2（2026-11-23 到期）仍未完成；用 --done 2 关闭它",
        "跟进 3（2026-11-23 到期）仍未完成；用 --done 3 关闭它"]
    card = cli("show", 1, env=ZH).stdout  # the timeline: a typed purpose as typed
    assert "跟进 #1：报价（待办，2026-11-21 到期）" in card
    assert "follow-up #1: 报价 (open, due 2026-11-21)" in cli("show", 1).stdout
    r = cli("followups", "schedule", 1, "today")  # English unchanged
    assert r.stderr.splitlines()[1] == \
        "warning: customer 1 already has open follow-ups 2, 3, 4 due 2026-11-23"


def test_retention_why_words(crm, pin_clock):
    cli = crm
    assert cli("config", "set", "retention_days", "30").exit_code == 0
    assert cli("close", 1, "--reason", "终止合作").exit_code == 0
    pin_clock("2027-01-10T09:00:00")
    table = cli("retention", env=ZH).stdout.splitlines()
    assert [line.split() for line in table] == [
        ["编号", "姓名", "说明", "起始"],
        ["1", "王明", "已关闭", "2026-11-20"], ["2", "李娜", "无往来", "2026-11-20"]]
    assert [line.split()[2] for line in cli("retention").stdout.splitlines()] == [
        "why", "closed", "inactive"]
    data = json.loads(cli("retention", "--format", "json", env=ZH).stdout)
    assert [row["why"] for row in data] == ["closed", "inactive"]


def _events(cli, env=None) -> list:
    from icalendar import Calendar

    r = cli("export", "--what", "followups", "--format", "ics", "--until", "+3d", "--out", "-",
            env=env)
    assert r.exit_code == 0, r.stderr
    return Calendar.from_ical(r.stdout).walk("VEVENT")


def test_ics_in_the_interface_language(crm, pin_clock):
    cli = crm
    assert cli("followups", "schedule", 2, "2026-11-25", "--purpose", "送样品").exit_code == 0
    pin_clock("2026-12-22T10:00:00")
    zh, en = _events(cli, ZH), _events(cli)
    assert [str(e["UID"]) for e in zh] == [str(e["UID"]) for e in en]  # one event, any language
    by_reason = {e["CATEGORIES"].cats[0]: e for e in zh}
    english = {e["CATEGORIES"].cats[0]: e for e in en}
    assert set(by_reason) == set(english) == {"cadence", "scheduled"}
    assert str(by_reason["cadence"]["SUMMARY"]) == \
        "定期回访：王明 — 定期回访（金牌）：每 30 天一次；自 2026-11-20 添加以来从未联系"
    assert str(english["cadence"]["SUMMARY"]) == \
        "cadence: 王明 — gold cadence: every 30 days; never contacted since added 2026-11-20"
    assert str(by_reason["scheduled"]["DESCRIPTION"]) == (
        "客户 #2 李娜（普通）\n原因：已安排\n说明：送样品\n已逾期 27 天\n"
        "完成后运行：crmctl followups done 1")
    assert str(english["scheduled"]["DESCRIPTION"]) == (
        "customer #2 李娜 (regular)\nreason: scheduled\npurpose: 送样品\noverdue: 27 days\n"
        "done: crmctl followups done 1")
