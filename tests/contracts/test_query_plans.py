"""Query plans the reports' speed depends on (EXPLAIN QUERY PLAN text, so SQLite's wording
and the index names are pinned here and nowhere else).

The clock is pinned to 2026-11-23 09:00 in Asia/Shanghai, as in test_followups_report.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crmctl.core import followups

TODAY = date(2026, 11, 23)
NOW = "2026-11-23T09:00:00+08:00"


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(NOW)


def test_the_report_reads_customers_through_small_covering_indexes_only(conn):
    """Each customer the report names is looked up in customers_card (id, tier, name) and
    low ratings come from latest_ratings_low alone (m006): no whole customer row, no scan
    of every rating. At 100,000 customers this halves the encrypted pages read."""
    sql, params = followups.statement(conn, TODAY, TODAY + timedelta(days=7), tag="vip")
    plan = [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    lookups = [step for step in plan if step.startswith(("SEARCH c ", "SCAN c "))]
    assert lookups and all("COVERING INDEX" in step for step in lookups), plan
    assert any("COVERING INDEX latest_ratings_low" in step for step in plan), plan
    assert not any(step.split()[:2] == ["SCAN", "r"] for step in plan), plan




@pytest.mark.parametrize("aggregate", [None, "group_concat(row)"])
def test_the_phone_and_company_come_from_the_narrow_contact_index(conn, aggregate):
    """Issue 16.6: each row's phone and company are one look-up in customers_contact
    (m015: id, phone, company), never a whole customer row (through the table the JSON
    report was 50% slower at 100,000 customers)."""
    sql, params = followups.statement(conn, TODAY, TODAY, projection="phone || company",
                                      aggregate=aggregate)
    plan = [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    lookups = [step for step in plan if " customers " in f"{step} " and "_closed" not in step]
    assert lookups == ["SEARCH customers USING COVERING INDEX customers_contact (id=?) "
                       "LEFT-JOIN"], plan
    # issue 18.8: the closed customers left out are read from m016's small partial index
    closed = [step for step in plan if "customers_closed" in step]
    assert closed and set(closed) == {"SCAN customers USING COVERING INDEX customers_closed"}


def test_a_pinyin_search_merges_both_readings_in_id_order_and_stops_at_the_limit(conn):
    """`list --search wangming --limit 20` at a million customers (bench/search_bench.py):
    the letters' trigram matches and the pinyin matches come out of FTS5 in rowid order and
    are merged (no sort of every match), and the page of ids drives the customers lookup."""
    from crmctl.core import customers

    sql, params = customers.select_query(customers.Filter(search="wangming", limit=20))
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    assert plan[:3] == ["SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", "LIST SUBQUERY 4",
                        "MERGE (UNION)"]
    assert sum("VIRTUAL TABLE INDEX 64:" in step for step in plan) == 2  # ordered by rowid
    assert plan[-1] != "USE TEMP B-TREE FOR ORDER BY"  # only the tags' own small sort
    assert "ORDER BY 1 ASC LIMIT 20" in sql
