"""A closed customer's follow-ups never show (issue 18 item 8), so `followups schedule`
refuses one, and `log-contact` (a complaint too) warns that its follow-ups and complaints
stay hidden until `reopen`."""

from __future__ import annotations

import json

import pytest
from conftest import inspect_db

WARNING = ("warning: customer #2 is closed: its follow-ups and complaints stay hidden until "
           "crmctl reopen 2\n")


@pytest.fixture
def crm(initialized, pin_clock):
    cli = initialized
    pin_clock("2026-12-01T09:00:00+08:00")
    for name in ("王明", "李娜"):
        assert cli("add", name, "--company", "华为").exit_code == 0
    assert cli("close", "2", "--reason", "终止").exit_code == 0
    return cli


def count(table: str) -> int:
    return inspect_db(lambda c: c.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.mark.parametrize("env, line", [
    ({}, "crmctl: customer #2 is closed; reopen it first\n"),
    ({"CRMCTL_LANG": "zh_CN"}, "crmctl: 客户 #2 已关闭；请先重新开启（crmctl reopen 2）\n")])
def test_schedule_refuses_a_closed_customer(crm, env, line):
    refused = crm("followups", "schedule", "李娜", "today", "--purpose", "回访", env=env)
    assert (refused.exit_code, refused.stdout, refused.stderr) == (1, "", line)
    assert count("followups") == 0
    assert crm("reopen", "2").exit_code == 0
    done = crm("followups", "schedule", "2", "today", "--purpose", "回访")
    assert (done.exit_code, done.stdout) == (0, "1\n")
    assert [row["customer_id"] for row in json.loads(
        crm("followups", "--format", "json").stdout) if row.get("customer_id")] == [2]


def test_log_contact_on_a_closed_customer_warns(crm):
    logged = crm("log-contact", "2", "--channel", "电话", "--summary", "客户投诉发货慢",
                 "--complaint", "--category", "物流")
    assert (logged.exit_code, logged.stdout, logged.stderr) == (0, "1\n", WARNING)
    assert count("interactions") == 1  # recorded all the same: the record is kept
    open_one = crm("log-contact", "1", "--channel", "电话", "--summary", "回访")
    assert (open_one.exit_code, open_one.stderr) == (0, "")
    zh = crm("log-contact", "2", "--channel", "微信", "--summary", "问候",
             env={"CRMCTL_LANG": "zh_CN"})
    assert zh.stderr == ("警告：客户 #2 已关闭：其跟进和投诉在 crmctl reopen 2 之前都不会"
                         "显示\n")
