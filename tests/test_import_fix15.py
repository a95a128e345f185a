"""Issue 15 audit: country columns of Chinese-language exports, Chinese fax labels and
columns, every phone read in the default region counted."""

from __future__ import annotations

from pathlib import Path

from crmctl.core import contact_points, customers, importing
from crmctl.core.contact_points import type_word

REAL = Path(__file__).parent / "data" / "real"


def people(conn) -> dict:
    return {c.name: c for c in customers.list_customers(conn, customers.Filter())}


def write_gbk(tmp_path, text: str) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.encode("gbk"))
    return path


def fields(path) -> dict:
    return {r["column"]: r["field"] for r in importing.show_mapping(path)}


# --- 1. country columns of Chinese-language exports ------------------------------------------

def test_outlook_zh_country_column_is_mapped_and_wins(conn, tmp_path):
    path = write_gbk(tmp_path, "名,姓,商务地址 国家/地区,移动电话\n"
                               "Peter,Müller,德国,0151 23456783\n明,王,,13800138000\n")
    assert fields(path)["商务地址 国家/地区"] == "country"
    summary = importing.run(conn, path)
    assert (summary.inserted, summary.phones_in_default_region) == (2, 1)
    phones = {name: c.phone for name, c in people(conn).items()}
    assert phones == {"Peter Müller": "+4915123456783", "王明": "+8613800138000"}


def test_the_real_outlook_zh_header_is_a_country_column():
    assert fields(REAL / "outlook_zh_gbk.csv")["商务地址 国家/地区"] == "country"


def test_google_zh_country_column(conn, tmp_path):
    path = tmp_path / "google.csv"
    path.write_text("名字,姓氏,电话 1 - 标签,电话 1 - 值,地址 1 - 国家/地区\n"
                    "John,Smith,手机,908-295-4848,美国\n明,王,手机,13800138000,中国\n"
                    "Yui,Sato,工作,03-1234-5678,日本\n", encoding="utf-8")
    assert fields(path)["地址 1 - 国家/地区"] == "country"
    importing.run(conn, path)
    assert {n: c.phone for n, c in people(conn).items()} == {
        "John Smith": "+19082954848", "王明": "+8613800138000", "Yui Sato": "+81312345678"}


def test_thunderbird_zh_country_column(conn, tmp_path):
    path = write_gbk(tmp_path, "名字,姓氏,移动电话号码,工作所在国家/地区,家庭所在国家/地区\n"
                               "Anna,Schmidt,0151 23456789,,德国\nMary,Lee,2345 6789,香港,\n")
    got = fields(path)
    assert (got["工作所在国家/地区"], got["家庭所在国家/地区"]) == ("country", "country")
    importing.run(conn, path)
    assert {n: c.phone for n, c in people(conn).items()} == {
        "Anna Schmidt": "+4915123456789", "Mary Lee": "+85223456789"}


def test_chinese_country_names_resolve():
    from crmctl.core.importing.countries import region_of

    assert [region_of(n) for n in ("德国", "美国", "英国", "日本", "香港", "台湾", "澳门",
                                   "德國", "美國", "中国", "火星")] == [
        "DE", "US", "GB", "JP", "HK", "TW", "MO", "DE", "US", "CN", None]


# --- 2. Chinese fax labels and the 单位传真 column --------------------------------------------

def test_compound_fax_words_are_fax():
    assert [type_word(w) for w in ("工作传真", "住宅传真", "* 工作传真", "传真", "Business Fax",
                                   "工作", "寻呼")] == [
        "fax", "fax", "fax", "fax", "fax", "work", "other"]


def test_google_zh_work_fax_is_never_the_primary(conn, tmp_path):
    path = tmp_path / "google.csv"
    path.write_text("名字,姓氏,电话 1 - 标签,电话 1 - 值,电话 2 - 标签,电话 2 - 值\n"
                    "明,王,工作传真,010-88886666,工作,010-88886667\n", encoding="utf-8")
    importing.run(conn, path)
    wang = people(conn)["王明"]
    assert wang.phone == "+861088886667"
    assert contact_points.of_customer(conn, wang.id)["phones"] == [
        {"value": "+861088886667", "type": "work"}, {"value": "+861088886666", "type": "fax"}]


def test_danwei_fax_column_is_a_fax_phone(conn, tmp_path):
    path = write_gbk(tmp_path, "姓名,单位传真,办公电话\n王明,010-88886666,010-88886667\n")
    assert fields(path)["单位传真"] == "phone"
    importing.run(conn, path)
    wang = people(conn)["王明"]
    assert wang.phone == "+861088886667"
    assert {"value": "+861088886666", "type": "fax"} in \
        contact_points.of_customer(conn, wang.id)["phones"]


# --- 4. every phone read in the default region is counted -------------------------------------

def test_every_phone_read_in_the_default_region_counts(conn, tmp_path):
    path = write_gbk(tmp_path, "姓名,手机,办公电话,传真\n王明,13800138000,010-88886666,"
                               "010-88886667\n李娜,+86 139 1234 5678,0755-28780809,\n")
    summary = importing.run(conn, path)
    assert (summary.inserted, summary.phones_in_default_region) == (2, 4)


# --- 8. --on-duplicate error names each kind once ----------------------------------------------

def test_on_duplicate_error_names_each_kind_once(conn, tmp_path):
    import pytest

    from crmctl.core.importing import Options
    from crmctl.errors import Duplicate

    path = write_gbk(tmp_path, "姓名,邮箱,手机,办公电话,传真\n王明,wang@huawei.com,13800138000,"
                               "010-88886666,010-88886667\n")
    importing.run(conn, path)
    before = conn.execute("SELECT count(*), max(updated_at) FROM customers").fetchone()
    with pytest.raises(Duplicate) as caught:
        importing.run(conn, path, Options(on_duplicate="error"))
    assert str(caught.value) == ("row 2: same email and phone as customer 1; nothing was "
                                 "imported (--on-duplicate error)")
    assert conn.execute("SELECT count(*), max(updated_at) FROM customers").fetchone() == before
