"""Issue 17.1: correcting interactions — list, edit, void. A voided interaction counts in no
rule (last contact, latest rating, churn, complaints, campaign responses, stage, tier
review) and stays in the timeline, marked; an edit recomputes what its fields feed.

The clock is pinned to 2026-11-23 09:00 in Asia/Shanghai.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import inspect_db

from crmctl.core import (audit, campaigns, correct_interactions, customers, interactions,
                         lifecycle, purchases, reports, tiers, timeline)
from crmctl.core.followups import due
from crmctl.errors import InvalidValue, NotFound, UsageError

NOW = "2026-11-23T09:00:00+08:00"
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(NOW)


def log(conn, cid, at, **kw):
    kw.setdefault("channel", "phone")
    kw.setdefault("summary", "回访")
    return interactions.log(conn, cid, at=at, **kw).id


def last_contact(conn, cid):
    return conn.execute("SELECT last_contact_at FROM customers WHERE id = ?", (cid,)).fetchone()[0]


def rating(conn, cid):
    return conn.execute("SELECT at, satisfaction FROM latest_ratings WHERE customer_id = ?",
                        (cid,)).fetchone()


def stage(conn, cid):
    return conn.execute(f"SELECT {lifecycle.stage_sql('c')} FROM customers c WHERE id = :id",
                        {"id": cid, **lifecycle.stage_params(TODAY)}).fetchone()[0]


def reasons(conn, cid):
    return sorted(r["reason"] for r in due(conn, TODAY, today=TODAY) if r["customer_id"] == cid)


def state(c):
    """Everything a refused command must leave as it was."""
    return (c.execute("SELECT * FROM interactions ORDER BY id").fetchall(),
            c.execute("SELECT * FROM customers ORDER BY id").fetchall(),
            c.execute("SELECT * FROM latest_ratings ORDER BY customer_id").fetchall(),
            c.execute("SELECT max(id) FROM audit_log").fetchone())


# --- void ----------------------------------------------------------------------------------

def test_void_takes_back_last_contact_and_rating_and_nothing_else(conn):
    wang = customers.add(conn, {"name": "王明", "company": "华为"})
    lina = customers.add(conn, {"name": "李娜"})
    older = log(conn, wang, "2026-11-01T10:00", satisfaction=4)
    wrong = log(conn, wang, "2026-11-20T10:00", satisfaction=1, channel="微信")
    log(conn, lina, "2026-11-21T10:00", satisfaction=1)
    others = (rating(conn, lina), last_contact(conn, lina))
    assert rating(conn, wang)[1] == 1 and "churn-risk" in reasons(conn, wang)
    done = correct_interactions.void(conn, wrong, "  记错客户 ")
    assert done == {"id": wrong, "customer_id": wang, "reopened": []}
    assert last_contact(conn, wang) == interactions.for_customer(conn, wang)[0]["at"]
    assert rating(conn, wang) == ("2026-11-01T02:00:00Z", 4)
    assert "churn-risk" not in reasons(conn, wang)
    assert [r["id"] for r in interactions.for_customer(conn, wang)] == [older]
    assert (rating(conn, lina), last_contact(conn, lina)) == others  # nobody else moves
    row = conn.execute("SELECT voided_at, void_reason, summary, satisfaction FROM interactions "
                       "WHERE id = ?", (wrong,)).fetchone()
    assert row == ("2026-11-23T01:00:00Z", "记错客户", "回访", 1)  # kept as it was
    entry = audit.entries(conn)[0]
    assert (entry.action, entry.entity, entry.entity_id, entry.fields) == (
        "void", "interaction", str(wrong), ["void_reason", "voided_at"])
    [item] = [e for e in timeline.timeline(conn, wang) if e["id"] == wrong]
    assert item["description"] == "wechat: 回访; satisfaction 1/5 [voided: 记错客户]"


def test_voiding_the_only_contact_leaves_the_customer_never_contacted(conn):
    wang = customers.add(conn, {"name": "王明"})
    iid = log(conn, wang, "2026-11-20T10:00", satisfaction=2)
    correct_interactions.void(conn, iid, "测试")
    assert (last_contact(conn, wang), rating(conn, wang)) == (None, None)


def test_voiding_the_only_recent_contact_brings_back_silence_churn(conn):
    wang = customers.add(conn, {"name": "王明"})  # regular: 180-day cadence, churn at 360
    conn.execute("UPDATE customers SET created_at = '2025-01-01T00:00:00Z' WHERE id = ?", (wang,))
    conn.commit()
    recent = log(conn, wang, "2026-11-01T10:00")
    assert reasons(conn, wang) == []
    correct_interactions.void(conn, recent, "记错客户")
    assert reasons(conn, wang) == ["churn-risk"]


def test_a_voided_complaint_leaves_counts_churn_and_report(conn):
    wang = customers.add(conn, {"name": "王明"})
    iid = log(conn, wang, "2026-11-10T10:00", complaint=True, category="delivery")
    assert [c["id"] for c in interactions.open_complaints(conn, 7)] == [iid]
    assert "churn-risk" in reasons(conn, wang)
    assert reports.overview(conn, TODAY)["open_complaints"]["delivery"] == 1
    correct_interactions.void(conn, iid, "不是投诉")
    assert interactions.open_complaints(conn) == []
    assert interactions.complaint_counts(conn)["delivery"] == {"open": 0, "resolved": 0}
    assert "churn-risk" not in reasons(conn, wang)
    assert reports.overview(conn, TODAY)["open_complaints"]["delivery"] == 0
    with pytest.raises(InvalidValue, match="no open complaint"):  # cannot be resolved either
        interactions.log(conn, wang, channel="phone", summary="处理", resolves="all")


def test_voiding_the_contact_that_resolved_a_complaint_reopens_it(conn):
    wang = customers.add(conn, {"name": "王明"})
    complaint = log(conn, wang, "2026-11-10T10:00", complaint=True)
    fix = interactions.log(conn, wang, channel="visit", summary="上门", resolves="all",
                           at="2026-11-12T10:00").id
    assert interactions.open_complaints(conn) == []
    assert correct_interactions.void(conn, fix, "没去")["reopened"] == [complaint]
    assert [c["id"] for c in interactions.open_complaints(conn)] == [complaint]
    assert "churn-risk" in reasons(conn, wang)


def test_a_voided_inbound_reply_is_no_campaign_response(conn):
    wang = customers.add(conn, {"name": "王明", "email": "wang@huawei.com"})
    cid = campaigns.create(conn, "双十一", "email")
    conn.execute("INSERT INTO campaign_targets (campaign_id, customer_id, added_at) "
                 "VALUES (?, ?, '2026-11-01T00:00:00Z')", (cid, wang))
    conn.commit()
    reply = interactions.log(conn, wang, channel="email", summary="有兴趣", direction="in",
                             campaign_id=cid).id
    assert (campaigns.report(conn, cid)["responded"], campaigns.report(conn, cid)["reached"]) \
        == (1, 1)
    correct_interactions.void(conn, reply, "发错人")
    figures = campaigns.report(conn, cid)
    assert (figures["responded"], figures["reached"], figures["targeted"]) == (0, 0, 1)


def test_a_voided_recent_contact_lets_the_customer_churn(conn):
    wang = customers.add(conn, {"name": "王明"})
    conn.execute("UPDATE customers SET created_at = '2024-01-01T00:00:00Z' WHERE id = ?", (wang,))
    purchases.record(conn, wang, "100", when=date(2025, 1, 10))
    conn.commit()
    log(conn, wang, "2025-01-10T10:00")
    recent = log(conn, wang, "2026-11-01T10:00")
    assert stage(conn, wang) == "customer"
    correct_interactions.void(conn, recent, "记错")
    assert stage(conn, wang) == "churned"


def test_a_voided_rating_leaves_the_falling_satisfaction_rule(conn):
    wang = customers.add(conn, {"name": "王明"}, tier="gold")
    for table in ("customers", "tier_history"):  # gold since long ago
        column = "created_at" if table == "customers" else "at"
        conn.execute(f"UPDATE {table} SET {column} = '2025-01-01T00:00:00Z'")
    conn.commit()
    purchases.record(conn, wang, "100", when=date(2026, 10, 1))
    ids = [log(conn, wang, f"2026-{m:02d}-01T10:00", satisfaction=s)
           for m, s in ((3, 5), (4, 4), (5, 3))]
    assert [(p.customer_id, p.rule) for p in tiers.review(conn)] == [(wang, "satisfaction")]
    correct_interactions.void(conn, ids[-1], "打错分")
    assert tiers.review(conn) == []
    correct_interactions.edit(conn, ids[1], satisfaction=2)  # 5, 2: two ratings only
    assert tiers.review(conn) == []


# --- edit ----------------------------------------------------------------------------------

def test_edit_moves_last_contact_and_rating_with_the_new_time(conn):
    wang = customers.add(conn, {"name": "王明"})
    first = log(conn, wang, "2026-11-01T10:00", satisfaction=2)
    second = log(conn, wang, "2026-11-20T10:00", satisfaction=5)
    assert correct_interactions.edit(conn, second, at="2026-10-01T10:00") == {
        "id": second, "customer_id": wang, "fields": ["at"]}
    assert last_contact(conn, wang) == "2026-11-01T02:00:00Z"
    assert rating(conn, wang) == ("2026-11-01T02:00:00Z", 2)
    correct_interactions.edit(conn, first, satisfaction="4", channel="电话", summary="改过")
    assert rating(conn, wang) == ("2026-11-01T02:00:00Z", 4)
    row = conn.execute("SELECT channel, summary FROM interactions WHERE id = ?",
                       (first,)).fetchone()
    assert row == ("phone", "改过")
    assert audit.entries(conn)[0].fields == ["channel", "satisfaction", "summary"]


def test_edit_makes_and_unmakes_a_complaint(conn):
    wang = customers.add(conn, {"name": "王明"})
    iid = log(conn, wang, "2026-11-10T10:00")
    correct_interactions.edit(conn, iid, complaint=True, category="billing")
    assert [(c["id"], c["category"]) for c in interactions.open_complaints(conn)] == [
        (iid, "billing")]
    correct_interactions.edit(conn, iid, category="产品")
    assert interactions.open_complaints(conn)[0]["category"] == "product"
    correct_interactions.edit(conn, iid, complaint=False)
    assert interactions.open_complaints(conn) == []
    assert conn.execute("SELECT complaint, complaint_category FROM interactions").fetchone() \
        == (0, None)


def test_editing_a_resolving_contact_moves_the_resolution_with_it(conn):
    wang = customers.add(conn, {"name": "王明"})
    complaint = log(conn, wang, "2026-11-10T10:00", complaint=True)
    fix = interactions.log(conn, wang, channel="visit", summary="上门", resolves="all",
                           at="2026-11-12T10:00").id
    correct_interactions.edit(conn, fix, at="2026-11-13T10:00")
    assert conn.execute("SELECT resolved_at FROM interactions WHERE id = ?",
                        (complaint,)).fetchone()[0] == "2026-11-13T02:00:00Z"


def test_refusals_change_nothing(conn):
    wang = customers.add(conn, {"name": "王明"})
    live = log(conn, wang, "2026-11-10T10:00")
    gone = log(conn, wang, "2026-11-11T10:00")
    correct_interactions.void(conn, gone, "错")
    before = state(conn)
    cases = [
        (lambda: correct_interactions.void(conn, gone, "x"), InvalidValue,
         f"interaction {gone} is already voided (on 2026-11-23)"),
        (lambda: correct_interactions.edit(conn, gone, summary="x"), InvalidValue,
         f"interaction {gone} is voided (on 2026-11-23) and cannot be edited"),
        (lambda: correct_interactions.void(conn, 99, "x"), NotFound, "no interaction 99"),
        (lambda: correct_interactions.edit(conn, 99, summary="x"), NotFound,
         "no interaction 99"),
        (lambda: correct_interactions.void(conn, live, " "), InvalidValue,
         "--reason cannot be empty"),
        (lambda: correct_interactions.edit(conn, live), UsageError,
         "interactions edit needs at least one of --summary, --outcome, --channel, --at, "
         "--satisfaction, --complaint/--no-complaint, --category"),
        (lambda: correct_interactions.edit(conn, live, satisfaction=6), InvalidValue,
         "satisfaction must be a whole number from 1 to 5, not 6"),
        (lambda: correct_interactions.edit(conn, live, channel="飞鸽"), InvalidValue, None),
        (lambda: correct_interactions.edit(conn, live, at="2026-12-01"), InvalidValue,
         "--at cannot be in the future (2026-12-01)"),
        (lambda: correct_interactions.edit(conn, live, summary="  "), InvalidValue,
         "--summary cannot be empty"),
        (lambda: correct_interactions.edit(conn, live, category="product"), UsageError,
         "--category goes with --complaint"),
        (lambda: correct_interactions.void(conn, "x", "r"), InvalidValue,
         "interaction id must be a number, not 'x'"),
    ]
    for call, error, text in cases:
        with pytest.raises(error) as caught:
            call()
        if text is not None:
            assert str(caught.value) == text
        assert state(conn) == before


def test_list_shows_voided_ones_marked(conn):
    wang = customers.add(conn, {"name": "王明"})
    a = log(conn, wang, "2026-11-10T10:00")
    b = log(conn, wang, "2026-11-11T10:00")
    correct_interactions.void(conn, b, "重复")
    rows = correct_interactions.for_customer(conn, "王明")
    assert [(r["id"], r["void_reason"]) for r in rows] == [(b, "重复"), (a, None)]
    with pytest.raises(NotFound, match="no customer 99"):
        correct_interactions.for_customer(conn, 99)


def test_forget_erases_voided_interactions_too(conn):
    from crmctl.core import privacy

    wang = customers.add(conn, {"name": "王明"})
    correct_interactions.void(conn, log(conn, wang, "2026-11-10T10:00"), "王明的私事")
    privacy.forget(conn, wang)
    assert conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0


# --- command line ----------------------------------------------------------------------------

def test_cli_list_edit_void_and_their_refusals(initialized):
    cli = initialized
    wang = cli("add", "王明", "--company", "华为").stdout.strip()
    iid = cli("log-contact", wang, "--channel", "电话", "--summary", "询价", "--at",
              "2026-11-20").stdout.strip()
    r = cli("interactions", "edit", iid, "--channel", "微信", "--satisfaction", "3", "--at", "昨天")
    assert (r.exit_code, r.stdout, r.stderr) == (
        0, "", f"interaction {iid} changed: at, channel, satisfaction\n")
    [row] = json.loads(cli("interactions", "list", "王明", "--format", "json").stdout)
    assert (row["channel"], row["satisfaction"], row["at"]) == ("wechat", 3,
                                                               "2026-11-22T01:00:00Z")
    r = cli("interactions", "void", iid, "--reason", "记错客户")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", f"interaction {iid} voided\n")
    before = inspect_db(state)
    for args, text in [
        (("void", iid, "--reason", "again"),
         f"interaction {iid} is already voided (on 2026-11-23)"),
        (("edit", iid, "--summary", "x"),
         f"interaction {iid} is voided (on 2026-11-23) and cannot be edited"),
        (("void", "99", "--reason", "x"), "no interaction 99"),
        (("edit", "99", "--outcome", "x"), "no interaction 99"),
        (("edit", "x", "--outcome", "x"), "interaction id must be a number, not 'x'"),
        (("list", "99"), "no customer 99"),
    ]:
        r = cli("interactions", *args)
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"crmctl: {text}\n"), args
    r = cli("interactions", "void", iid)  # the reason is required
    assert r.exit_code == 2 and "--reason" in r.stderr
    assert inspect_db(state) == before
    r = cli("interactions", "list", wang)
    assert r.exit_code == 0 and "voided: 记错客户" in r.stdout
    assert "[voided: 记错客户]" in cli("show", wang).stdout
