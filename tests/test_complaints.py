"""Complaint response by tier (issue 18.1): a complaint is due the tier's response time after
it was logged, shows in `followups` at once as a `complaint` row until resolved;
`complaints` lists them, `complaints resolve` records root cause and solution (m016)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import PASSPHRASE

LOGGED = "2026-12-01T10:00:00+08:00"


@pytest.fixture
def crm(initialized, pin_clock):
    """王明 (diamond) with a delivery complaint (#1) and 李娜 of 华为 (regular) with one (#2),
    both logged at LOGGED, Beijing time."""
    cli = initialized
    pin_clock(LOGGED)
    assert cli("add", "王明", "--tier", "diamond").exit_code == 0
    assert cli("add", "李娜", "--company", "华为").exit_code == 0
    assert cli("log-contact", "1", "--channel", "电话", "--summary", "投诉发货慢",
               "--complaint", "--category", "delivery").exit_code == 0
    assert cli("log-contact", "2", "--channel", "wechat", "--summary", "投诉",
               "--complaint").exit_code == 0
    return cli


def complaint_rows(cli, *args):
    result = cli("followups", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return [r for r in json.loads(result.stdout) if r["reason"] == "complaint"]


def listed(cli, *args):
    result = cli("complaints", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("now, overdue, tail", [
    ("2026-12-02T09:59:00+08:00", False, "0 h 01 min left"),   # 23 h 59 min
    ("2026-12-02T10:00:00+08:00", False, "0 h 00 min left"),   # exactly 24 h: still in time
    ("2026-12-02T10:01:00+08:00", True, "0 h 01 min overdue"),  # 24 h + 1 min
])
def test_a_diamond_complaint_is_overdue_after_24_hours_not_before(crm, pin_clock, now,
                                                                   overdue, tail):
    pin_clock(now)
    [wang, li] = complaint_rows(crm, "--until", "today")  # at once, whatever --until says
    assert wang == {
        "customer_id": 1, "name": "王明", "tier": "diamond", "due": "2026-12-02",
        "overdue_days": 0, "reason": "complaint",
        "purpose": "complaint #1 logged 2026-12-01 10:00: answer within 24 h, by "
                   f"2026-12-02 10:00; {tail}", "followup_id": None, "phone": None,
        "company": None, "overdue_hours": 0 if overdue else None}
    assert (li["tier"], li["due"], li["company"]) == ("regular", "2026-12-06", "华为")
    assert "answer within 120 h" in li["purpose"] and li["purpose"].endswith("left")
    assert [r["customer_id"] for r in complaint_rows(crm, "--overdue")] == (
        [1] if overdue else [])
    status = {r["id"]: r["status"] for r in listed(crm)}
    assert status == {1: "overdue" if overdue else "open", 2: "open"}


def test_response_hours_follow_the_setting_and_overdue_days_count_days(crm, pin_clock):
    assert crm("config", "set", "response_hours",
               '{"diamond": 4, "gold": 48, "silver": 72, "regular": 120}').exit_code == 0
    pin_clock("2026-12-03T09:00:00+08:00")
    wang = complaint_rows(crm)[0]
    assert (wang["due"], wang["overdue_days"], wang["overdue_hours"]) == ("2026-12-01", 2, 43)
    assert wang["purpose"].endswith("by 2026-12-01 14:00; 43 h 00 min overdue")


def test_resolving_or_voiding_closes_the_row(crm, pin_clock):
    pin_clock("2026-12-02T12:00:00+08:00")
    result = crm("complaints", "resolve", "1", "--cause", "物流延误", "--solution", "补发并致歉")
    assert (result.exit_code, result.stderr) == (0, "complaint 1 resolved\n")
    assert [r["customer_id"] for r in complaint_rows(crm)] == [2]
    assert crm("interactions", "void", "2", "--reason", "记错客户").exit_code == 0
    assert complaint_rows(crm) == []
    rows = listed(crm)
    assert [(r["id"], r["status"], r["age_hours"], r["root_cause"], r["solution"],
             r["resolved_at"]) for r in rows] == [
        (1, "resolved", 26, "物流延误", "补发并致歉", "2026-12-02T04:00:00Z")]
    assert listed(crm, "--open") == []


def test_the_listing_filters_and_formats(crm, pin_clock):
    pin_clock("2026-12-03T10:30:00+08:00")
    rows = listed(crm)
    assert [(r["id"], r["name"], r["tier"], r["category"], r["at"], r["age_hours"],
             r["response_hours"], r["due"], r["status"]) for r in rows] == [
        (1, "王明", "diamond", "delivery", "2026-12-01T02:00:00Z", 48, 24,
         "2026-12-02T02:00:00Z", "overdue"),
        (2, "李娜", "regular", "other", "2026-12-01T02:00:00Z", 48, 120,
         "2026-12-06T02:00:00Z", "open")]
    assert [r["id"] for r in listed(crm, "--category", "物流")] == [1]
    assert [r["id"] for r in listed(crm, "--category", "delivery")] == [1]
    assert [r["id"] for r in listed(crm, "--category", "other", "--open")] == [2]
    out = crm("complaints", "--format", "csv").stdout
    assert [r["status"] for r in csv.DictReader(io.StringIO(out))] == ["overdue", "open"]
    table = crm("complaints").stdout
    assert "2026-12-02 10:00" in table and "overdue" in table and "王明" in table
    chinese = crm("complaints", env={"CRMCTL_LANG": "zh_CN"}).stdout
    assert "投诉类别" in chinese and "物流" in chinese and "已超时" in chinese


@pytest.mark.parametrize("args, message", [
    (["resolve", "9", "--cause", "a", "--solution", "b"], "crmctl: no complaint 9\n"),
    (["resolve", "x", "--cause", "a", "--solution", "b"],
     "crmctl: complaint id must be a number, not 'x'\n"),
    (["resolve", "1", "--cause", " ", "--solution", "b"], "crmctl: --cause cannot be empty\n"),
    (["resolve", "1", "--cause", "a", "--solution", ""],
     "crmctl: --solution cannot be empty\n"),
    (["--category", "weather"], None),
])
def test_bad_input_is_one_line_exit_1_and_changes_nothing(crm, args, message):
    before = listed(crm)
    result = crm("complaints", *args)
    assert result.exit_code == 1, result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    if message:
        assert result.stderr == message
    assert listed(crm) == before


def test_not_a_complaint_voided_or_already_resolved_is_refused(crm, pin_clock):
    assert crm("log-contact", "1", "--channel", "phone", "--summary", "回访").exit_code == 0
    result = crm("complaints", "resolve", "3", "--cause", "a", "--solution", "b")
    assert (result.exit_code, result.stderr) == (1, "crmctl: no complaint 3\n")
    assert crm("complaints", "resolve", "1", "--cause", "a", "--solution", "b").exit_code == 0
    result = crm("complaints", "resolve", "1", "--cause", "a", "--solution", "b")
    assert (result.exit_code, result.stderr) == (
        1, "crmctl: complaint 1 was already resolved at 2026-12-01 10:00\n")
    assert crm("interactions", "void", "2", "--reason", "错了").exit_code == 0
    result = crm("complaints", "resolve", "2", "--cause", "a", "--solution", "b")
    assert (result.exit_code, result.stderr) == (
        1, "crmctl: complaint 2 is voided (on 2026-12-01) and cannot be resolved\n")


def test_m016_from_todays_schema_adds_cause_and_solution(db_path, monkeypatch):
    from crmctl.store import create_database, migrations, open_database
    from crmctl.store.migrations.m016_complaint_resolution import m016_complaint_resolution

    key = PASSPHRASE.encode()
    before = migrations.MIGRATIONS.index(m016_complaint_resolution)
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:before]))
    old = create_database(db_path, key)
    old.execute("INSERT INTO customers (name, created_at, updated_at) VALUES ('王明', 'a', 'a')")
    old.execute("INSERT INTO interactions (customer_id, at, channel, summary, complaint) "
                "VALUES (1, '2026-12-01T02:00:00Z', 'phone', '投诉', 1)")
    old.commit()
    old.close()
    monkeypatch.undo()
    conn = open_database(db_path, key)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    assert conn.execute("SELECT id, complaint, resolved_at, root_cause, solution "
                        "FROM interactions").fetchall() == [(1, 1, None, None, None)]
    conn.close()


def test_a_complaint_hours_past_its_answer_time_reads_overdue_in_the_table_and_json(crm,
                                                                                 pin_clock):
    # the audit's case: 6 h past a diamond's 24 h, less than a day, so overdue_days is 0
    assert crm("followups", "schedule", "2", "2026-12-02", "--purpose", "回访").exit_code == 0
    pin_clock("2026-12-02T16:00:00+08:00")
    wang = complaint_rows(crm)[0]
    assert (wang["overdue_days"], wang["overdue_hours"]) == (0, 6)
    table = crm("followups").stdout.splitlines()
    assert table[0] == "3 follow-ups due by 2026-12-02 (1 overdue)"
    first, second = table[2].split(), table[3].split()
    # overdue by hours first in its day, before the scheduled row merely due today
    assert first[:5] == ["2026-12-02", "6h", "complaint", "1", "王明"]
    assert second[:3] == ["2026-12-02", "scheduled", "2"]
    pin_clock("2026-12-02T10:30:00+08:00")  # 30 min late: not "0h"
    assert crm("followups").stdout.splitlines()[2].split()[:3] == [
        "2026-12-02", "<1h", "complaint"]


def test_overdue_cells_read_in_chinese(crm, pin_clock):
    """The follow-up table's overdue 6h / <1h / 1d read 6小时 / <1小时 / 1天 in Chinese; JSON
    keeps its numbers."""
    zh = {"CRMCTL_LANG": "zh_CN"}
    pin_clock("2026-12-02T16:00:00+08:00")
    assert crm("followups", env=zh).stdout.splitlines()[2].split()[:2] == ["2026-12-02", "6小时"]
    pin_clock("2026-12-02T10:30:00+08:00")
    assert crm("followups", env=zh).stdout.splitlines()[2].split()[:2] == ["2026-12-02", "<1小时"]
    pin_clock("2026-12-03T16:00:00+08:00")
    row = crm("followups", env=zh).stdout.splitlines()[2].split()
    assert row[:2] == ["2026-12-02", "1天"], row
    assert crm("followups", env={"CRMCTL_LANG": "en"}).stdout.splitlines()[2].split()[:2] == \
        ["2026-12-02", "1d"]
    assert json.loads(crm("followups", "--format", "json", env=zh).stdout)[0]["overdue_days"] == 1
