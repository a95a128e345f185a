"""The analysis reports (`report sales|satisfaction|complaints|value`, the card's value
lines) against figures worked out by hand on the fixed data set tests/data/analysis_book.json.

The day is 2026-11-23 09:00 Asia/Shanghai. Money in CNY (the default currency) unless said;
the one USD purchase (刘洋, 2026-11-21, 100 USD) is never in a CNY sum.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

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


@pytest.fixture
def book(conn):
    load_book(conn)
    return conn
