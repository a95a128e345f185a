"""Issue 16.1: people read local time (TZ) as YYYY-MM-DD HH:MM in tables, cards and
messages; JSON and CSV keep the stored UTC stamps (scripts depend on them)."""

from __future__ import annotations

import csv
import io
import json

import pytest

# (zone, how 2026-12-07T02:15:00Z reads there, how 2026-12-09T02:00:00Z reads there)
# and how 2026-12-10T01:00:00Z reads there
ZONES = [("Asia/Shanghai", "2026-12-07 10:15", "2026-12-09 10:00", "2026-12-10 09:00"),
         ("America/New_York", "2026-12-06 21:15", "2026-12-08 21:00", "2026-12-09 20:00")]


@pytest.fixture(params=ZONES, ids=[z[0] for z in ZONES])
def book(request, initialized, pin_clock):
    """王明 (#1), contacted at 2026-12-07T02:15:00Z; every write made at 2026-12-09T02:00Z."""
    zone, contact, made, _ = request.param
    pin_clock("2026-12-09T02:00:00Z", zone)
    cli = initialized
    assert cli("add", "王明", "--company", "华为", "--phone", "13800138000",
               "--tier", "gold").exit_code == 0
    result = cli("log-contact", "1", "--channel", "phone", "--summary", "报价",
                 "--at", "2026-12-07T02:15:00Z")
    assert result.exit_code == 0, result.stderr
    assert cli("consent", "1", "grant", "email").exit_code == 0
    return cli, contact, made


def test_card_shows_local_minutes(book):
    cli, contact, made = book
    out = cli("show", "1").stdout
    assert f"last contact at  {contact}\n" in out
    assert f"created at       {made}\n" in out
    assert f"updated at       {made}\n" in out
    assert "Z\n" not in out


def test_list_shows_local_minutes_under_the_cards_words(book):
    cli, contact, _ = book
    lines = cli("list").stdout.splitlines()
    assert lines[0].split("  ")[-1] == "last contact at"
    assert lines[1].endswith(f"  {contact}")


def test_json_and_csv_keep_utc(book):
    cli, _, _ = book
    [row] = json.loads(cli("list", "--format", "json").stdout)
    assert (row["created_at"], row["last_contact_at"]) == ("2026-12-09T02:00:00Z",
                                                           "2026-12-07T02:15:00Z")
    shown = json.loads(cli("show", "1", "--format", "json").stdout)
    assert shown["last_contact_at"] == "2026-12-07T02:15:00Z"
    [line] = csv.DictReader(io.StringIO(cli("list", "--format", "csv").stdout))
    assert line["last_contact_at"] == "2026-12-07T02:15:00Z"
    [event] = json.loads(cli("tier", "history", "1", "--format", "json").stdout)
    assert event["at"] == "2026-12-09T02:00:00Z"


def test_tier_history_consent_ledger_and_audit_log_in_local_time(book):
    cli, _, made = book
    assert cli("tier", "history", "1").stdout == (
        "at                old_tier  new_tier  source  reason\n"
        f"{made}            gold      manual  initial tier\n")
    ledger = cli("consent", "1").stdout.splitlines()
    assert ledger[0].split() == ["id", "channel", "granted", "at", "source", "purpose",
                                 "recorded_by"]
    assert ledger[1].split() == ["1", "email", "yes", *made.split(), "root"]
    log = cli("audit", "log").stdout.splitlines()
    assert log[0].startswith("id  at                os_user")
    assert len(log) == 4 and all(line[4:20] == made for line in log[1:])


def test_timeline_and_card_agree(book):
    cli, contact, _ = book
    out = cli("show", "1").stdout
    assert f"last contact at  {contact}" in out
    assert f"\n{contact}  interaction  phone: 报价" in out


@pytest.mark.parametrize("zone,later", [(z[0], z[3]) for z in ZONES])
def test_a_future_moment_is_refused_in_local_time(initialized, pin_clock, zone, later):
    pin_clock("2026-12-09T02:00:00Z", zone)
    cli = initialized
    assert cli("add", "王明").exit_code == 0
    result = cli("consent", "1", "grant", "sms", "--at", "2026-12-10T01:00:00Z")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"crmctl: consent cannot be recorded in the future ({later})\n"
    assert "sms" not in cli("consent", "1").stdout  # nothing changed
