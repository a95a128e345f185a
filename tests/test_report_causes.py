"""`report complaints` counts root causes (the --cause of `complaints resolve`, issue 18):
`--by cause`, and by category each category's causes, in table, JSON, CSV and the HTML page."""

from __future__ import annotations

import csv
import io
import json

import pytest


@pytest.fixture
def crm(initialized, pin_clock):
    """Five complaints of 王明 (diamond) and 李娜: three product ones resolved with the same
    cause written three ways, one delivery one with another cause, one still open."""
    cli = initialized
    pin_clock("2026-12-01T10:00:00+08:00")
    assert cli("add", "王明", "--tier", "diamond").exit_code == 0
    assert cli("add", "李娜", "--company", "华为").exit_code == 0
    for customer, category in (("1", "product"), ("2", "product"), ("1", "product"),
                               ("2", "delivery"), ("1", "billing")):
        assert cli("log-contact", customer, "--channel", "phone", "--summary", "投诉",
                   "--complaint", "--category", category).exit_code == 0
    pin_clock("2026-12-02T10:00:00+08:00")
    for iid, cause in (("1", "包装 破损"), ("2", " 包装  破损 "), ("3", "包装　破损"),
                       ("4", "Courier LATE")):
        done = cli("complaints", "resolve", iid, "--cause", cause, "--solution", "补发")
        assert done.exit_code == 0, done.stderr
    return cli


def test_by_cause_counts_the_normalized_text(crm):
    data = json.loads(crm("report", "complaints", "--by", "cause", "--format", "json").stdout)
    assert [(r["cause"], r["complaints"], r["open"], r["resolved"]) for r in data["rows"]] == [
        ("包装 破损", 3, 0, 3), ("courier late", 1, 0, 1), ("(none)", 1, 1, 0)]
    assert data["rows"][0]["median_hours"] == 24.0
    assert data["total"]["complaints"] == 5
    rows = list(csv.DictReader(io.StringIO(crm("report", "complaints", "--by", "cause",
                                                "--format", "csv").stdout)))
    assert [(r["cause"], r["complaints"]) for r in rows] == [
        ("包装 破损", "3"), ("courier late", "1"), ("(none)", "1")]
    table = crm("report", "complaints", "--by", "cause")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("complaints by cause (response time: diamond 24 h")
    assert lines[2].split()[:4] == ["包装", "破损", "3", "#" * 40]


def test_by_category_shows_each_categorys_causes(crm):
    data = json.loads(crm("report", "complaints", "--format", "json").stdout)
    causes = {r["category"]: r["causes"] for r in data["rows"]}
    assert causes == {"product": {"包装 破损": 3}, "service": {}, "delivery":
                      {"courier late": 1}, "billing": {}, "other": {}}
    assert data["total"]["causes"] == {"包装 破损": 3, "courier late": 1}
    rows = list(csv.DictReader(io.StringIO(crm("report", "complaints", "--format",
                                                "csv").stdout)))
    assert [r["causes"] for r in rows] == ["包装 破损 3", "", "courier late 1", "", ""]
    table = crm("report", "complaints").stdout.splitlines()
    assert table[1].split()[-1] == "causes"
    assert table[2].split()[0] == "product" and table[2].endswith("包装 破损 3")
    assert table[-1].endswith("包装 破损 3; courier late 1")


def test_a_bad_by_is_refused_naming_cause(crm):
    result = crm("report", "complaints", "--by", "reason")
    assert result.exit_code == 1
    assert result.stderr == ("crmctl: --by must be one of category, month, cause, "
                             "not 'reason'\n")


def test_html_page_has_the_causes(crm, tmp_path):
    from test_report_analysis import Page

    out = tmp_path / "book.html"
    assert crm("report", "html", out).exit_code == 0
    page = Page()
    page.feed(out.read_text("utf-8"))
    assert "chart-complaints-by-cause" in page.charts
    assert page.tables["table-complaints-by-cause"][1][:4] == ["包装 破损", "3", "0", "3"]
    category = page.tables["table-complaints-by-category"]
    assert category[0][-1] == "root causes"
    assert category[1][0] == "product" and category[1][-1] == "包装 破损 3"


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_ratings_fall_in_their_local_month_and_trend_window(conn, pin_clock, tz):
    """ratings_frame cuts the ratings (in the order of ``at``) where each local month and
    trend window starts; the same months and windows as SQLite's localtime, per rating,
    in zones with summer time and half hours."""
    import pandas as pd

    from crmctl.core import customers, interactions
    from crmctl.core.analysis import service

    pin_clock("2026-06-29T12:00:00Z", tz)
    cid = customers.add(conn, {"name": "王明"})
    moments = ["2026-02-28T22:59:59Z", "2026-02-28T23:00:00Z", "2026-03-31T21:59:59Z",
               "2026-03-31T22:00:00Z", "2026-03-31T22:30:00Z", "2026-03-31T23:00:00Z",
               "2026-03-31T23:59:59Z", "2026-04-01T04:00:00Z", "2026-04-01T05:00:00Z",
               "2026-06-29T11:00:00Z"]
    for n, at in enumerate(moments):
        interactions.log(conn, cid, channel="phone", summary="回访", at=at,
                         satisfaction=1 + n % 5)
    today = pd.Timestamp("2026-06-29T12:00:00Z").tz_convert(tz).date()
    frame = service.ratings_frame(conn, today)
    expected = conn.execute(
        "SELECT strftime('%Y-%m', at, 'localtime'), CASE WHEN at >= ? THEN 1.0 WHEN at >= ? "
        "THEN 0.0 END FROM interactions ORDER BY at",
        (service.day_start_utc(today - pd.Timedelta(days=89)),
         service.day_start_utc(today - pd.Timedelta(days=179)))).fetchall()
    assert list(frame["month"]) == [m for m, _ in expected]
    assert [None if p != p else p for p in frame["period"]] == [p for _, p in expected]
    assert len(set(frame["month"])) >= 3
