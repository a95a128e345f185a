"""Foreign numbers (issue 15.2): `import --region CC`, a row's own country column, numbers
with an international prefix keep their country, the summary says how many numbers were read
in the default region, and `add`/`edit --phone-region`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmctl.core import customers, importing, settings
from crmctl.core.importing import Options, countries, rows as rows_module
from crmctl.errors import InvalidValue

REAL = Path(__file__).parent / "data" / "real"


def people(conn) -> dict:
    return {c.name: c for c in customers.list_customers(conn, customers.Filter())}


def write(tmp_path, text: str, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def table(conn) -> list:
    return conn.execute("SELECT name, phone FROM customers ORDER BY id").fetchall()


# --- --region for numbers without a country code ------------------------------------------

NUMBERS = "name,phone\nJohn Smith,908-295-4848\nAnna Schmidt,0151 23456789\n"


def test_without_region_they_are_read_as_cn_and_the_summary_says_so(conn, tmp_path):
    summary = importing.run(conn, write(tmp_path, NUMBERS))
    assert table(conn) == [("John Smith", "+869082954848"), ("Anna Schmidt", "+8615123456789")]
    assert (summary.default_region, summary.phones_in_default_region) == ("CN", 2)


def test_region_reads_numbers_without_a_country_code(conn, tmp_path):
    summary = importing.run(conn, write(tmp_path, NUMBERS), Options(region="us"))
    assert table(conn) == [("John Smith", "+19082954848")]
    # not a valid US number: refused, not turned into another country's
    assert summary.rejected == 1 and summary.phones_in_default_region == 1
    assert summary.default_region == "US"


def test_region_de_reads_the_german_mobile(conn, tmp_path):
    importing.run(conn, write(tmp_path, "name,phone\nAnna Schmidt,0151 23456789\n"),
                  Options(region="DE"))
    assert table(conn) == [("Anna Schmidt", "+4915123456789")]


def test_an_invalid_number_is_refused_naming_the_region(conn, tmp_path):
    rejects = tmp_path / "r.csv"
    path = write(tmp_path, "name,phone\n王明,13800138000\n")
    summary = importing.run(conn, path, Options(region="US", rejects=str(rejects)))
    assert summary.rejected == 1 and table(conn) == []
    assert rejects.read_text(encoding="utf-8").splitlines()[1].split(",")[:2] == [
        "2", "invalid phone '13800138000': not a valid US number; is it foreign? use --region"]


@pytest.mark.parametrize("written,stored", [
    ("+49 711 400400", "+49711400400"), ("0049 711 400400", "+49711400400"),
    ("00 49 711 400400", "+49711400400"), ("+86 138 0013 8000", "+8613800138000"),
    ("0086 13800138000", "+8613800138000")])
@pytest.mark.parametrize("region", ["CN", "US", "DE"])
def test_a_number_with_an_international_prefix_keeps_its_country(conn, tmp_path, written,
                                                                 stored, region):
    summary = importing.run(conn, write(tmp_path, f"name,phone\nX,{written}\n"),
                            Options(region=region))
    assert table(conn) == [("X", stored)] and summary.phones_in_default_region == 0


def test_an_unknown_region_is_refused_before_anything_is_read():
    with pytest.raises(InvalidValue, match=r"^unknown phone region 'XX' \(use a code like CN, "
                                           r"US, DE\)$"):
        Options(region="XX")


def test_the_default_region_setting_is_the_default(conn, tmp_path):
    settings.put(conn, "default_region", "US")
    summary = importing.run(conn, write(tmp_path, "name,phone\nJohn,908-295-4848\n"))
    assert table(conn) == [("John", "+19082954848")] and summary.default_region == "US"


# --- a row's own country column wins ---------------------------------------------------------

def test_google_address_country_wins_over_the_default_region(conn):
    summary = importing.run(conn, REAL / "google_countries.csv")
    assert (summary.inserted, summary.rejected) == (6, 0)
    phones = {name: c.phone for name, c in people(conn).items()}
    assert phones == {
        "John Smith": "+19082954848",  # United States
        "Anna Schmidt": "+4915123456789",  # Deutschland
        "Lukas Weber": "+49711400400",  # no country, but its own +49
        "王明": "+8613800138000",  # 中国
        "李娜": "+8613912345678",  # no country: read as CN, counted
        "Mary Jones": "+12125550142",  # USA
    }
    assert summary.phones_in_default_region == 1


def test_outlook_business_or_home_country_wins(conn, tmp_path):
    rejects = tmp_path / "r.csv"
    summary = importing.run(conn, REAL / "outlook_countries.csv", Options(rejects=str(rejects)))
    assert (summary.inserted, summary.rejected, summary.phones_in_default_region) == (4, 1, 1)
    phones = {name: c.phone for name, c in people(conn).items()}
    assert phones == {
        "Peter Müller": "+4915123456789",  # mobile first; Business Country/Region Germany
        "Mary Jones": "+19082954848",  # Home Country/Region United States of America
        "张芳": "+8618612345678",  # no country: read as CN
        "Hiroshi Tanaka": "+81312345678",  # 日本
    }
    reason = rejects.read_text(encoding="utf-8").splitlines()[1].split(",")[1]
    assert reason == "invalid phone '12 34 56': not a valid FR number; the row's country is 'France'"


def test_a_country_column_in_a_chinese_file_and_the_region_option(conn, tmp_path):
    path = write(tmp_path, "姓名,手机,国家/地区\nJohn,908-295-4848,美国\nAnna,0151 23456789,德国\n"
                           "王明,13800138000,\n李娜,13912345678,中国\nHans,0711 400400,Atlantis\n")
    summary = importing.run(conn, path, Options(region="DE"))
    assert table(conn) == [("John", "+19082954848"), ("Anna", "+4915123456789"),
                           ("李娜", "+8613912345678"), ("Hans", "+49711400400")]
    # 王明 is read in DE (no country), where a Chinese mobile is no number; Hans's Atlantis
    # is no country: read in DE, counted
    assert summary.rejected == 1 and summary.phones_in_default_region == 1


@pytest.mark.parametrize("cell,region", [
    ("Germany", "DE"), ("Deutschland", "DE"), ("德国", "DE"), ("DE", "DE"), ("deu", "DE"),
    ("United States", "US"), ("USA", "US"), ("美国", "US"), ("us", "US"),
    ("United States of America", "US"), ("中国", "CN"), ("China", "CN"), ("中国大陆", "CN"),
    ("United Kingdom", "GB"), ("UK", "GB"), ("日本", "JP"), ("France", "FR"),
    (" Österreich ", "AT"), ("Atlantis", None), ("ZZ", None), ("", None)])
def test_country_names_and_codes(cell, region):
    assert countries.region_of(cell) == region


def test_show_mapping_names_the_country_columns():
    shown = {r["column"]: r["field"] for r in importing.show_mapping(REAL / "outlook_countries.csv")}
    assert shown["Business Country/Region"] == shown["Home Country/Region"] == "country"
    shown = {r["column"]: r["field"] for r in importing.show_mapping(REAL / "google_countries.csv")}
    assert shown["Address 1 - Country"] == "country"


# --- the fast path stays the one for CN mobiles -------------------------------------------

def _no_library(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"the library was asked for {args}")
    monkeypatch.setattr(rows_module, "read_phone", refuse)


def test_cn_mobiles_never_reach_the_library(conn, tmp_path, monkeypatch):
    _no_library(monkeypatch)
    body = "".join(f"客户{i},1380013{i:04d},{country}\n"
                   for i, country in enumerate(["", "中国", "China", "CN"] * 50))
    summary = importing.run(conn, write(tmp_path, "姓名,手机,国家\n" + body))
    assert summary.inserted == 200 and summary.phones_in_default_region == 50


def test_other_regions_do_reach_the_library(conn, tmp_path, monkeypatch):
    _no_library(monkeypatch)
    with pytest.raises(AssertionError, match="the library was asked"):
        importing.run(conn, write(tmp_path, "姓名,手机\nA,13800138000\n"), Options(region="US"))


# --- the command line ----------------------------------------------------------------------

def test_cli_region_json_and_the_summary_line(initialized, tmp_path):
    path = write(tmp_path, NUMBERS + "Lukas Weber,+49 711 400400\n")
    result = initialized("import", path, "--region", "us", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["inserted"], data["rejected"]) == (2, 1)
    assert (data["default_region"], data["phones_in_default_region"]) == ("US", 1)
    assert result.stderr == ("1 number without a country code read as US; use --region to "
                             "change\n1 row(s) refused; use --rejects FILE to see them\n")


def test_cli_default_region_line_in_the_plural(initialized, tmp_path):
    result = initialized("import", write(tmp_path, NUMBERS))
    assert result.exit_code == 0
    assert result.stderr == ("2 numbers without a country code read as CN; use --region to "
                             "change\n")


def test_cli_no_line_when_every_number_has_its_country(initialized, tmp_path):
    result = initialized("import", write(tmp_path, "name,phone\nLukas,+49 711 400400\n"))
    assert result.exit_code == 0 and result.stderr == ""


def test_cli_unknown_region_is_refused_and_nothing_changes(initialized, tmp_path, db_path):
    before = db_path.read_bytes()
    result = initialized("import", write(tmp_path, NUMBERS), "--region", "Germany")
    assert result.exit_code == 1
    assert result.stderr == "crmctl: unknown phone region 'Germany' (use a code like CN, US, DE)\n"
    assert db_path.read_bytes() == before


def test_add_and_edit_take_a_phone_region(initialized):
    result = initialized("add", "John Smith", "--phone", "908-295-4848", "--phone-region", "US")
    assert result.exit_code == 0, result.stderr
    cid = result.stdout.strip()
    shown = json.loads(initialized("show", cid, "--format", "json").stdout)
    assert shown["phone"] == "+19082954848"
    result = initialized("edit", cid, "--phone", "0151 23456789", "--phone-region", "de")
    assert result.exit_code == 0 and result.stderr == "changed: phone\n"
    assert json.loads(initialized("show", cid, "--format", "json").stdout)["phone"] == \
        "+4915123456789"
    # the customer's region field is another thing: --region still sets it
    result = initialized("edit", cid, "--region", "华东")
    assert result.exit_code == 0 and result.stderr == "changed: region\n"


@pytest.mark.parametrize("args,line", [
    (["add", "X", "--phone", "13800138000", "--phone-region", "US"],
     "crmctl: invalid phone '13800138000': not a valid US number; is it foreign? "
     "use --phone-region"),
    (["add", "X", "--phone", "908-295-4848", "--phone-region", "USA"],
     "crmctl: unknown phone region 'USA' (use a code like CN, US, DE)"),
    (["edit", "1", "--phone", "0151 2345", "--phone-region", "DE"],
     "crmctl: invalid phone '0151 2345': not a valid DE number; is it foreign? "
     "use --phone-region"),
])
def test_add_and_edit_refusals(initialized, db_path, args, line):
    assert initialized("add", "Anna").exit_code == 0
    before = db_path.read_bytes()
    result = initialized(*args)
    assert result.exit_code == 1 and result.stderr == line + "\n"
    assert db_path.read_bytes() == before
