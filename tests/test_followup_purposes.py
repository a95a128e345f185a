"""Why a follow-up is due, in the interface language (issue 16.5), and `--overdue` by a
value rather than by words (issue 16.6).

The report's purpose column stays English (JSON, CSV: scripts); the table under a Chinese
interface words each generated purpose from its code and values (core/purposes.py), a
typed purpose stays as typed. The English messages of core/purposes.py equal SQLite's
texts, row for row, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import inspect_db

from crmctl import clock
from crmctl.core import followups, followups_report, tiers
from crmctl.core import purposes

ZH = {"CRMCTL_LANG": "zh_CN"}
NOW = "2026-12-10T10:00:00+08:00"


@pytest.fixture
def english(monkeypatch):
    for name in ("CRMCTL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def crm(initialized, pin_clock, english):
    """Every generated purpose due by +7d on NOW, plus a typed one (ids in comments)."""
    cli = initialized

    def ok(*args):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        return result.stdout.strip()

    pin_clock("2026-06-01T09:00:00+08:00")  # init's audit entry was made before: in use since
    ok("config", "set", "care_holidays", "[]")
    ok("config", "set", "retention_days", "30")
    ok("add", "李娜", "--tier", "普通")  # 1: never contacted, regular cadence due 11-28
    ok("add", "张伟", "--tier", "钻石")  # 2: never contacted for 2x7 days: churn risk
    ok("add", "郑强")  # 3: closed: retention
    ok("close", "3", "--reason", "终止合作")
    pin_clock("2026-11-05T10:00:00+08:00")
    ok("add", "刘洋", "--tier", "金牌")  # 4: last contact 11-05, gold cadence due 12-05
    ok("log-contact", "4", "--channel", "电话", "--summary", "回访")  # interaction 1
    pin_clock("2026-12-01T10:00:00+08:00")
    ok("add", "王明", "--company", "华为", "--tier", "金牌")  # 5: two complaints, rated 1
    ok("log-contact", "5", "--channel", "电话", "--summary", "投诉发货慢", "--complaint")  # 2
    pin_clock("2026-12-02T10:00:00+08:00")
    ok("log-contact", "5", "--channel", "微信", "--summary", "再次投诉", "--complaint")
    pin_clock("2026-12-03T10:00:00+08:00")
    ok("log-contact", "5", "--channel", "电话", "--summary", "致歉", "--satisfaction", "1")
    pin_clock("2026-12-10T08:00:00+08:00")
    ok("add", "陈静", "--tier", "钻石")  # 6: a complaint with 22 h left
    ok("log-contact", "6", "--channel", "电话", "--summary", "投诉", "--complaint")
    pin_clock(NOW)
    ok("add", "赵敏", "--birthday", "1990-12-12")  # 7
    ok("add", "孙丽", "--birthday", "12-13")  # 8: no year
    ok("add", "周杰")  # 9: first purchase a year ago
    ok("purchase", "9", "100", "--date", "2025-12-14")
    ok("add", "吴芳", "--birthday-lunar", "11-04")  # 10: 冬月初四 is 2026-12-12
    ok("add", "何平")  # 11: a tier-change notice
    ok("tier", "set", "11", "金牌", "--reason", "年度大单")
    ok("followups", "schedule", "5", "+3d", "--purpose", "报价回访")
    ok("add", "林峰", "--tier", "钻石")  # 12: a complaint 1 h past its time, due today
    ok("log-contact", "12", "--channel", "电话", "--summary", "投诉", "--complaint",
       "--at", "2026-12-09 09:00")  # interaction 6
    ok("add", "钱多", "--tier", "钻石")  # 13: bought every 59 days, not since 03-01
    ok("purchase", "13", "500", "--date", "2026-01-01")
    ok("purchase", "13", "500", "--date", "2026-03-01")
    ok("add", "冯单", "--tier", "钻石")  # 14: bought once, on 05-01
    ok("purchase", "14", "500", "--date", "2026-05-01")
    return cli


def test_the_english_messages_equal_sqlites_texts_row_for_row(crm):
    rows = inspect_db(lambda conn: followups.due_rows(
        conn, clock.today().fromisoformat("2026-12-17"), projection="reason, purpose, args"))
    codes = set()
    for reason, purpose, args in rows:
        assert purposes.sentence(reason, purpose, args) == purpose
        codes.add(json.loads(args)[0] if args else reason)
    assert codes == {*purposes._METHODS, "notify", "scheduled"}  # every kind was checked
    kinds = {k for r, _p, a in rows if r == "churn-risk" for k, *_ in json.loads(a)[2]}
    assert kinds == {0, 1, 2, 3}


def test_the_table_words_every_purpose_in_chinese(crm):
    result = crm("followups", "--until", "+7d", env=ZH)
    assert result.exit_code == 0, result.stderr
    table = result.stdout
    for text in [
        "投诉 #2（2026-12-01 10:00 登记）：须在 48 小时内答复，即 2026-12-03 10:00 前；"
        "已超时 168 小时 00 分",
        "投诉 #5（2026-12-10 08:00 登记）：须在 24 小时内答复，即 2026-12-11 08:00 前；"
        "还剩 22 小时 00 分",
        "投诉 #6（2026-12-09 09:00 登记）：须在 24 小时内答复，即 2026-12-10 09:00 前；"
        "已超时 1 小时 00 分",
        "定期回访（普通）：每 180 天一次；自 2026-06-01 添加以来从未联系",
        "定期回访（金牌）：每 30 天一次；上次联系 2026-11-05",
        "添加后 192 天从未联系（钻石：每 7 天）",
        "最近满意度 1/5（2026-12-03）；2 个投诉未解决，最早的已 9 天",
        "生日（满 36 岁）", "首次购买 1 周年（2025-12-14）", "农历生日（冬月初四）",
        "告知客户：等级 普通 → 金牌（年度大单）", "报价回访",
        "284 天未购买（窗口 118 天；中位间隔 59 天）", "223 天未购买（窗口 90 天；仅购买过一次）",
        "每 90 天核对一次客户数据：请运行 crmctl audit data（从未运行；自 2026-06-01 起使用）",
    ]:
        assert text in table, text
    assert re.search(r"保存期限 30 天：\d+ 位客户待遗忘；请运行 crmctl retention", table)
    assert re.search(r"孙丽 +普通  生日$", table, re.M)  # no year: no age
    english = re.findall(r"\b(cadence|contact|complaints?|birthday|anniversary|satisfaction|"
                         r"customer|review|overdue|left|days)\b", table)
    assert english == []


def test_json_and_csv_keep_the_english_purposes_under_a_chinese_interface(crm):
    for fmt in ("json", "csv"):
        zh = crm("followups", "--until", "+7d", "--format", fmt, env=ZH)
        en = crm("followups", "--until", "+7d", "--format", fmt)
        assert (zh.exit_code, zh.stdout) == (0, en.stdout)
    data = json.loads(crm("followups", "--until", "+7d", "--format", "json", env=ZH).stdout)
    assert "gold cadence: every 30 days; last contact 2026-11-05" in [r["purpose"] for r in data]


def test_english_table_is_sqlites_text(crm):
    table = crm("followups", "--until", "+7d").stdout
    assert "gold cadence: every 30 days; last contact 2026-11-05" in table
    assert "last satisfaction 1/5 (2026-12-03); 2 complaints open, oldest 9 days" in table


def test_an_unknown_code_or_kind_stays_english_and_a_typed_purpose_as_typed(english,
                                                                             monkeypatch):
    monkeypatch.setenv("CRMCTL_LANG", "zh_CN")
    newer = json.dumps(["churn-risk", "gold", [[0, 40, 30, 0, "2026-10-01"],
                                               [4, 1, 2, 0, "2026-10-01"]]])
    assert purposes.sentence("churn-risk", "English text", newer) == "English text"
    assert purposes.sentence("care", "x", json.dumps(["solstice", 1])) == "x"
    assert purposes.sentence("care", "x", json.dumps(["birthday", 1, 2])) == "x"  # values
    assert purposes.sentence("care", "x", "[not json") == "x"
    assert purposes.sentence("scheduled", "tell customer: tier regular → gold", None) == (
        "tell customer: tier regular → gold")  # typed by a person: as typed
    assert purposes.sentence("notify", "给王总打电话", None) == "给王总打电话"
    assert purposes.sentence("notify", tiers.notify_purpose("silver", "diamond", "年度大单"),
                             None) == "告知客户：等级 银牌 → 钻石（年度大单）"
    assert purposes.sentence("notify", "tell customer: tier silver → diamond", None) == (
        "告知客户：等级 银牌 → 钻石")  # stored before notices carried their reason


def test_overdue_selects_complaints_by_their_time_not_their_words(crm, monkeypatch):
    def complaints(*args, env=None):
        result = crm("followups", "--overdue", "--format", "json", *args, env=env)
        assert result.exit_code == 0, result.stderr
        return [int(re.match(r"complaint #(\d+) ", r["purpose"])[1])
                for r in json.loads(result.stdout) if r["reason"] == "complaint"]

    # 林峰's (#6) is due today and 1 h late; 陈静's (#5) has 22 h left
    assert complaints() == complaints(env=ZH) == [2, 3, 6]
    table = crm("followups", "--overdue", env=ZH).stdout
    assert "已超时" in table and "还剩" not in table
    # the words may change (or be translated): the selection does not read them
    monkeypatch.setattr(followups_report, "_REPORT", followups_report._REPORT.replace(
        "'%d h %02d min overdue'", "'%d h %02d min late'"))
    assert complaints() == [2, 3, 6]
    assert complaints("--until", "+7d") == [2, 3, 6]


# The daily report's start-up (issue 16 "no slower than before"): the holiday cache dir
# without platformdirs/tempfile, `--until today` without compiling the date patterns. (A process: the test run has imported them all.)
# A daily report: the second run, the year's holidays read from the cache.
@pytest.mark.real_kdf
def test_the_daily_report_imports_no_platformdirs_and_compiles_no_date(initialized, pin_clock):
    import os
    import subprocess
    import sys
    from pathlib import Path

    pin_clock("2026-06-01T09:00:00+08:00")
    assert initialized("add", "王明", "--tier", "gold", "--region", "广东").exit_code == 0
    pin_clock(NOW)  # (the process inherits the clock) churn risk; holidays for gold
    code = ("import sys\nsys.argv = ['crmctl', 'followups', '--format', 'json']\n"
            "from crmctl.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "from crmctl.core import dates\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('platformdirs', 'tempfile'))), len(dates._done), file=sys.stderr)")
    for _run in range(2):  # the first works the holidays out and writes the cache
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr
    assert "王明" in [r["name"] for r in json.loads(done.stdout)]  # silent for 2x30 days
    *loaded, compiled = done.stderr.split()
    assert list(Path(os.environ["XDG_CACHE_HOME"], "crmctl").glob("holidays-CN-*"))  # ran
    assert loaded == []
    assert compiled == "0"
