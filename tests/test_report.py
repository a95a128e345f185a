"""`report`: tiers, stages, RFM segments, churn risk, complaints, interactions per week."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from crmctl import clock
from crmctl.core import customers, reports

TODAY = date(2026, 11, 23)  # a Monday
NOW = "2026-11-23T09:00:00+08:00"
SPEND = {"diamond": 500000, "gold": 100000, "silver": 20000}


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(NOW)


def local(y, m, d, hour=10) -> str:
    return clock.to_utc_text(datetime(y, m, d, hour).astimezone())


def test_rfm_scores_at_their_band_edges():
    assert [reports.recency_score(d) for d in (0, 30, 31, 90, 91, 180, 181, 365, 366)] == \
        [5, 5, 4, 4, 3, 3, 2, 2, 1]
    assert [reports.frequency_score(n) for n in (1, 2, 3, 4, 5, 9, 10)] == [1, 2, 3, 3, 4, 4, 5]
    # minor units against major-unit thresholds, exactly
    assert [reports.monetary_score(m, SPEND) for m in (
        50000000, 49999999, 10000000, 2000000, 1999999, 500000, 499999)] == [5, 4, 4, 3, 2, 2, 1]


@pytest.mark.parametrize("r, f, m, name", [
    (5, 5, 5, "champions"), (4, 4, 3, "champions"), (3, 5, 5, "loyal"), (4, 3, 3, "loyal"),
    (5, 1, 1, "new"), (4, 1, 5, "new"), (3, 1, 5, "promising"), (3, 2, 4, "loyal"),
    (3, 1, 1, "promising"), (2, 5, 5, "at risk"), (1, 1, 4, "at risk"), (1, 3, 2, "at risk"),
    (2, 2, 2, "hibernating"), (1, 2, 1, "hibernating")])
def test_segment_rule(r, f, m, name):
    assert reports.segment(r, f, m) == name


def buyer(conn, name, purchases: list[tuple[str, int]], tier="regular") -> int:
    cid = customers.add(conn, {"name": name}, tier=tier)
    for day, minor in purchases:
        conn.execute("INSERT INTO purchases (customer_id, date, amount_minor) VALUES (?, ?, ?)",
                     (cid, day, minor))
    if purchases:
        days = sorted(d for d, _ in purchases)
        conn.execute("UPDATE customers SET first_purchase_at = ?, last_purchase_at = ?, "
                     "purchase_count = ?, last_contact_at = ? WHERE id = ?",
                     (days[0], days[-1], len(days), local(2026, 11, 20), cid))
    return cid


def test_overview_counts(conn):
    buyer(conn, "王明", [(f"2026-{m:02d}-01", 6000000) for m in range(1, 12)], tier="diamond")
    buyer(conn, "李娜", [("2026-11-01", 100000)], tier="silver")
    lapsed = buyer(conn, "张伟", [("2024-03-01", 9000000), ("2024-06-01", 9000000),
                                 ("2024-09-01", 9000000)], tier="gold")
    buyer(conn, "刘洋", [])
    gone = buyer(conn, "陈静", [("2026-11-01", 100)])
    conn.execute("UPDATE customers SET forgotten_at = ? WHERE id = ?", (clock.now_text(), gone))
    for at, complaint, category, resolved in [
            (local(2026, 11, 23, 8), 1, "delivery", None),   # this week (Monday)
            (local(2026, 11, 22, 23), 1, "delivery", None),  # Sunday night: last week
            (local(2026, 11, 16, 0), 1, "product", "2026-11-17T00:00:00Z"),
            (local(2026, 8, 30), 0, None, None)]:             # before the 12 weeks
        conn.execute("INSERT INTO interactions (customer_id, at, channel, summary, complaint, "
                     "complaint_category, resolved_at) VALUES (?, ?, 'phone', '投诉', ?, ?, ?)",
                     (lapsed, at, complaint, category, resolved))
    data = reports.overview(conn)
    assert data["customers"] == 4
    assert data["tiers"] == {"diamond": 1, "gold": 1, "silver": 1, "regular": 1}
    # 王明's eleven purchases span less than a year: repeat, not yet loyal
    assert data["stages"] == {"prospect": 1, "customer": 1, "repeat": 2, "loyal": 0,
                              "churned": 0, "closed": 0}
    assert data["segments"] == {"champions": 1, "loyal": 0, "new": 1, "promising": 0,
                                "at risk": 1, "hibernating": 0, "no purchases": 1}
    assert data["open_complaints"] == {"product": 0, "service": 0, "delivery": 2,
                                       "billing": 0, "other": 0}
    weeks = data["interactions_per_week"]
    assert len(weeks) == 12 and weeks[0]["week"] == "2026-09-07"
    assert weeks[-1] == {"week": "2026-11-23", "interactions": 1}
    assert weeks[-2] == {"week": "2026-11-16", "interactions": 2}
    assert sum(w["interactions"] for w in weeks) == 3
    # the regular prospect, never contacted since today, is not at risk; 张伟 is (issue
    # 18.2): no purchase since 2024-09-01, beyond 2x his median gap of 92 days
    assert data["churn_risk"] == 1


def test_cli_report_charts_and_json(initialized):
    cli = initialized
    for name, tier in [("王明", "gold"), ("李娜", "gold"), ("张伟", "silver")]:
        cli("add", name, "--tier", tier)
    data = json.loads(cli("report", "--format", "json").stdout)
    assert list(data) == ["date", "customers", "tiers", "stages", "segments", "segment_rule",
                          "churn_risk", "open_complaints", "interactions_per_week"]
    assert data["tiers"] == {"diamond": 0, "gold": 2, "silver": 1, "regular": 0}
    r = cli("report")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "crmctl report 2026-11-23: 3 customers, 0 at churn risk"
    gold = next(line for line in lines if line.startswith("gold"))
    silver = next(line for line in lines if line.startswith("silver"))
    assert gold.split() == ["gold", "2", "#" * reports_width()]
    assert silver.split() == ["silver", "1", "#" * (reports_width() // 2)]
    assert "\x1b[" not in r.stdout and "█" not in r.stdout
    r = cli("report", "--format", "csv")  # advertised, so it works (issue 16.8)
    assert (r.exit_code, r.stderr) == (0, "")
    lines = r.stdout.splitlines()
    assert lines[:4] == ["section,key,value", "summary,date,2026-11-23", "summary,customers,3",
                         "summary,churn_risk,0"]
    assert lines[4:8] == ["tiers,diamond,0", "tiers,gold,2", "tiers,silver,1", "tiers,regular,0"]
    assert len(lines) == 1 + 3 + 4 + len(data["stages"]) + len(data["segments"]) + \
        len(data["open_complaints"]) + len(data["interactions_per_week"])


def reports_width() -> int:
    from crmctl.render.charts import BAR_WIDTH

    return BAR_WIDTH


def test_terminal_bars_use_eighths():
    from crmctl.render.charts import BAR_WIDTH, bar

    assert bar(10, 10, True) == "█" * BAR_WIDTH
    assert bar(1, 80, True) == "▌"  # 40 * 8 / 80 = 4 eighths
    assert bar(0, 10, True) == "" and bar(3, 0, False) == ""
    assert bar(1, 1000, False) == "#"  # never invisible when there is something
