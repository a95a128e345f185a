"""Issue 17.3: correcting follow-ups — cancel, edit, a second one on the same day, and
log-contact closing the follow-up it answers (--done) or saying one is still open.

The clock is pinned to 2026-11-23 09:00 in Asia/Shanghai.
"""

from __future__ import annotations

import json

import pytest
from conftest import PASSPHRASE, inspect_db

from crmctl.core import audit, customers, followups, timeline
from crmctl.errors import InvalidValue, NotFound, UsageError
from crmctl.store import create_database, open_database

NOW = "2026-11-23T09:00:00+08:00"


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(NOW)


def rows(c):
    return c.execute("SELECT id, customer_id, due, purpose, done_at IS NOT NULL, "
                     "cancel_reason FROM followups ORDER BY id").fetchall()


def state(c):
    """Everything a refused command must leave as it was."""
    return (rows(c), c.execute("SELECT count(*) FROM interactions").fetchone(),
            c.execute("SELECT max(id) FROM audit_log").fetchone())


# --- core ----------------------------------------------------------------------------------

def test_cancel_takes_an_open_follow_up_off_the_report_and_audits_names_only(conn):
    wang = customers.add(conn, {"name": "王明"})
    fid = followups.schedule(conn, wang, followups.clock.today(), "报价回访")
    assert [r["followup_id"] for r in followups.due(conn)] == [fid]
    assert followups.cancel(conn, fid, "  重复安排 ") == fid
    assert followups.due(conn) == []
    assert rows(conn) == [(fid, wang, "2026-11-23", "报价回访", 1, "重复安排")]
    entry = audit.entries(conn)[0]
    assert (entry.action, entry.entity, entry.entity_id, entry.fields) == (
        "cancel", "followup", str(fid), ["cancel_reason", "done_at"])
    [item] = [r for r in timeline.timeline(conn, wang) if r["kind"] == "followup"]
    assert item["description"] == f"follow-up #{fid}: 报价回访 (due 2026-11-23, cancelled: 重复安排)"


def test_cancel_and_edit_refusals_change_nothing(conn):
    wang = customers.add(conn, {"name": "王明"})
    done = followups.schedule(conn, wang, followups.clock.today())
    followups.done(conn, done)
    gone = followups.schedule(conn, wang, followups.clock.today())
    followups.cancel(conn, gone, "不要了")
    live = followups.schedule(conn, wang, followups.clock.today())
    before = state(conn)
    cases = [
        (lambda: followups.cancel(conn, done, "x"), InvalidValue,
         f"follow-up {done} is already done (on 2026-11-23)"),
        (lambda: followups.cancel(conn, gone, "x"), InvalidValue,
         f"follow-up {gone} is already cancelled (on 2026-11-23)"),
        (lambda: followups.cancel(conn, live, "  "), InvalidValue, "--reason cannot be empty"),
        (lambda: followups.cancel(conn, 99, "x"), NotFound, "no follow-up 99"),
        (lambda: followups.edit(conn, gone, purpose="x"), InvalidValue,
         f"follow-up {gone} is already cancelled (on 2026-11-23)"),
        (lambda: followups.edit(conn, done, purpose="x"), InvalidValue,
         f"follow-up {done} is already done (on 2026-11-23)"),
        (lambda: followups.edit(conn, live), UsageError, "followups edit needs --due or --purpose"),
        (lambda: followups.edit(conn, live, due=followups.clock.today().replace(day=22)),
         InvalidValue, "cannot move a follow-up into the past (2026-11-22)"),
        (lambda: followups.done(conn, gone), InvalidValue,
         f"follow-up {gone} is already cancelled (on 2026-11-23)"),
        (lambda: followups.snooze(conn, gone, followups.clock.today().replace(day=30)),
         InvalidValue, f"follow-up {gone} is already cancelled (on 2026-11-23)"),
    ]
    for call, error, text in cases:
        with pytest.raises(error) as caught:
            call()
        assert str(caught.value) == text
        assert state(conn) == before


def test_edit_moves_a_follow_up_either_way_and_changes_its_purpose(conn):
    wang = customers.add(conn, {"name": "王明"})
    fid = followups.schedule(conn, wang, followups.clock.today().replace(day=30), "报价")
    today = followups.clock.today()
    assert followups.edit(conn, fid, due=today) == (fid, wang, ["due"])  # earlier: allowed
    assert followups.edit(conn, fid, purpose="送样品") == (fid, wang, ["purpose"])
    assert rows(conn) == [(fid, wang, "2026-11-23", "送样品", 0, None)]
    assert [e.fields for e in audit.entries(conn)[:2]] == [["purpose"], ["due"]]


def test_plan_names_the_other_open_follow_ups_of_that_day(conn):
    wang = customers.add(conn, {"name": "王明"})
    lina = customers.add(conn, {"name": "李娜"})
    friday = followups.clock.today().replace(day=27)
    first, _, same = followups.plan(conn, wang, friday, "报价")
    assert same == []
    followups.plan(conn, lina, friday, None)  # someone else's: not the same customer
    closed = followups.schedule(conn, wang, friday)
    followups.cancel(conn, closed, "错了")  # closed ones do not count
    second, cid, same = followups.plan(conn, wang, friday, None)
    assert (cid, same) == (wang, [first])
    assert followups.same_day_warning(wang, friday, same) == (
        f"warning: customer {wang} already has open follow-up {first} due 2026-11-27")
    third, _, same = followups.plan(conn, wang, friday, None)
    assert followups.same_day_warning(wang, friday, same).endswith(
        f"open follow-ups {first}, {second} due 2026-11-27")


def test_m009_from_schema_8_keeps_follow_ups_and_adds_cancel_reason(db_path, monkeypatch):
    from crmctl.store import migrations

    key = PASSPHRASE.encode()
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:8]))
    old = create_database(db_path, key)
    old.execute("INSERT INTO customers (name, created_at, updated_at) VALUES ('王明', 'a', 'a')")
    old.execute("INSERT INTO followups (customer_id, due, created_at, done_at) VALUES "
                "(1, '2026-11-20', 'a', 'b'), (1, '2026-11-30', 'a', NULL)")
    old.commit()
    assert "cancel_reason" not in [r[1] for r in old.execute("PRAGMA table_info(followups)")]
    old.close()
    monkeypatch.undo()
    conn = open_database(db_path, key)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    assert rows(conn) == [(1, 1, "2026-11-20", None, 1, None), (2, 1, "2026-11-30", None, 0, None)]
    followups.cancel(conn, 2, "重复")
    assert rows(conn)[1][-2:] == (1, "重复")
    with pytest.raises(Exception, match="CHECK constraint failed"):  # a reason closes it
        conn.execute("UPDATE followups SET done_at = NULL WHERE id = 2")
    conn.close()


# --- command line ----------------------------------------------------------------------------

def test_cli_cancel_edit_and_their_refusals(initialized):
    cli = initialized
    wang = cli("add", "王明").stdout.strip()
    fid = cli("followups", "schedule", wang, "friday").stdout.strip()
    r = cli("followups", "edit", fid, "--due", "2026-11-30", "--purpose", "送样品")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", f"follow-up {fid}: due, purpose changed\n")
    r = cli("followups", "cancel", fid, "--reason", "客户取消")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", f"follow-up {fid} cancelled\n")
    assert json.loads(cli("followups", "--until", "+2w", "--format", "json").stdout) == []
    before = inspect_db(state)
    for args, code, text in [
        (("cancel", fid, "--reason", "again"), 1,
         f"crmctl: follow-up {fid} is already cancelled (on 2026-11-23)\n"),
        (("edit", fid, "--purpose", "x"), 1,
         f"crmctl: follow-up {fid} is already cancelled (on 2026-11-23)\n"),
        (("cancel", "99", "--reason", "x"), 1, "crmctl: no follow-up 99\n"),
        (("cancel", "x", "--reason", "x"), 1, "crmctl: follow-up id must be a number, not 'x'\n"),
    ]:
        r = cli("followups", *args)
        assert (r.exit_code, r.stdout, r.stderr) == (code, "", text), args
    r = cli("followups", "cancel", fid)  # the reason is required
    assert r.exit_code == 2 and "--reason" in r.stderr
    assert inspect_db(state) == before


def test_cli_a_second_follow_up_on_the_same_day_warns(initialized):
    cli = initialized
    wang = cli("add", "王明").stdout.strip()
    first = cli("followups", "schedule", wang, "friday").stdout.strip()
    r = cli("followups", "schedule", wang, "2026-11-27", "--purpose", "报价")
    assert r.exit_code == 0
    assert r.stderr == (f"follow-up {r.stdout.strip()} scheduled for 2026-11-27\n"
                        f"warning: customer {wang} already has open follow-up {first} "
                        "due 2026-11-27\n")
    later = cli("followups", "schedule", wang, "2026-11-30").stdout.strip()
    r = cli("followups", "edit", later, "--due", "fri")
    assert (r.exit_code, r.stderr) == (0, f"follow-up {later}: due changed\nwarning: customer "
                                          f"{wang} already has open follow-ups {first}, "
                                          f"{int(first) + 1} due 2026-11-27\n")
    r = cli("log-contact", wang, "--channel", "phone", "--summary", "询价", "--next", "friday")
    assert r.exit_code == 0
    assert r.stderr.endswith(f"already has open follow-ups {first}, {int(first) + 1}, {later} "
                             "due 2026-11-27\n")


def test_cli_log_contact_done_closes_the_follow_up_in_the_same_step(initialized):
    cli = initialized
    wang = cli("add", "王明").stdout.strip()
    fid = cli("followups", "schedule", wang, "today").stdout.strip()
    r = cli("log-contact", wang, "--channel", "phone", "--summary", "回访", "--done", fid)
    assert r.exit_code == 0 and r.stderr == f"follow-up {fid} done\n"
    assert inspect_db(rows)[0][4] == 1
    assert json.loads(cli("followups", "--format", "json").stdout) == []
    log = json.loads(cli("audit", "log", "--format", "json").stdout)
    assert [(e["action"], e["entity"]) for e in log[:2]] == [("done", "followup"),
                                                              ("log-contact", "interaction")]
    assert log[0]["command"] == log[1]["command"] == "log-contact"
    second = cli("followups", "schedule", wang, "friday").stdout.strip()
    r = cli("log-contact", wang, "--channel", "wechat", "--summary", "确认", "--closes", second)
    assert r.exit_code == 0 and r.stderr == f"follow-up {second} done\n"


def test_cli_log_contact_done_refusals_log_nothing(initialized):
    cli = initialized
    wang = cli("add", "王明").stdout.strip()
    lina = cli("add", "李娜").stdout.strip()
    hers = cli("followups", "schedule", lina, "today").stdout.strip()
    mine = cli("followups", "schedule", wang, "today").stdout.strip()
    cli("followups", "cancel", mine, "--reason", "错了")
    before = inspect_db(state)
    for fid, text in [(hers, f"customer {wang} has no follow-up {hers}"),
                      (mine, f"follow-up {mine} is already cancelled (on 2026-11-23)"),
                      ("99", "no follow-up 99"),
                      ("abc", "follow-up id must be a number, not 'abc'")]:
        r = cli("log-contact", wang, "--channel", "phone", "--summary", "回访", "--done", fid,
                "--next", "+1w")
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"crmctl: {text}\n"), fid
    assert inspect_db(state) == before


def test_cli_log_contact_says_a_follow_up_due_by_today_is_still_open(initialized, pin_clock):
    cli = initialized
    pin_clock("2026-11-20T09:00:00+08:00")
    wang = cli("add", "王明").stdout.strip()
    overdue = cli("followups", "schedule", wang, "2026-11-21").stdout.strip()
    pin_clock(NOW)
    today = cli("followups", "schedule", wang, "today").stdout.strip()
    cli("followups", "schedule", wang, "tomorrow")  # not due yet: not mentioned
    r = cli("log-contact", wang, "--channel", "phone", "--summary", "回访", "--next", "today")
    assert r.exit_code == 0
    assert r.stderr.splitlines()[1:] == [  # not the one it just scheduled for today
        f"warning: customer {wang} already has open follow-up {today} due 2026-11-23",
        f"follow-up {overdue} (due 2026-11-21) is still open; close it with --done {overdue}",
        f"follow-up {today} (due 2026-11-23) is still open; close it with --done {today}"]
    r = cli("log-contact", wang, "--channel", "phone", "--summary", "回访", "--done", overdue)
    assert r.stderr.splitlines()[0] == f"follow-up {overdue} done"
    assert f"follow-up {overdue} (due" not in r.stderr
    lina = cli("add", "李娜").stdout.strip()  # nothing open: nothing said
    r = cli("log-contact", lina, "--channel", "phone", "--summary", "初次")
    assert (r.exit_code, r.stderr) == (0, "")
