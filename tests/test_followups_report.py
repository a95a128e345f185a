"""The follow-up report as one SQL statement: rows that meet several rules, ties in the
order, and `followups --format json` rendered by SQLite (render.json_object_sql) exactly as
emit_json renders the same rows.

The clock is pinned to 2026-11-23 09:00 in Asia/Shanghai, as in test_followups.py.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from conftest import inspect_db
from sqlcipher3 import dbapi2

from crmctl import clock, render
from crmctl.core import customers, followups

TODAY = date(2026, 11, 23)
NOW = "2026-11-23T09:00:00+08:00"


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(NOW)


def ago(days: int) -> str:
    day = TODAY - timedelta(days=days)
    return clock.to_utc_text(datetime(day.year, day.month, day.day, 10).astimezone())


def person(conn, name: str, tier: str, contacted: int, **fields) -> int:
    cid = customers.add(conn, {"name": name, **fields}, tier=tier)
    conn.execute("UPDATE customers SET created_at = ?, last_contact_at = ? WHERE id = ?",
                 (ago(1000), ago(contacted), cid))
    return cid


def contact(conn, cid: int, days: int, satisfaction=None, complaint=False) -> None:
    conn.execute("INSERT INTO interactions (customer_id, at, channel, summary, satisfaction,"
                 " complaint) VALUES (?, ?, 'phone', '回访', ?, ?)",
                 (cid, ago(days), satisfaction, int(complaint)))


def test_churn_risk_and_cadence_for_one_customer(conn):
    wang = person(conn, "王明", "gold", contacted=31)
    contact(conn, wang, 31, satisfaction=2)
    rows = [r for r in followups.due(conn) if r["customer_id"] == wang]
    assert [(r["reason"], r["due"], r["overdue_days"], r["purpose"]) for r in rows] == [
        ("churn-risk", "2026-10-23", 31, "last satisfaction 2/5 (2026-10-23)"),
        ("cadence", "2026-11-22", 1, "gold cadence: every 30 days; last contact 2026-10-23")]


def test_every_churn_reason_in_one_row_from_the_earliest(conn):
    li = person(conn, "李娜", "silver", contacted=200)
    contact(conn, li, 200, satisfaction=1, complaint=True)
    contact(conn, li, 230, complaint=True)
    # each open complaint is also a complaint row, due 72 h (silver) after it was logged
    first, row, second = followups.due(conn)
    assert [(r["reason"], r["due"]) for r in (first, second)] == [
        ("complaint", "2026-04-10"), ("complaint", "2026-05-10")]
    # silent since 200 days ago: at risk from 20 days ago; rated 1 200 days ago; the
    # oldest open complaint (230 days ago) became a risk 8 days later: the earliest
    assert (row["reason"], row["due"], row["overdue_days"]) == ("churn-risk", "2026-04-15", 222)
    assert row["purpose"] == ("no contact for 200 days (silver: every 90); "
                              "last satisfaction 1/5 (2026-05-07); "
                              "2 complaints open, oldest 230 days")


def test_ties_tier_then_customer_then_reason_then_followup_then_birthday_first(conn):
    gold = person(conn, "甲", "gold", contacted=1)
    diamond = person(conn, "乙", "diamond", contacted=1)
    fan = person(conn, "丙", "silver", contacted=5, birthday="1990-11-25")
    conn.execute("UPDATE customers SET first_purchase_at = '2020-11-25', purchase_count = 1"
                 " WHERE id = ?", (fan,))
    regular = person(conn, "丁", "regular", contacted=3)
    contact(conn, regular, 3, satisfaction=1)
    day = TODAY - timedelta(days=3)
    first = followups.schedule(conn, gold, day, "报价")
    notice = followups.schedule(conn, gold, day, "升级为金牌", kind="notify")
    second = followups.schedule(conn, gold, day, "合同")
    top = followups.schedule(conn, diamond, day, "续约")
    late = followups.schedule(conn, regular, day, "投诉回访")
    rows = followups.due(conn, TODAY + timedelta(days=3))
    assert [(r["customer_id"], r["reason"], r["followup_id"]) for r in rows] == [
        (diamond, "scheduled", top),
        (gold, "scheduled", first), (gold, "scheduled", second), (gold, "notify", notice),
        (regular, "scheduled", late), (regular, "churn-risk", None),
        (fan, "care", None), (fan, "care", None)]
    assert [r["purpose"] for r in rows[-2:]] == [
        "birthday (turns 36)", "6th anniversary of the first purchase (2020-11-25)"]
    assert {r["due"] for r in rows[:6]} == {day.isoformat()} and rows[-1]["due"] == "2026-11-25"


def test_json_object_sql_renders_as_emit_json():
    columns = ["id", 'a"b', "50% off", "it's", "名字", "none"]
    values = [(1, 'x"y\\z\n\tend\x01', "%s %d %%", "", "王明😀", None),
              (-3, "\u2028\x7f", "2**40", "'quoted'", "李娜", 2 ** 40)]
    conn = dbapi2.connect(":memory:")
    names = ", ".join('? AS "{}"'.format(c.replace('"', '""')) for c in columns)
    texts = [conn.execute(f"SELECT {render.json_object_sql(columns)} FROM (SELECT {names})",
                          row).fetchone()[0] for row in values]
    expected = render.to_json([dict(zip(columns, row)) for row in values])
    assert "[\n" + ",\n".join(texts) + "\n]" == expected
    assert json.loads(expected)[0]['a"b'] == 'x"y\\z\n\tend\x01'


def test_json_list_sql_renders_the_whole_list_as_emit_json_in_its_order(capsysbinary):
    columns = ["id", "name", "none"]
    rows = [(2, '李"娜\n', None), (1, "王明😀\u2028", 7), (3, "50% {x}", None)]
    conn = dbapi2.connect(":memory:")
    conn.execute("CREATE TABLE t (id, name, none)")
    document_sql = (f"SELECT {render.json_list_sql('o')} FROM (SELECT "
                    f"{render.json_object_sql(columns)} AS o FROM t ORDER BY id DESC)")
    assert conn.execute(document_sql).fetchone()[0] is None
    render.emit_json_body(None)
    assert capsysbinary.readouterr().out == b"[]\n"
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    render.emit_json_body(conn.execute(document_sql).fetchone()[0])
    expected = render.to_json([dict(zip(columns, row)) for row in sorted(rows, reverse=True)])
    assert capsysbinary.readouterr().out == (expected + "\n").encode("utf-8")


def test_cli_json_is_the_report_rendered_by_emit_json(initialized):
    cli = initialized
    ids = [cli("add", name, "--tier", tier).stdout.strip() for name, tier in (
        ('王"明\\', "gold"), ("李娜😀", "diamond"), ("张伟 50%", "regular"))]
    for cid, when, purpose in ((ids[0], "tomorrow", '报价 "A\\B"\t终'),
                               (ids[1], "today", "续约"), (ids[2], "+1w", "50% 折扣 {x}")):
        assert cli("followups", "schedule", cid, when, "--purpose", purpose).exit_code == 0
    for args, until in (((), TODAY), (("--until", "+1w"), TODAY + timedelta(days=7)),
                        (("--until", "+1w", "--tier", "gold"), None)):
        r = cli("followups", "--format", "json", *args)
        assert r.exit_code == 0, r.stderr
        if until is None:
            assert [row["name"] for row in json.loads(r.stdout)] == ['王"明\\']
            continue
        report = inspect_db(lambda conn: followups.due(conn, until))
        assert len(report) == (1 if until == TODAY else 3)
        assert r.stdout == render.to_json(report) + "\n"
    r = cli("followups", "--format", "json", "--overdue")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "[]\n", "")


def test_json_object_sql_spares_json_quote_for_integers_and_words():
    """integers: an integer or NULL as it is; words: never-escaped texts between quotes;
    the rest json_quote'd: the same text as emit_json's either way."""
    columns = ["id", "tier", "name", "fid"]
    values = [(7, "gold", '王"明\\', None), (2 ** 40, "regular", "李娜\n", -3)]
    conn = dbapi2.connect(":memory:")
    names = ", ".join(f'? AS "{c}"' for c in columns)
    sql = render.json_object_sql(columns, integers=("id", "fid"), words=("tier",))
    assert sql.count("json_quote") == 1
    texts = [conn.execute(f"SELECT {sql} FROM (SELECT {names})", row).fetchone()[0]
             for row in values]
    assert "[\n" + ",\n".join(texts) + "\n]" == render.to_json(
        [dict(zip(columns, row)) for row in values])
