"""The overview's fast paths give what the per-customer reference gives (issue 18: `report`
under 3 s): the RFM counts scored in SQL (reports.segments) against customer_segment for
each customer (reports.each_segment), at the edges of every band."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from crmctl.core import customers, purchases, reports, rules

TODAY = date(2026, 11, 23)


def reference(conn, today: date) -> dict:
    counts = dict.fromkeys(reports.SEGMENTS, 0)
    counts.update(Counter(name for _, name in reports.each_segment(conn, today)))
    return counts


@pytest.fixture
def edges(conn, pin_clock):
    """A customer at each edge: days since the last purchase on and past every recency
    limit, purchase counts on every frequency step, spend on and under every threshold
    (a quarter of silver included), a purchase in USD only, and one without purchases."""
    pin_clock("2026-11-23T09:00:00+08:00")
    days = sorted({d + k for d, _ in rules.RECENCY_BANDS for k in (0, 1)})
    counts = sorted({n for n, _ in rules.FREQUENCY_BANDS} | {1})
    silver = rules.TIER_SPEND["silver"]
    spends = sorted({v + k for v in (*rules.TIER_SPEND.values(), silver / 4) for k in (0, -1)})
    n = 0
    for i, ago in enumerate(days):
        for j, count in enumerate(counts):
            spend = spends[(i + j) % len(spends)]
            cid = customers.add(conn, {"name": f"王明{n}"})
            n += 1
            for k in range(count):
                purchases.record(conn, cid, str(round(spend / count, 2)) if k else
                                 str(round(spend - (count - 1) * round(spend / count, 2), 2)),
                                 when=TODAY - timedelta(days=ago + k))
    usd = customers.add(conn, {"name": "李娜"})
    purchases.record(conn, usd, "900", when=TODAY - timedelta(days=10), currency="USD")
    customers.add(conn, {"name": "张伟"})
    return conn


@pytest.mark.parametrize("later", [0, 1, 29, 200])
def test_sql_segment_counts_equal_the_per_customer_rule(edges, later):
    today = TODAY + timedelta(days=later)
    counts = reports.segments(edges, today)
    assert counts == reference(edges, today)
    assert sum(counts.values()) == edges.execute("SELECT count(*) FROM customers").fetchone()[0]
    assert len([v for v in counts.values() if v]) >= 3  # the edges reach several segments
