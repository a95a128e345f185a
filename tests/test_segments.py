"""Segments everywhere (issue 18 item 3): region, industry, size, 12-month spend and RFM
segment on list, export, campaign target and followups, one Filter with one meaning."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from crmctl.core import correct_purchases, customers, purchases, segment_followups
from crmctl.core.customers import Filter
from crmctl.errors import InvalidValue

NOW = "2026-06-15T10:00:00+08:00"
TODAY = date(2026, 6, 15)


@pytest.fixture
def book(conn, pin_clock):
    """王明 广东省 制造业 50-200 spent 12,000 (one refund of 3,000 from 15,000) recently;
    李娜 广东深圳 互联网 spent 20,000 in four purchases; 张伟 北京 Manufacturing 500+ bought
    only two years ago; 陈静 no region, no purchase."""
    pin_clock(NOW)
    ids = {}
    for name, region, industry, size in (("王明", "广东省", "制造业", "50-200"),
                                         ("李娜", "广东深圳", "互联网", "50-200"),
                                         ("张伟", "北京", "Manufacturing", "500+"),
                                         ("陈静", None, None, None)):
        raw = {"name": name, "region": region, "industry": industry, "company_size": size}
        ids[name] = customers.add(conn, {k: v for k, v in raw.items() if v})
    pid = purchases.record(conn, ids["王明"], "15000", when=date(2026, 6, 1))
    correct_purchases.refund(conn, pid, "3000", reason="退货", when=date(2026, 6, 5))
    for day in (date(2025, 9, 1), date(2025, 12, 1), date(2026, 3, 1), date(2026, 6, 1)):
        purchases.record(conn, ids["李娜"], "5000", when=day)
    purchases.record(conn, ids["张伟"], "90000", when=date(2024, 5, 1))
    return ids


def names(conn, **criteria) -> list[str]:
    return [c.name for c in customers.list_customers(conn, Filter(**criteria))]


def test_region_and_industry_match_by_prefix(conn, book):
    assert names(conn, region="广东") == ["王明", "李娜"]
    assert names(conn, region="广东深") == ["李娜"]
    assert names(conn, region="深圳") == []  # a prefix, not anywhere in the text
    assert names(conn, industry="manu") == ["张伟"]  # Latin letters in any case
    assert names(conn, industry="制造") == ["王明"]
    assert names(conn, region="广%") == []  # LIKE's wildcards are plain characters


def test_size_is_the_whole_value(conn, book):
    assert names(conn, size="50-200") == ["王明", "李娜"]
    assert names(conn, size="500") == []
    assert names(conn, size="500+") == ["张伟"]


def test_spend_is_twelve_months_net_of_refunds(conn, book):
    assert names(conn, spend_min="12000") == ["王明", "李娜"]  # 15,000 - 3,000 refunded
    assert names(conn, spend_min="12000.01") == ["李娜"]
    assert names(conn, spend_max="12000") == ["王明", "张伟", "陈静"]  # 张伟's is too old
    assert names(conn, spend_max="0") == ["张伟", "陈静"]
    assert names(conn, spend_min="1", spend_max="19999.99") == ["王明"]
    assert names(conn, spend_min="0", spend_max="20000") == ["王明", "李娜", "张伟", "陈静"]


def test_segment_is_the_cards_rfm_segment(conn, book):
    from crmctl.core.analysis import value

    for cid in book.values():
        seg = value.card(conn, cid)["segment"]
        assert customers.get(conn, cid).id in [
            c.id for c in customers.list_customers(conn, Filter(segment=seg))]
    assert names(conn, segment="no purchases") == ["陈静"]
    assert names(conn, segment="No-Purchases") == ["陈静"]
    assert names(conn, segment="hibernating") == ["张伟"]


def test_criteria_combine_and_sort_by_spend(conn, book):
    assert names(conn, region="广东", spend_min="15000") == ["李娜"]
    assert names(conn, region="广东", segment="no purchases") == []
    assert names(conn, sort="-spend") == ["李娜", "王明", "陈静", "张伟"]  # ties: -id too
    assert names(conn, sort="spend") == ["张伟", "陈静", "王明", "李娜"]


@pytest.mark.parametrize("criteria, message", [
    ({"spend_min": "-1"}, "--spend-min cannot be negative (-1)"),
    ({"spend_max": "很多"}, "--spend-max must be an amount like 10000, not '很多'"),
    ({"spend_min": "10", "spend_max": "5"}, "--spend-min 10 is more than --spend-max 5"),
    ({"segment": "vip"}, "unknown segment 'vip'; segments: champions 重要价值, loyal 忠诚, "
                         "new 新客, promising 潜力, at risk 流失风险, hibernating 沉睡, "
                         "no purchases 未购买"),
    ({"region": "  "}, "--region must not be empty"),
])
def test_bad_criteria_are_refused(criteria, message):
    with pytest.raises(InvalidValue) as info:
        Filter(**criteria)
    assert str(info.value) == message


def test_filter_survives_replace():
    from dataclasses import replace

    flt = replace(Filter(spend_min="1,000", segment="at-risk"), limit=3)
    assert (flt.spend_min, flt.segment) == (Decimal("1000"), "at risk")


def test_followups_without_a_filter_add_nothing(conn, book):
    assert segment_followups.prepare() == {"tier": None, "tag": None}
    wanted = segment_followups.prepare("gold", ["vip"])
    assert segment_followups.narrowing(conn, wanted) == {"tier": "gold", "tag": "vip"}


def test_followups_keep_the_selected_customers_rows(conn, book):
    later = date(2027, 6, 15)  # a year on: every tier's cadence is due
    everyone = {r["name"] for r in segment_followups.due(conn, later)}
    assert {"王明", "李娜", "张伟", "陈静"} <= everyone
    wanted = segment_followups.prepare(region="广东")
    assert isinstance(wanted, Filter)
    rows = segment_followups.due(conn, later, wanted)
    assert {r["name"] for r in rows} == {"王明", "李娜"}
    assert not any(r["reason"] == "data-review" for r in rows)
    two_tags = segment_followups.prepare(tag=["vip", "大客户"])  # all tags: the ids path
    assert segment_followups.due(conn, later, two_tags) == []


def test_followups_command_imports_no_segment_rules():
    import subprocess
    import sys

    code = ("import sys, crmctl.cli.followups; "
            "print(sorted(m for m in ('crmctl.core.customers', 'crmctl.core.segments') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# -- the commands ---------------------------------------------------------------------------

@pytest.fixture
def cli_book(initialized, pin_clock):
    pin_clock(NOW)
    cli = initialized
    for args in (("王明", "--region", "广东省", "--industry", "制造业"),
                 ("李娜", "--region", "广东深圳"), ("张伟", "--region", "北京")):
        assert cli("add", *args).exit_code == 0
    assert cli("purchase", "1", "12000", "--date", "2026-06-01").exit_code == 0
    return cli


def test_list_region_spend_sort(cli_book):
    result = cli_book("list", "--region", "广东", "--sort", "-spend", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [c["name"] for c in json.loads(result.stdout)] == ["王明", "李娜"]
    result = cli_book("list", "--spend-min", "10000", "--format", "json")
    assert [c["name"] for c in json.loads(result.stdout)] == ["王明"]


@pytest.mark.parametrize("args, message", [
    (("--spend-min", "-5"), "crmctl: --spend-min cannot be negative (-5)"),
    (("--spend-min", "9", "--spend-max", "1"), "crmctl: --spend-min 9 is more than --spend-max 1"),
    (("--segment", "vip"), "crmctl: unknown segment 'vip'; segments: champions 重要价值, "
                           "loyal 忠诚, new 新客, promising 潜力, at risk 流失风险, "
                           "hibernating 沉睡, no purchases 未购买"),
])
@pytest.mark.parametrize("command", [("list",), ("export",), ("followups",),
                                     ("campaign", "target", "1", "--dry-run")])
def test_bad_values_are_one_line_exit_1(cli_book, command, args, message):
    result = cli_book(*command, *args)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [message]
    assert result.stdout == ""


@pytest.mark.parametrize("english, chinese", [
    ("no-purchases", "未购买客户"), ("hibernating", "休眠"), ("new", "新客户"),
    ("champions", "重要价值"), ("at-risk", "流失风险客户")])
@pytest.mark.parametrize("command", [("list", "--format", "json"), ("export", "--format", "json"),
                                     ("followups", "--until", "2027-06-15", "--format", "json")])
def test_segment_takes_the_chinese_names_too(cli_book, command, english, chinese):
    """--segment 沉睡客户 selects what --segment hibernating does, on every command."""
    results = [cli_book(*command, "--segment", word) for word in (english, chinese)]
    assert [r.exit_code for r in results] == [0, 0], results[1].stderr
    assert results[0].stdout == results[1].stdout


def test_chinese_segment_selects_and_shows_in_chinese(cli_book, monkeypatch):
    listed = cli_book("list", "--segment", "未购买客户", "--format", "json")
    assert [c["name"] for c in json.loads(listed.stdout)] == ["李娜", "张伟"]
    monkeypatch.setenv("CRMCTL_LANG", "zh_CN")
    table = cli_book("report", "value").stdout.splitlines()
    assert table[2].split()[2:5] == ["王明", "普通", "新客"]  # one purchase: new


def test_the_segment_words_shown_are_the_words_typed(monkeypatch):
    """One table: the Chinese a table shows for a segment (catalog context "segment") is the
    first Chinese word of core/words.SEGMENTS, so --segment takes what people see."""
    from crmctl.core import reports, words
    from crmctl.render import labels

    monkeypatch.setenv("CRMCTL_LANG", "zh_CN")
    shown = {v: next(iter(labels.rows([{"segment": v}], ["segment"])))["segment"]
             for v in reports.SEGMENTS}
    assert shown == words.SEGMENTS.chinese
    assert all(words.SEGMENTS.find(word) == v for v, word in shown.items())


def test_export_segment_options(cli_book):
    result = cli_book("export", "--region", "广东", "--industry", "制造", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == ["王明"]
    result = cli_book("export", "--what", "purchases", "--region", "北京")
    assert result.exit_code == 0, result.stderr
    assert list(csv.DictReader(io.StringIO(result.stdout))) == []
    result = cli_book("export", "--customer", "1", "--region", "广东")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "crmctl: --customer exports one whole record; it takes no --region"]


def test_followups_segment_options(cli_book):
    result = cli_book("followups", "--until", "2027-06-15", "--region", "广东", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert {r["name"] for r in json.loads(result.stdout)} == {"王明", "李娜"}
    result = cli_book("followups", "--until", "2027-06-15", "--spend-min", "1", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert {r["name"] for r in csv.DictReader(io.StringIO(result.stdout))} == {"王明"}


def test_campaign_target_segment_options(cli_book):
    assert cli_book("campaign", "create", "夏季促销", "--channel", "email").exit_code == 0
    result = cli_book("campaign", "target", "1", "--region", "广东", "--dry-run",
                      "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["matched"] == 2
