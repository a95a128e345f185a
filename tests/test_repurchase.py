"""Purchase-based churn risk (issue 18.2, core/repurchase.py): the repurchase window at its
edges, its clamps, one purchase, voided and refunded purchases, closed customers, the
setting, and the figures of `report` and `report value` that count it.

The clock is pinned (CRMCTL_NOW) per test, in Asia/Shanghai; purchase days are local days.
"""

from __future__ import annotations

import copy
import json
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


def gaps(conn) -> dict[int, float]:
    return dict(conn.execute("SELECT customer_id, median FROM purchase_gaps").fetchall())


def test_the_median_gap_is_kept_by_every_writer(conn, at):
    """purchase_gaps (m018's triggers) against the median worked out by hand after each
    change: a purchase added, voided, moved by merge, and the customer removed."""
    from crmctl.core import merge
    from crmctl.store.migrations.m018_repurchase import MEDIAN_GAPS

    wang = buyer(conn, at, "王明", "gold", ["2026-01-01", "2026-01-31"])  # one gap: 30
    li = buyer(conn, at, "李娜", "gold", ["2026-03-01", "2026-03-01"])  # one day: no gap
    at("2026-06-01")
    assert gaps(conn) == {wang: 30.0}
    purchases.record(conn, wang, "50", when=date(2026, 2, 10))  # gaps 30, 10: 20
    assert gaps(conn) == {wang: 20.0}
    purchases.record(conn, li, "50", when=date(2026, 3, 5))  # gap 4
    assert gaps(conn) == {wang: 20.0, li: 4.0}
    third = conn.execute("SELECT id FROM purchases WHERE date = '2026-02-10'").fetchone()[0]
    correct_purchases.void(conn, third, "录错了")  # back to one gap of 30
    assert gaps(conn) == {wang: 30.0, li: 4.0}
    # merge moves 李娜's purchases to 王明: days 01-01, 01-31, 03-01, 03-05 (the voided
    # one stays voided): gaps 30, 29, 4, the middle one
    merge.merge(conn, wang, li)
    assert gaps(conn) == {wang: 29.0}
    customers.remove(conn, wang)
    assert gaps(conn) == {}
    # and the triggers agree with the set-based backfill of the migration
    zhang = buyer(conn, at, "张伟", "silver", ["2025-01-01", "2025-02-01", "2025-05-01"])
    assert gaps(conn) == {zhang: 60.0}  # gaps 31 and 89
    assert dict(conn.execute(MEDIAN_GAPS.format(only="")).fetchall()) == gaps(conn)


def test_migration_from_the_m017_schema(db_path, monkeypatch, pin_clock):
    """A database of today's schema (m017) with purchases: m018 works out every median gap
    and the report names the lapsed buyer."""
    from conftest import PASSPHRASE

    from crmctl.store import create_database, migrations, open_database
    from crmctl.store.migrations.m018_repurchase import m018_repurchase

    key = PASSPHRASE.encode()
    before = migrations.MIGRATIONS.index(m018_repurchase)
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:before]))
    old = create_database(db_path, key)
    assert "purchase_gaps" not in {r[0] for r in old.execute("SELECT name FROM sqlite_master")}
    old.execute("INSERT INTO customers (name, tier, created_at, updated_at, last_contact_at, "
                "last_purchase_at, purchase_count) VALUES ('王明', 'silver', "
                "'2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', '2027-02-05T00:00:00Z', "
                "'2026-07-20', 3)")
    old.executemany("INSERT INTO purchases (customer_id, date, amount_minor) VALUES (1, ?, 100)",
                    [(day,) for day in EVERY_100])
    old.commit()
    old.close()
    monkeypatch.undo()
    pin_clock("2027-02-06T09:00:00+08:00")
    conn = open_database(db_path, key)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
        assert gaps(conn) == {1: 100.0}
        assert churn(conn)[1][2] == ("no purchase for 201 days (window 200; median interval "
                                     "100 days)")
    finally:
        conn.close()


def test_the_report_finds_buyers_in_one_covering_index_range(conn):
    """At 100,000 customers the purchase part costs ~12 ms (bench/followups_bench.py): the
    lapsed buyers are one range of customers_last_purchase (id, tier, name from the index)
    and each median one look-up by id, never a pass over purchases."""
    sql, params = followups.statement(conn, date(2026, 11, 23), date(2026, 11, 23))
    plan = [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    assert "SEARCH c USING COVERING INDEX customers_last_purchase (last_purchase_at<?)" in plan
    assert "SEARCH g USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN" in plan
    assert not any(" purchases" in step or step.startswith("SCAN p") for step in plan), plan


def test_cli_followups_config_set_and_refusal(initialized, pin_clock):
    cli = initialized
    pin_clock("2026-07-20T09:00:00+08:00")
    assert cli("add", "王明", "--company", "华为", "--tier", "silver").exit_code == 0
    for day in EVERY_100:
        assert cli("purchase", "1", "1000", "--date", day).exit_code == 0, day
    pin_clock("2027-02-06T09:00:00+08:00")
    assert cli("log-contact", "1", "--channel", "phone", "--summary", "回访").exit_code == 0
    rows = json.loads(cli("followups", "--format", "json").stdout)
    assert [(r["reason"], r["purpose"]) for r in rows if r["customer_id"]] == [
        ("churn-risk", "no purchase for 201 days (window 200; median interval 100 days)")]
    before = cli("config", "list", "--format", "json").stdout
    bad = ('{"diamond": {"multiple": 2, "min_days": 90, "max_days": 365, "single_days": 90}, '
           '"gold": {"multiple": 2, "min_days": 90, "max_days": 365, "single_days": 180}, '
           '"silver": {"multiple": 2, "min_days": 400, "max_days": 365, "single_days": 270}, '
           '"regular": {"multiple": 2, "min_days": 90, "max_days": 365, "single_days": 365}}')
    result = cli("config", "set", "repurchase_window", bad)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "crmctl: setting 'repurchase_window' takes for each tier {\"multiple\": 2, "
        "\"min_days\": 90, \"max_days\": 365, \"single_days\": 90}: whole numbers of at least "
        "1, min_days at most max_days\n")
    assert cli("config", "list", "--format", "json").stdout == before
    good = bad.replace('"min_days": 400', '"min_days": 90').replace(
        '"silver": {"multiple": 2', '"silver": {"multiple": 3')
    assert cli("config", "set", "repurchase_window", good).exit_code == 0
    rows = json.loads(cli("followups", "--format", "json").stdout)
    assert [r for r in rows if r["customer_id"]] == []  # window 3 x 100, cut to 365


def test_the_tier_and_tag_filters_hold_for_the_purchase_rule(conn, at):
    wang = buyer(conn, at, "王明", "silver", EVERY_100)
    li = buyer(conn, at, "李娜", "gold", EVERY_100)
    conn.execute("INSERT INTO tags (name) VALUES ('华为')")
    conn.execute("INSERT INTO customer_tags (customer_id, tag_id) VALUES (?, 1)", (li,))
    at("2027-02-06")
    assert [r["customer_id"] for r in followups.due(conn, tier="silver")
            if r["reason"] == "churn-risk"] == [wang]
    assert [r["customer_id"] for r in followups.due(conn, tag="华为")
            if r["reason"] == "churn-risk"] == [li]


@pytest.mark.parametrize("tier, days, expected", [
    ("silver", EVERY_100, (200, 100)),  # 2 x the median gap of 100
    ("gold", ["2026-01-01", "2026-01-11", "2026-01-21"], (90, 10)),  # raised to min_days
    ("gold", ["2024-01-01", "2024-10-27"], (365, 300)),  # cut to max_days
    ("gold", ["2026-01-01", "2026-03-03", "2026-06-11"], (161, 80.5)),  # ceil(2 x 80.5)
    ("diamond", ["2025-06-01", "2025-06-01"], (90, None)),  # one purchase day: single_days
    ("regular", ["2025-06-01"], (365, None)),
])
def test_the_cards_window_is_the_reports(conn, at, tier, days, expected):
    """core/repurchase.window_of (the card) gives the window the follow-up report uses:
    at risk the day after it ends, not on its last day."""
    from crmctl.core.repurchase import window_of

    cid = buyer(conn, at, "王明", tier, days)
    window, median = expected
    assert window_of(conn, cid) == {"repurchase_window_days": window,
                                    "median_purchase_interval_days": median}
    last = date.fromisoformat(max(days)).toordinal()
    at(date.fromordinal(last + window).isoformat())
    assert cid not in churn(conn)
    at(date.fromordinal(last + window + 1).isoformat())
    assert f"(window {window};" in churn(conn)[cid][2]


def test_no_window_without_a_purchase_and_the_setting_counts(conn, at):
    from crmctl.core.repurchase import window_of

    at("2026-12-01")
    li = customers.add(conn, {"name": "李娜"}, tier="gold")
    assert window_of(conn, li) == {"repurchase_window_days": None,
                                   "median_purchase_interval_days": None}
    wang = buyer(conn, at, "王明", "silver", EVERY_100)
    window = copy.deepcopy(settings.get(conn, "repurchase_window"))
    window["silver"]["multiple"] = 3
    settings.put(conn, "repurchase_window", window)
    assert window_of(conn, wang)["repurchase_window_days"] == 300


def test_the_card_shows_the_window_in_both_languages(initialized, pin_clock):
    """`show`: "repurchase window 200 days (median interval 100 days)" / "复购周期 200 天
    （中位间隔 100 天）"; JSON gains repurchase_window_days (the contract allows more keys),
    CSV keeps its columns; no purchase: no line, null."""
    cli = initialized
    pin_clock("2026-12-01T09:00:00+08:00")
    assert cli("add", "王明", "--company", "华为", "--tier", "silver").exit_code == 0
    assert cli("add", "李娜", "--tier", "gold").exit_code == 0
    assert cli("add", "张伟").exit_code == 0
    for day in EVERY_100:
        assert cli("purchase", "1", "100", "--date", day).exit_code == 0
    assert cli("purchase", "3", "50", "--date", "2026-11-01").exit_code == 0

    def line(cid, env=None):
        card = cli("show", cid, env=env)
        assert card.exit_code == 0, card.stderr
        found = [x for x in card.stdout.splitlines() if x.startswith(("repurchase", "复购"))]
        return " ".join(found[0].split(None, 2 if found[0][0] == "r" else 1)) if found else None

    assert line("1") == "repurchase window 200 days (median interval 100 days)"
    assert line("1", {"CRMCTL_LANG": "zh_CN"}) == "复购周期 200 天（中位间隔 100 天）"
    assert line("3") == "repurchase window 365 days (a single purchase)"
    assert line("3", {"CRMCTL_LANG": "zh_CN"}) == "复购周期 365 天（仅购买过一次）"
    assert line("2") is None and line("2", {"CRMCTL_LANG": "zh_CN"}) is None
    data = json.loads(cli("show", "1", "--format", "json").stdout)
    assert (data["repurchase_window_days"], data["median_purchase_interval_days"]) == (200, 100)
    assert json.loads(cli("show", "2", "--format", "json").stdout)[
        "repurchase_window_days"] is None
    header = cli("show", "1", "--format", "csv").stdout.splitlines()[0]
    assert "repurchase" not in header
    missing = cli("show", "9")
    assert (missing.exit_code, missing.stderr) == (1, "crmctl: no customer 9\n")


def test_tier_rules_state_the_purchase_churn_rule(initialized):
    cli = initialized
    en = cli("tier", "rules").stdout.splitlines()
    assert en[0].split()[-3:] == ["repurchase", "window", "(days)"]
    assert en[1].endswith("2× median interval, 90–365; one purchase: 90")
    assert en[4].endswith("2× median interval, 90–365; one purchase: 365")
    assert "churn risk rules" in en
    assert en[-1].startswith("repurchase  churn risk (a follow-up) once the last purchase is "
                             "older than the tier's repurchase window")
    zh = cli("tier", "rules", env={"CRMCTL_LANG": "zh_CN"}).stdout.splitlines()
    assert zh[0].split()[-1] == "复购周期（天）"
    assert zh[2].endswith("中位间隔的 2 倍，90–365；仅一次购买：180")
    assert "流失风险规则" in zh and zh[-1].startswith("repurchase  最近一次购买早于该等级的复购周期")
    data = json.loads(cli("tier", "rules", "--format", "json",
                          env={"CRMCTL_LANG": "zh_CN"}).stdout)
    assert data["tiers"][1]["repurchase_window"] == {"multiple": 2, "min_days": 90,
                                                     "max_days": 365, "single_days": 180}
    assert data["churn_rules"][0]["does"].startswith("churn risk (a follow-up) once")
    csv_header = cli("tier", "rules", "--format", "csv").stdout.splitlines()[0]
    assert csv_header == "tier,min_spend_12m,cadence_days,response_hours"
