"""The consent ledger: every grant and withdrawal kept, the current state derived."""

from __future__ import annotations

import json

import pytest

from crmctl.core import audit, consent, customers
from crmctl.errors import InvalidValue, NotFound


def test_latest_event_per_channel_is_the_state(conn):
    wang = customers.add(conn, {"name": "王明"})
    consent.record(conn, wang, "email", True, source="网站表单", at="2026-01-05T08:00:00Z")
    consent.record(conn, wang, "Email", False, at="2026-03-01T08:00:00Z")
    consent.record(conn, wang, "sms", True)
    # a grant recorded later but dated earlier does not override the withdrawal
    consent.record(conn, wang, "email", True, source="旧纸质表", at="2025-12-01T00:00:00Z")
    state = consent.current_state(conn, wang)
    assert state["email"] == {"granted": False, "at": "2026-03-01T08:00:00Z", "source": None,
                              "purpose": None}
    assert state["sms"]["granted"] is True and state["phone"] is None
    events = consent.history(conn, wang)
    assert [(e["channel"], e["granted"]) for e in events] == [
        ("email", True), ("email", True), ("email", False), ("sms", True)]
    assert {e["recorded_by"] for e in events} == {audit.os_user()}
    assert [e.action for e in audit.entries(conn, entity="consent")] == [
        "grant", "grant", "withdraw", "grant"]


def test_refusals_change_nothing(conn):
    wang = customers.add(conn, {"name": "王明"})
    with pytest.raises(InvalidValue, match="unknown consent channel 'fax'"):
        consent.record(conn, wang, "fax", True)
    with pytest.raises(InvalidValue, match="in the future"):
        consent.record(conn, wang, "email", True, at="2999-01-01T00:00:00Z")
    with pytest.raises(NotFound, match="no customer 42"):
        consent.record(conn, 42, "email", True)
    assert conn.execute("SELECT count(*) FROM consent_events").fetchone()[0] == 0


def test_cli_grant_withdraw_and_list_filter(initialized):
    cli = initialized
    wang = cli("add", "王明", "--email", "wang@example.cn").stdout.strip()
    lina = cli("add", "李娜", "--email", "lina@example.cn").stdout.strip()
    r = cli("consent", wang, "grant", "email", "--source", "展会签到表", "--at", "2026-11-20")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == f"email: consent granted for #{wang}\n"
    assert cli("consent", lina, "grant", "email").exit_code == 0
    assert cli("consent", lina, "withdraw", "email").exit_code == 0
    listed = json.loads(cli("list", "--consent", "email", "--format", "json").stdout)
    assert [c["name"] for c in listed] == ["王明"]
    ledger = json.loads(cli("consent", lina, "--format", "json").stdout)
    assert [(e["channel"], e["granted"]) for e in ledger] == [("email", True), ("email", False)]
    mine = json.loads(cli("consent", wang, "--format", "json").stdout)
    assert mine[0]["source"] == "展会签到表" and mine[0]["at"].startswith("2026-11-")


def test_cli_refusals(initialized):
    cli = initialized
    wang = cli("add", "王明").stdout.strip()
    r = cli("consent", wang, "grant", "fax")
    assert (r.exit_code, r.stderr) == (
        1, "crmctl: unknown consent channel 'fax'; channels: email 邮件, phone 电话, sms 短信, wechat 微信\n")
    r = cli("consent", wang, "allow", "email")
    assert (r.exit_code, r.stderr) == (2, "crmctl: consent takes grant or withdraw, not 'allow'\n")
    r = cli("consent", wang, "grant")
    assert r.exit_code == 2 and "needs a CHANNEL" in r.stderr
    r = cli("consent", "99", "grant", "sms")
    assert (r.exit_code, r.stderr) == (1, "crmctl: no customer 99\n")
    r = cli("consent", wang, "grant", "sms", "--at", "someday")
    assert r.exit_code == 1 and r.stderr.startswith("crmctl: cannot read date 'someday'")
    assert json.loads(cli("consent", wang, "--format", "json").stdout) == []
