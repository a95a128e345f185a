"""The analysis reports (`report sales|satisfaction|complaints|value`, the card's value
lines) against figures worked out by hand on the fixed data set tests/data/analysis_book.json.

The day is 2026-11-23 09:00 Asia/Shanghai. Money in CNY (the default currency) unless said;
the one USD purchase (刘洋, 2026-11-21, 100 USD) is never in a CNY sum.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import PASSPHRASE

from crmctl.core import campaigns, customers, interactions, purchases
from crmctl.core.analysis import sales, service, value
from crmctl.errors import InvalidValue

BOOK = json.loads((Path(__file__).parent / "data" / "analysis_book.json").read_text("utf-8"))


def load_book(conn) -> None:
    """The data set through the core API, as a user's commands would write it."""
    for c in BOOK["campaigns"]:
        campaigns.create(conn, c["name"], c["channel"], start=c["start"], end=c["end"])
    for c in BOOK["customers"]:
        customers.add(conn, {k: v for k, v in c.items() if k != "tier"}, tier=c["tier"])
    for p in BOOK["purchases"]:
        purchases.record(conn, p["customer"], p["amount"], when=date.fromisoformat(p["date"]),
                         currency=p.get("currency"), campaign_id=p.get("campaign"))
    for i in BOOK["interactions"]:
        interactions.log(conn, i["customer"], channel=i["channel"], summary="回访",
                         at=i["at"], satisfaction=i.get("satisfaction"),
                         complaint=i.get("complaint", False), category=i.get("category"),
                         resolves=i.get("resolves"))


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(BOOK["now"])


@pytest.fixture(scope="module")
def book_file(tmp_path_factory):
    """The data set loaded once per module (at the day it is set on); each test gets a copy."""
    import time

    from crmctl.store import create_database

    path = tmp_path_factory.mktemp("book") / "book.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Asia/Shanghai")
        patch.setenv("CRMCTL_NOW", BOOK["now"])
        time.tzset()
        conn = create_database(path, PASSPHRASE.encode())
        try:
            load_book(conn)
        finally:
            conn.close()
    time.tzset()
    return path


@pytest.fixture
def book(book_file, db_path):
    from crmctl.store import open_database

    shutil.copyfile(book_file, db_path)
    conn = open_database(db_path, PASSPHRASE.encode())
    yield conn
    conn.close()


def by_key(result: dict) -> dict:
    return {row[result["by"]]: row for row in result["rows"]}


def figures(row: dict, *keys) -> tuple:
    return tuple(row[k] for k in keys)


SALES = ("revenue", "orders", "customers", "average_order")


def test_sales_by_month_hand_computed(book):
    result = sales.sales(book, "month")
    rows = by_key(result)
    assert list(rows) == ["2024-10", "2024-12", "2025-01", "2025-06", "2026-01", "2026-02",
                          "2026-11"]
    assert figures(rows["2024-10"], *SALES) == ("8000.00", 1, 1, "8000.00")
    # 2026-02: 王明 2000.00 + 李娜 1500.00 = 3500.00, two orders, 1750.00 each on average
    assert figures(rows["2026-02"], *SALES) == ("3500.00", 2, 2, "1750.00")
    # 2026-11: 王明 3000.50 + 刘洋 99.99 = 3100.49 (刘洋's 100 USD is not CNY);
    # 3100.49 / 2 = 1550.245, half up to the fen: 1550.25
    assert figures(rows["2026-11"], *SALES) == ("3100.49", 2, 2, "1550.25")
    # 8000 + 1200 + 1000 + 500 + 1000 + 3500 + 3100.49 = 18300.49 over 9 orders of 4
    # customers (陈静 never bought); 18300.49 / 9 = 2033.387… -> 2033.39
    assert figures(result["total"], *SALES) == ("18300.49", 9, 4, "2033.39")
    assert result["currency"] == "CNY"


def test_sales_by_quarter_tier_and_region_hand_computed(book):
    quarters = by_key(sales.sales(book, "quarter"))
    assert list(quarters) == ["2024-Q4", "2025-Q1", "2025-Q2", "2026-Q1", "2026-Q4"]
    # 2024-Q4: 张伟 8000.00 (Oct) + 1200.00 (Dec); 2026-Q1: 1000 + 2000 + 1500
    assert figures(quarters["2024-Q4"], *SALES) == ("9200.00", 2, 1, "4600.00")
    assert figures(quarters["2026-Q1"], *SALES) == ("4500.00", 3, 2, "1500.00")
    tiers = by_key(sales.sales(book, "tier"))
    assert list(tiers) == ["diamond", "gold", "silver", "regular"]  # best first
    # 王明 1000 + 2000 + 3000.50 = 6000.50 over 3 orders: 2000.1666… -> 2000.17
    assert figures(tiers["diamond"], *SALES) == ("6000.50", 3, 1, "2000.17")
    assert figures(tiers["silver"], *SALES) == ("10200.00", 3, 1, "3400.00")
    regions = by_key(sales.sales(book, "region"))
    # by revenue, "(none)" last: 广东 = 王明 6000.50 + 张伟 10200.00 = 16200.50 over 6
    # orders (2700.083… -> 2700.08); 北京 = 李娜 2000.00 (陈静 never bought); 刘洋 none
    assert list(regions) == ["广东", "北京", "(none)"]
    assert figures(regions["广东"], *SALES) == ("16200.50", 6, 2, "2700.08")
    assert figures(regions["北京"], *SALES) == ("2000.00", 2, 1, "1000.00")
    assert figures(regions["(none)"], *SALES) == ("99.99", 1, 1, "99.99")
    industries = by_key(sales.sales(book, "industry"))
    assert figures(industries["零售"], *SALES) == ("12200.00", 5, 2, "2440.00")


def test_sales_by_campaign_within_dates_and_in_another_currency(book):
    result = sales.sales(book, "campaign", since=date(2026, 1, 1))
    rows = by_key(result)
    # from 2026-01-01: campaign #1 has 王明's 2000.00 and 李娜's 1500.00; the rest, 王明
    # 1000.00 + 3000.50 and 刘洋 99.99 = 4100.49 over 3 orders (1366.83)
    assert list(rows) == ["#1 春节促销", "(none)"]
    assert figures(rows["#1 春节促销"], *SALES) == ("3500.00", 2, 2, "1750.00")
    assert figures(rows["(none)"], *SALES) == ("4100.49", 3, 2, "1366.83")
    assert figures(result["total"], *SALES) == ("7600.49", 5, 3, "1520.10")
    feb = sales.sales(book, "month", since=date(2026, 2, 1), until=date(2026, 2, 28))
    assert [r["month"] for r in feb["rows"]] == ["2026-02"] and feb["until"] == "2026-02-28"
    usd = sales.sales(book, "month", currency="usd")
    assert figures(usd["total"], *SALES) == ("100.00", 1, 1, "100.00")
    assert usd["currency"] == "USD"


def test_sales_by_campaign_counts_what_campaign_report_counts(book):
    """Targets' purchases count for a campaign as in `campaign report`: 王明 (diamond) is a
    target of #1 春节促销 (01-10..02-28, counted to 03-30), #2 双十一回馈 (11-01..11-10)
    and #3 元旦 (01-01..01-31), which overlaps #1."""
    from crmctl.core import consent
    from crmctl.core.customers import Filter

    consent.record(book, 1, "wechat", True)
    campaigns.create(book, "双十一回馈", "wechat", start="2026-11-01", end="2026-11-10")
    campaigns.create(book, "元旦", "wechat", start="2026-01-01", end="2026-01-31")
    for cid in (1, 2, 3):
        assert campaigns.target(book, cid, Filter(tier="diamond"))["added"] == 1
    result = sales.sales(book, "campaign", since=date(2026, 1, 1))
    rows = by_key(result)
    # #1: 王明's 1000.00 (01-15, a target's in the window) and 2000.00 (tied), 李娜's
    # 1500.00 (tied); #2: 王明's 3000.50 (11-01); #3 (counted to 03-02): 王明's 1000.00
    # and 2000.00 again; (none): 刘洋's 99.99. The total counts each purchase once.
    assert list(rows) == ["#1 春节促销", "#2 双十一回馈", "#3 元旦", "(none)"]
    assert figures(rows["#1 春节促销"], *SALES) == ("4500.00", 3, 2, "1500.00")
    assert figures(rows["#2 双十一回馈"], *SALES) == ("3000.50", 1, 1, "3000.50")
    assert figures(rows["#3 元旦"], *SALES) == ("3000.00", 2, 1, "1500.00")
    assert figures(rows["(none)"], *SALES) == ("99.99", 1, 1, "99.99")
    assert figures(result["total"], *SALES) == ("7600.49", 5, 3, "1520.10")
    for cid, key in ((1, "#1 春节促销"), (2, "#2 双十一回馈"), (3, "#3 元旦")):
        report = campaigns.report(book, cid)
        assert (report["revenue"], report["purchases"]) == (rows[key]["revenue"],
                                                            rows[key]["orders"])


def test_sales_refuses_bad_words(book):
    with pytest.raises(InvalidValue, match="^--by must be one of month, quarter, tier, "
                                           "region, industry, campaign, not 'week'$"):
        sales.sales(book, "week")
    with pytest.raises(InvalidValue, match="^--since 2026-03-01 is after --until 2026-02-01$"):
        sales.sales(book, since=date(2026, 3, 1), until=date(2026, 2, 1))
    with pytest.raises(InvalidValue, match="unknown currency 'XYZ'"):
        sales.sales(book, currency="XYZ")


SATISFACTION = ("average", "ratings", "low_share", "trend")


def test_satisfaction_by_month_hand_computed(book):
    result = service.satisfaction(book, "month")
    rows = by_key(result)
    # ratings: 2026-06 张伟 4; 07 王明 3; 09 王明 5; 10 王明 4, 李娜 2; 11 李娜 1, 刘洋 5.
    # The trend is the change from the month before (listed) one.
    assert {k: figures(r, *SATISFACTION) for k, r in rows.items()} == {
        "2026-06": (4.0, 1, 0.0, None),
        "2026-07": (3.0, 1, 0.0, -1.0),
        "2026-09": (5.0, 1, 0.0, 2.0),
        "2026-10": (3.0, 2, 0.5, -2.0),
        "2026-11": (3.0, 2, 0.5, 0.0)}
    # 24 / 7 = 3.428… ; two of seven at 2 or less: 0.2857
    assert figures(result["total"], *SATISFACTION) == (3.43, 7, 0.2857, None)


def test_satisfaction_by_tier_and_channel_hand_computed(book):
    tiers = by_key(service.satisfaction(book, "tier"))
    # diamond 王明: 3 (07-01), 5 (09-10), 4 (10-05): average 4.0; the last 90 days (from
    # 2026-08-26) average 4.5, the 90 before (from 2026-05-28) 3.0: trend +1.5.
    # gold 李娜: 2 and 1, both recent: no trend. silver 张伟: 4 in June only: no trend.
    assert {k: figures(r, *SATISFACTION) for k, r in tiers.items()} == {
        "diamond": (4.0, 3, 0.0, 1.5), "gold": (1.5, 2, 1.0, None),
        "silver": (4.0, 1, 0.0, None), "regular": (5.0, 1, 0.0, None)}
    channels = by_key(service.satisfaction(book, "channel"))
    assert {k: figures(r, "average", "ratings") for k, r in channels.items()} == {
        "email": (1.0, 1), "meeting": (4.0, 1), "phone": (3.5, 2), "visit": (3.0, 1),
        "wechat": (4.5, 2)}


COMPLAINTS = ("complaints", "open", "resolved", "median_hours", "over_response_time")


def test_complaints_hand_computed(book):
    result = service.complaints(book, "category")
    rows = by_key(result)
    # product: 张伟 (silver, 72 h) resolved after 48 h: within; 李娜 (gold, 48 h) open since
    # 11-20 09:00, 72 h now: over. delivery: 王明 (diamond, 24 h) resolved after 30 h: over.
    # other: 刘洋 (regular, 120 h) open 12 h: within.
    assert {k: figures(r, *COMPLAINTS) for k, r in rows.items()} == {
        "product": (2, 1, 1, 48.0, 1), "service": (0, 0, 0, None, 0),
        "delivery": (1, 0, 1, 30.0, 1), "billing": (0, 0, 0, None, 0),
        "other": (1, 1, 0, None, 0)}
    # the median of 30 h and 48 h is 39 h
    assert figures(result["total"], *COMPLAINTS) == (4, 2, 2, 39.0, 2)
    months = by_key(service.complaints(book, "month"))
    assert {k: figures(r, *COMPLAINTS) for k, r in months.items()} == {
        "2026-10": (1, 0, 1, 48.0, 0), "2026-11": (3, 2, 1, 30.0, 2)}


@pytest.mark.parametrize("open_minutes, over", [(24 * 60 - 1, 0), (24 * 60, 0), (24 * 60 + 1, 1)])
def test_a_diamond_complaint_is_over_its_response_time_after_24_hours(conn, open_minutes, over):
    cid = customers.add(conn, {"name": "王明"}, tier="diamond")
    interactions.log(conn, cid, channel="phone", summary="投诉", at="2026-11-22T09:00",
                     complaint=True, category="service")
    now = datetime(2026, 11, 22, 9).astimezone() + timedelta(minutes=open_minutes)
    assert service.complaints(conn, now=now)["total"]["over_response_time"] == over


VALUE = ("rank", "name", "segment", "at_risk", "total_spend", "spend_12m", "purchases",
         "average_order", "last_purchase")


def test_value_top_customers_at_risk_first_hand_computed(book):
    result = value.top(book)
    # by lifetime CNY spend: 张伟 10200.00, 王明 6000.50, 李娜 2000.00, 刘洋 99.99.
    # 张伟: last purchase 2025-01-20 (R 1), 3 purchases (F 3), 10200 >= 5000 (M 2):
    #   FM 3 -> "at risk". 李娜: last rating 1 -> churn risk. Those two first.
    # 王明: 22 days (R 5), F 3, M 2: FM 3, 2+ purchases -> loyal. 刘洋: 2 days, two
    #   purchases (one USD) F 2, M 1 -> promising; one CNY purchase of 99.99.
    assert [figures(r, *VALUE) for r in result["rows"]] == [
        (1, "张伟", "at risk", True, "10200.00", "0.00", 3, "3400.00", "2025-01-20"),
        (3, "李娜", "hibernating", True, "2000.00", "1500.00", 2, "1000.00", "2026-02-20"),
        (2, "王明", "loyal", False, "6000.50", "6000.50", 3, "2000.17", "2026-11-01"),
        (4, "刘洋", "promising", False, "99.99", "99.99", 1, "99.99", "2026-11-21")]
    assert result["rows"][1]["churn_risk"] == "last satisfaction 1/5 (2026-11-18)"
    # 张伟 also at churn risk by purchase (issue 18.2): gaps 75 and 36 days, median 55.5,
    # window 2 x 55.5 = 111 days; 2025-01-20 to 2026-11-23 is 672 days. 李娜: one gap of
    # 264 days, window 528 cut to 365; 276 days: not yet. 王明: median gap 145, 22 days.
    assert result["rows"][0]["churn_risk"] == ("no purchase for 672 days (window 111; "
                                               "median interval 55.5 days)")
    assert [r["churn_risk"] for r in result["rows"][2:]] == [None, None]
    assert [r["name"] for r in value.top(book, 2)["rows"]] == ["张伟", "王明"]
    with pytest.raises(InvalidValue, match="^--top must be 1 or more$"):
        value.top(book, 0)


def test_the_card_shows_value(book):
    from crmctl.core import timeline

    card = timeline.show(book, 1)
    assert figures(card, "total_spend", "spend_12m", "purchases", "average_order",
                   "last_purchase", "segment", "spend_currency") == (
        "6000.50", "6000.50", 3, "2000.17", "2026-11-01", "loyal", "CNY")
    # 陈静 never bought
    assert figures(timeline.show(book, 5), "total_spend", "purchases", "average_order",
                   "segment") == ("0.00", 0, None, "no purchases")


def test_refunds_are_netted_and_voided_records_count_nowhere(book):
    from crmctl.core import correct_interactions, correct_purchases

    # 王明's 2026-11-01 purchase (3000.50, id 3) is refunded 500.50 on 2026-11-20; 张伟's
    # 2024-10-01 purchase (8000.00, id 6) is voided; 李娜's rating of 1 (interaction 5) too.
    correct_purchases.refund(book, 3, "500.50", reason="退货", when=date(2026, 11, 20))
    correct_purchases.void(book, 6, "录错")
    correct_interactions.void(book, 5, "录错")
    rows = by_key(sales.sales(book, "month"))
    # 2026-11: 3000.50 - 500.50 + 99.99 = 2599.99 over the same 2 orders (1299.995 -> 1300.00)
    assert figures(rows["2026-11"], *SALES) == ("2599.99", 2, 2, "1300.00")
    assert "2024-10" not in rows
    # 18300.49 - 500.50 - 8000.00 = 9799.99 over 8 orders: 1224.99875 -> 1225.00
    assert figures(sales.sales(book, "month")["total"], *SALES) == ("9799.99", 8, 4, "1225.00")
    wang = next(r for r in value.top(book)["rows"] if r["name"] == "王明")
    assert figures(wang, "total_spend", "purchases", "average_order") == ("5500.00", 3,
                                                                           "1833.33")
    assert service.satisfaction(book, "tier")["rows"][1]["ratings"] == 1  # gold: 李娜's 2
