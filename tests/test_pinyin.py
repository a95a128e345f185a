"""Pinyin search and sort (issue 16 item 4): the keys (crmctl.pinyin), the search of
`list --search` by initials and full pinyin beside today's matching, `--sort name` in pinyin
order, the keys kept by add/edit/import/forget, and migration 13 from a schema-9 database."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import PASSPHRASE

from crmctl import pinyin
from crmctl.core import customers, privacy, search, tags
from crmctl.core.customers import Filter

PEOPLE = [("王明", "华为"), ("李娜", "腾讯"), ("陈伟", "小米"), ("刘洋", "京东"),
          ("Anna Schmidt", "Acme GmbH"), ("曾国藩", "湘军"), ("张三", "华为技术有限公司"),
          ("Lily Wang", "Hooli"), ("汪明", None)]


@pytest.fixture
def people(conn):
    return {name: customers.add(conn, {"name": name, "company": company,
                                       "email": f"p{i}@example.com"})
            for i, (name, company) in enumerate(PEOPLE)}


def found(conn, query, **kw):
    return [c.name for c in customers.list_customers(conn, Filter(search=query, **kw))]


# ---- the keys -------------------------------------------------------------------------

def test_tokens_hold_full_pinyin_and_initials_from_each_syllable():
    assert pinyin.name_tokens("王明华").split() == ["wangminghua", "wmh", "minghua", "mh",
                                                   "hua"]
    assert pinyin.company_tokens("华为") == "huawei hw wei"
    assert pinyin.name_tokens("Anna Schmidt") == "" and pinyin.company_tokens(None) == ""
    assert pinyin.name_tokens("吕布").split()[0] == "lvbu"  # ü typed as v


@pytest.mark.parametrize("name, reading, common", [
    ("单雄信", "shanxiongxin", "danxiongxin"), ("曾国藩", "zengguofan", "cengguofan"),
    ("解缙", "xiejin", "jiejin"), ("区志强", "ouzhiqiang", "quzhiqiang"),
    ("仇英", "qiuying", "chouying"), ("朴正", "piaozheng", "puzheng"),
    ("尉迟恭", "yuchigong", None)])
def test_a_name_reads_its_surname_in_name_mode_and_keeps_the_common_reading(name, reading,
                                                                            common):
    tokens = pinyin.name_tokens(name).split()
    assert tokens[0] == reading
    assert pinyin.sort_key(name).rstrip("0123456789").startswith(reading[:2])
    if common:  # typed the common way, the person is found too; a company reads it so
        assert common in tokens
        assert pinyin.company_tokens(name).split()[0] == common


def test_runs_are_read_as_pypinyin_reads_them_phrases_included():
    from pypinyin import Style, lazy_pinyin

    for text in ("重庆长安汽车", "长沙银行", "中国银行行长", "朝阳区", "北京伟芳科技有限公司",
                 "音乐", "快乐", "华为技术有限公司", "觉得"):
        assert list(pinyin._run(text)) == lazy_pinyin(text, style=Style.TONE3,
                                                      neutral_tone_with_five=True), text


# common characters of names and companies, polyphonic ones (长 重 行 乐 朝 觉 单 曾…) and
# the starts of pypinyin's phrases among them, so runs hit phrases often
_HANZI = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
          "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌亮波宁辉鹏飞"
          "北京上海深圳杭州广成都南武汉苏西安科技贸易机械电子食品物流医药材服饰咨询有限公司"
          "长重行乐朝觉单得音快银庆沙区车中汽了着地的都还为种")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_HANZI, min_size=1, max_size=12))
def test_any_han_run_reads_as_pypinyin_reads_it(text):
    from pypinyin import Style, lazy_pinyin

    assert list(pinyin._run(text)) == lazy_pinyin(text, style=Style.TONE3,
                                                  neutral_tone_with_five=True)


def test_sort_key_interleaves_latin_names_by_their_letters():
    names = ["刘洋", "Lily", "陈伟", "Anna", "李娜", "张三", "Zoe", "王明", "汪明"]
    assert sorted(names, key=pinyin.sort_key) == [
        "Anna", "陈伟", "李娜", "Lily", "刘洋", "汪明", "王明", "张三", "Zoe"]
    assert pinyin.sort_key("ＡＮＮＡ") == "anna" and pinyin.sort_key(None) is None


# ---- search ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["wm", "wangming", "wang ming", "WangMing", "WANGM", "ming"])
def test_pinyin_finds_wang_ming(conn, people, query):
    assert "王明" in found(conn, query)


def test_pinyin_queries_find_names_and_companies(conn, people):
    assert found(conn, "wm") == ["王明", "汪明"]
    assert found(conn, "hw") == ["王明", "张三"]  # 华为, 华为技术有限公司
    assert found(conn, "huawei") == ["王明", "张三"]
    assert found(conn, "zeng guofan") == ["曾国藩"] == found(conn, "ceng")
    assert found(conn, "wang") == ["王明", "Lily Wang", "汪明"]  # pinyin and letters alike
    # inside a syllable pinyin does not match: only today's substring match of the letters
    assert found(conn, "ang") == ["Lily Wang"] and found(conn, "ingh") == []
    assert found(conn, "wang xx") == [] and found(conn, "ming wang") == []  # words in order


def test_queries_that_are_not_pinyin_match_as_before(conn, people):
    for query, names in [("王", ["王明"]), ("明", ["王明", "汪明"]), ("华为", ["王明", "张三"]),
                         ("example.com", [n for n, _ in PEOPLE]), ("p1@", ["李娜"]),
                         ("anna schmidt", ["Anna Schmidt"]), ("gmbh", ["Anna Schmidt"]),
                         ("王 hw", ["王明"]), ("schm", ["Anna Schmidt"])]:
        assert found(conn, query) == names, query
    assert search.pinyin_plan("example.com") is None and search.pinyin_plan("wm") is None
    assert search.pinyin_plan("王明 wang") is None


def test_pinyin_with_a_limit_a_sort_and_another_filter(conn, people):
    assert found(conn, "wang", limit=2) == ["王明", "Lily Wang"]
    assert found(conn, "wang", limit=2, sort="-id") == ["汪明", "Lily Wang"]
    assert found(conn, "wang", sort="name") == ["Lily Wang", "汪明", "王明"]
    tags.add(conn, "vip", [people["汪明"], people["李娜"]])
    assert found(conn, "wang", tag=["vip"], limit=1) == ["汪明"]
    assert customers.matching_ids(conn, Filter(search="wangming")) == [people["王明"],
                                                                       people["汪明"]]


def test_edit_and_forget_keep_the_keys(conn, people):
    customers.edit(conn, people["王明"], {"name": "单田芳", "company": "评书社"})
    assert found(conn, "wm") == ["汪明"] and found(conn, "hw") == ["张三"]
    assert found(conn, "shantianfang") == ["单田芳"] == found(conn, "pss")
    key = "SELECT name_key FROM customers WHERE id = ?"
    assert conn.execute(key, (people["王明"],)).fetchone() == ("shan4tian2fang1",)
    privacy.forget(conn, people["汪明"])
    assert conn.execute(key, (people["汪明"],)).fetchone() == (None,)
    assert found(conn, "wm") == [] and found(conn, "wangming") == []


# ---- import ---------------------------------------------------------------------------

def test_import_writes_the_keys_and_merges_recompute_them(conn, tmp_path):
    from crmctl.core import importing
    from crmctl.core.importing import Options

    path = tmp_path / "客户.csv"
    path.write_text("姓名,公司,手机\n王明,华为,13800138000\n单雄信,瓦岗寨,13900139000\n"
                    "汪明,,13800138000\n", encoding="gbk")
    importing.run(conn, path, Options(on_duplicate="update"))
    assert found(conn, "sxx") == ["单雄信"]
    assert found(conn, "hw") == ["汪明"]  # the duplicate row renamed 王明, kept its company
    assert found(conn, "wm") == ["汪明"] and found(conn, "wangming") == ["汪明"]
    assert [c.name for c in customers.list_customers(conn, Filter(sort="name"))] == [
        "单雄信", "汪明"]
    assert conn.execute("SELECT count(*) FROM customers WHERE name_key IS NULL").fetchone() == (0,)


# ---- migration 13 ---------------------------------------------------------------------

def test_m013_from_schema_9_fills_the_keys(db_path, monkeypatch):
    from crmctl.store import create_database, migrations, open_database

    key = PASSPHRASE.encode()
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:9]))
    old = create_database(db_path, key)
    rows = [(1, "王明", "华为", "wm@qq.com", None), (2, "单雄信", None, None, "+8613800138000"),
            (3, "Anna", "Acme", None, None), (4, "陈伟", "小米", None, None),
            (5, "[forgotten]", None, None, None)]
    for cid, name, company, email, phone in rows:
        old.execute("INSERT INTO customers (id, name, company, email, phone, created_at, "
                    "updated_at, forgotten_at) VALUES (?, ?, ?, ?, ?, 'a', 'a', ?)",
                    (cid, name, company, email, phone, "b" if cid == 5 else None))
        if cid != 5:
            trigram, grams = search.document((name, company, email, phone, None))
            old.execute("INSERT INTO search_trigram(rowid, text) VALUES (?, ?)", (cid, trigram))
            old.execute("INSERT INTO search_grams(rowid, text) VALUES (?, ?)", (cid, grams))
    old.commit()
    assert old.execute("PRAGMA user_version").fetchone()[0] == 9
    old.close()
    monkeypatch.undo()
    conn = open_database(db_path, key)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    assert conn.execute("SELECT id, name_key FROM customers ORDER BY id").fetchall() == [
        (1, "wang2ming2"), (2, "shan4xiong2xin4"), (3, "anna"), (4, "chen2wei3"), (5, None)]
    assert found(conn, "wm") == ["王明"] and found(conn, "hw") == ["王明"]
    assert found(conn, "sxx") == ["单雄信"] and found(conn, "xiaomi") == ["陈伟"]
    for query, names in [("王", ["王明"]), ("单雄", ["单雄信"]), ("13800", ["单雄信"]),
                         ("wm@", ["王明"]), ("an", ["Anna"])]:
        assert found(conn, query) == names, query  # what matched before still does
    assert [c.name for c in customers.list_customers(conn, Filter(sort="name"))] == [
        "Anna", "陈伟", "单雄信", "王明"]
    assert conn.execute("SELECT count(*) FROM search_grams WHERE search_grams MATCH 'forgotten'"
                        ).fetchone() == (0,)
    conn.execute("INSERT INTO search_grams(search_grams, rank) VALUES ('integrity-check', 0)")
    conn.close()


# ---- the command line -----------------------------------------------------------------

def test_cli_search_and_sort_in_pinyin(initialized):
    cli = initialized
    for name, company in [("王明", "华为"), ("Anna", None), ("陈伟", "小米"), ("李娜", None)]:
        args = ["add", name] + (["--company", company] if company else [])
        assert cli(*args).exit_code == 0
    listed = cli("list", "--search", "wang ming", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert [r["name"] for r in json.loads(listed.stdout)] == ["王明"]
    assert json.loads(cli("list", "--search", "hw", "--format", "json").stdout)[0]["company"] \
        == "华为"
    by_name = cli("list", "--sort", "name", "--format", "json")
    assert [r["name"] for r in json.loads(by_name.stdout)] == ["Anna", "陈伟", "李娜", "王明"]
    nothing = cli("list", "--search", "ang", "--format", "json")
    assert nothing.exit_code == 0 and json.loads(nothing.stdout) == []


def test_listing_and_followups_do_not_import_pypinyin(tmp_path):
    """pypinyin (~0.5 s to import) loads only where a name or company is written."""
    code = f"""
import sys
import crmctl.store.connection as sc
sc.TEST_KDF_ITER = 2
from crmctl.store import create_database
from crmctl.core import customers, followups_report
conn = create_database({str(tmp_path / 'x.db')!r}, {PASSPHRASE.encode()!r})
customers.list_customers(conn, customers.Filter(search="wangming", sort="name"))
assert "pypinyin" not in sys.modules
customers.add(conn, {{"name": "王明"}})
assert "pypinyin" in sys.modules
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
