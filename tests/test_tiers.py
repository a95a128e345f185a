"""Tier rules pinned at their edges: spend at each threshold and one fen below, the
trailing window's first day, the 3-year relationship, 365 vs 366 days without a purchase,
falling satisfaction; review changes nothing, --apply records history and notify
follow-ups; tier set and its refusals; the rules shown come from settings."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as day_time

import pytest

from crmctl import clock
from crmctl.core import customers, interactions, purchases, settings, tiers
from crmctl.errors import InvalidValue, NotFound

NOW = "2026-11-23T10:00:00"  # naive: local time, so "today" is 2026-11-23 in any TZ
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", NOW)


@pytest.fixture
def add(conn, monkeypatch):
    """add(name, tier=, created=): a customer, created at a pinned local time if given."""

    def make(name: str, tier: str = "regular", created: str | None = None) -> int:
        if created:
            monkeypatch.setenv("CRMCTL_NOW", created)
        try:
            return customers.add(conn, {"name": name}, tier=tier)
        finally:
            monkeypatch.setenv("CRMCTL_NOW", NOW)

    return make


def buy(conn, cid, amount, day, currency=None):
    purchases.record(conn, cid, amount, when=date.fromisoformat(day), currency=currency)


def proposed(conn) -> dict:
    return {p.customer_id: (p.proposed, p.rule) for p in tiers.review(conn)}


def state(conn) -> dict:
    tables = ("tier_history", "followups", "audit_log")
    out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    out["tiers"] = conn.execute("SELECT group_concat(tier) FROM customers").fetchone()[0]
    return out


def test_spend_exactly_at_each_threshold_and_one_fen_below(conn, add):
    cases = {"20000.00": "silver", "19999.99": None, "100000.00": "gold",
             "99999.99": "silver", "500000.00": "diamond", "499999.99": "gold"}
    ids = {}
    for amount in cases:
        ids[amount] = add(f"王明{amount}")
        buy(conn, ids[amount], amount, "2026-06-01")
    got = proposed(conn)
    for amount, tier in cases.items():
        assert got.get(ids[amount]) == ((tier, "spend") if tier else None), amount
    reason = {p.customer_id: p.reason for p in tiers.review(conn)}[ids["100000.00"]]
    assert reason == "trailing-12-month spend 100,000.00 CNY ≥ gold threshold 100,000"


def test_spend_window_currency_and_no_change_when_already_there(conn, add):
    out = add("张伟")
    buy(conn, out, "20000", "2025-11-23")   # exactly 12 months ago: outside the window
    first_day = add("李娜")
    buy(conn, first_day, "20000", "2025-11-24")
    dollars = add("Anna Schmidt")
    buy(conn, dollars, "20000", "2026-06-01", currency="USD")  # other currencies don't count
    split = add("陈静")
    buy(conn, split, "10000.00", "2026-01-01")
    buy(conn, split, "10000.00", "2026-11-23")
    already = add("刘洋", tier="gold")
    buy(conn, already, "150000", "2026-06-01")
    assert proposed(conn) == {first_day: ("silver", "spend"), split: ("silver", "spend")}


def test_three_year_relationship_edge(conn, add):
    exact = add("王明")
    buy(conn, exact, "1.00", "2023-11-23")  # first purchase exactly 3 years ago
    buy(conn, exact, "200000.00", "2026-06-01")
    short = add("李娜")
    buy(conn, short, "1.00", "2023-11-24")  # a day short of 3 years
    buy(conn, short, "200000.00", "2026-06-01")
    below = add("张伟")
    buy(conn, below, "1.00", "2023-11-23")
    buy(conn, below, "199999.99", "2026-06-01")
    created_in = add("华为采购", created="2023-11-23T23:30:00")   # local day 3 years ago
    buy(conn, created_in, "200000.00", "2026-06-01")
    created_late = add("腾讯采购", created="2023-11-24T00:30:00")
    buy(conn, created_late, "200000.00", "2026-06-01")
    assert proposed(conn) == {exact: ("diamond", "spend"), short: ("gold", "spend"),
                              below: ("gold", "spend"), created_in: ("diamond", "spend"),
                              created_late: ("gold", "spend")}
    reason = {p.customer_id: p.reason for p in tiers.review(conn)}[exact]
    assert reason == ("trailing-12-month spend 200,000.00 CNY ≥ 200,000 with a relationship "
                      "of 3+ years")


def test_inactivity_365_vs_366_days(conn, add):
    recent = add("王明", tier="gold", created="2024-01-01T09:00:00")
    buy(conn, recent, "10", "2025-11-23")   # 365 days ago: still recent
    lapsed = add("李娜", tier="gold", created="2024-01-01T09:00:00")
    buy(conn, lapsed, "10", "2025-11-22")   # 366 days ago
    never = add("张伟", tier="diamond", created="2024-01-01T09:00:00")
    regular = add("陈静", created="2024-01-01T09:00:00")
    moved = add("刘洋", tier="gold", created="2024-01-01T09:00:00")
    # tier changed within the year: the inactivity clock restarts
    conn.execute("UPDATE tier_history SET at = '2026-01-01T00:00:00Z' WHERE customer_id = ?",
                 (moved,))
    changed_366 = add("赵磊", tier="silver", created="2025-11-22T23:30:00")
    changed_365 = add("孙丽", tier="silver", created="2025-11-23T00:30:00")
    got = proposed(conn)
    assert got == {lapsed: ("silver", "inactive"), never: ("gold", "inactive"),
                   changed_366: ("regular", "inactive")}
    assert recent not in got and regular not in got and moved not in got
    assert changed_365 not in got
    reasons = {p.customer_id: p.reason for p in tiers.review(conn)}
    assert reasons[lapsed] == "no purchase for more than 365 days (last purchase 2025-11-22)"
    assert reasons[never] == "no purchase for more than 365 days (no purchase yet)"


def rate(conn, cid, scores, start_month=3):
    for i, score in enumerate(scores):
        interactions.log(conn, cid, channel="phone", summary="回访", satisfaction=score,
                         at=f"2026-{start_month + i:02d}-01T10:00")


def test_falling_satisfaction(conn, add):
    made = {}
    for label, scores in {"543": [5, 4, 3], "442": [4, 4, 2], "554": [5, 5, 4],
                          "524": [5, 2, 4], "53": [5, 3], "2543": [2, 5, 4, 3]}.items():
        made[label] = add(f"客户{label}", tier="gold", created="2025-01-01T09:00:00")
        buy(conn, made[label], "100", "2026-10-01")  # a recent purchase: not inactive
        rate(conn, made[label], scores)
    stale = add("王明", tier="gold", created="2025-01-01T09:00:00")
    buy(conn, stale, "100", "2026-10-01")
    interactions.log(conn, stale, channel="phone", summary="回访", satisfaction=5,
                     at="2025-11-20T10:00")   # older than 365 days: not counted
    rate(conn, stale, [4, 3])
    regular = add("李娜", created="2025-01-01T09:00:00")
    rate(conn, regular, [5, 4, 3])
    rich = add("张伟", tier="silver", created="2025-01-01T09:00:00")
    buy(conn, rich, "100000", "2026-10-01")
    rate(conn, rich, [5, 4, 2])  # spend comes first in the rule order
    got = proposed(conn)
    assert got == {made["543"]: ("silver", "satisfaction"),
                   made["442"]: ("silver", "satisfaction"),
                   made["2543"]: ("silver", "satisfaction"), rich: ("gold", "spend")}
    reason = {p.customer_id: p.reason for p in tiers.review(conn)}[made["442"]]
    assert reason == "falling satisfaction: latest 3 ratings never rose, 4 → 2"
    # after a tier change only newer ratings count: the same three no longer fire
    tiers.set_tier(conn, made["543"], "silver", "客户满意度下降，手动调整")
    assert made["543"] not in proposed(conn)


def test_a_downgrade_is_not_undone_by_the_purchases_it_saw(conn, add, monkeypatch):
    unhappy = add("王明", tier="gold", created="2025-01-01T09:00:00")
    buy(conn, unhappy, "150000", "2026-10-01")
    rate(conn, unhappy, [5, 4, 3])
    lowered = add("李娜", tier="gold", created="2025-01-01T09:00:00")
    buy(conn, lowered, "120000", "2026-10-01")
    tiers.set_tier(conn, lowered, "silver", "信用问题")  # lowered by hand today
    assert proposed(conn) == {unhappy: ("silver", "satisfaction")}
    tiers.apply(conn)
    assert proposed(conn) == {}  # no flip back to gold over the same purchases
    buy(conn, unhappy, "100000", "2026-11-23")  # the downgrade's own day does not count
    assert proposed(conn) == {}
    monkeypatch.setenv("CRMCTL_NOW", "2026-11-24T10:00:00")
    buy(conn, unhappy, "100000", "2026-11-24")  # a later purchase earns the tier back
    assert proposed(conn) == {unhappy: ("gold", "spend")}


def test_review_changes_nothing_and_apply_records_everything(conn, add):
    up = add("王明")
    buy(conn, up, "100000", "2026-06-01")
    down = add("李娜", tier="gold", created="2024-01-01T09:00:00")
    before = state(conn)
    assert len(tiers.review(conn)) == 2
    assert state(conn) == before
    applied = tiers.apply(conn)
    assert [(p.customer_id, p.tier, p.proposed) for p in applied] == [
        (up, "regular", "gold"), (down, "gold", "silver")]
    after = state(conn)
    assert after["tier_history"] == before["tier_history"] + 2
    assert after["followups"] == before["followups"] + 2
    assert customers.get(conn, up).tier == "gold" and customers.get(conn, down).tier == "silver"
    latest = tiers.history(conn, up)[0]
    assert (latest["old_tier"], latest["new_tier"], latest["source"]) == ("regular", "gold", "rule")
    assert latest["reason"] == "spend: trailing-12-month spend 100,000.00 CNY ≥ gold threshold 100,000"
    notes = conn.execute("SELECT customer_id, due, kind, purpose FROM followups ORDER BY id").fetchall()
    assert [tuple(n) for n in notes] == [
        # issue 18.2: the notice carries the rule's reason, as the history keeps it
        (up, "2026-11-23", "notify", "tell customer: tier regular → gold (spend: trailing-"
                                     "12-month spend 100,000.00 CNY ≥ gold threshold 100,000)"),
        (down, "2026-11-23", "notify", "tell customer: tier gold → silver (inactive: no "
                                       "purchase for more than 365 days (no purchase yet))")]
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity = "
                                          "'customer' AND action = 'tier'")]
    assert actions == ["tier", "tier"]
    assert tiers.review(conn) == []  # applied: no cascade on the next run


def test_set_tier_and_its_refusals(conn, add):
    cid = add("王明")
    done = tiers.set_tier(conn, cid, "Gold", "年度合同续签")
    assert done["old_tier"] == "regular" and done["new_tier"] == "gold"
    row = tiers.history(conn, cid)[0]
    assert (row["new_tier"], row["reason"], row["source"]) == ("gold", "年度合同续签", "manual")
    purpose = conn.execute("SELECT kind, purpose FROM followups WHERE id = ?",
                           (done["followup_id"],)).fetchone()
    assert tuple(purpose) == ("notify", "tell customer: tier regular → gold (年度合同续签)")
    before = state(conn)
    refusals = [((cid, "bronze", "x"), InvalidValue,
                 "unknown tier 'bronze'; tiers: diamond 钻石, gold 金牌, silver 银牌, regular 普通 (also 钻石客户…, A/B/C/D)"),
                ((cid, "gold", "again"), InvalidValue, f"customer {cid} is already gold"),
                ((cid, "silver", "  "), InvalidValue,
                 "--reason cannot be empty: say why the tier changes"),
                ((999, "silver", "x"), NotFound, "no customer 999"),
                (("x1", "silver", "x"), NotFound, "no customer matches 'x1'")]
    for args, error, message in refusals:
        with pytest.raises(error) as err:
            tiers.set_tier(conn, *args)
        assert str(err.value) == message
    with pytest.raises(NotFound, match="no customer 999"):
        tiers.history(conn, 999)
    assert state(conn) == before


def test_rules_come_from_settings(conn, add):
    shown = tiers.rules(conn)
    gold = next(t for t in shown["tiers"] if t["tier"] == "gold")
    assert gold == {"tier": "gold", "min_spend_12m": 100000, "cadence_days": 30,
                    "response_hours": 48, "repurchase_window": {
                        "multiple": 2, "min_days": 90, "max_days": 365, "single_days": 180}}
    assert shown["long_relationship"] == {"tier": "diamond", "min_spend_12m": 200000, "years": 3}
    cid = add("王明")
    buy(conn, cid, "80000", "2026-06-01")
    assert proposed(conn) == {cid: ("silver", "spend")}
    settings.put(conn, "tier_spend", {"diamond": 400000, "gold": 80000, "silver": 20000})
    settings.put(conn, "cadence_days", {"diamond": 7, "gold": 21, "silver": 90, "regular": 180})
    shown = tiers.rules(conn)
    assert [t["min_spend_12m"] for t in shown["tiers"]] == [400000, 80000, 20000, 0]
    assert shown["tiers"][1]["cadence_days"] == 21
    assert proposed(conn) == {cid: ("gold", "spend")}


def _db_state():
    from conftest import inspect_db

    return inspect_db(state)


def test_cli_tier_commands(initialized):
    import json

    cli = initialized
    cid = cli("add", "王明", "--company", "华为").stdout.strip()
    assert cli("purchase", cid, "120000", "--date", "2026-06-01").exit_code == 0
    done = cli("tier", "set", cid, "silver", "--reason", "试用期")
    assert done.exit_code == 0 and done.stdout == ""
    assert done.stderr == f"#{cid}: regular → silver; notify follow-up #1 due today\n"
    review = cli("tier", "review", "--format", "json")
    assert review.exit_code == 0, review.stderr
    assert json.loads(review.stdout) == [{
        "customer_id": int(cid), "name": "王明", "tier": "silver", "proposed": "gold",
        "rule": "spend",
        "reason": "trailing-12-month spend 120,000.00 CNY ≥ gold threshold 100,000"}]
    before = _db_state()
    for args, code, line in [
        (("set", cid, "bronze", "--reason", "x"), 1,
         "unknown tier 'bronze'; tiers: diamond 钻石, gold 金牌, silver 银牌, regular 普通 (also 钻石客户…, A/B/C/D)"),
        (("set", cid, "gold", "--reason", ""), 1,
         "--reason cannot be empty: say why the tier changes"),
        (("set", "999", "gold", "--reason", "x"), 1, "no customer 999"),
        (("set", "abc", "gold", "--reason", "x"), 1, "no customer matches 'abc'"),
        (("history", "999"), 1, "no customer 999"),
    ]:
        result = cli("tier", *args)
        assert (result.exit_code, result.stderr, result.stdout) == (code, f"crmctl: {line}\n", "")
    missing = cli("tier", "set", cid, "gold")
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    assert _db_state() == before
    applied = cli("tier", "review", "--apply")
    assert applied.exit_code == 0, applied.stderr
    assert applied.stderr == "applied 1 tier change, with 1 notify follow-up\n"
    history = json.loads(cli("tier", "history", cid, "--format", "json").stdout)
    assert [(h["old_tier"], h["new_tier"], h["source"]) for h in history] == [
        ("silver", "gold", "rule"), ("regular", "silver", "manual")]
    rules = cli("tier", "rules", "--format", "json")
    data = json.loads(rules.stdout)
    assert {t["tier"]: t["cadence_days"] for t in data["tiers"]} == {
        "diamond": 7, "gold": 30, "silver": 90, "regular": 180}
    table = cli("tier", "rules").stdout
    assert "100,000" in table and "inactive" in table and "satisfaction" in table


@pytest.mark.slow
def test_review_over_100k_customers_is_set_based(conn):
    """Prints the review time against a floor (one grouped scan of purchases) measured in
    the same run: `.venv/bin/pytest -q -m slow tests/test_tiers.py -s`."""
    import random

    from crmctl.store import atomic

    rng = random.Random(3)
    n = 100_000
    tiers_ = ("diamond", "gold", "silver", "regular")
    with atomic(conn):
        conn.executemany(
            "INSERT INTO customers (id, name, tier, created_at, updated_at) VALUES (?,?,?,?,?)",
            [(i, f"客户{i}", rng.choice(tiers_), "2023-01-01T00:00:00Z",
              "2023-01-01T00:00:00Z") for i in range(1, n + 1)])
        conn.executemany(
            "INSERT INTO purchases (customer_id, date, amount_minor) VALUES (?,?,?)",
            [(rng.randint(1, n), f"20{rng.randint(24, 26)}-{rng.randint(1, 11):02d}-"
              f"{rng.randint(1, 28):02d}", rng.randint(100, 20_000_000)) for _ in range(300_000)])
        conn.execute("""UPDATE customers SET purchase_count = p.n, first_purchase_at = p.lo,
                        last_purchase_at = p.hi FROM (SELECT customer_id, count(*) n,
                        min(date) lo, max(date) hi FROM purchases GROUP BY customer_id) p
                        WHERE p.customer_id = customers.id""")
        conn.executemany(
            "INSERT INTO interactions (customer_id, at, channel, summary, satisfaction) "
            "VALUES (?,?,?,?,?)",
            [(rng.randint(1, n), f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
              f"T10:00:00Z", "phone", "回访", rng.choice([None, 1, 2, 3, 4, 5]))
             for _ in range(300_000)])
    started = time.perf_counter()
    conn.execute("SELECT customer_id, sum(amount_minor) FROM purchases "
                 "WHERE date > '2025-11-23' GROUP BY customer_id").fetchall()
    floor = time.perf_counter() - started
    started = time.perf_counter()
    found = tiers.review(conn, TODAY)
    took = time.perf_counter() - started
    print(f"\ntier review over {n:,} customers, 300,000 purchases, 300,000 interactions: "
          f"{took:.2f} s, {len(found):,} proposals; floor {floor:.3f} s; ratio {took / floor:.1f}")
    assert found and took < 30


def test_reasons_are_worded_by_the_query_as_python_would(conn, add):
    """The query words the reasons (printf); they read as format_money and the settings'
    numbers do in Python: a currency without decimals, thresholds in the millions."""
    from crmctl.core.money import format_money

    settings.put(conn, "currency", "JPY")
    settings.put(conn, "tier_spend", {"diamond": 50000000, "gold": 10000000, "silver": 2000000})
    settings.put(conn, "diamond_long_relationship", {"spend": 20000000, "years": 3})
    settings.put(conn, "downgrade_inactive_days", 1000)
    silver, long_rel, lapsed = add("王明"), add("李娜", created="2022-01-01T09:00:00"), \
        add("张伟", tier="gold", created="2022-01-01T09:00:00")
    buy(conn, silver, "2345678", "2026-06-01")
    buy(conn, long_rel, "21000000", "2026-06-01")
    buy(conn, lapsed, "1", "2023-01-01")
    got = {p.customer_id: p.reason for p in tiers.review(conn)}
    assert got == {
        silver: "trailing-12-month spend 2,345,678 JPY ≥ silver threshold 2,000,000",
        long_rel: "trailing-12-month spend 21,000,000 JPY ≥ 20,000,000 with a relationship "
                  "of 3+ years",
        lapsed: "no purchase for more than 1000 days (last purchase 2023-01-01)"}
    settings.put(conn, "currency", "USD")  # two decimals; a cent pads to 0.0x
    buy(conn, silver, "2000000.05", "2026-06-02", currency="USD")
    assert {p.customer_id: p.reason for p in tiers.review(conn)}[silver] == \
        f"trailing-12-month spend {format_money(200000005, 'USD')} ≥ silver threshold 2,000,000"
    assert format_money(200000005, "USD") == "2,000,000.05 USD"


def test_review_json_made_by_sqlite_is_the_json_python_makes(initialized):
    """`tier review --format json` is rendered per row by SQLite: byte for byte what
    emit_json makes of the same proposals, names with quotes, backslashes, controls."""
    from conftest import inspect_db

    from crmctl.render import to_json

    cli = initialized
    names = ['王"明', "李\\娜", "张伟\t(华为)", "O'Brien 🙂", "陈\u0001静"]

    def fill(conn):
        for i, name in enumerate(names):
            conn.execute("INSERT INTO customers (name, tier, created_at, updated_at) "
                         "VALUES (?, 'regular', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                         (name,))
            cid = conn.execute("SELECT max(id) FROM customers").fetchone()[0]
            purchases.record(conn, cid, f"{20000 + i * 40000}.5{i}", when=date(2026, 6, 1))
        return [p.to_dict() for p in tiers.review(conn)]

    expected = inspect_db(fill)
    assert len(expected) == len(names)
    result = cli("tier", "review", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == to_json(expected) + "\n"
    assert result.stderr == f"{len(names)} proposals; nothing changed " \
        "(crmctl tier review --apply applies them)\n"
    assert cli("tier", "review", "--format", "csv").stdout.count("\n") >= len(names) + 1


@pytest.mark.parametrize("seed", range(4))
def test_falling_satisfaction_matches_the_rule_on_random_histories(conn, seed):
    """The query looks only at customers whose newest rating (latest_ratings) is low enough
    to have fallen; on random histories (ties in time, ratings before the window and before
    a tier change, changed and deleted ratings) it proposes exactly what the rule says."""
    import random

    from crmctl.store import atomic

    rng = random.Random(seed)
    # the window's first instant: local midnight, `satisfaction_falling.days` ago, stored as UTC
    window = settings.all_settings(conn)["satisfaction_falling"]["days"]
    first_day = TODAY - timedelta(days=window)
    since = clock.to_utc_text(datetime.combine(first_day, day_time()).astimezone())

    def moment() -> str:
        return rng.choice([f"2025-{rng.randint(10, 12):02d}-{rng.randint(1, 28):02d}",
                           f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"]) + \
            f"T{rng.choice([0, 9, 16]):02d}:00:00Z"

    with atomic(conn):
        for cid in range(1, 301):
            conn.execute("INSERT INTO customers (id, name, tier, created_at, updated_at, "
                         "last_purchase_at) VALUES (?, ?, 'gold', '2025-01-01T00:00:00Z', "
                         "'2025-01-01T00:00:00Z', '2026-10-01')", (cid, f"客户{cid}"))
            if rng.random() < 0.3:
                conn.execute("INSERT INTO tier_history (customer_id, at, old_tier, new_tier, "
                             "reason, source) VALUES (?, ?, 'silver', 'gold', '续约', 'manual')",
                             (cid, moment()))
            for _ in range(rng.randint(0, 6)):
                conn.execute("INSERT INTO interactions (customer_id, at, channel, summary, "
                             "satisfaction) VALUES (?, ?, 'phone', '回访', ?)",
                             (cid, moment(), rng.choice([None, 1, 2, 3, 4, 5, 5])))
        ids = [i for (i,) in conn.execute("SELECT id FROM interactions")]
        for iid in rng.sample(ids, len(ids) // 20):  # the triggers keep latest_ratings right
            conn.execute("UPDATE interactions SET satisfaction = ? WHERE id = ?",
                         (rng.choice([None, 1, 5]), iid))
        for iid in rng.sample(ids, len(ids) // 20):
            conn.execute("DELETE FROM interactions WHERE id = ?", (iid,))

    changed = dict(conn.execute("SELECT customer_id, max(at) FROM tier_history GROUP BY 1"))
    ratings: dict[int, list] = {}
    for cid, at, iid, score in conn.execute(
            "SELECT customer_id, at, id, satisfaction FROM interactions "
            "WHERE satisfaction IS NOT NULL"):
        if at >= since and at > changed.get(cid, ""):
            ratings.setdefault(cid, []).append((at, iid, score))
    expected = {}
    for cid, rated in ratings.items():
        latest = [score for _, _, score in sorted(rated, reverse=True)[:3]]  # newest first
        if len(latest) == 3 and all(a <= b for a, b in zip(latest, latest[1:])) \
                and latest[-1] - latest[0] >= 2:
            expected[cid] = ("silver", "satisfaction")
    assert expected, "the random histories should hold some falling ratings"
    assert proposed(conn) == expected


def _seed_for_apply(conn, monkeypatch) -> None:
    """Customers every rule fires for (and some it does not), a non-empty audit log, a
    follow-up and a tier change already there: ids and the chain continue from them."""
    from crmctl.core import followups

    for i in range(30):
        tier = ("diamond", "gold", "silver", "regular")[i % 4]
        monkeypatch.setenv("CRMCTL_NOW", f"20{23 + i % 3}-0{1 + i % 9}-05T09:00:00")
        cid = customers.add(conn, {"name": f"客户{i}", "company": "华为"}, tier=tier)
        monkeypatch.setenv("CRMCTL_NOW", NOW)
        if i % 3 == 0:
            buy(conn, cid, str(1000 * (i + 1) ** 3), f"2026-{1 + i % 10:02d}-15")
        if i % 5 == 1:
            buy(conn, cid, "50", "2026-10-01")
            rate(conn, cid, [5, 4, 2 + i % 2])
    followups.schedule(conn, 2, TODAY, "回访王明")
    tiers.set_tier(conn, 3, "gold", "大客户，手动上调")


def _rows(conn) -> dict:
    out = {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY id")]
           for t in ("customers", "tier_history", "followups", "audit_log")}
    from crmctl.core import audit

    out["verify"] = audit.verify(conn)
    assert out["verify"].ok
    return out


def test_apply_in_batch_writes_what_changing_one_by_one_writes(conn, tmp_path, monkeypatch):
    """apply() (set-based) against the per-proposal _change() loop on a second database
    with the same data: every row of customers, tier history, follow-ups and the audit
    log (ids, order, fields, hash chain) the same."""
    from conftest import PASSPHRASE

    from crmctl.store import atomic, create_database

    one_by_one = create_database(tmp_path / "loop.db", PASSPHRASE.encode())
    try:
        for db in (conn, one_by_one):
            _seed_for_apply(db, monkeypatch)
        before = _rows(conn)
        assert before == _rows(one_by_one)
        applied = tiers.apply(conn)
        with atomic(one_by_one):
            expected = tiers.review(one_by_one, TODAY)
            for p in expected:
                tiers._change(one_by_one, p.customer_id, p.tier, p.proposed,
                              f"{p.rule}: {p.reason}", "rule", TODAY)
        assert applied == expected
        assert {p.rule for p in applied} == set(tiers.RULES)  # every rule fired
        batch, loop = _rows(conn), _rows(one_by_one)
        assert len(batch["audit_log"]) == len(before["audit_log"]) + 2 * len(applied)
        assert len(batch["followups"]) == len(before["followups"]) + len(applied)
        assert batch == loop
        assert tiers.review(conn) == []
    finally:
        one_by_one.close()


def test_audit_record_many_is_record_called_in_turn(conn, tmp_path):
    """audit.record_many (the batch apply's audit) appends exactly the entries, hashes and
    chain record() does, for awkward texts too (quotes, backslashes, Chinese, None ids)."""
    from conftest import PASSPHRASE

    from crmctl.core import audit
    from crmctl.store import atomic, create_database

    items = [("tier", "customer", 7, ["tier"]), ("notify", "followup", 12, ["purpose", "due"]),
             ("备注", 'a "quoted" \\ entity', None, ["名字", "x\ny", "tier", "tier"]),
             ("tier", "customer", "王明", [])]
    other = create_database(tmp_path / "other.db", PASSPHRASE.encode())
    try:
        for db in (conn, other):
            db.command = 'tier review "x"'
            customers.add(db, {"name": "李娜"})  # a log that is not empty
        with atomic(conn):
            head = audit.record_many(conn, items)
        with atomic(other):
            heads = [audit.record(other, *item) for item in items]
        rows = "SELECT * FROM audit_log ORDER BY id"
        assert conn.execute(rows).fetchall() == other.execute(rows).fetchall()
        assert head == heads[-1] == audit.head(conn) and audit.verify(conn).ok
        with atomic(conn):
            assert audit.record_many(conn, []) is None
        assert audit.head(conn) == head
    finally:
        other.close()
