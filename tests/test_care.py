"""Care dates of Chinese practice (issue 18 item 7): holidays of the customer's region N days
ahead, lunar (农历) birthdays, the cache of worked-out dates, the settings, the input forms."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import PASSPHRASE, inspect_db

from crmctl.core import care, customers, followups, importing, privacy, settings
from crmctl.core.importing import Options
from crmctl.errors import InvalidValue
from crmctl.store import open_database


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock("2026-09-01T09:00:00+08:00")


def care_rows(conn, today: date, until: date | None = None) -> list[tuple]:
    return [(r["customer_id"], r["due"], r["purpose"]) for r in
            followups.due(conn, until or today, today=today) if r["reason"] == "care"]


# --- holidays, N days ahead, by region -----------------------------------------------------

def test_national_day_three_days_ahead_in_the_mainland_and_in_taiwan(conn):
    """国庆: 10-01 in the mainland, 10-10 in Taiwan (the library's 国庆日, aliased)."""
    wang = customers.add(conn, {"name": "王明", "region": "广东深圳"}, tier="gold")
    lin = customers.add(conn, {"name": "林志玲", "phone": "+886 912 345 678"}, tier="diamond")
    assert care_rows(conn, date(2026, 9, 27)) == []  # 4 days before: not yet
    assert care_rows(conn, date(2026, 9, 28)) == [(wang, "2026-09-28", "国庆节 2026-10-01")]
    assert care_rows(conn, date(2026, 10, 7)) == [(lin, "2026-10-07", "国庆日 2026-10-10")]
    # still shown (overdue) until the day itself, gone after it
    [row] = [r for r in followups.due(conn, today=date(2026, 10, 1)) if r["reason"] == "care"]
    assert (row["customer_id"], row["overdue_days"]) == (wang, 3)
    assert care_rows(conn, date(2026, 10, 2)) == []


def test_hong_kong_has_its_own_public_holidays(conn):
    """圣诞节 is a public holiday in Hong Kong, not in the mainland; the region text wins."""
    settings.put(conn, "care_holidays", ["圣诞"])
    chan = customers.add(conn, {"name": "陈大文", "region": "香港九龙"}, tier="gold")
    customers.add(conn, {"name": "王明", "region": "北京"}, tier="gold")
    assert care_rows(conn, date(2026, 12, 21)) == []
    assert care_rows(conn, date(2026, 12, 22)) == [(chan, "2026-12-22", "圣诞节 2026-12-25")]
    # the day after (圣诞节后第一个周日, 12-26) is a day off, not a second greeting
    assert care_rows(conn, date(2026, 12, 23)) == [(chan, "2026-12-22", "圣诞节 2026-12-25")]


def test_lead_days_and_tiers_are_settings_and_an_empty_list_turns_it_off(conn):
    wang = customers.add(conn, {"name": "王明", "phone": "13800138000"}, tier="gold")
    customers.add(conn, {"name": "李娜", "phone": "13900139000"}, tier="silver")
    today = date(2026, 9, 18)  # 中秋节 2026-09-25, 7 days ahead
    assert care_rows(conn, today) == []
    settings.put(conn, "care_holiday_days", 7)
    assert care_rows(conn, today) == [(wang, "2026-09-18", "中秋节 2026-09-25")]
    settings.put(conn, "care_holiday_tiers", ["银牌"])
    assert [r[0] for r in care_rows(conn, today)] == [wang + 1]
    settings.put(conn, "care_holidays", [])
    assert care_rows(conn, today) == []


def test_other_countries_by_the_phone_and_the_library_names(conn):
    """An English customer (+44): the library's English names, without the observed days."""
    settings.put(conn, "care_holidays", ["Christmas", "中秋"])
    anna = customers.add(conn, {"name": "Anna Schmidt", "phone": "+44 20 7946 0958"},
                         tier="gold")
    assert care_rows(conn, date(2026, 9, 22)) == []  # no 中秋 in England
    assert care_rows(conn, date(2026, 12, 22)) == [(anna, "2026-12-22", "Christmas Day 2026-12-25")]
    assert care_rows(conn, date(2027, 12, 22)) == [(anna, "2027-12-22", "Christmas Day 2027-12-25")]


def test_bad_care_settings_are_refused(conn):
    with pytest.raises(InvalidValue, match="takes a whole number of days from 0 to 31"):
        settings.put(conn, "care_holiday_days", 90)
    with pytest.raises(InvalidValue, match="unknown tier"):
        settings.put(conn, "care_holiday_tiers", ["bogus"])
    with pytest.raises(InvalidValue, match="takes a list of names"):
        settings.put(conn, "care_holidays", ["春节", ""])
    assert settings.get(conn, "care_holiday_days") == 3


def test_qingming_is_off_by_default_and_can_be_added(conn):
    wang = customers.add(conn, {"name": "王明", "region": "上海"}, tier="diamond")
    assert care_rows(conn, date(2026, 4, 2)) == []
    settings.put(conn, "care_holidays", ["清明"])
    assert care_rows(conn, date(2026, 4, 2)) == [(wang, "2026-04-02", "清明节 2026-04-05")]


def test_a_cached_year_is_read_without_importing_holidays(conn, monkeypatch):
    wang = customers.add(conn, {"name": "王明", "region": "广东"}, tier="gold",)
    customers.edit(conn, wang, {"birthday_lunar": "08-15"})
    first = care_rows(conn, date(2026, 9, 22))
    cache = Path(os.environ["XDG_CACHE_HOME"], "crmctl")
    assert {p.name for p in cache.iterdir()} == {"holidays-CN-2026-v1.json", "lunar-2026-v1.json"}
    for name in ("holidays", "lunardate"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert care_rows(conn, date(2026, 9, 22)) == first == [
        (wang, "2026-09-22", "中秋节 2026-09-25")]
    assert "holidays" not in sys.modules and "lunardate" not in sys.modules
    assert care_rows(conn, date(2026, 9, 25)) == [  # the greeting is 3 days overdue
        (wang, "2026-09-22", "中秋节 2026-09-25"),
        (wang, "2026-09-25", "lunar birthday (农历八月十五)")]
    assert "lunardate" not in sys.modules


def test_an_unreadable_cache_file_is_worked_out_again(conn):
    wang = customers.add(conn, {"name": "王明"}, tier="gold")
    cache = Path(os.environ["XDG_CACHE_HOME"], "crmctl")
    cache.mkdir(parents=True)
    (cache / "holidays-CN-2026-v1.json").write_text("{half", encoding="utf-8")
    assert care_rows(conn, date(2026, 9, 28)) == [(wang, "2026-09-28", "国庆节 2026-10-01")]
    assert json.loads((cache / "holidays-CN-2026-v1.json").read_text(encoding="utf-8"))


# --- lunar birthdays -----------------------------------------------------------------------

def test_a_lunar_birthday_falls_on_a_different_solar_day_each_year(conn):
    wang = customers.add(conn, {"name": "王明", "birthday_lunar": "八月十五"})
    purpose = "lunar birthday (农历八月十五)"
    assert care_rows(conn, date(2026, 9, 24)) == []
    assert care_rows(conn, date(2026, 9, 25)) == [(wang, "2026-09-25", purpose)]
    assert care_rows(conn, date(2027, 9, 15)) == [(wang, "2027-09-15", purpose)]
    # a window over the next year: its first occurrence only
    assert care_rows(conn, date(2026, 9, 26), date(2027, 12, 31)) == [
        (wang, "2027-09-15", purpose)]


def test_day_30_falls_on_day_29_of_a_short_month(conn):
    """The 12th month of lunar 2025 has 29 days: 腊月三十 is then 腊月廿九, 2026-02-16."""
    li = customers.add(conn, {"name": "李娜", "birthday_lunar": "农历腊月三十"})
    assert care_rows(conn, date(2026, 2, 10), date(2026, 2, 20)) == [
        (li, "2026-02-16", "lunar birthday (农历腊月三十)")]


@pytest.mark.parametrize("given, stored", [
    ("08-15", "08-15"), ("8/15", "08-15"), ("农历1985-08-15", "08-15"), ("八月十五", "08-15"),
    ("正月初一", "01-01"), ("腊月廿三", "12-23"), ("冬月初十", "11-10"), ("十一月廿九", "11-29"),
    ("闰四月初八", "04-08"), ("阴历 三月三十", "03-30"), ("农历十二月初八", "12-08"),
])
def test_lunar_birthday_forms(given, stored):
    assert care.normalize_birthday_lunar(given) == stored
    assert care.lunar_name(stored).endswith(given[-2:]) or given[-2:].isdigit()


@pytest.mark.parametrize("bad", ["13-01", "08-31", "八月三十一", "十三月初一", "tomorrow", "农历"])
def test_bad_lunar_birthdays_on_the_command_line(initialized, bad):
    cli = initialized
    r = cli("add", "王明", "--birthday-lunar", bad)
    assert r.exit_code == 1
    assert r.stderr == (f"crmctl: invalid lunar birthday {bad!r}: use MM-DD of the lunar "
                        "calendar, or 八月十五 (正月初一, 腊月廿三)\n")
    assert inspect_db(lambda c: c.execute("SELECT count(*) FROM customers").fetchone()[0]) == 0


def test_add_edit_show_and_export_carry_it(initialized, tmp_path):
    cli = initialized
    cid = cli("add", "王明", "--company", "华为", "--birthday-lunar", "正月十五").stdout.strip()
    shown = json.loads(cli("show", cid, "--format", "json").stdout)
    assert shown["birthday_lunar"] == "01-15"
    r = cli("edit", cid, "--birthday-lunar", "腊月廿三")
    assert (r.exit_code, r.stderr) == (0, "changed: birthday_lunar\n")
    assert "birthday lunar  12-23" in cli("show", cid).stdout
    out = tmp_path / "all.json"
    assert cli("export", "--out", out, "--format", "json").exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))[0]["birthday_lunar"] == "12-23"
    assert cli("edit", cid, "--clear", "birthday-lunar").exit_code == 0
    assert json.loads(cli("show", cid, "--format", "json").stdout)["birthday_lunar"] is None


def test_import_reads_lunar_birthdays(conn, tmp_path):
    path = tmp_path / "客户.csv"
    path.write_bytes("姓名,手机,生日,农历生日\n张伟,13900139001,农历八月十五,\n"
                     "刘洋,13900139002,1985-03-12,腊月廿三\n赵敏,13900139003,农历1985-01-15,\n"
                     "孙丽,13900139004,,十三月初一\n".encode("gbk"))
    summary = importing.run(conn, path, Options(rejects=tmp_path / "rejects.csv"))
    assert (summary.inserted, summary.rejected) == (3, 1)
    got = conn.execute("SELECT name, birthday, birthday_lunar FROM customers ORDER BY id")
    assert got.fetchall() == [("张伟", None, "08-15"), ("刘洋", "1985-03-12", "12-23"),
                              ("赵敏", None, "01-15")]


def test_forget_erases_the_lunar_birthday(conn):
    wang = customers.add(conn, {"name": "王明", "birthday_lunar": "08-15"})
    privacy.forget(conn, wang)
    assert conn.execute("SELECT birthday_lunar FROM customers").fetchone() == (None,)


def test_migration_adds_the_column_to_a_database_of_schema_10(db_path, monkeypatch):
    from crmctl.store import create_database, migrations

    key = PASSPHRASE.encode()
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:10]))
    first = create_database(db_path, key)
    first.execute("INSERT INTO customers (name, created_at, updated_at) VALUES ('王明', 'a', 'a')")
    first.commit()
    assert "birthday_lunar" not in [r[1] for r in first.execute("PRAGMA table_info(customers)")]
    first.close()
    monkeypatch.undo()
    again = open_database(db_path, key)
    try:
        assert again.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
        assert again.execute("SELECT name, birthday_lunar FROM customers").fetchall() == [
            ("王明", None)]
        customers.edit(again, 1, {"birthday_lunar": "八月十五"})
        assert care_rows(again, date(2026, 9, 25)) == [
            (1, "2026-09-25", "lunar birthday (农历八月十五)")]
    finally:
        again.close()


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG rule is Linux's")
@pytest.mark.parametrize("xdg", [None, "", "  ", "/srv/cache"])
def test_the_cache_dir_is_platformdirs_one_without_importing_it(monkeypatch, xdg):
    from platformdirs import user_cache_dir

    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert care._cache_dir() == Path(user_cache_dir("crmctl", appauthor=False))
