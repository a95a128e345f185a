"""Referrals (推荐): the ranking of referrers, and `add --referred-by` refusing unknown ids."""

from __future__ import annotations

import json

import pytest

from crmctl.core import customers, referrals
from crmctl.errors import InvalidValue


def _buy(conn, cid, day, minor, currency="CNY"):
    conn.execute("INSERT INTO purchases (customer_id, date, amount_minor, currency)"
                 " VALUES (?, ?, ?, ?)", (cid, day, minor, currency))


def test_ranking_by_customers_brought_in_then_revenue(conn):
    wang = customers.add(conn, {"name": "王明", "company": "华为"})
    li = customers.add(conn, {"name": "李娜"})
    zhao = customers.add(conn, {"name": "赵磊"})
    a = customers.add(conn, {"name": "张伟", "referred_by": wang})
    b = customers.add(conn, {"name": "刘洋", "referred_by": wang})
    c = customers.add(conn, {"name": "陈静", "referred_by": li})
    d = customers.add(conn, {"name": "杨帆", "referred_by": zhao})
    _buy(conn, a, "2026-10-01", 100000)   # 1000.00
    _buy(conn, a, "2026-11-01", 50)       # 0.50
    _buy(conn, c, "2026-11-02", 300000)   # 3000.00
    _buy(conn, c, "2026-11-03", 9999, "USD")  # other currency: not in CNY revenue
    _buy(conn, d, "2026-11-04", 120000)   # 1200.00
    ranked = referrals.ranking(conn)
    # 王明 brought 2 (revenue 1000.50); 李娜 and 赵磊 brought 1 each, 李娜's 3000.00 first
    assert [(r["rank"], r["name"], r["referred"], r["buying"], r["revenue"]) for r in ranked] == [
        (1, "王明", 2, 1, "1000.50"), (2, "李娜", 1, 1, "3000.00"), (3, "赵磊", 1, 1, "1200.00")]
    assert referrals.ranking(conn, currency="usd")[1]["revenue"] == "99.99"
    assert [r["id"] for r in referrals.ranking(conn, limit=1)] == [wang]
    assert b not in {r["id"] for r in ranked}  # not a referrer
    with pytest.raises(InvalidValue):
        referrals.ranking(conn, limit=-1)


def test_forgotten_referrer_keeps_figures_without_name(conn):
    from crmctl.core import privacy

    wang = customers.add(conn, {"name": "王明"})
    customers.add(conn, {"name": "张伟", "referred_by": wang})
    privacy.forget(conn, wang)
    (row,) = referrals.ranking(conn)
    assert (row["id"], row["name"], row["referred"]) == (wang, privacy.FORGOTTEN_LABEL, 1)
    assert "王明" not in json.dumps(row, ensure_ascii=False)


def test_no_referrals_is_an_empty_ranking(conn):
    customers.add(conn, {"name": "王明"})
    assert referrals.ranking(conn) == []


def test_add_referred_by_unknown_id_is_refused_and_changes_nothing(initialized):
    cli = initialized
    wang = cli("add", "王明", "--phone", "13800138000").stdout.strip()
    result = cli("add", "张伟", "--referred-by", "999")
    assert result.exit_code == 1
    assert result.stderr == "crmctl: no customer 999 (given as --referred-by)\n"
    assert result.stdout == ""
    ok = cli("add", "张伟", "--referred-by", wang)
    assert ok.exit_code == 0, ok.stderr
    listed = json.loads(cli("list", "--format", "json").stdout)
    assert [c["name"] for c in listed] == ["王明", "张伟"]  # the refused add left nothing
    shown = json.loads(cli("show", ok.stdout.strip(), "--format", "json").stdout)
    assert shown["referred_by"] == int(wang)


def test_report_referrals_command(initialized):
    cli = initialized
    wang = cli("add", "王明", "--company", "华为").stdout.strip()
    li = cli("add", "李娜").stdout.strip()
    zhang = cli("add", "张伟", "--referred-by", wang).stdout.strip()
    cli("add", "刘洋", "--referred-by", wang)
    chen = cli("add", "陈静", "--referred-by", li).stdout.strip()
    assert cli("purchase", zhang, "1,000.50", "--date", "2026-11-01").exit_code == 0
    assert cli("purchase", chen, "3000", "--date", "2026-11-02").exit_code == 0
    ranked = json.loads(cli("report", "referrals", "--format", "json").stdout)
    # 王明: 张伟 + 刘洋 = 2 brought in, 1 buying, 1000.50; 李娜: 陈静, 1 buying, 3000.00
    assert [(r["rank"], r["id"], r["referred"], r["buying"], r["revenue"]) for r in ranked] == [
        (1, int(wang), 2, 1, "1000.50"), (2, int(li), 1, 1, "3000.00")]
    table = cli("report", "referrals")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["rank", "id", "name", "referred"]
    assert lines[1].split()[:4] == ["1", wang, "王明", "2"] and "##" in lines[1]
    refused = cli("report", "referrals", "--currency", "元")
    assert (refused.exit_code, refused.stderr) == (
        1, "crmctl: unknown currency '元'; known: CNY, USD, EUR, GBP, HKD, JPY, KRW\n")
