"""Interactions: last_contact_at kept right (back-dated logs too), complaints open until
resolved, ages in local days (7 vs 8), --next in the same transaction, bad input refused
with one line and nothing changed, and a run under another TZ."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest

from crmctl.core import audit, customers, interactions
from crmctl.errors import InvalidValue, NotFound, UsageError

NOW = "2026-11-23T10:00:00+08:00"
TABLES = ("interactions", "followups", "audit_log")


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", NOW)


@pytest.fixture
def tz():
    """Switch the process time zone for one test (TZ + tzset), and back afterwards."""
    old = os.environ.get("TZ")

    def switch(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield switch
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def state(conn) -> dict:
    out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    out["contacts"] = conn.execute("SELECT group_concat(coalesce(last_contact_at, '-')) "
                                   "FROM customers").fetchone()[0]
    out["open"] = conn.execute("SELECT count(*) FROM interactions WHERE complaint = 1 "
                               "AND resolved_at IS NULL").fetchone()[0]
    return out


def last_contact(conn, cid):
    return conn.execute("SELECT last_contact_at FROM customers WHERE id = ?", (cid,)).fetchone()[0]


def test_log_stores_utc_and_keeps_last_contact_at_the_latest(conn):
    cid = customers.add(conn, {"name": "王明", "company": "华为"})
    first = interactions.log(conn, cid, channel="phone", summary="询价",
                             at="2026-11-20T15:30+08:00", direction="out", satisfaction=4)
    assert first.at == "2026-11-20T07:30:00Z"
    assert last_contact(conn, cid) == first.at
    # back-dated: stored, but last_contact_at does not move backwards
    older = interactions.log(conn, cid, channel="visit", summary="拜访", at="2026-11-01")
    assert older.at < first.at and last_contact(conn, cid) == first.at
    newest = interactions.log(conn, cid, channel="wechat", summary="微信确认")
    assert newest.at == "2026-11-23T02:00:00Z" and last_contact(conn, cid) == newest.at
    rows = interactions.for_customer(conn, cid)
    assert [r["id"] for r in rows] == [newest.id, first.id, older.id]
    assert rows[1]["satisfaction"] == 4 and rows[1]["direction"] == "out"
    entry = {e.entity_id: e for e in audit.entries(conn, entity="interaction")}[str(first.id)]
    assert entry.action == "log-contact"
    assert set(entry.fields) == {"customer_id", "channel", "summary", "at", "direction",
                                 "satisfaction"}
    assert "询价" not in conn.execute("SELECT group_concat(fields) FROM audit_log").fetchone()[0]


def test_complaint_open_7_vs_8_days(conn):
    cid = customers.add(conn, {"name": "李娜"})
    seven = interactions.log(conn, cid, channel="phone", summary="发货慢", complaint=True,
                             category="delivery", at="2026-11-16T09:00")
    eight = interactions.log(conn, cid, channel="email", summary="发票错误", complaint=True,
                             category="billing", at="2026-11-15T21:00")
    plain = interactions.log(conn, cid, channel="email", summary="普通问候",
                             at="2026-11-01T09:00")
    every = interactions.open_complaints(conn)
    assert [(c["id"], c["age_days"], c["category"]) for c in every] == [
        (eight.id, 8, "billing"), (seven.id, 7, "delivery")]
    assert plain.id not in [c["id"] for c in every]
    assert [c["id"] for c in interactions.open_complaints(conn, older_than_days=7)] == [eight.id]
    assert [c["id"] for c in interactions.open_complaints(conn, older_than_days=6)] == [
        eight.id, seven.id]
    later = interactions.open_complaints(conn, older_than_days=7, today=date(2026, 11, 24))
    assert [c["id"] for c in later] == [eight.id, seven.id]
    assert interactions.complaint_counts(conn)["billing"] == {"open": 1, "resolved": 0}


def test_complaints_stay_open_until_resolved(conn):
    wang = customers.add(conn, {"name": "王明"})
    li = customers.add(conn, {"name": "李娜"})
    a = interactions.log(conn, wang, channel="phone", summary="质量问题", complaint=True,
                         category="product", at="2026-11-10T10:00")
    b = interactions.log(conn, wang, channel="phone", summary="未知", complaint=True,
                         at="2026-11-12T10:00")
    theirs = interactions.log(conn, li, channel="chat", summary="服务态度", complaint=True,
                              category="service", at="2026-11-12T10:00")
    assert interactions.for_customer(conn, wang)[0]["category"] == "other"  # the default
    fixed = interactions.log(conn, wang, channel="visit", summary="更换产品", resolves=a.id)
    assert fixed.resolved == [a.id]
    resolved_at = conn.execute("SELECT resolved_at FROM interactions WHERE id = ?",
                               (a.id,)).fetchone()[0]
    assert resolved_at == fixed.at
    assert [c["id"] for c in interactions.open_complaints(conn)] == [b.id, theirs.id]
    done = interactions.log(conn, wang, channel="phone", summary="全部处理", resolves="all")
    assert done.resolved == [b.id]
    assert [c["id"] for c in interactions.open_complaints(conn)] == [theirs.id]
    counts = interactions.complaint_counts(conn)
    assert counts["product"] == {"open": 0, "resolved": 1}
    assert counts["service"] == {"open": 1, "resolved": 0}


@pytest.mark.parametrize("kwargs, error, message", [
    ({"channel": "fax"}, InvalidValue, "unknown channel 'fax'; "
     "channels: phone 电话, email 邮件, meeting 会议, visit 拜访, wechat 微信, chat 聊天, social 社交, other 其他"),
    ({"satisfaction": 0}, InvalidValue, "satisfaction must be a whole number from 1 to 5, not 0"),
    ({"satisfaction": 6}, InvalidValue, "satisfaction must be a whole number from 1 to 5, not 6"),
    ({"satisfaction": "good"}, InvalidValue,
     "satisfaction must be a whole number from 1 to 5, not 'good'"),
    ({"direction": "sideways"}, InvalidValue, "unknown direction "
     "'sideways'; directions: in 呼入, out 呼出"),
    ({"complaint": True, "category": "weather"}, InvalidValue, "unknown complaint category "
     "'weather'; categories: product 产品, service 服务, delivery 物流, billing 账单, other 其他"),
    ({"category": "product"}, UsageError, "--category goes with --complaint"),
    ({"summary": "  "}, InvalidValue, "--summary cannot be empty"),
    ({"at": "2026-11-24"}, InvalidValue, "--at cannot be in the future (2026-11-24)"),
    ({"at": "someday"}, InvalidValue, "cannot read date 'someday': try 2026-12-01, 昨天 or -7d (more in --help)"),
    ({"next_due": date(2026, 11, 22)}, InvalidValue, "--next cannot be in the past (2026-11-22)"),
    ({"purpose": "回访"}, UsageError, "--purpose goes with --next"),
    ({"customer_id": 999}, NotFound, "no customer 999"),
    ({"customer_id": "nobody"}, NotFound, "no customer matches 'nobody'"),
    ({"resolves": "all"}, InvalidValue,
     "customer 1 has no open complaint logged before this contact"),
    ({"resolves": 2}, NotFound, "customer 1 has no complaint 2"),   # not a complaint
    ({"resolves": 3}, NotFound, "customer 1 has no complaint 3"),   # someone else's
    ({"resolves": "first"}, InvalidValue,
     "--resolves-complaint takes a complaint id or 'all', not 'first'"),
    ({"resolves": 1, "at": "2026-11-01"}, InvalidValue,
     "complaint 1 was logged after this contact"),
])
def test_refused_logs_change_nothing(conn, kwargs, error, message):
    cid = customers.add(conn, {"name": "王明"})
    other = customers.add(conn, {"name": "李娜"})
    interactions.log(conn, cid, channel="phone", summary="投诉", complaint=True,
                     at="2026-11-20T10:00")                                           # id 1
    interactions.log(conn, cid, channel="phone", summary="问候", at="2026-11-20T11:00")  # id 2
    interactions.log(conn, other, channel="phone", summary="投诉", complaint=True)     # id 3
    if kwargs.get("resolves") == "all":
        interactions.log(conn, cid, channel="phone", summary="处理", resolves=1)
    before = state(conn)
    args = {"channel": "phone", "summary": "再次联系", **kwargs}
    with pytest.raises(error) as err:
        interactions.log(conn, args.pop("customer_id", cid), **args)
    assert str(err.value) == message
    assert state(conn) == before


def test_resolving_twice_is_refused(conn):
    cid = customers.add(conn, {"name": "王明"})
    c = interactions.log(conn, cid, channel="phone", summary="投诉", complaint=True,
                         at="2026-11-20T10:00")
    fix = interactions.log(conn, cid, channel="phone", summary="已处理", resolves=c.id)
    before = state(conn)
    with pytest.raises(InvalidValue, match=f"complaint {c.id} was already resolved at {fix.at}"):
        interactions.log(conn, cid, channel="phone", summary="再处理", resolves=c.id)
    assert state(conn) == before


def test_next_schedules_a_followup_in_the_same_transaction(conn):
    cid = customers.add(conn, {"name": "张伟"})
    done = interactions.log(conn, cid, channel="meeting", summary="方案评审",
                            next_due=date(2026, 12, 7), purpose="报价")
    row = conn.execute("SELECT customer_id, due, kind, purpose FROM followups WHERE id = ?",
                       (done.followup_id,)).fetchone()
    assert tuple(row) == (cid, "2026-12-07", "scheduled", "报价")


def test_a_contact_at_local_2330_lands_on_that_local_day(conn, tz, monkeypatch):
    tz("America/Los_Angeles")  # UTC-8 in November: 23:30 local is 07:30Z the next day
    monkeypatch.setenv("CRMCTL_NOW", "2026-11-23T12:00:00-08:00")
    cid = customers.add(conn, {"name": "Anna Schmidt"})
    late = interactions.log(conn, cid, channel="phone", summary="late call", complaint=True,
                            at="2026-11-15T23:30")
    assert late.at == "2026-11-16T07:30:00Z"
    row = interactions.for_customer(conn, cid)[0]
    assert row["day"] == "2026-11-15"
    # on the 23rd it has been open 8 local days (7 by its UTC date): churn-risk material
    assert [(c["id"], c["age_days"]) for c in
            interactions.open_complaints(conn, older_than_days=7)] == [(late.id, 8)]
    tz("Asia/Shanghai")  # UTC+8: 07:30 local is the previous day in UTC
    monkeypatch.setenv("CRMCTL_NOW", "2026-11-23T12:00:00+08:00")
    early = interactions.log(conn, cid, channel="phone", summary="early call",
                             at="2026-11-20T07:30")
    assert early.at == "2026-11-19T23:30:00Z"
    assert interactions.for_customer(conn, cid)[0]["day"] == "2026-11-20"


def _db_state():
    from conftest import inspect_db

    return inspect_db(state)


def test_cli_log_contact(initialized):
    cli = initialized
    cid = cli("add", "王明", "--company", "华为").stdout.strip()
    made = cli("log-contact", cid, "--channel", "phone", "--summary", "投诉物流", "--complaint",
               "--category", "delivery", "--at", "2026-11-20T15:30", "--satisfaction", "2")
    assert made.exit_code == 0, made.stderr
    assert made.stdout == "1\n" and made.stderr == ""
    fixed = cli("log-contact", cid, "--channel", "visit", "--summary", "上门处理",
                "--resolves-complaint", "all", "--next", "+2w", "--purpose", "回访")
    assert fixed.exit_code == 0, fixed.stderr
    assert fixed.stdout == "2\n"
    assert fixed.stderr == "resolved complaint #1\nfollow-up #1 due 2026-12-07\n"
    before = _db_state()
    assert before["open"] == 0 and before["interactions"] == 2
    cases = [
        (("--channel", "fax"), 1, "unknown channel 'fax'; "
         "channels: phone 电话, email 邮件, meeting 会议, visit 拜访, wechat 微信, chat 聊天, social 社交, other 其他"),
        (("--satisfaction", "0"), 1, "satisfaction must be a whole number from 1 to 5, not '0'"),
        (("--satisfaction", "6"), 1, "satisfaction must be a whole number from 1 to 5, not '6'"),
        (("--complaint", "--category", "weather"), 1, "unknown complaint category 'weather'; "
         "categories: product 产品, service 服务, delivery 物流, billing 账单, other 其他"),
        (("--at", "2026-11-31"), 1, "cannot read date '2026-11-31': try 2026-12-01, 昨天 or -7d (more in --help)"),
        (("--next", "soon"), 1, "cannot read date 'soon': try 2026-12-10, 明天 or +3d (more in --help)"),
        (("--resolves-complaint", "1"), 1, "complaint 1 was already resolved at "
         "2026-11-23T02:00:00Z"),
        (("--category", "product"), 2, "--category goes with --complaint"),
    ]
    for extra, code, line in cases:
        result = cli("log-contact", cid, "--channel", "phone", "--summary", "再联系", *extra)
        assert (result.exit_code, result.stderr, result.stdout) == (code, f"crmctl: {line}\n",
                                                                   ""), extra
    for ident, line in [("999", "no customer 999"),
                        ("abc", "no customer matches 'abc'")]:
        result = cli("log-contact", ident, "--channel", "phone", "--summary", "x")
        assert (result.exit_code, result.stderr) == (1, f"crmctl: {line}\n")
    missing = cli("log-contact", cid, "--channel", "phone")
    assert missing.exit_code == 2 and "--summary" in missing.stderr
    assert missing.stderr.count("\n") == 1
    assert _db_state() == before
