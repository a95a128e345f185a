"""Consent with a purpose, and marketing exports holding the minimum (issue 18, item 10)."""

from __future__ import annotations

import csv
import io
import json

from crmctl.core import audit, consent, customers, privacy
from crmctl.store import open_database

from conftest import PASSPHRASE


def test_the_purpose_is_kept_per_event_and_in_subject_access(conn):
    wang = customers.add(conn, {"name": "王明"})
    consent.record(conn, wang, "email", True, purpose=" 新品通知 ", source="展会")
    consent.record(conn, wang, "sms", True)
    assert consent.current_state(conn, wang)["email"]["purpose"] == "新品通知"
    assert consent.current_state(conn, wang)["sms"]["purpose"] is None
    assert [e["purpose"] for e in consent.history(conn, wang)] == ["新品通知", None]
    document = privacy.subject_access(conn, wang)
    assert [e["purpose"] for e in document["consent_events"]] == ["新品通知", None]
    assert document["consent"]["email"]["purpose"] == "新品通知"
    # the audit entry names the channel, never the free texts
    assert "新品通知" not in json.dumps([e.__dict__ for e in audit.entries(conn)],
                                    ensure_ascii=False, default=str)


def test_forget_erases_the_purpose_but_keeps_the_event(conn):
    wang = customers.add(conn, {"name": "王明"})
    consent.record(conn, wang, "email", True, purpose="王明的报价跟进")
    privacy.forget(conn, wang)
    assert conn.execute("SELECT channel, granted, purpose, source FROM consent_events "
                        "WHERE customer_id = ?", (wang,)).fetchall() == [("email", 1, None, None)]


def test_migration_adds_the_column_to_a_database_of_schema_9(db_path, monkeypatch):
    from crmctl.store import create_database, migrations

    key = PASSPHRASE.encode()
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:9]))
    first = create_database(db_path, key)
    first.execute("INSERT INTO customers (name, created_at, updated_at) VALUES ('王明', 'a', 'a')")
    first.execute("INSERT INTO consent_events (customer_id, channel, granted, at, source, "
                  "recorded_by) VALUES (1, 'wechat', 1, '2026-11-01T00:00:00Z', '名片', 'me')")
    first.commit()
    assert "purpose" not in [r[1] for r in first.execute("PRAGMA table_info(consent_events)")]
    first.close()
    monkeypatch.undo()
    again = open_database(db_path, key)
    try:
        assert again.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
        assert consent.current_state(again, 1)["wechat"] == {
            "granted": True, "at": "2026-11-01T00:00:00Z", "source": "名片", "purpose": None}
    finally:
        again.close()


def test_cli_grant_with_purpose_shows_in_the_ledger_and_the_card(initialized):
    cli = initialized
    wang = cli("add", "王明").stdout.strip()
    r = cli("consent", wang, "grant", "邮件", "--purpose", "新品通知")
    assert (r.exit_code, r.stderr) == (0, f"email: consent granted for #{wang}\n")
    ledger = json.loads(cli("consent", wang, "--format", "json").stdout)
    assert [(e["channel"], e["purpose"]) for e in ledger] == [("email", "新品通知")]
    card = cli("show", wang).stdout
    assert "email granted" in card and "(新品通知)" in card


def test_cli_purpose_without_grant_is_refused(initialized):
    cli = initialized
    wang = cli("add", "王明").stdout.strip()
    r = cli("consent", wang, "--purpose", "新品通知")
    assert (r.exit_code, r.stderr) == (
        2, "crmctl: --purpose applies to grant or withdraw, not to the ledger\n")
    r = cli("consent", wang, "--source", "网站")
    assert (r.exit_code, r.stderr) == (
        2, "crmctl: --source applies to grant or withdraw, not to the ledger\n")


def _people(cli) -> dict[str, str]:
    ids = {}
    for name, *opts in (("王明", "--company", "华为", "--email", "wm@example.cn",
                         "--phone", "13800138000", "--wechat", "wangming", "--note", "私人备注",
                         "--birthday", "1985-03-12"),
                        ("李娜", "--email", "ln@example.cn", "--phone", "13900139000"),
                        ("Anna Schmidt", "--email", "anna@example.de")):
        ids[name] = cli("add", name, *opts).stdout.strip()
    for name in ("王明", "李娜"):
        assert cli("consent", ids[name], "grant", "email").exit_code == 0
    assert cli("consent", ids["王明"], "grant", "sms").exit_code == 0
    assert cli("consent", ids["王明"], "grant", "wechat").exit_code == 0
    return ids


def test_marketing_export_holds_only_the_channels_minimum(initialized):
    cli = initialized
    _people(cli)
    rows = list(csv.reader(io.StringIO(cli("export", "--marketing", "email").stdout)))
    assert rows == [["id", "name", "company", "email"], ["1", "王明", "华为", "wm@example.cn"],
                    ["2", "李娜", "", "ln@example.cn"]]
    sms = json.loads(cli("export", "--marketing", "短信", "--format", "json").stdout)
    assert sms == [{"id": 1, "name": "王明", "company": "华为", "phone": "+8613800138000"}]
    wechat = cli("export", "--marketing", "wechat").stdout
    assert wechat.splitlines()[0] == "id,name,company,wechat"
    cards = cli("export", "--marketing", "email", "--format", "vcf").stdout
    assert "EMAIL" in cards and "TEL" not in cards and "BDAY" not in cards
    assert "私人备注" not in cards


def test_fields_choose_the_columns_and_are_audited(initialized):
    cli = initialized
    _people(cli)
    r = cli("export", "--marketing", "sms", "--fields", "id,name,phone,tier")
    # a marketing list's E.164 phones go out bare, as campaign export's (issue 15 audit 6)
    assert r.stdout.splitlines() == ["id,name,phone,tier", "1,王明,+8613800138000,regular"]
    r = cli("export", "--fields", "name, email", "--tier", "regular")
    assert r.stdout.splitlines() == ["name,email", "王明,wm@example.cn", "李娜,ln@example.cn",
                                     "Anna Schmidt,anna@example.de"]
    log = json.loads(cli("audit", "log", "--format", "json").stdout)
    exports = [e for e in log if e["action"] == "export"]
    assert [e["fields"] for e in exports[:2]] == [["email", "name"],  # newest first, sorted
                                                 ["id", "name", "phone", "tier"]]


def test_bad_fields_are_refused_and_nothing_is_written(initialized, tmp_path):
    cli = initialized
    _people(cli)
    out = tmp_path / "x.csv"
    all_fields = ("id, name, company, title, email, phone, tier, stage, tags, created_at, "
                  "last_contact_at, wechat, industry, region, company_size, source, note, "
                  "birthday, referred_by, birthday_lunar, phones, emails")
    for args, message in (
            (("--fields", "id,passport"), f"unknown field 'passport'; fields: {all_fields}"),
            (("--fields", " , "), f"--fields is empty; fields: {all_fields}"),
            (("--fields", "id", "--what", "purchases"), "--fields applies to --what customers only"),
            (("--fields", "id,email", "--format", "vcf"), "a vcf card needs id and name among --fields"),
    ):
        target = out.with_suffix(".vcf") if "vcf" in args else out
        r = cli("export", "--out", target, *args)
        assert (r.exit_code, r.stderr) == (1, f"crmctl: {message}\n"), args
        assert not target.exists()
    r = cli("export", "--customer", "1", "--fields", "id")
    assert (r.exit_code, r.stderr) == (
        2, "crmctl: --customer exports one whole record; it takes no --fields\n")
