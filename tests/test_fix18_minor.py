"""Issue 18's smaller gaps: `report value` leaves closed customers out unless --all (as
`list`); `config set` hands a negative number to the setting's own range check; a care
holiday no region knows is warned about."""

from __future__ import annotations

import json

import pytest
from conftest import inspect_db

from crmctl.core import settings


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
