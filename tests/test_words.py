"""Chinese (and other) words for the enumerated values: one table (core/words.py) for the
command line, the Python API and import; stored and printed values stay English."""

from __future__ import annotations

import json

import pytest
from conftest import inspect_db

from crmctl.core import consent, customers, interactions, lifecycle, rules, words
from crmctl.core.importing import mapping
from crmctl.errors import InvalidValue


def test_the_tables_hold_the_values_the_rest_of_the_core_knows():
    assert words.TIERS.values == rules.TIERS
    assert words.STAGES.values == lifecycle.STAGES
    assert interactions.CHANNELS == ("phone", "email", "meeting", "visit", "wechat", "chat",
                                     "social", "other")
    assert consent.CHANNELS == ("email", "phone", "sms", "wechat")
    assert interactions.DIRECTIONS == ("in", "out")


@pytest.mark.parametrize("table, word, value", [
    (words.TIERS, "钻石", "diamond"), (words.TIERS, "钻石客户", "diamond"),
    (words.TIERS, "金牌", "gold"), (words.TIERS, "金牌客户", "gold"), (words.TIERS, "金卡", "gold"),
    (words.TIERS, "银牌", "silver"), (words.TIERS, "普通", "regular"),
    (words.TIERS, "A", "diamond"), (words.TIERS, "b类", "gold"), (words.TIERS, "C级", "silver"),
    (words.TIERS, "Ｄ", "regular"), (words.TIERS, " Gold ", "gold"),
    (words.CHANNELS, "电话", "phone"), (words.CHANNELS, "手机", "phone"),
    (words.CHANNELS, "微信", "wechat"), (words.CHANNELS, "邮件", "email"),
    (words.CHANNELS, "电子邮件", "email"), (words.CHANNELS, "拜访", "visit"),
    (words.CHANNELS, "面谈", "visit"), (words.CHANNELS, "上门", "visit"),
    (words.CHANNELS, "会议", "meeting"), (words.CHANNELS, "开会", "meeting"),
    (words.CHANNELS, "聊天", "chat"), (words.CHANNELS, "Phone", "phone"),
    (words.CONSENT_CHANNELS, "短信", "sms"), (words.CONSENT_CHANNELS, "邮件", "email"),
    (words.CONSENT_CHANNELS, "电话", "phone"), (words.CONSENT_CHANNELS, "微信", "wechat"),
    (words.DIRECTIONS, "呼入", "in"), (words.DIRECTIONS, "来电", "in"),
    (words.DIRECTIONS, "呼出", "out"), (words.DIRECTIONS, "去电", "out"),
    (words.CATEGORIES, "物流", "delivery"), (words.CATEGORIES, "产品", "product"),
    (words.STAGES, "流失", "churned"), (words.STAGES, "潜在客户", "prospect"),
])
def test_a_word_names_its_value(table, word, value):
    assert table.find(word) == value
    assert table.check(word) == value


@pytest.mark.parametrize("table, word", [
    (words.TIERS, "VIP"), (words.TIERS, "客户"), (words.TIERS, "e"), (words.TIERS, ""),
    (words.CHANNELS, "短信"), (words.CHANNELS, "fax"), (words.CONSENT_CHANNELS, "拜访"),
    (words.DIRECTIONS, "sideways"), (words.STAGES, "lead"),
])
def test_other_words_name_nothing(table, word):
    assert table.find(word) is None
    with pytest.raises(InvalidValue, match=f"^unknown {table.what} "):
        table.check(word)


def test_the_error_lists_the_words_in_both_languages():
    with pytest.raises(InvalidValue) as caught:
        words.CONSENT_CHANNELS.check("传真")
    assert str(caught.value) == ("unknown consent channel '传真'; channels: email 邮件, "
                                 "phone 电话, sms 短信, wechat 微信")


def test_import_reads_tiers_with_the_same_table():
    # a full-width grade, as a Chinese input method types it, was unknown to import before
    assert mapping.tier_word("Ａ类客户") == "diamond"
    for word in ("钻石客户", "金牌", "B", "银", "普通会员", "VIP", "客户"):
        assert mapping.tier_word(word) == words.TIERS.find(word)


def test_the_python_api_takes_the_words(conn):
    wang = customers.add(conn, {"name": "王明"}, tier="金牌")
    assert customers.get(conn, wang).tier == "gold"
    done = interactions.log(conn, wang, channel="电话", summary="投诉", direction="来电",
                            complaint=True, category="物流")
    row = conn.execute("SELECT channel, direction, complaint_category FROM interactions "
                       "WHERE id = ?", (done.id,)).fetchone()
    assert tuple(row) == ("phone", "in", "delivery")
    consent.record(conn, wang, "短信", True)
    assert consent.current_state(conn, wang)["sms"]["granted"] is True
    assert [c.name for c in customers.list_customers(conn, customers.Filter(tier="金牌客户"))
            ] == ["王明"]


def test_cli_tiers_in_chinese(initialized):
    cli = initialized
    zhang = cli("add", "张伟", "--tier", "银牌").stdout.strip()
    wang = cli("add", "王明", "--tier", "钻石客户").stdout.strip()
    assert cli("add", "李娜", "--tier", "platinum").exit_code == 0
    r = cli("tier", "set", zhang, "金牌", "--reason", "大单")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.startswith(f"#{zhang}: silver → gold;")
    listed = json.loads(cli("list", "--tier", "金牌", "--format", "json").stdout)
    assert [(c["name"], c["tier"]) for c in listed] == [("张伟", "gold")]
    listed = json.loads(cli("list", "--tier", "A", "--format", "json").stdout)
    assert sorted((c["name"], c["tier"]) for c in listed) == [("李娜", "diamond"),
                                                               ("王明", "diamond")]
    assert cli("followups", "--tier", "金牌").exit_code == 0
    assert json.loads(cli("show", wang, "--format", "json").stdout)["tier"] == "diamond"
    r = cli("add", "赵六", "--tier", "铜牌")
    assert (r.exit_code, r.stderr) == (1, "crmctl: unknown tier '铜牌'; tiers: diamond 钻石, "
                                          "gold 金牌, silver 银牌, regular 普通 (also 钻石客户…, "
                                          "A/B/C/D)\n")
    assert inspect_db(lambda c: c.execute("SELECT count(*) FROM customers").fetchone()[0]) == 3


def test_cli_channels_directions_and_stages_in_chinese(initialized):
    cli = initialized
    wang = cli("add", "王明", "--email", "wang@example.cn").stdout.strip()
    r = cli("log-contact", wang, "--channel", "电话", "--direction", "来电", "--summary", "询价")
    assert r.exit_code == 0, r.stderr
    r = cli("log-contact", wang, "--channel", "拜访", "--summary", "投诉", "--complaint",
            "--category", "物流")
    assert r.exit_code == 0, r.stderr
    rows = inspect_db(lambda c: [tuple(x) for x in c.execute(
        "SELECT channel, direction, complaint_category FROM interactions ORDER BY id")])
    assert rows == [("phone", "in", None), ("visit", None, "delivery")]
    r = cli("log-contact", wang, "--channel", "短信", "--summary", "x")
    assert r.exit_code == 1
    assert r.stderr == ("crmctl: unknown channel '短信'; channels: phone 电话, email 邮件, "
                        "meeting 会议, visit 拜访, wechat 微信, chat 聊天, social 社交, other 其他\n")
    assert inspect_db(lambda c: c.execute("SELECT count(*) FROM interactions").fetchone()[0]) == 2
    assert cli("consent", wang, "grant", "邮件").exit_code == 0
    ledger = json.loads(cli("consent", wang, "--format", "json").stdout)
    assert [e["channel"] for e in ledger] == ["email"]
    assert [c["name"] for c in json.loads(
        cli("list", "--consent", "电子邮件", "--format", "json").stdout)] == ["王明"]
    assert [c["name"] for c in json.loads(
        cli("list", "--stage", "潜在客户", "--format", "json").stdout)] == ["王明"]
    made = cli("campaign", "create", "双十一", "--channel", "邮件")
    assert made.exit_code == 0, made.stderr
    assert inspect_db(lambda c: c.execute("SELECT channel FROM campaigns").fetchone()[0]) == "email"
