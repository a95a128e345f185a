"""A closed customer is never in a campaign's targets or its export (issue 18 item 8):
`campaign target --stage closed` refuses; one targeted before `close` is left out of
`campaign export` and counted."""

from __future__ import annotations

import json

import pytest
from conftest import inspect_db

START = "2026-12-01T09:00:00+08:00"


@pytest.fixture
def crm(initialized, pin_clock):
    """王明 (open) and 李娜 of 华为, both consenting to email; campaign 1 双十一回馈."""
    cli = initialized
    pin_clock(START)
    for args in (("王明", "--email", "wm@example.cn"),
                 ("李娜", "--company", "华为", "--email", "ln@huawei.com")):
        assert cli("add", *args).exit_code == 0
    for cid in ("1", "2"):
        assert cli("consent", cid, "grant", "email").exit_code == 0
    assert cli("campaign", "create", "双十一回馈", "--channel", "email").exit_code == 0
    return cli


def targets() -> list:
    return inspect_db(lambda c: [r[0] for r in c.execute(
        "SELECT customer_id FROM campaign_targets ORDER BY customer_id")])


@pytest.mark.parametrize("stage", ["closed", "已关闭"])
def test_target_refuses_stage_closed_and_changes_nothing(crm, stage):
    assert crm("close", "2", "--reason", "终止").exit_code == 0
    for extra in ([], ["--dry-run"]):
        refused = crm("campaign", "target", "1", "--stage", stage, *extra)
        assert (refused.exit_code, refused.stdout, refused.stderr) == (
            1, "", "crmctl: a campaign never targets closed customers: leave out "
                   "--stage closed\n")
    assert targets() == []


def test_target_without_stage_leaves_the_closed_out(crm):
    assert crm("close", "2", "--reason", "终止").exit_code == 0
    done = crm("campaign", "target", "1", "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert (json.loads(done.stdout)["matched"], json.loads(done.stdout)["added"]) == (1, 1)
    assert targets() == [1]


def test_export_leaves_out_a_target_closed_since_and_says_so(crm):
    assert crm("campaign", "target", "1").exit_code == 0
    assert targets() == [1, 2]
    assert crm("close", "2", "--reason", "终止").exit_code == 0
    out = crm("campaign", "export", "1", "--format", "csv")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.splitlines() == ["id,name,company,email", "1,王明,,wm@example.cn"]
    assert out.stderr == ("exported 1 target(s); dropped 0 without consent now, 0 without "
                          "an address for the channel; left out 1 closed customer(s)\n")
    assert crm("reopen", "2").exit_code == 0  # reopened: in the list again
    again = crm("campaign", "export", "1", "--format", "json")
    assert [row["id"] for row in json.loads(again.stdout)] == [1, 2]
    assert again.stderr == ("exported 2 target(s); dropped 0 without consent now, 0 without "
                            "an address for the channel\n")


def test_export_says_it_in_chinese(crm):
    assert crm("campaign", "target", "1").exit_code == 0
    assert crm("close", "2", "--reason", "终止").exit_code == 0
    out = crm("campaign", "export", "1", "--format", "csv", env={"CRMCTL_LANG": "zh_CN"})
    assert out.stderr.endswith("；另去掉了 1 个已关闭的客户\n"), out.stderr
