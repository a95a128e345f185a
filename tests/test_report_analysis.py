"""`report sales|satisfaction|complaints|value|html` through the command line, on the fixed
data set of tests/data/analysis_book.json (the figures are worked out by hand in
tests/test_analysis.py; here: the formats, the exact messages, the HTML page)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from crmctl.render.html import CHARTS, TABLES
from test_analysis import BOOK, book_file  # noqa: F401 - the module's fixture


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(BOOK["now"])


@pytest.fixture
def book(book_file, db_path, cli):
    shutil.copyfile(book_file, db_path)
    return cli


def test_sales_as_a_table_json_and_csv(book):
    table = book("report", "sales", "--by", "region")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "sales by region in CNY, all dates"
    assert lines[1].split() == ["region", "revenue", "bar", "orders", "customers",
                                "average_order", "currency"]
    # amounts in a table are grouped by thousands (render's rule); JSON and CSV keep "16200.50"
    assert lines[2].split() == ["广东", "16,200.50", "#" * 40, "6", "2", "2,700.08", "CNY"]
    assert lines[-1].split() == ["total", "18,300.49", "9", "4", "2,033.39", "CNY"]
    data = json.loads(book("report", "sales", "--by", "tier", "--format", "json").stdout)
    assert data["by"] == "tier" and data["currency"] == "CNY" and data["since"] is None
    assert data["rows"][0] == {"tier": "diamond", "revenue": "6000.50", "orders": 3,
                               "customers": 1, "average_order": "2000.17", "currency": "CNY"}
    assert data["total"]["revenue"] == "18300.49"
    rows = list(csv.DictReader(io.StringIO(book(
        "report", "sales", "--since", "2026-02-01", "--until", "2026-02-28",
        "--format", "csv").stdout)))
    assert rows == [{"month": "2026-02", "revenue": "3500.00", "orders": "2", "customers": "2",
                     "average_order": "1750.00", "currency": "CNY"}]


def test_satisfaction_complaints_and_value_tables(book):
    sat = book("report", "satisfaction", "--by", "tier")
    assert sat.exit_code == 0, sat.stderr
    # the bar of an average: 4.0 against the best, 刘洋's 5.0, is 32 of 40
    assert sat.stdout.splitlines()[2].split() == ["diamond", "4.00", "#" * 32, "3", "0.0%",
                                                  "+1.50"]
    comp = json.loads(book("report", "complaints", "--format", "json").stdout)
    assert comp["response_hours"] == {"diamond": 24, "gold": 48, "silver": 72, "regular": 120}
    assert comp["total"] == {"category": "total", "complaints": 4, "open": 2, "resolved": 2,
                             "median_hours": 39.0, "over_response_time": 2,
                             "causes": {}}  # resolved by log-contact: no cause recorded
    by_month = book("report", "complaints", "--by", "month", "--format", "csv")
    assert by_month.stdout.splitlines() == [
        "month,complaints,open,resolved,median_hours,over_response_time",
        "2026-10,1,0,1,48.0,0", "2026-11,3,2,1,30.0,2"]
    top = book("report", "value", "--top", "2")
    assert top.exit_code == 0, top.stderr
    lines = top.stdout.splitlines()
    assert lines[0] == "top 2 customers by spend in CNY, the ones at risk first"
    assert [line.split()[2] for line in lines[2:]] == ["张伟", "王明"]
    # at churn risk by purchase (issue 18.2; worked out in test_analysis.py), which the
    # table names before the RFM segment's "at risk"
    assert "no purchase for 672 days (window 111; median interval 55.5 days)" in lines[2]


@pytest.mark.parametrize("args, message", [
    (["sales", "--by", "week"],
     "--by must be one of month, quarter, tier, region, industry, campaign, not 'week'"),
    (["sales", "--since", "2026-03-01", "--until", "2026-02-01"],
     "--since 2026-03-01 is after --until 2026-02-01"),
    (["sales", "--currency", "XYZ"], "unknown currency 'XYZ'; known: CNY, USD, EUR, GBP, HKD, "
                                     "JPY, KRW"),
    (["satisfaction", "--by", "region"], "--by must be one of month, tier, channel, not 'region'"),
    (["complaints", "--by", "tier"], "--by must be one of category, month, cause, not 'tier'"),
    (["value", "--top", "0"], "--top must be 1 or more"),
])
def test_bad_input_is_one_line_and_exit_1(book, args, message):
    result = book("report", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"crmctl: {message}\n")


def test_empty_book_says_so(initialized):
    result = initialized("report", "sales")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "no purchases in CNY (all dates)\n"
    assert initialized("report", "value").stderr == "no purchases in CNY yet\n"
    assert initialized("report", "satisfaction").stderr == "no ratings yet\n"


class Page(HTMLParser):
    """What the test needs of the page: ids of charts with an svg in them, tables with
    their rows of cell texts, and every tag and attribute that could fetch something."""

    def __init__(self):
        super().__init__()
        self.charts, self.tables, self.fetching = {}, {}, []
        self.figure = self.table = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "link", "img", "iframe", "object", "embed"):
            self.fetching.append(tag)
        self.fetching += [f"{tag} {k}={v}" for k, v in attrs.items()
                          if k in ("src", "href", "xlink:href") and not v.startswith("#")]
        if tag == "figure":
            self.figure = attrs["id"]
            self.charts[self.figure] = 0
        elif tag == "svg" and self.figure:
            self.charts[self.figure] += 1
        elif tag == "table":
            self.table = attrs["id"]
            self.tables[self.table] = []
        elif tag == "tr" and self.table:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure = None
        elif tag == "table":
            self.table = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.table].append(self.row)
            self.row = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_html_report_has_every_chart_and_table_and_fetches_nothing(book, tmp_path, db_path):
    out = tmp_path / "book.html"
    out.write_text("mine")
    kept = book("report", "html", out)
    assert (kept.exit_code, kept.stderr) == (1, f"crmctl: {out} exists; use --force to "
                                                "replace it\n")
    assert out.read_text() == "mine"
    result = book("report", "html", out, "--force")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"wrote {out}\n"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = out.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    page = Page()
    page.feed(text)
    assert page.charts == {f"chart-{name}": 1 for name in CHARTS}
    assert set(page.tables) == {f"table-{name}" for name in TABLES}
    assert page.fetching == []
    # the hand-computed figures (tests/test_analysis.py), as the manager reads them
    sales = page.tables["table-sales-by-month"]
    assert sales[0] == ["month", "revenue", "orders", "customers", "average order"]
    assert sales[-1] == ["total", "18300.49", "9", "4", "2033.39"]
    assert page.tables["table-sales-by-tier"][1] == ["diamond", "6000.50", "3", "1", "2000.17"]
    assert page.tables["table-satisfaction-by-tier"][1] == ["diamond", "4.0", "3", "0.0%", "1.5"]
    assert page.tables["table-complaints-by-category"][-1] == ["total", "4", "2", "2", "39.0",
                                                               "2", ""]
    assert page.tables["table-complaints-by-cause"][1] == ["(none)", "4", "2", "2", "39.0",
                                                            "2"]
    value = page.tables["table-value"]
    assert [row[2] for row in value[1:]] == ["张伟", "李娜", "王明", "刘洋"]
    assert value[2][5] == "last satisfaction 1/5 (2026-11-18)"
    assert ["tier", "diamond", "1"] in page.tables["table-overview"]


def test_report_dash_dash_html_writes_the_same_page(book, tmp_path):
    """`report --html FILE` (the contract's spelling) is `report html FILE`."""
    one, two = tmp_path / "a.html", tmp_path / "b.html"
    assert book("report", "html", one).exit_code == 0
    result = book("report", "--html", two)
    assert (result.exit_code, result.stderr) == (0, f"wrote {two}\n")
    assert two.read_text("utf-8") == one.read_text("utf-8")
    assert stat.S_IMODE(os.stat(two).st_mode) == 0o600
    kept = book("report", "--html", two)
    assert (kept.exit_code, kept.stderr) == (1, f"crmctl: {two} exists; use --force to "
                                                "replace it\n")
    assert book("report", "--html", two, "--force").exit_code == 0
    for extra in (["sales"], ["--format", "json"]):
        refused = book("report", "--html", tmp_path / "c.html", *extra)
        assert (refused.exit_code, refused.stderr) == (2, "crmctl: --html writes the whole "
                                                          "book as one page: no subcommand, "
                                                          "no --format\n")
    assert not (tmp_path / "c.html").exists()


def test_html_report_refusals_write_nothing(book, tmp_path, db_path):
    refused = book("report", "html", db_path, "--force")
    assert refused.exit_code == 1
    assert refused.stderr == f"crmctl: refusing to write {db_path}: it is the database\n"
    stream = book("report", "html", "-")
    assert (stream.exit_code, stream.stderr) == (2, "crmctl: report html needs a FILE to "
                                                    "write (not -)\n")
    missing = book("report", "html", tmp_path / "no-such-dir" / "book.html")
    assert missing.exit_code == 1
    assert missing.stderr == (f"crmctl: cannot write {tmp_path}/no-such-dir/book.html: "
                              f"directory {tmp_path}/no-such-dir does not exist\n")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".html") == []


# Contract (start-up imports): the terminal reports' modules and the follow-up report load
# neither pandas nor pygal; only the functions that group or draw do.
def test_report_modules_import_no_pandas_or_pygal():
    code = ("import sys, crmctl.cli.report, crmctl.cli.followups, crmctl.core.analysis.book\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'pygal') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_the_card_has_one_value_line(book):
    def value_line(cid):
        return next(line.split(None, 1)[1] for line in book("show", cid).stdout.splitlines()
                    if line.startswith("value "))

    assert value_line("1") == ("6,000.50 CNY in all, 6,000.50 in 12 months; 3 purchases, "
                               "average 2,000.17; last 2026-11-01; segment loyal")
    from crmctl.render.views import value_line as line  # one purchase: singular

    assert line({"purchases": 1, "total_spend": "700.00", "spend_12m": "700.00",
                 "spend_currency": "CNY", "average_order": "700.00",
                 "last_purchase": "2026-12-04", "segment": "new"}) == (
        "700.00 CNY in all, 700.00 in 12 months; 1 purchase, average 700.00; last 2026-12-04; "
        "segment new")
    assert value_line("5") == "no purchases in CNY; segment no purchases"


class Texts(HTMLParser):
    """Every text a reader sees on the page (styles left out), one per line."""

    def __init__(self):
        super().__init__()
        self.texts, self.in_style = [], False

    def handle_starttag(self, tag, attrs):
        self.in_style = tag == "style"
        if tag == "html":
            self.lang = dict(attrs)["lang"]

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if not self.in_style and data.strip():
            self.texts.append(data.strip())


def test_html_report_in_chinese(book, tmp_path):
    """Issue 16.5: under a Chinese interface the page is Chinese — its language, title,
    sections, captions, headers, chart titles and enumerated words, "(none)" too — and no
    run of English words is left but the data's own values; English stays English."""
    from test_zh_demo import HAN, english_runs

    zh, en = tmp_path / "zh.html", tmp_path / "en.html"
    result = book("report", "--html", zh, env={"CRMCTL_LANG": "zh_CN"})
    assert (result.exit_code, result.stderr) == (0, f"已写入 {zh}\n")
    assert book("report", "--html", en, env={"LANG": "C.UTF-8"}).exit_code == 0
    page, texts = Page(), Texts()
    page.feed(zh.read_text("utf-8"))
    texts.feed(zh.read_text("utf-8"))
    assert texts.lang == "zh-CN"
    assert page.charts == {f"chart-{name}": 1 for name in CHARTS}
    assert set(page.tables) == {f"table-{name}" for name in TABLES}
    assert texts.texts[:3] == ["crmctl 报表 2026-11-23", "crmctl 报表 2026-11-23",
                               "共 5 位客户，2 位有流失风险，2 起未解决投诉"]
    for title in ("概览", "销售", "满意度", "投诉", "客户价值", "各等级客户数",
                  "价值分群（RFM）", "每周沟通次数（自周一起）", "按月份统计的收入",
                  "按等级统计的平均满意度（1-5）", "按根本原因统计的投诉",
                  "累计消费前 20 名（红色：有风险）"):
        assert title in texts.texts, title
    sales = page.tables["table-sales-by-tier"]
    assert sales[0] == ["等级", "收入", "订单数", "客户数", "平均订单额"]
    assert sales[1] == ["钻石", "6000.50", "3", "1", "2000.17"]
    assert sales[-1] == ["合计", "18300.49", "9", "4", "2033.39"]
    assert page.tables["table-complaints-by-cause"][0] == [
        "根本原因", "投诉数", "未解决", "已解决", "解决时长中位数（小时）", "超时"]
    assert page.tables["table-complaints-by-cause"][1] == ["（无）", "4", "2", "2", "39.0",
                                                            "2"]
    value = page.tables["table-value"]
    assert value[1][3:6] == ["银牌", "流失风险", "672 天未购买（窗口 111 天；中位间隔 55.5 天）"]
    assert value[2][5] == "最近满意度 1/5（2026-11-18）"
    assert ["等级", "钻石", "1"] in page.tables["table-overview"]
    words = [t for t in texts.texts if not HAN.search(t)]  # what is neither Chinese…
    names = {"CNY"} | {row[2] for row in value[1:]}  # …nor the data's own values
    assert [run for t in texts.texts for run in english_runs(t)] == []
    assert [w for w in words if w not in names and any(c.isalpha() for c in w)] == []
    # the English page: English words, an English language, no Chinese but the data's
    english = Texts()
    english.feed(en.read_text("utf-8"))
    assert english.lang == "en" and "Customers by tier" in english.texts
    assert "(none)" in english.texts and "Complaints by root cause" in english.texts


def test_none_label_in_chinese_tables_english_in_json(book):
    """The reports' "(none)" group: （无） in a Chinese table, "(none)" in JSON and CSV."""
    zh = {"CRMCTL_LANG": "zh_CN"}
    table = book("report", "complaints", "--by", "cause", env=zh)
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[2].split()[:2] == ["（无）", "4"]
    english = book("report", "complaints", "--by", "cause")
    assert english.stdout.splitlines()[2].split()[:2] == ["(none)", "4"]
    data = json.loads(book("report", "complaints", "--by", "cause", "--format", "json",
                           env=zh).stdout)
    assert data["rows"][0]["cause"] == "(none)"
    rows = list(csv.DictReader(io.StringIO(book("report", "complaints", "--by", "cause",
                                                "--format", "csv", env=zh).stdout)))
    assert rows[0]["cause"] == "(none)"


def test_value_risk_reasons_in_the_interface_language(book):
    zh = book("report", "value", env={"CRMCTL_LANG": "zh_CN"})
    assert zh.exit_code == 0, zh.stderr
    assert "672 天未购买（窗口 111 天；中位间隔 55.5 天）" in zh.stdout.splitlines()[2]
    en = book("report", "value")
    assert ("no purchase for 672 days (window 111; median interval 55.5 days)"
            in en.stdout.splitlines()[2])
    data = json.loads(book("report", "value", "--format", "json",
                           env={"CRMCTL_LANG": "zh_CN"}).stdout)
    assert data["rows"][0]["churn_risk"] == ("no purchase for 672 days (window 111; median "
                                             "interval 55.5 days)")
    assert "churn_args" not in data["rows"][0]
