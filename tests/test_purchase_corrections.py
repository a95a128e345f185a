"""Issue 17.2: correcting purchases — list, void (a mistake: out of every total) and refund
(real money back, whole or part: spend, tier, RFM and campaign revenue drop from its day).

The clock is pinned to 2026-11-23 09:00 in Asia/Shanghai; the trailing 12 months of spend
are 2025-11-24 .. 2026-11-23.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import PASSPHRASE, inspect_db

from crmctl.core import (audit, campaigns, correct_purchases, customers, lifecycle, privacy,
                         purchases, referrals, reports, tiers, timeline)
from crmctl.errors import InvalidValue, NotFound
from crmctl.store import create_database, open_database

NOW = "2026-11-23T09:00:00+08:00"
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(NOW)


def buy(conn, cid, amount, day, **kw):
    return purchases.record(conn, cid, amount, when=date.fromisoformat(day), **kw)


def facts(conn, cid):
    return conn.execute("SELECT purchase_count, first_purchase_at, last_purchase_at "
                        "FROM customers WHERE id = ?", (cid,)).fetchone()


def stage(conn, cid):
    return conn.execute(f"SELECT {lifecycle.stage_sql('c')} FROM customers c WHERE id = :id",
                        {"id": cid, **lifecycle.stage_params(TODAY)}).fetchone()[0]


def proposed(conn):
    return {p.customer_id: (p.proposed, p.rule) for p in tiers.review(conn, TODAY)}


def state(c):
    """Everything a refused command must leave as it was."""
    return (c.execute("SELECT * FROM purchases ORDER BY id").fetchall(),
            c.execute("SELECT * FROM refunds ORDER BY id").fetchall(),
            c.execute("SELECT * FROM customers ORDER BY id").fetchall(),
            c.execute("SELECT max(id) FROM audit_log").fetchone())


# --- void ----------------------------------------------------------------------------------

def test_void_takes_a_purchase_out_of_count_dates_stage_spend_and_tier_review(conn):
    wang = customers.add(conn, {"name": "王明"})
    lina = customers.add(conn, {"name": "李娜"})
    first = buy(conn, wang, "500", "2026-03-01")
    wrong = buy(conn, wang, "25000", "2026-11-20")
    buy(conn, lina, "25000", "2026-11-20")
    assert (facts(conn, wang), stage(conn, wang)) == ((2, "2026-03-01", "2026-11-20"), "repeat")
    assert proposed(conn) == {wang: ("silver", "spend"), lina: ("silver", "spend")}
    assert correct_purchases.void(conn, wrong, " 金额录错 ") == {"id": wrong, "customer_id": wang}
    assert (facts(conn, wang), stage(conn, wang)) == ((1, "2026-03-01", "2026-03-01"), "customer")
    assert purchases.trailing_spend(conn, wang) == 50000
    assert proposed(conn) == {lina: ("silver", "spend")}  # 李娜's purchase still counts
    assert conn.execute("SELECT amount_minor, voided_at, void_reason FROM purchases WHERE id = ?",
                        (wrong,)).fetchone() == (2500000, "2026-11-23T01:00:00Z", "金额录错")
    entry = audit.entries(conn)[0]
    assert (entry.action, entry.entity, entry.entity_id, entry.fields) == (
        "void", "purchase", str(wrong), ["void_reason", "voided_at"])
    correct_purchases.void(conn, first, "也错了")
    assert (facts(conn, wang), stage(conn, wang)) == ((0, None, None), "prospect")
    [item] = [e for e in timeline.timeline(conn, wang) if e["id"] == first]
    assert item["description"] == "purchase 500.00 CNY [voided: 也错了]"


def test_void_leaves_rfm_referrals_and_campaign_revenue(conn):
    wang = customers.add(conn, {"name": "王明"})
    lina = customers.add(conn, {"name": "李娜", "referred_by": wang})
    camp = campaigns.create(conn, "双十一", "email", start="2026-11-01", end="2026-11-11")
    pid = buy(conn, lina, "150000", "2026-11-05", campaign_id=camp)
    small = buy(conn, lina, "30", "2026-11-06")
    before = reports.segments(conn, TODAY)
    assert referrals.ranking(conn)[0]["revenue"] == "150030.00"
    report = campaigns.report(conn, camp, TODAY)
    assert (report["purchases"], report["revenue"]) == (1, "150000.00")
    correct_purchases.void(conn, pid, "录入错误")
    assert referrals.ranking(conn)[0]["revenue"] == "30.00"
    assert referrals.ranking(conn)[0]["buying"] == 1
    report = campaigns.report(conn, camp, TODAY)
    assert (report["purchases"], report["revenue"]) == (0, "0.00")
    after = reports.segments(conn, TODAY)
    assert after != before and sum(after.values()) == sum(before.values())
    assert after == _segments_as_if(conn, {lina: [("2026-11-06", 3000)]}, before)
    correct_purchases.refund(conn, small, "10", reason="退一部分")
    assert referrals.ranking(conn)[0]["revenue"] == "20.00"


def _segments_as_if(conn, bought: dict, before: dict) -> dict:
    """The RFM segments computed by hand from the purchases a customer should have."""
    thresholds = reports.settings.get(conn, "tier_spend")
    counts = dict.fromkeys(before, 0)
    for cid, in conn.execute("SELECT id FROM customers WHERE forgotten_at IS NULL"):
        rows = bought.get(cid, [])
        if not rows:
            counts["no purchases"] += 1
            continue
        last = max(day for day, _ in rows)
        r = reports.recency_score((TODAY - date.fromisoformat(last)).days)
        m = reports.monetary_score(sum(a for _, a in rows), thresholds)
        counts[reports.segment(r, reports.frequency_score(len(rows)), m)] += 1
    return counts


# --- refund --------------------------------------------------------------------------------

def test_a_refund_lowers_spend_from_its_own_day(conn):
    wang = customers.add(conn, {"name": "王明"})
    old = buy(conn, wang, "30000", "2025-11-20")  # before the 12-month window
    buy(conn, wang, "25000", "2026-01-01")
    assert purchases.trailing_spend(conn, wang) == 2500000
    assert proposed(conn) == {wang: ("silver", "spend")}
    done = correct_purchases.refund(conn, old, "10000", reason="退货",
                                    when=date(2026, 2, 1))
    assert done == {"id": 1, "purchase_id": old, "customer_id": wang, "amount": "10000.00",
                    "currency": "CNY", "left": "20000.00"}
    assert purchases.trailing_spend(conn, wang) == 1500000  # the refund is in the window
    assert proposed(conn) == {}
    assert (facts(conn, wang), stage(conn, wang)) == ((2, "2025-11-20", "2026-01-01"), "repeat")
    entry = audit.entries(conn)[0]
    assert (entry.action, entry.entity, entry.entity_id, entry.fields) == (
        "refund", "purchase", str(old), ["amount_minor", "date", "reason"])
    [item] = [e for e in timeline.timeline(conn, wang) if e["description"].startswith("refund")]
    assert (item["at"], item["description"]) == (
        "2026-02-01", f"refund 10,000.00 CNY of purchase #{old}: 退货")


def test_a_refund_before_the_window_leaves_this_years_spend(conn):
    wang = customers.add(conn, {"name": "王明"})
    old = buy(conn, wang, "30000", "2025-11-01")
    buy(conn, wang, "25000", "2026-01-01")
    correct_purchases.refund(conn, old, reason="退货", when=date(2025, 11, 10))  # all of it
    assert purchases.trailing_spend(conn, wang) == 2500000
    assert correct_purchases.for_customer(conn, wang)[1]["net"] == "0.00"


def test_a_refund_lowers_rfm_money_and_campaign_revenue_not_counts(conn):
    wang = customers.add(conn, {"name": "王明"})
    camp = campaigns.create(conn, "双十一", "email", start="2026-11-01", end="2026-11-11")
    conn.execute("INSERT INTO campaign_targets (campaign_id, customer_id, added_at) "
                 "VALUES (?, ?, '2026-11-01T00:00:00Z')", (camp, wang))
    conn.commit()
    pid = buy(conn, wang, "600000", "2026-11-05")  # a target's purchase in the window
    seg = reports.segments(conn, TODAY)
    assert seg == _segments_as_if(conn, {wang: [("2026-11-05", 60000000)]}, seg)
    correct_purchases.refund(conn, pid, "550000", reason="部分退货")
    seg = reports.segments(conn, TODAY)
    assert seg == _segments_as_if(conn, {wang: [("2026-11-05", 5000000)]}, seg)
    report = campaigns.report(conn, camp, TODAY)
    assert (report["purchases"], report["revenue"]) == (1, "50000.00")
    assert stage(conn, wang) == "customer"


def test_refusals_change_nothing(conn):
    wang = customers.add(conn, {"name": "王明"})
    pid = buy(conn, wang, "1000", "2026-11-01")
    gone = buy(conn, wang, "20", "2026-11-02")
    correct_purchases.void(conn, gone, "错")
    correct_purchases.refund(conn, pid, "300", reason="退一部分")
    before = state(conn)
    refund = correct_purchases.refund
    cases = [
        (lambda: correct_purchases.void(conn, gone, "x"), InvalidValue,
         f"purchase {gone} is already voided (on 2026-11-23)"),
        (lambda: refund(conn, gone, reason="x"), InvalidValue,
         f"purchase {gone} is voided (on 2026-11-23) and cannot be refunded"),
        (lambda: refund(conn, pid, "700.01", reason="x"), InvalidValue,
         f"refund of 700.01 CNY is more than the 700.00 CNY left of purchase {pid}"),
        (lambda: refund(conn, pid, "0", reason="x"), InvalidValue, "amount must be more than 0"),
        (lambda: refund(conn, pid, "-5", reason="x"), InvalidValue,
         "amount cannot be negative (-5)"),
        (lambda: refund(conn, pid, reason=" "), InvalidValue, "--reason cannot be empty"),
        (lambda: refund(conn, pid, reason="x", when=date(2026, 11, 24)), InvalidValue,
         "a refund cannot be dated in the future (2026-11-24)"),
        (lambda: refund(conn, pid, reason="x", when=date(2026, 10, 31)), InvalidValue,
         "a refund cannot be dated before its purchase (2026-11-01)"),
        (lambda: refund(conn, 99, reason="x"), NotFound, "no purchase 99"),
        (lambda: correct_purchases.void(conn, 99, "x"), NotFound, "no purchase 99"),
        (lambda: correct_purchases.void(conn, "abc", "x"), InvalidValue,
         "purchase id must be a number, not 'abc'"),
    ]
    for call, error, text in cases:
        with pytest.raises(error) as caught:
            call()
        assert str(caught.value) == text
        assert state(conn) == before
    refund(conn, pid, reason="剩下的全退")
    with pytest.raises(InvalidValue, match=f"^purchase {pid} is already refunded in full$"):
        refund(conn, pid, "1", reason="x")


def test_list_and_forget(conn):
    wang = customers.add(conn, {"name": "王明"})
    pid = buy(conn, wang, "1000", "2026-11-01", note="年度合同")
    gone = buy(conn, wang, "20", "2026-11-02")
    correct_purchases.void(conn, gone, "王明说错了")
    correct_purchases.refund(conn, pid, "250.50", reason="王明退货")
    rows = correct_purchases.for_customer(conn, "王明")
    assert [(r["id"], r["amount"], r["refunded"], r["net"], r["void_reason"]) for r in rows] == [
        (gone, "20.00", "0.00", "0.00", "王明说错了"), (pid, "1000.00", "250.50", "749.50", None)]
    whole = privacy.subject_access(conn, wang)  # the right of access: voided and refunds too
    assert [(p["id"], p["void_reason"]) for p in whole["purchases"]] == [(pid, None),
                                                                         (gone, "王明说错了")]
    assert [(r["purchase_id"], r["amount_minor"], r["reason"]) for r in whole["refunds"]] == [
        (pid, 25050, "王明退货")]
    privacy.forget(conn, wang)
    assert conn.execute("SELECT count(*) FROM refunds WHERE reason IS NOT NULL").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM purchases WHERE void_reason IS NOT NULL "
                        "OR note IS NOT NULL").fetchone()[0] == 0


def test_m012_from_the_schema_before_keeps_data_and_counts_it_live(db_path, monkeypatch):
    """From the schema main had before m012 (user_version 9, 10 once m010 came first)."""
    from crmctl.store import migrations
    from crmctl.store.migrations.m012_corrections import m012_corrections

    key = PASSPHRASE.encode()
    before = migrations.MIGRATIONS.index(m012_corrections)
    assert before >= 9
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:before]))
    old = create_database(db_path, key)
    assert old.execute("PRAGMA user_version").fetchone()[0] == before
    assert "voided_at" not in [r[1] for r in old.execute("PRAGMA table_info(purchases)")]
    old.execute("INSERT INTO customers (name, created_at, updated_at, purchase_count) "
                "VALUES ('王明', 'a', 'a', 1)")
    old.execute("INSERT INTO purchases (customer_id, date, amount_minor, currency) "
                "VALUES (1, '2026-11-01', 2500000, 'CNY')")
    old.execute("INSERT INTO interactions (customer_id, at, channel, summary, satisfaction) "
                "VALUES (1, '2026-11-01T02:00:00Z', 'phone', '询价', 2), "
                "(1, '2026-11-02T02:00:00Z', 'phone', '回访', 4)")
    old.commit()
    old.close()
    monkeypatch.undo()
    conn = open_database(db_path, key)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    assert conn.execute("SELECT voided_at, void_reason FROM purchases").fetchall() == [
        (None, None)]
    assert purchases.trailing_spend(conn, 1) == 2500000
    assert conn.execute("SELECT satisfaction FROM latest_ratings").fetchall() == [(4,)]
    from crmctl.core import correct_interactions

    correct_interactions.void(conn, 2, "错")  # the new trigger recomputes the rating
    assert conn.execute("SELECT satisfaction FROM latest_ratings").fetchall() == [(2,)]
    correct_purchases.refund(conn, 1, "5000", reason="退")
    assert purchases.trailing_spend(conn, 1) == 2000000
    with pytest.raises(Exception, match="CHECK constraint failed"):  # a reason needs a void
        conn.execute("UPDATE interactions SET void_reason = 'x' WHERE id = 1")
    conn.close()


# --- command line ----------------------------------------------------------------------------

def test_cli_list_void_refund_and_their_refusals(initialized):
    cli = initialized
    wang = cli("add", "王明", "--company", "华为").stdout.strip()
    pid = cli("purchase", wang, "1000", "--date", "2026-11-01").stdout.strip()
    gone = cli("purchase", wang, "20").stdout.strip()
    r = cli("purchases", "refund", pid, "300", "--reason", "退货", "--date", "昨天")
    assert (r.exit_code, r.stdout, r.stderr) == (
        0, "", f"refunded 300.00 CNY of purchase {pid} (700.00 CNY left)\n")
    r = cli("purchases", "void", gone, "--reason", "录错")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", f"purchase {gone} voided\n")
    rows = json.loads(cli("purchases", "list", "王明", "--format", "json").stdout)
    assert [(r["id"], r["net"], r["voided_at"] is not None) for r in rows] == [
        (int(gone), "0.00", True), (int(pid), "700.00", False)]
    before = inspect_db(state)
    for args, text in [
        (("void", gone, "--reason", "again"), f"purchase {gone} is already voided (on 2026-11-23)"),
        (("refund", gone, "--reason", "x"),
         f"purchase {gone} is voided (on 2026-11-23) and cannot be refunded"),
        (("refund", pid, "800", "--reason", "x"),
         f"refund of 800.00 CNY is more than the 700.00 CNY left of purchase {pid}"),
        (("refund", pid, "0", "--reason", "x"), "amount must be more than 0"),
        (("refund", pid, "-5", "--reason", "x"), "amount cannot be negative (-5)"),
        (("refund", "99", "--reason", "x"), "no purchase 99"),
        (("void", "99", "--reason", "x"), "no purchase 99"),
        (("list", "99"), "no customer 99"),
    ]:
        r = cli("purchases", *args)
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"crmctl: {text}\n"), args
    r = cli("purchases", "refund", pid)  # the reason is required
    assert r.exit_code == 2 and "--reason" in r.stderr
    assert inspect_db(state) == before
    table = cli("purchases", "list", wang).stdout
    assert "voided: 录错" in table and "700.00" in table
    exported = json.loads(cli("export", "--what", "purchases", "--format", "json").stdout)
    assert [row["id"] for row in exported] == [int(pid)]  # a voided purchase is not exported
    shown = cli("show", wang).stdout
    assert "[voided: 录错]" in shown and f"refund 300.00 CNY of purchase #{pid}: 退货" in shown
