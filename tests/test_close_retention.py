"""Ending a relationship and retention (issue 18 items 8, 9): `close ID --reason`,
`reopen ID`, stage closed, left out of followups/list/export/campaign targets; the
retention_days setting, `retention [--apply --yes]` and the one retention follow-up row."""

from __future__ import annotations

import json

import pytest
from conftest import PASSPHRASE, inspect_db

from crmctl.core import audit, campaigns, closing, consent, customers, followups_report
from crmctl.core import settings
from crmctl.core.customers import Filter
from crmctl.errors import InvalidValue, NotFound

START = "2026-12-01T09:00:00+08:00"


@pytest.fixture
def crm(cli, pin_clock):
    pin_clock(START)
    assert cli("init").exit_code == 0
    for args in (("王明", "--company", "华为", "--email", "wm@huawei.com"),
                 ("李华", "--company", "腾讯", "--email", "lh@qq.com")):
        assert cli("add", *args).exit_code == 0
    for cid in ("1", "2"):
        assert cli("consent", cid, "grant", "email").exit_code == 0
    return cli


def ids(cli, *args):
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return [row.get("id", row.get("customer_id")) for row in json.loads(result.stdout)]


def test_close_hides_from_list_followups_and_marketing_export(crm, pin_clock):
    done = crm("close", "王明", "--reason", "客户要求终止合作")
    assert (done.exit_code, done.stderr) == (0, "closed #1 王明\n")
    assert ids(crm, "list") == [2]
    assert ids(crm, "list", "--closed") == [1]
    assert ids(crm, "list", "--all") == [1, 2]
    assert ids(crm, "list", "--stage", "已关闭") == [1]
    card = json.loads(crm("show", "1", "--format", "json").stdout)
    assert (card["stage"], card["closed_at"], card["close_reason"]) == (
        "closed", "2026-12-01T01:00:00Z", "客户要求终止合作")  # the record is kept
    assert "close reason  客户要求终止合作" in crm("show", "1").stdout
    export = crm("export", "--marketing", "email", "--format", "csv", "--out", "-")
    assert export.exit_code == 0 and "王明" not in export.stdout and "李华" in export.stdout
    pin_clock("2027-06-01T09:00:00+08:00")  # both past their 180-day cadence
    assert [i for i in ids(crm, "followups") if i] == [2]
    pin_clock(START)
    back = crm("reopen", "#1")
    assert (back.exit_code, back.stderr) == (0, "reopened #1 王明\n")
    assert ids(crm, "list") == [1, 2]
    card = json.loads(crm("show", "1", "--format", "json").stdout)
    assert (card["stage"], card["closed_at"], card["close_reason"]) == ("prospect", None, None)
    log = inspect_db(lambda c: [(e.action, e.entity_id, e.fields) for e in audit.entries(c)
                                if e.action in ("close", "reopen")])
    assert sorted(log) == [("close", "1", ["close_reason", "closed_at"]),
                           ("reopen", "1", ["close_reason", "closed_at"])]


@pytest.mark.parametrize("args, status, error", [
    (("close", "2"), 1, "close needs --reason TEXT (why the relationship ends)"),
    (("close", "2", "--reason", "  "), 1, "close needs --reason TEXT (why the relationship ends)"),
    (("reopen", "2"), 1, "customer 2 is not closed"),
    (("close", "1", "--reason", "再次"), 1,
     "customer 1 is already closed (since 2026-12-01); crmctl reopen 1 first"),
    (("close", "9", "--reason", "x"), 1, "no customer 9"),
])
def test_bad_close_and_reopen_change_nothing(crm, args, status, error):
    assert crm("close", "1", "--reason", "停止合作").exit_code == 0
    before = inspect_db(lambda c: (audit.head(c), c.execute(
        "SELECT id, closed_at, close_reason FROM customers ORDER BY id").fetchall()))
    result = crm(*args)
    assert (result.exit_code, result.stderr) == (status, f"crmctl: {error}\n")
    assert inspect_db(lambda c: (audit.head(c), c.execute(
        "SELECT id, closed_at, close_reason FROM customers ORDER BY id").fetchall())) == before


def test_forgotten_customer_cannot_be_closed(crm):
    assert crm("forget", "2", "--yes").exit_code == 0
    result = crm("close", "2", "--reason", "x")
    assert (result.exit_code, result.stderr) == (
        1, "crmctl: customer 2 was forgotten on 2026-12-01; nothing personal is held\n")


def test_campaign_targets_leave_closed_out(conn):
    a = customers.add(conn, {"name": "王明", "email": "wm@huawei.com"})
    b = customers.add(conn, {"name": "李华", "email": "lh@qq.com"})
    for cid in (a, b):
        consent.record(conn, cid, "email", True)
    closing.close(conn, a, "终止")
    cid = campaigns.create(conn, "双十一", "email")
    result = campaigns.target(conn, cid, Filter())
    assert (result["matched"], result["added"]) == (1, 1)
    assert [r[0] for r in conn.execute("SELECT customer_id FROM campaign_targets")] == [b]
    with pytest.raises(NotFound):
        closing.close(conn, 99, "x")


def retention(cli, *args):
    result = cli("retention", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return [(r["id"], r["why"], r["since"]) for r in json.loads(result.stdout)]


def test_retention_off_by_default(crm):
    result = crm("retention")
    assert (result.exit_code, result.stderr) == (
        0, "retention is off (crmctl config set retention_days N turns it on)\n")
    assert not [r for r in json.loads(crm("followups", "--format", "json", "--until",
                                          "+5000d").stdout) if r["reason"] == "retention"]


def test_retention_boundaries_row_and_apply(crm, pin_clock):
    assert crm("config", "set", "retention_days", "30").exit_code == 0
    pin_clock("2026-12-11T09:00:00+08:00")
    assert crm("close", "1", "--reason", "终止").exit_code == 0
    assert crm("log-contact", "2", "--channel", "phone", "--summary", "回访").exit_code == 0
    pin_clock("2027-01-10T23:59:00+08:00")  # 30 days after: not yet
    assert retention(crm) == []
    pin_clock("2027-01-11T00:00:00+08:00")  # 31 days: both due
    assert retention(crm) == [(1, "closed", "2026-12-11"), (2, "inactive", "2026-12-11")]
    rows = [r for r in json.loads(crm("followups", "--format", "json").stdout)
            if r["reason"] == "retention"]
    assert rows == [{"customer_id": None, "name": None, "tier": None, "due": "2027-01-11",
                     "overdue_days": 0, "reason": "retention",
                     "purpose": "retention 30 days: 2 customer(s) to forget; run crmctl "
                                "retention", "followup_id": None, "phone": None,
                     "company": None, "overdue_hours": None}]
    refused = crm("retention", "--apply")
    assert (refused.exit_code, refused.stderr) == (
        2, "crmctl: retention --apply needs --yes when not run on a terminal\n")
    assert retention(crm) == [(1, "closed", "2026-12-11"), (2, "inactive", "2026-12-11")]
    done = crm("retention", "--apply", "--yes")
    assert (done.exit_code, done.stderr) == (
        0, "forgot 2 customer(s) past retention (30 days)\n")
    assert retention(crm) == []
    names = inspect_db(lambda c: c.execute(
        "SELECT name, close_reason, forgotten_at IS NOT NULL FROM customers").fetchall())
    assert names == [("(forgotten)", None, 1), ("(forgotten)", None, 1)]
    log = inspect_db(lambda c: [(e.action, e.entity_id) for e in audit.entries(c, limit=2)])
    assert sorted(log) == [("forget", "1"), ("forget", "2")]


def test_retention_counts_purchases_and_bad_setting(conn, pin_clock, cli):
    pin_clock(START)
    settings.put(conn, "retention_days", 30)
    cid = customers.add(conn, {"name": "王明"})
    conn.execute("UPDATE customers SET last_purchase_at = '2026-12-20' WHERE id = ?", (cid,))
    days, due = closing.due(conn, followups_report.clock.today().replace(month=1, day=19,
                                                                          year=2027))
    assert (days, due) == (30, [])
    days, due = closing.due(conn, followups_report.clock.today().replace(month=1, day=20,
                                                                          year=2027))
    assert [(d.id, d.why, d.since) for d in due] == [(cid, "inactive", "2026-12-20")]
    with pytest.raises(InvalidValue, match=r"^setting 'retention_days' takes a whole number "
                                           r"of days \(0: off\)$"):
        settings.put(conn, "retention_days", -1)


def test_migration_from_m015_schema(db_path, monkeypatch):
    from crmctl.store import create_database, migrations, open_database
    from crmctl.store.migrations.m017_close import m017_close

    key = PASSPHRASE.encode()
    before = migrations.MIGRATIONS.index(m017_close)
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:before]))
    old = create_database(db_path, key)
    assert "closed_at" not in [r[1] for r in old.execute("PRAGMA table_info(customers)")]
    old.execute("INSERT INTO customers (name, created_at, updated_at) "
                "VALUES ('王明', '2026-11-01T02:00:00Z', '2026-11-01T02:00:00Z')")
    old.commit()
    old.close()
    monkeypatch.undo()
    conn = open_database(db_path, key)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
        assert customers.get(conn, 1).stage != "closed"
        closing.close(conn, 1, "终止")
        assert customers.get(conn, 1).stage == "closed"
        assert customers.list_customers(conn) == []
    finally:
        conn.close()
