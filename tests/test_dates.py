"""WHEN: every form a person may type (core/dates.py), with the clock pinned to Friday
2026-12-04 10:00 in Shanghai."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from conftest import inspect_db

from crmctl.core import customers, dates
from crmctl.errors import InvalidValue

NOW = "2026-12-04T10:00:00+08:00"  # a Friday


@pytest.fixture(autouse=True)
def friday(pin_clock):
    pin_clock(NOW)


# (typed, the day for a future-facing option, the day for a past-facing one)
FORMS = [
    ("today", "2026-12-04", "2026-12-04"), ("tomorrow", "2026-12-05", "2026-12-05"),
    ("yesterday", "2026-12-03", "2026-12-03"), ("Friday", "2026-12-11", "2026-11-27"),
    ("fri", "2026-12-11", "2026-11-27"), ("monday", "2026-12-07", "2026-11-30"),
    ("next friday", "2026-12-11", "2026-12-11"), ("this friday", "2026-12-04", "2026-12-04"),
    ("last monday", "2026-11-23", "2026-11-23"),
    ("in 3 days", "2026-12-07", "2026-12-07"), ("in a week", "2026-12-11", "2026-12-11"),
    ("3 days ago", "2026-12-01", "2026-12-01"),
    ("+3d", "2026-12-07", "2026-12-07"), ("3d", "2026-12-07", "2026-12-07"),
    ("-7d", "2026-11-27", "2026-11-27"), ("+2w", "2026-12-18", "2026-12-18"),
    ("+1m", "2027-01-04", "2027-01-04"), ("+1y", "2027-12-04", "2027-12-04"),
    ("今天", "2026-12-04", "2026-12-04"), ("明天", "2026-12-05", "2026-12-05"),
    ("后天", "2026-12-06", "2026-12-06"), ("昨天", "2026-12-03", "2026-12-03"),
    ("前天", "2026-12-02", "2026-12-02"),
    ("周五", "2026-12-11", "2026-11-27"), ("星期五", "2026-12-11", "2026-11-27"),
    ("礼拜五", "2026-12-11", "2026-11-27"), ("周日", "2026-12-06", "2026-11-29"),
    ("星期天", "2026-12-06", "2026-11-29"),
    ("下周五", "2026-12-11", "2026-12-11"), ("下个星期一", "2026-12-07", "2026-12-07"),
    ("本周五", "2026-12-04", "2026-12-04"), ("这周三", "2026-12-02", "2026-12-02"),
    ("上周五", "2026-11-27", "2026-11-27"),
    ("3天后", "2026-12-07", "2026-12-07"), ("三天后", "2026-12-07", "2026-12-07"),
    ("2周后", "2026-12-18", "2026-12-18"), ("两周后", "2026-12-18", "2026-12-18"),
    ("1个月后", "2027-01-04", "2027-01-04"), ("十天以后", "2026-12-14", "2026-12-14"),
    ("3天前", "2026-12-01", "2026-12-01"),
    ("12月10日", "2026-12-10", "2025-12-10"), ("12月10号", "2026-12-10", "2025-12-10"),
    ("12月1日", "2027-12-01", "2026-12-01"), ("2026年12月10日", "2026-12-10", "2026-12-10"),
    ("2026-12-10", "2026-12-10", "2026-12-10"), ("2026/12/10", "2026-12-10", "2026-12-10"),
    ("2026.12.1", "2026-12-01", "2026-12-01"),
    ("12-10", "2026-12-10", "2025-12-10"), ("12-04", "2026-12-04", "2026-12-04"),
    ("12/1", "2027-12-01", "2026-12-01"), ("2-29", "2028-02-29", "2024-02-29"),
]


@pytest.mark.parametrize("typed, future, past", FORMS)
def test_each_form(typed, future, past):
    assert dates.parse_when(typed) == date.fromisoformat(future)
    assert dates.parse_when(typed, past=True) == date.fromisoformat(past)


@pytest.mark.parametrize("typed", ["someday", "2026-11-31", "13-01", "12月32日", "3 天", "in x days",
                                   "十一二天后", "下周", "", "next"])
def test_an_unknown_form_shows_three_examples(typed):
    with pytest.raises(InvalidValue) as caught:
        dates.parse_when(typed)
    assert str(caught.value) == (f"cannot read date {typed!r}: try 2026-12-10, 明天 or +3d "
                                 "(more in --help)")


@pytest.mark.parametrize("typed, moment", [
    ("10:15", "2026-12-04T10:15"), ("08:05:30", "2026-12-04T08:05:30"),
    ("3pm", "2026-12-04T15:00"), ("9:30am", "2026-12-04T09:30"),
    ("下午3点", "2026-12-04T15:00"), ("上午9点15分", "2026-12-04T09:15"),
    ("10点半", "2026-12-04T10:30"), ("晚上8点", "2026-12-04T20:00"), ("下午3:30", "2026-12-04T15:30"),
    ("明天 10:15", "2026-12-05T10:15"), ("昨天 下午3点", "2026-12-03T15:00"),
    ("昨天下午3点", "2026-12-03T15:00"), ("2026/12/1 10:15", "2026-12-01T10:15"),
    ("12-10 9:00", "2025-12-10T09:00"), ("2026-11-20T15:30", "2026-11-20T15:30"),
    ("2026-11-20 15:30", "2026-11-20T15:30"), ("yesterday", "2026-12-03T10:00"),
    ("周一", "2026-11-30T10:00"),
])
def test_moments_with_a_time_are_local(typed, moment):
    assert dates.parse_moment(typed) == datetime.fromisoformat(moment).astimezone()


@pytest.mark.parametrize("typed", ["25:00", "13pm", "下午", "xx 10:15", "2026-11-31T10:00"])
def test_an_unknown_time_is_refused(typed):
    """A moment looks back (a contact's --at, consent --at): its error shows past forms."""
    with pytest.raises(InvalidValue, match=f"^cannot read (date|time) {typed!r}: try 2026-12-01, "
                                           "昨天 or -7d"):
        dates.parse_moment(typed)


@pytest.mark.parametrize("typed, stored", [
    ("1985/3/12", "1985-03-12"), ("1985.3.12", "1985-03-12"), ("1985年3月12日", "1985-03-12"),
    ("1985-03-12", "1985-03-12"), ("3月12日", "--03-12"), ("03-12", "--03-12"),
    ("--03-12", "--03-12"), ("2-29", "--02-29"),
])
def test_birthdays_as_typed(typed, stored):
    assert customers.normalize_birthday(typed) == stored


def test_cli_birthday_and_dates(initialized):
    cli = initialized
    wang = cli("add", "王明", "--birthday", "1985/3/12").stdout.strip()
    assert json.loads(cli("show", wang, "--format", "json").stdout)["birthday"] == "1985-03-12"
    assert cli("edit", wang, "--birthday", "3月12日").exit_code == 0
    assert json.loads(cli("show", wang, "--format", "json").stdout)["birthday"] == "--03-12"
    made = cli("followups", "schedule", wang, "下周五", "--purpose", "报价")
    assert made.exit_code == 0, made.stderr
    assert made.stderr == "follow-up 1 scheduled for 2026-12-11\n"
    made = cli("followups", "schedule", wang, "12-1")
    assert made.stderr == "follow-up 2 scheduled for 2027-12-01\n"
    r = cli("log-contact", wang, "--channel", "电话", "--summary", "询价", "--at", "昨天 下午3点",
            "--next", "3天后")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == "follow-up #3 due 2026-12-07\n"
    at = inspect_db(lambda c: c.execute("SELECT at FROM interactions").fetchone()[0])
    assert at == "2026-12-03T07:00:00Z"
    r = cli("purchase", wang, "100", "--date", "12-10")  # past-facing: last year's
    assert r.exit_code == 0, r.stderr
    day = inspect_db(lambda c: c.execute("SELECT * FROM purchases").fetchone())
    assert "2025-12-10" in [str(v)[:10] for v in tuple(day)]
    r = cli("followups", "schedule", wang, "soon")
    assert (r.exit_code, r.stderr) == (1, "crmctl: cannot read date 'soon': try 2026-12-10, 明天 "
                                          "or +3d (more in --help)\n")
    assert inspect_db(lambda c: c.execute("SELECT count(*) FROM followups").fetchone()[0]) == 3


@pytest.mark.parametrize("command", [
    ("followups", "--help"), ("followups", "schedule", "--help"), ("followups", "snooze", "--help"),
    ("log-contact", "--help"), ("export", "--help"), ("campaign", "create", "--help")])
def test_the_help_of_every_date_option_lists_the_forms(cli, command):
    shown = " ".join(cli(*command, env={"COLUMNS": "200"}).stdout.split())
    assert "明天" in shown and "3天后" in shown and "12-10" in shown, command


@pytest.mark.parametrize("command", [
    ("purchase",), ("purchases", "refund"), ("audit", "log"), ("consent",),
    ("report", "sales"), ("interactions", "edit"), ("log-contact",)])
@pytest.mark.parametrize("lang", ["C.UTF-8", "zh_CN.UTF-8"])
def test_an_option_that_looks_back_lists_past_forms(cli, command, lang):
    """A purchase, a refund, --since and --at refuse a future day: their help shows
    昨天, 3天前, -7d and last friday, and (but for log-contact's --next) no 明天 or 3天后."""
    shown = " ".join(cli(*command, "--help", env={"COLUMNS": "200", "LANG": lang,
                                                   "CRMCTL_LANG": None, "LC_ALL": None}
                         ).stdout.split())
    for form in ("昨天", "3天前", "-7d", "last friday", "2026/12/01"):
        assert form in shown, (command, form)
    if command != ("log-contact",):
        assert "明天" not in shown and "3天后" not in shown and "+3d" not in shown, command


def test_a_past_facing_error_shows_past_examples(cli):
    wang = cli("add", "王明", "--company", "华为").stdout.strip()
    r = cli("purchase", wang, "100", "--date", "someday")
    assert (r.exit_code, r.stderr) == (1, "crmctl: cannot read date 'someday': try 2026-12-01, "
                                          "昨天 or -7d (more in --help)\n")
    r = cli("purchase", wang, "100", "--date", "someday", env={"LANG": "zh_CN.UTF-8"})
    assert r.exit_code == 1 and "2026-12-01、昨天或 -7d" in r.stderr, r.stderr


def test_a_birthday_without_its_year_reads_month_day_on_the_card(initialized, capsys):
    """Issue 16 audit: the card showed ``birthday --03-12`` (ISO's no-year form); people
    read 03-12, in Chinese 3月12日; JSON and CSV keep --03-12 for scripts."""
    cli = initialized
    wang = cli("add", "王明", "--birthday", "3月12日").stdout.strip()
    li = cli("add", "李娜", "--birthday", "1985-03-12").stdout.strip()
    lines = cli("show", wang).stdout.splitlines()
    assert "birthday    03-12" in lines and "--03-12" not in "".join(lines)
    zh = cli("show", wang, env={"CRMCTL_LANG": "zh_CN"}).stdout.splitlines()
    assert [line for line in zh if line.startswith("生日")] == ["生日      3月12日"]
    assert "birthday    1985-03-12" in cli("show", li).stdout.splitlines()
    assert json.loads(cli("show", wang, "--format", "json").stdout)["birthday"] == "--03-12"
    from crmctl.render.formats import Format
    from crmctl.render.tables import emit_rows

    rows = [{"name": "王明", "birthday": "--03-12"}, {"name": "李娜", "birthday": "1985-03-12"}]
    emit_rows(rows, ["name", "birthday"], Format.table)
    assert capsys.readouterr().out == "name  birthday\n王明  03-12\n李娜  1985-03-12\n"
    emit_rows(rows, ["name", "birthday"], Format.csv)
    assert "王明,'--03-12" in capsys.readouterr().out  # (the formula guard's quote)
