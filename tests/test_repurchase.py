"""Purchase-based churn risk (issue 18.2, core/repurchase.py): the repurchase window at its
edges, its clamps, one purchase, voided and refunded purchases, closed customers, the
setting, and the figures of `report` and `report value` that count it.

The clock is pinned (CRMCTL_NOW) per test, in Asia/Shanghai; purchase days are local days.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest

from crmctl.core import (closing, correct_purchases, customers, followups, privacy, purchases,
                         settings)
from crmctl.errors import InvalidValue


@pytest.fixture
def at(pin_clock):
    """at("2027-02-05"): pin the clock to 09:00 that local day."""
    def pin(day: str) -> None:
        pin_clock(f"{day}T09:00:00+08:00")
    return pin


def buyer(conn, at, name: str, tier: str, days: list[str], contacted: str = "2030-01-01") -> int:
    """A customer of a tier who bought on each day (clock pinned past them while recording);
    contacted recently as seen from any test day (no silence risk)."""
    at(max(days))
    cid = customers.add(conn, {"name": name}, tier=tier)
    conn.execute("UPDATE customers SET created_at = '2020-01-01T00:00:00Z', "
                 "last_contact_at = ? WHERE id = ?", (f"{contacted}T00:00:00Z", cid))
    for day in days:
        purchases.record(conn, cid, "100", when=date.fromisoformat(day))
    return cid


def churn(conn) -> dict[int, tuple]:
    """{customer id: (due, overdue_days, purpose)} of the churn-risk rows today."""
    return {r["customer_id"]: (r["due"], r["overdue_days"], r["purpose"])
            for r in followups.due(conn) if r["reason"] == "churn-risk"}


# gaps of 100 days: median 100, window 2 x 100 = 200; 2026-07-20 + 200 = 2027-02-05
EVERY_100 = ["2026-01-01", "2026-04-11", "2026-07-20"]


@pytest.mark.parametrize("today, expected", [
    ("2027-02-04", None),  # 199 days: inside the window
    ("2027-02-05", None),  # 200 days: the window's last day, not older than it
    ("2027-02-06", ("2027-02-06", 0, "no purchase for 201 days (window 200; median "
                    "interval 100 days)")),
    ("2027-02-16", ("2027-02-06", 10, "no purchase for 211 days (window 200; median "
                    "interval 100 days)")),
])
def test_the_window_at_its_edges(conn, at, today, expected):
    wang = buyer(conn, at, "王明", "silver", EVERY_100)
    at(today)
    assert churn(conn).get(wang) == expected


@pytest.mark.parametrize("days, edge, window, median", [
    # gaps of 10 days: 2 x 10 = 20, raised to the 90-day minimum
    (["2026-01-01", "2026-01-11", "2026-01-21"], date(2026, 4, 21), 90, "10"),
    # a gap of 300 days: 2 x 300 = 600, cut to the 365-day maximum (2024 is a leap year)
    (["2024-01-01", "2024-10-27"], date(2025, 10, 27), 365, "300"),
    # gaps 61 and 100: median 80.5, 2 x 80.5 = 161
    (["2026-01-01", "2026-03-03", "2026-06-11"], date(2026, 11, 19), 161, "80.5"),
    # gaps 10, 20, 70, 300 (even count): the mean of the middle two, 45; window 90
    (["2024-01-01", "2024-01-11", "2024-01-31", "2024-04-10", "2025-02-04"],
     date(2025, 5, 5), 90, "45"),
])
def test_the_clamps_and_the_median(conn, at, days, edge, window, median):
    li = buyer(conn, at, "李娜", "gold", days)
    last = date.fromisoformat(days[-1])
    assert (edge - last).days == window
    at(edge.isoformat())
    assert li not in churn(conn)
    at(edge.replace(day=edge.day + 1).isoformat())
    assert churn(conn)[li] == (
        edge.replace(day=edge.day + 1).isoformat(), 0,
        f"no purchase for {window + 1} days (window {window}; median interval {median} days)")


@pytest.mark.parametrize("tier, window", [("diamond", 90), ("gold", 180), ("silver", 270),
                                          ("regular", 365)])
def test_a_single_purchase_takes_the_tier_window(conn, at, tier, window):
    """No gap to take a median of: the tier's single_days (rules.REPURCHASE_WINDOW);
    two purchases the same day are one purchase day."""
    zhang = buyer(conn, at, "张伟", tier, ["2025-06-01", "2025-06-01"])
    end = date.fromordinal(date(2025, 6, 1).toordinal() + window)
    at(end.isoformat())
    assert zhang not in churn(conn)
    after = date.fromordinal(end.toordinal() + 1).isoformat()
    at(after)
    assert churn(conn)[zhang] == (
        after, 0, f"no purchase for {window + 1} days (window {window}; a single purchase)")


def test_voided_purchases_do_not_count_and_refunds_undo_none(conn, at):
    # live: 2026-01-01, 2026-04-11, 2026-07-20 (gaps 100); a purchase on 2026-03-01 voided
    # leaves the median at 100, not 60/40
    wang = buyer(conn, at, "王明", "silver", EVERY_100 + ["2026-03-01"])
    mistake = conn.execute("SELECT id FROM purchases WHERE date = '2026-03-01'").fetchone()[0]
    correct_purchases.void(conn, mistake, "录错了")
    # a refund of the last purchase, whole: it happened all the same
    last = conn.execute("SELECT id FROM purchases WHERE date = '2026-07-20'").fetchone()[0]
    at("2026-08-01")
    correct_purchases.refund(conn, last, reason="退货")
    at("2027-02-06")
    assert churn(conn)[wang][2] == "no purchase for 201 days (window 200; median interval " \
                                   "100 days)"
    # a purchase logged by mistake last week, voided: the last purchase is 2026-07-20 again
    li = buyer(conn, at, "李娜", "silver", EVERY_100 + ["2027-01-30"])
    at("2027-02-06")
    assert li not in churn(conn)
    recent = conn.execute("SELECT id FROM purchases WHERE customer_id = ? AND date = "
                          "'2027-01-30'", (li,)).fetchone()[0]
    correct_purchases.void(conn, recent, "录错了")
    assert churn(conn)[li] == churn(conn)[wang]


def test_closed_forgotten_and_never_bought_customers_are_left_out(conn, at):
    wang = buyer(conn, at, "王明", "silver", EVERY_100)
    li = buyer(conn, at, "李娜", "silver", EVERY_100)
    zhao = buyer(conn, at, "赵强", "silver", EVERY_100)
    at("2027-02-06")
    never = customers.add(conn, {"name": "刘洋", "company": "华为"}, tier="diamond")
    conn.execute("UPDATE customers SET created_at = '2020-01-01T00:00:00Z', "
                 "last_contact_at = '2027-02-05T00:00:00Z' WHERE id = ?", (never,))
    assert set(churn(conn)) == {wang, li, zhao}
    closing.close(conn, li, "客户终止合作")
    privacy.forget(conn, zhao)
    assert set(churn(conn)) == {wang}


def test_every_reason_in_one_row_with_the_purchase_last(conn, at):
    """Silence and no purchase: one churn-risk row, due from the earlier of the two."""
    wang = buyer(conn, at, "王明", "silver", EVERY_100, contacted="2026-07-20")
    at("2027-02-06")
    # silent since 2026-07-20 for 2 x 90 days: at risk from 2027-01-16
    assert churn(conn)[wang] == ("2027-01-16", 21, "no contact for 201 days (silver: every "
                                 "90); no purchase for 201 days (window 200; median interval "
                                 "100 days)")


def test_the_window_is_a_setting_per_tier(conn, at):
    wang = buyer(conn, at, "王明", "silver", EVERY_100)
    gold = buyer(conn, at, "李娜", "gold", EVERY_100)
    at("2026-12-01")  # 134 days after the last purchase
    assert churn(conn) == {}
    window = copy.deepcopy(settings.get(conn, "repurchase_window"))  # (get: the default itself)
    window["silver"] = {"multiple": 1, "min_days": 30, "max_days": 120, "single_days": 60}
    settings.put(conn, "repurchase_window", window)
    assert churn(conn) == {wang: ("2026-10-29", 33, "no purchase for 134 days (window 100; "
                                  "median interval 100 days)")}
    assert gold not in churn(conn)


@pytest.mark.parametrize("change", [
    {"multiple": 0}, {"min_days": 400}, {"single_days": -1}, {"max_days": "365"},
    {"max_days": 1.5}, {"extra": 1}])
def test_a_bad_window_is_refused_and_changes_nothing(conn, change):
    window = copy.deepcopy(settings.get(conn, "repurchase_window"))  # (get: the default itself)
    window["gold"] = {**window["gold"], **change}
    with pytest.raises(InvalidValue) as err:
        settings.put(conn, "repurchase_window", window)
    assert str(err.value) == (
        "setting 'repurchase_window' takes for each tier {\"multiple\": 2, \"min_days\": 90, "
        "\"max_days\": 365, \"single_days\": 90}: whole numbers of at least 1, min_days at "
        "most max_days")
    assert settings.get(conn, "repurchase_window") == settings.DEFAULTS["repurchase_window"]
    assert conn.execute("SELECT count(*) FROM settings WHERE key = 'repurchase_window'"
                        ).fetchone()[0] == 0


def test_the_report_and_report_value_count_it(conn, at):
    from crmctl.core import reports
    from crmctl.core.analysis import value

    wang = buyer(conn, at, "王明", "silver", EVERY_100)
    buyer(conn, at, "李娜", "silver", ["2027-01-30"])
    at("2027-02-06")
    assert reports.overview(conn)["churn_risk"] == 1
    top = {r["id"]: r["churn_risk"] for r in value.top(conn, 20)["rows"]}
    assert top[wang] == "no purchase for 201 days (window 200; median interval 100 days)"
