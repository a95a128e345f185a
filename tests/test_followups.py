"""The follow-up report (cron) and its upkeep: rules pinned at their edges.

The clock is pinned (CRMCTL_NOW) to 2026-11-23 09:00 in Asia/Shanghai; rows the
interaction and purchase writers would keep are written straight into the tables.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import inspect_db

from crmctl import clock
from crmctl.core import audit, customers, followups, tags
from crmctl.errors import InvalidValue, NotFound

TODAY = date(2026, 11, 23)
NOW = "2026-11-23T09:00:00+08:00"
KEYS = ["customer_id", "name", "tier", "due", "overdue_days", "reason", "purpose",
        "followup_id", "phone", "company", "overdue_hours"]


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(NOW)


def local(day: date, hour: int = 10) -> str:
    """The stored (UTC) form of a local time on a day."""
    return clock.to_utc_text(datetime(day.year, day.month, day.day, hour).astimezone())


def ago(days: int, hour: int = 10) -> str:
    return local(TODAY - timedelta(days=days), hour)


def person(conn, name: str, tier: str = "regular", *, contacted: int | None = None,
           added: int = 1000, **fields) -> int:
    cid = customers.add(conn, {"name": name, **fields}, tier=tier)
    conn.execute("UPDATE customers SET created_at = ?, last_contact_at = ? WHERE id = ?",
                 (ago(added), None if contacted is None else ago(contacted), cid))
    return cid


def interaction(conn, cid: int, days: int, *, satisfaction=None, complaint=False,
                category=None, resolved=False, hour: int = 10) -> None:
    at = ago(days, hour)
    conn.execute(
        "INSERT INTO interactions (customer_id, at, channel, summary, satisfaction, complaint,"
        " complaint_category, resolved_at) VALUES (?, ?, 'phone', '回访', ?, ?, ?, ?)",
        (cid, at, satisfaction, int(complaint), category, clock.now_text() if resolved else None))
    conn.execute("UPDATE customers SET last_contact_at = max(coalesce(last_contact_at, ''), ?)"
                 " WHERE id = ?", (at, cid))


def by_reason(rows, reason):
    return {r["customer_id"]: r for r in rows if r["reason"] == reason}


def test_gold_cadence_at_29_30_31_days(conn):
    d29 = person(conn, "王明", "gold", contacted=29)
    d30 = person(conn, "李娜", "gold", contacted=30)
    d31 = person(conn, "张伟", "gold", contacted=31)
    rows = followups.due(conn)
    cadence = by_reason(rows, "cadence")
    assert d29 not in cadence
    assert (cadence[d30]["due"], cadence[d30]["overdue_days"]) == ("2026-11-23", 0)
    assert (cadence[d31]["due"], cadence[d31]["overdue_days"]) == ("2026-11-22", 1)
    assert [r["customer_id"] for r in rows] == [d31, d30]  # overdue first
    assert cadence[d31]["purpose"] == "gold cadence: every 30 days; last contact 2026-10-23"
    assert cadence[d31]["followup_id"] is None and list(cadence[d31]) == KEYS
    # a week ahead, the 29-day one is due too, tomorrow
    ahead = by_reason(followups.due(conn, TODAY + timedelta(days=7)), "cadence")
    assert ahead[d29]["due"] == "2026-11-24" and ahead[d29]["overdue_days"] == 0
    # late evening contact, local day counts (UTC is still the day before at 01:00)
    late = person(conn, "刘洋", "gold")
    conn.execute("UPDATE customers SET last_contact_at = ? WHERE id = ?",
                 (ago(30, hour=1), late))
    assert by_reason(followups.due(conn), "cadence")[late]["due"] == "2026-11-23"


def test_never_contacted_counts_from_added_day(conn):
    old = person(conn, "陈静", added=181)
    new = person(conn, "杨洋", added=179)
    cadence = by_reason(followups.due(conn), "cadence")
    assert new not in cadence
    assert cadence[old]["overdue_days"] == 1
    assert cadence[old]["purpose"].endswith("never contacted since added 2026-05-26")


def test_settings_cadence_is_used(conn):
    from crmctl.core import settings

    wang = person(conn, "王明", "gold", contacted=10)
    settings.put(conn, "cadence_days", {"diamond": 3, "gold": 10, "silver": 60, "regular": 90})
    assert by_reason(followups.due(conn), "cadence")[wang]["overdue_days"] == 0


def test_churn_no_contact_at_twice_the_cadence(conn):
    d59 = person(conn, "王明", "gold", contacted=59)
    d60 = person(conn, "李娜", "gold", contacted=60)
    rows = followups.due(conn)
    churn, cadence = by_reason(rows, "churn-risk"), by_reason(rows, "cadence")
    assert d59 not in churn and cadence[d59]["overdue_days"] == 29
    assert d60 not in cadence  # the churn-risk row replaces it
    assert churn[d60]["due"] == "2026-11-23" and churn[d60]["overdue_days"] == 0
    assert churn[d60]["purpose"] == "no contact for 60 days (gold: every 30)"


def test_churn_latest_satisfaction_2_vs_3(conn):
    two = person(conn, "王明", "diamond")
    three = person(conn, "李娜", "diamond")
    rated_then_quiet = person(conn, "张伟", "diamond")
    interaction(conn, two, 5, satisfaction=4)
    interaction(conn, two, 3, satisfaction=2)
    interaction(conn, three, 5, satisfaction=1)
    interaction(conn, three, 3, satisfaction=3)
    interaction(conn, rated_then_quiet, 4, satisfaction=2)
    interaction(conn, rated_then_quiet, 2)  # unrated: the latest rating is still 2
    churn = by_reason(followups.due(conn), "churn-risk")
    assert set(churn) == {two, rated_then_quiet}
    assert churn[two]["purpose"] == "last satisfaction 2/5 (2026-11-20)"
    assert churn[two]["due"] == "2026-11-20" and churn[two]["overdue_days"] == 3


def test_churn_complaint_open_7_vs_8_days(conn):
    seven = person(conn, "王明", "silver", contacted=1)
    eight = person(conn, "李娜", "silver", contacted=1)
    fixed = person(conn, "张伟", "silver", contacted=1)
    interaction(conn, seven, 7, complaint=True, category="delivery", hour=0)
    interaction(conn, eight, 8, complaint=True, category="delivery", hour=23)
    interaction(conn, eight, 2, complaint=True, category="billing")
    interaction(conn, fixed, 30, complaint=True, category="product", resolved=True)
    churn = by_reason(followups.due(conn), "churn-risk")
    assert set(churn) == {eight}
    assert churn[eight]["due"] == "2026-11-23"
    assert churn[eight]["purpose"] == "complaint open 8 days"
    # a week on, both complaints of 李娜 are over 7 days; all reasons on one row
    later = by_reason(followups.due(conn, today=TODAY + timedelta(days=7)), "churn-risk")
    assert later[eight]["purpose"] == "2 complaints open, oldest 15 days"


def test_care_birthday_tomorrow_and_anniversary(conn):
    wang = person(conn, "王明", contacted=1, birthday="1986-11-24")
    lina = person(conn, "李娜", contacted=1, birthday="11-24")
    zhang = person(conn, "张伟", contacted=1)
    conn.execute("UPDATE customers SET first_purchase_at = '2024-11-25', purchase_count = 1 "
                 "WHERE id = ?", (zhang,))
    new = person(conn, "刘洋", contacted=1)
    conn.execute("UPDATE customers SET first_purchase_at = '2026-11-23' WHERE id = ?", (new,))
    assert by_reason(followups.due(conn), "care") == {}
    care = by_reason(followups.due(conn, TODAY + timedelta(days=1)), "care")
    assert set(care) == {wang, lina}
    assert care[wang]["purpose"] == "birthday (turns 40)" and care[lina]["purpose"] == "birthday"
    assert care[wang]["due"] == "2026-11-24" and care[wang]["overdue_days"] == 0
    care = by_reason(followups.due(conn, TODAY + timedelta(days=2)), "care")
    assert care[zhang]["purpose"] == "2nd anniversary of the first purchase (2024-11-25)"
    assert new not in care  # the day of the first purchase is no anniversary


def test_care_feb_29_birthday(conn):
    leap = person(conn, "王明", birthday="2000-02-29")
    assert by_reason(followups.due(conn, today=date(2027, 2, 27)), "care") == {}
    care = by_reason(followups.due(conn, today=date(2027, 2, 28)), "care")
    assert care[leap]["due"] == "2027-02-28" and care[leap]["purpose"] == "birthday (turns 27)"
    # in a leap year it is on the 29th, not the 28th; across the new year too
    assert by_reason(followups.due(conn, today=date(2028, 2, 28)), "care") == {}
    assert by_reason(followups.due(conn, today=date(2028, 2, 29)), "care")[leap]["due"] == \
        "2028-02-29"
    span = followups.due(conn, date(2027, 3, 1), today=date(2026, 12, 30))
    assert by_reason(span, "care")[leap]["due"] == "2027-02-28"


def test_stored_followups_replace_the_cadence_row(conn):
    wang = person(conn, "王明", "gold", contacted=40)
    lina = person(conn, "李娜", "gold", contacted=40)
    due_today = followups.schedule(conn, wang, TODAY, "报价回访")
    later = followups.schedule(conn, lina, TODAY + timedelta(days=5), "送样品")
    notify = followups.schedule(conn, lina, TODAY - timedelta(days=2), "升级为金牌",
                                kind="notify")
    rows = followups.due(conn)
    assert [(r["customer_id"], r["reason"], r["followup_id"], r["overdue_days"])
            for r in rows] == [(lina, "notify", notify, 2), (wang, "scheduled", due_today, 0)]
    assert rows[1]["purpose"] == "报价回访"
    followups.done(conn, due_today)
    followups.done(conn, notify)
    rows = followups.due(conn)
    # 王明 has nothing planned any more: the cadence row is back; 李娜 has a plan in 5 days
    assert [(r["customer_id"], r["reason"]) for r in rows] == [(wang, "cadence")]
    ahead = followups.due(conn, TODAY + timedelta(days=5))
    assert (lina, "scheduled", later) in {(r["customer_id"], r["reason"], r["followup_id"])
                                          for r in ahead}


def test_overdue_tier_tag_filters_and_forgotten(conn):
    gold = person(conn, "王明", "gold", contacted=31)
    silver = person(conn, "李娜", "silver", contacted=90)
    gone = person(conn, "张伟", "gold", contacted=45)
    conn.execute("UPDATE customers SET forgotten_at = ?, name = '' WHERE id = ?",
                 (clock.now_text(), gone))
    tags.attach(conn, ["展会2026"], [silver])
    assert {r["customer_id"] for r in followups.due(conn)} == {gold, silver}
    assert [r["customer_id"] for r in followups.due(conn, overdue_only=True)] == [gold]
    assert [r["customer_id"] for r in followups.due(conn, tier="Silver")] == [silver]
    assert [r["customer_id"] for r in followups.due(conn, tag="展会2026")] == [silver]
    assert followups.due(conn, tag="nobody") == []
    with pytest.raises(InvalidValue, match="unknown tier 'bronze'"):
        followups.due(conn, tier="bronze")


def test_done_and_snooze_refusals_change_nothing(conn):
    wang = person(conn, "王明")
    fid = followups.schedule(conn, wang, TODAY, "回访")
    assert followups.snooze(conn, fid, TODAY + timedelta(days=3)) == (fid, "2026-11-23")
    with pytest.raises(InvalidValue, match=r"cannot snooze to a day in the past \(2026-11-22\)"):
        followups.snooze(conn, fid, TODAY - timedelta(days=1))
    followups.done(conn, fid, "已下单")
    before = audit.entries(conn)
    with pytest.raises(InvalidValue, match=f"follow-up {fid} is already done \\(on 2026-11-23\\)"):
        followups.done(conn, fid)
    with pytest.raises(InvalidValue, match="already done"):
        followups.snooze(conn, fid, TODAY)
    with pytest.raises(NotFound, match="no follow-up 99"):
        followups.done(conn, 99)
    with pytest.raises(InvalidValue, match="in the past"):
        followups.plan(conn, wang, TODAY - timedelta(days=1), "x")
    assert audit.entries(conn) == before
    row = conn.execute("SELECT due, done_at IS NOT NULL, note FROM followups").fetchone()
    assert row == ("2026-11-26", 1, "已下单")
    assert [e.action for e in before if e.entity == "followup"] == ["done", "snooze", "schedule"]


def test_snooze_never_moves_a_follow_up_earlier(initialized, pin_clock):
    """Issue 13: on Wednesday 2026-12-09 `snooze FID friday` took a follow-up due on Friday
    2026-12-18 back to 2026-12-11."""
    cli = initialized
    pin_clock("2026-12-09T10:00:00+08:00")
    wang = cli("add", "王明").stdout.strip()
    fid = cli("followups", "schedule", wang, "2026-12-18").stdout.strip()
    late = cli("followups", "schedule", wang, "2026-12-09").stdout.strip()
    pin_clock("2026-12-10T10:00:00+08:00")  # the second one is now a day overdue
    entries = cli("audit", "log", "--format", "json").stdout
    for when in ("friday", "2026-12-18"):  # before, and on, the day it is due
        r = cli("followups", "snooze", fid, when)
        assert (r.exit_code, r.stdout, r.stderr) == (
            1, "", f"crmctl: follow-up {fid} is due on 2026-12-18 already; snooze moves it "
                   f"later, not to {'2026-12-11' if when == 'friday' else when}\n")
    assert cli("audit", "log", "--format", "json").stdout == entries  # nothing recorded
    assert inspect_db(lambda c: c.execute("SELECT id, due FROM followups ORDER BY id")
                      .fetchall()) == [(int(fid), "2026-12-18"), (int(late), "2026-12-09")]
    r = cli("followups", "snooze", fid, "2026-12-19")
    assert (r.exit_code, r.stderr) == (0, f"follow-up {fid} moved from 2026-12-18 to 2026-12-19\n")
    r = cli("followups", "snooze", late, "today")  # overdue: today is later than its due day
    assert (r.exit_code, r.stderr) == (0, f"follow-up {late} moved from 2026-12-09 to 2026-12-10\n")


# --- the command line -------------------------------------------------------------------------

def seed(cli) -> tuple[str, str]:
    wang = cli("add", "王明", "--tier", "gold", "--birthday", "1990-11-24").stdout.strip()
    lina = cli("add", "李娜", "--tag", "展会2026").stdout.strip()
    return wang, lina


def test_cli_schedule_done_snooze(initialized):
    cli = initialized
    wang, lina = seed(cli)
    r = cli("followups", "schedule", wang, "tomorrow", "--purpose", "报价回访")
    assert r.exit_code == 0, r.stderr
    fid = r.stdout.strip()
    assert r.stderr == f"follow-up {fid} scheduled for 2026-11-24\n"
    rows = json.loads(cli("followups", "--until", "tomorrow", "--format", "json").stdout)
    assert [list(row) for row in rows] == [KEYS] * len(rows)
    assert {(row["reason"], row["purpose"], row["followup_id"]) for row in rows} == {
        ("scheduled", "报价回访", int(fid)), ("care", "birthday (turns 36)", None)}
    r = cli("followups", "snooze", fid, "2026-12-01")
    assert (r.exit_code, r.stderr) == (0, f"follow-up {fid} moved from 2026-11-24 to 2026-12-01\n")
    r = cli("followups", "done", fid, "--note", "已报价")
    assert (r.exit_code, r.stderr) == (0, f"follow-up {fid} done\n")
    r = cli("followups", "done", fid)
    assert (r.exit_code, r.stderr) == (
        1, f"crmctl: follow-up {fid} is already done (on 2026-11-23)\n")
    r = cli("followups", "done", "99")
    assert (r.exit_code, r.stderr) == (1, "crmctl: no follow-up 99\n")
    r = cli("followups", "snooze", fid, "someday")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("crmctl: cannot read date 'someday': try 2026-12-10, ")
    r = cli("followups", "schedule", "42", "+1w")
    assert (r.exit_code, r.stderr) == (1, "crmctl: no customer 42\n")
    log = json.loads(cli("audit", "log", "--entity", "followup", "--format", "json").stdout)
    assert sorted(e["action"] for e in log) == ["done", "schedule", "snooze"]  # refusals: none


def test_cli_report_formats_and_errors(initialized, monkeypatch):
    cli = initialized
    wang, lina = seed(cli)
    monkeypatch.setenv("CRMCTL_NOW", "2027-05-23T09:00:00+08:00")  # 181 days on
    rows = json.loads(cli("followups", "--format", "json").stdout)
    # audit data never ran in the 181 days: the data review is due (90 days, issue 17.6)
    assert [(r["name"], r["reason"], r["due"], r["overdue_days"]) for r in rows] == [
        ("王明", "churn-risk", "2027-01-22", 121), (None, "data-review", "2027-02-21", 91),
        ("李娜", "cadence", "2027-05-22", 1)]
    text = cli("followups", "--format", "csv").stdout
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == KEYS and table[3][:6] == [lina, "李娜", "regular", "2027-05-22", "1",
                                                 "cadence"]
    r = cli("followups", "--tag", "展会2026")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "1 follow-up due by 2027-05-23 (1 overdue)"
    assert "李娜" in r.stdout and "王明" not in r.stdout
    assert not set(r.stdout) & set("│┃─━┏┓└┘╭╮") and "\x1b[" not in r.stdout
    r = cli("followups", "--tier", "diamond")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "nothing due by 2027-05-23\n")
    r = cli("followups", "--until", "next year")
    assert r.exit_code == 1 and r.stderr.startswith("crmctl: cannot read date 'next year'")
    r = cli("followups", "--tier", "vip")
    assert r.exit_code == 1 and r.stderr.startswith("crmctl: unknown tier 'vip'")


@pytest.mark.e2e
def test_installed_command_under_cron(initialized, tmp_path):
    """The way cron runs it: a bare environment, no terminal, the passphrase from a file."""
    cli = initialized
    cli("add", "王明", "--tier", "gold")
    secret = tmp_path / "passphrase"
    secret.write_text(os.environ["CRMCTL_PASSPHRASE"] + "\n")
    secret.chmod(0o600)
    exe = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "crmctl"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "CRMCTL_DB": os.environ["CRMCTL_DB"], "CRMCTL_PASSPHRASE_FILE": str(secret),
           "CRMCTL_NOW": "2027-01-22T07:00:00+08:00", "TZ": "Asia/Shanghai"}
    done = subprocess.run([str(exe), "followups", "--until", "+1w"], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "1 follow-up due by 2027-01-29 (0 overdue)"
    assert any("王明" in line and "churn-risk" in line and "2027-01-22" in line
               for line in lines[1:])
    assert not set(done.stdout) & set("│┃─━┏┓└┘╭╮") and "\x1b[" not in done.stdout
    del env["CRMCTL_PASSPHRASE_FILE"]
    done = subprocess.run([str(exe), "followups"], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 3 and done.stdout == "" and done.stderr.count("\n") == 1


def ratings(conn) -> list[tuple]:
    return conn.execute("SELECT customer_id, satisfaction FROM latest_ratings "
                        "ORDER BY customer_id").fetchall()


def test_latest_rating_is_kept_by_triggers(conn):
    from crmctl.core import privacy

    wang, lina, zhang = (person(conn, n) for n in ("王明", "李娜", "张伟"))
    interaction(conn, wang, 10, satisfaction=2)
    interaction(conn, wang, 20, satisfaction=5)  # older: the latest stays 2
    interaction(conn, wang, 5)  # unrated: no change
    interaction(conn, lina, 3, satisfaction=1)
    interaction(conn, zhang, 3, satisfaction=1)
    assert ratings(conn) == [(wang, 2), (lina, 1), (zhang, 1)]
    newest = conn.execute("SELECT id FROM interactions WHERE customer_id = ? "
                          "AND satisfaction = 2", (wang,)).fetchone()[0]
    conn.execute("UPDATE interactions SET satisfaction = 4 WHERE id = ?", (newest,))
    assert ratings(conn)[0] == (wang, 4)
    conn.execute("DELETE FROM interactions WHERE id = ?", (newest,))
    assert ratings(conn)[0] == (wang, 5)  # back to the older rating
    customers.remove(conn, lina)
    privacy.forget(conn, zhang)
    assert ratings(conn) == [(wang, 5)]
    assert by_reason(followups.due(conn), "churn-risk") == {}


def test_m004_backfills_the_latest_ratings(db_path, monkeypatch):
    from crmctl.store import create_database, migrations, open_database

    from crmctl.core import contact_points  # schema 3 has no contact_points (m014) yet

    every = list(migrations.MIGRATIONS)
    monkeypatch.setattr(migrations, "MIGRATIONS", every[:3])
    monkeypatch.setattr(contact_points, "owner", lambda *args: None)
    # schema 3 has no pinyin keys to index (m013 fills them on the way up)
    monkeypatch.setattr(customers, "reindex", lambda conn, ids: None)
    key = os.environ["CRMCTL_PASSPHRASE"].encode()
    old = create_database(db_path, key)
    wang = person(old, "王明")
    interaction(old, wang, 9, satisfaction=5)
    interaction(old, wang, 4, satisfaction=2)
    interaction(old, wang, 4, satisfaction=1)  # same moment: the later row wins
    old.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", every)
    conn = open_database(db_path, key)
    assert ratings(conn) == [(wang, 1)]
    assert by_reason(followups.due(conn), "churn-risk")[wang]["purpose"] == \
        "last satisfaction 1/5 (2026-11-19)"
    conn.close()
