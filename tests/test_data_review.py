"""The periodic data review (issue 17.6): `followups` shows one data-review row when the
last `audit data` run is older than data_review_days (or it never ran)."""

from __future__ import annotations

import json

import pytest

START = "2026-12-01T09:00:00+08:00"


def review_rows(cli, *args):
    result = cli("followups", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return [r for r in json.loads(result.stdout) if r["reason"] == "data-review"]


@pytest.fixture
def crm(cli, monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", START)
    assert cli("init").exit_code == 0
    assert cli("add", "王明", "--company", "华为").exit_code == 0
    return cli


def test_due_after_90_days_without_audit_data(crm, monkeypatch):
    assert review_rows(crm) == []
    monkeypatch.setenv("CRMCTL_NOW", "2027-03-01T09:00:00+08:00")  # day 90
    assert review_rows(crm) == [{
        "customer_id": None, "name": None, "tier": None, "due": "2027-03-01",
        "overdue_days": 0, "reason": "data-review",
        "purpose": "data review every 90 days: run crmctl audit data (never run; in use "
                   "since 2026-12-01)", "followup_id": None, "phone": None, "company": None,
        "overdue_hours": None}]
    table = crm("followups").stdout
    assert "data-review" in table and "run crmctl audit data" in table
    assert review_rows(crm, "--tier", "regular") == []  # a filtered list is about customers


def test_audit_data_resets_it_and_the_setting_moves_it(crm, monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", "2027-03-05T09:00:00+08:00")
    assert len(review_rows(crm)) == 1
    assert crm("audit", "data").exit_code == 0
    assert review_rows(crm) == []
    monkeypatch.setenv("CRMCTL_NOW", "2027-04-10T09:00:00+08:00")  # 36 days after the run
    assert review_rows(crm) == []
    assert crm("config", "set", "data_review_days", "30").exit_code == 0
    [row] = review_rows(crm)
    assert (row["due"], row["overdue_days"]) == ("2027-04-04", 6)
    assert row["purpose"].endswith("(last run 2027-03-05)")
    assert crm("config", "set", "data_review_days", "0").exit_code == 0  # off
    assert review_rows(crm) == []
    bad = crm("config", "set", "data_review_days", "soon")
    assert (bad.exit_code, bad.stderr) == (
        1, "crmctl: setting 'data_review_days' takes a whole number, like 90\n")


def test_audit_data_json_counts_every_kind(crm):
    doc = json.loads(crm("audit", "data", "--format", "json").stdout)
    assert set(doc["counts"]) >= {"duplicate-candidate", "duplicate-email", "no-consent"}
    assert doc["counts"]["no-consent"] == 1 and doc["duplicates"] == []


def test_the_reason_in_chinese(crm, monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", "2027-03-05T09:00:00+08:00")
    monkeypatch.setenv("CRMCTL_LANG", "zh_CN")
    table = crm("followups").stdout
    assert "数据核对" in table and "data-review" not in table
