"""`show ID`: the card plus a timeline (interactions, purchases, tier changes, follow-ups),
newest first, and the consent state."""

from __future__ import annotations

import json
from datetime import date

import pytest

from crmctl.core import consent, customers, followups, timeline
from crmctl.errors import NotFound

NOW = "2026-11-23T09:00:00+08:00"


@pytest.fixture(autouse=True)
def pinned(pin_clock):
    pin_clock(NOW)


def history(conn, cid: int) -> dict:
    """One of each kind of event, on distinct moments; returns their ids by kind."""
    ids = {}
    ids["call"] = conn.execute(
        "INSERT INTO interactions (customer_id, at, channel, direction, summary, outcome, "
        "satisfaction) VALUES (?, '2026-11-20T06:30:00Z', 'phone', 'out', '询问报价', '发报价单', 4)",
        (cid,)).lastrowid
    ids["complaint"] = conn.execute(
        "INSERT INTO interactions (customer_id, at, channel, summary, complaint, "
        "complaint_category) VALUES (?, '2026-11-10T02:00:00Z', 'wechat', '到货延迟', 1, "
        "'delivery')", (cid,)).lastrowid
    ids["purchase"] = conn.execute(
        "INSERT INTO purchases (customer_id, date, amount_minor, currency, note) "
        "VALUES (?, '2026-11-15', 128050, 'CNY', '首单')", (cid,)).lastrowid
    ids["yen"] = conn.execute(
        "INSERT INTO purchases (customer_id, date, amount_minor, currency) "
        "VALUES (?, '2026-01-05', 500000, 'JPY')", (cid,)).lastrowid
    ids["tier"] = conn.execute(
        "INSERT INTO tier_history (customer_id, at, old_tier, new_tier, reason, source) "
        "VALUES (?, '2026-11-16T01:00:00Z', 'regular', 'silver', 'trailing-12-month spend "
        "20,000 or more', 'rule')", (cid,)).lastrowid
    ids["open"] = followups.schedule(conn, cid, date(2026, 12, 1), "送样品")
    ids["done"] = followups.schedule(conn, cid, date(2026, 11, 18), "回访")
    conn.execute("UPDATE followups SET done_at = '2026-11-18T08:00:00Z', note = '已回访' "
                 "WHERE id = ?", (ids["done"],))
    return ids


def test_timeline_newest_first_with_every_kind(conn):
    wang = customers.add(conn, {"name": "王明", "company": "华为"})
    other = customers.add(conn, {"name": "李娜"})
    ids = history(conn, wang)
    history(conn, other)  # someone else's history never leaks in
    events = timeline.timeline(conn, wang)
    assert [(e["kind"], e["id"]) for e in events] == [
        ("followup", ids["open"]), ("interaction", ids["call"]), ("followup", ids["done"]),
        ("tier", ids["tier"]), ("purchase", ids["purchase"]), ("interaction", ids["complaint"]),
        ("purchase", ids["yen"])]
    text = {(e["kind"], e["id"]): e["description"] for e in events}
    assert text["interaction", ids["call"]] == "phone (out): 询问报价 → 发报价单; satisfaction 4/5"
    assert text["interaction", ids["complaint"]] == "wechat: 到货延迟; complaint (delivery, open)"
    assert text["purchase", ids["purchase"]] == "purchase 1,280.50 CNY: 首单"
    assert text["purchase", ids["yen"]] == "purchase 500,000 JPY"
    assert text["followup", ids["open"]] == "follow-up #%d: 送样品 (open, due 2026-12-01)" % ids["open"]
    assert text["followup", ids["done"]] == "follow-up #%d: 回访 (due 2026-11-18, done: 已回访)" % ids["done"]
    assert list(events[0])[:4] == ["kind", "id", "at", "description"]
    assert events[4]["amount"] == "1280.50"
    assert [timeline.when_text(e["at"]) for e in events[:3]] == [
        "2026-12-01", "2026-11-20 14:30", "2026-11-18 16:00"]


def test_show_gives_record_timeline_and_consent(conn):
    wang = customers.add(conn, {"name": "王明"})
    consent.record(conn, wang, "email", True, source="展会签到表", at="2026-11-01T00:00:00Z")
    data = timeline.show(conn, wang)
    assert data["id"] == wang and data["timeline"] == []
    assert data["consent"]["email"]["granted"] is True and data["consent"]["sms"] is None
    assert timeline.consent_text(data["consent"]) == "email granted 2026-11-01"
    with pytest.raises(NotFound, match="no customer 99"):
        timeline.show(conn, 99)


def test_cli_show_json_and_card(initialized):
    cli = initialized
    wang = cli("add", "王明", "--company", "华为", "--tier", "gold").stdout.strip()
    assert cli("followups", "schedule", wang, "2026-12-01", "--purpose", "送样品").exit_code == 0
    assert cli("consent", wang, "grant", "wechat").exit_code == 0
    data = json.loads(cli("show", wang, "--format", "json").stdout)
    assert list(data)[:11] == ["id", "name", "company", "title", "email", "phone", "tier",
                               "stage", "tags", "created_at", "last_contact_at"]
    assert [(e["kind"], e["description"]) for e in data["timeline"]] == [
        ("followup", "follow-up #1: 送样品 (open, due 2026-12-01)"),
        ("tier", "tier gold (manual): initial tier")]
    assert data["consent"]["wechat"]["granted"] is True
    r = cli("show", wang)
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == f"#{wang} 王明"
    assert any(line.split() == ["consent", "wechat", "granted", "2026-11-23"] for line in lines)
    at = lines.index("timeline")
    assert lines[at + 2].split()[:3] == ["2026-12-01", "followup", "follow-up"]
    assert lines[at + 3].split()[:4] == ["2026-11-23", "09:00", "tier", "tier"]
    r = cli("show", "77")
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", "crmctl: no customer 77\n")
