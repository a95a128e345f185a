"""Closing and reopening show in the customer's timeline (`show`), with the reason and the
local time (issue 18); the history is kept in close_events (m019)."""

from __future__ import annotations

import json

import pytest

from conftest import PASSPHRASE, inspect_db


@pytest.fixture
def crm(initialized, pin_clock):
    cli = initialized
    pin_clock("2026-12-01T09:00:00+08:00")
    assert cli("add", "王明", "--company", "华为").exit_code == 0
    pin_clock("2026-12-02T10:30:00+08:00")
    assert cli("close", "1", "--reason", "客户要求终止合作").exit_code == 0
    pin_clock("2026-12-05T16:45:00+08:00")
    done = cli("reopen", "1", "--reason", "客户恢复合作")
    assert (done.exit_code, done.stderr) == (0, "reopened #1 王明\n")
    return cli


def test_close_and_reopen_in_the_timeline_with_reason_and_local_time(crm, pin_clock):
    timeline = json.loads(crm("show", "1", "--format", "json").stdout)["timeline"]
    assert [(e["kind"], e["at"], e["description"]) for e in timeline] == [
        ("reopen", "2026-12-05T08:45:00Z", "reopened: 客户恢复合作"),
        ("close", "2026-12-02T02:30:00Z", "closed: 客户要求终止合作")]
    assert timeline[1]["reason"] == "客户要求终止合作"
    card = crm("show", "1").stdout.splitlines()
    assert any(line.split() == ["2026-12-05", "16:45", "reopen", "reopened:", "客户恢复合作"]
               for line in card), card
    assert any(line.split() == ["2026-12-02", "10:30", "close", "closed:", "客户要求终止合作"]
               for line in card), card
    pin_clock("2026-12-06T09:00:00+08:00")
    assert crm("close", "1", "--reason", "再次终止").exit_code == 0
    pin_clock("2026-12-07T09:00:00+08:00")
    assert crm("reopen", "1").exit_code == 0  # no reason: just "reopened"
    timeline = json.loads(crm("show", "1", "--format", "json").stdout)["timeline"]
    assert [e["description"] for e in timeline[:2]] == ["reopened", "closed: 再次终止"]
    assert timeline[0]["reason"] is None


def test_forget_erases_the_close_history(crm):
    assert inspect_db(lambda c: c.execute("SELECT count(*) FROM close_events").fetchone()) == (2,)
    assert crm("forget", "1", "--yes").exit_code == 0
    assert inspect_db(lambda c: c.execute("SELECT count(*) FROM close_events").fetchone()) == (0,)


def test_m019_gives_a_customer_closed_before_it_its_close_event(db_path, cli, pin_clock):
    from crmctl.store import create_database, migrations
    from crmctl.store.migrations.m019_reports import m019_reports

    pin_clock("2026-12-02T10:30:00+08:00")
    before = migrations.MIGRATIONS.index(m019_reports)
    with pytest.MonkeyPatch.context() as patch:  # a database of the schema before m019
        patch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:before]))
        old = create_database(db_path, PASSPHRASE.encode())
    old.execute("INSERT INTO customers (name, created_at, updated_at, closed_at, close_reason) "
                "VALUES ('王明', '2026-11-01T02:00:00Z', '2026-11-01T02:00:00Z', "
                "'2026-11-20T06:00:00Z', '公司注销')")
    old.commit()
    old.close()
    shown = cli("show", "1", "--format", "json")
    assert shown.exit_code == 0, shown.stderr
    [event] = json.loads(shown.stdout)["timeline"]
    assert (event["kind"], event["at"], event["description"]) == (
        "close", "2026-11-20T06:00:00Z", "closed: 公司注销")
    version = inspect_db(lambda c: c.execute("PRAGMA user_version").fetchone()[0])
    assert version == len(migrations.MIGRATIONS)
    assert cli("reopen", "1").exit_code == 0
