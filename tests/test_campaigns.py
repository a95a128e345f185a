"""Campaigns: consent-gated targeting, export re-checking consent, responses, the report.

Core tests on a temp database, CLI tests through CliRunner (exact one-line errors, nothing
changed after a refusal), and one end-to-end run of the installed command.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from crmctl.core import audit, campaigns, consent, customers, exporting
from crmctl.core.customers import Filter
from crmctl.errors import InvalidValue, NotFound


def _audit_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def _buy(conn, cid, day, amount, currency="CNY", campaign_id=None):
    # purchases through SQL: these tests are about how the campaign counts them
    minor = int(Decimal(amount) * 100)
    conn.execute("INSERT INTO purchases (customer_id, date, amount_minor, currency, campaign_id)"
                 " VALUES (?, ?, ?, ?, ?)", (cid, day, minor, currency, campaign_id))


@pytest.fixture
def people(conn):
    """王明 and 李娜 consent to email, 张伟 does not, 赵磊 only to wechat; all tagged 展会."""
    ids = {}
    for name, email in [("王明", "wang@example.cn"), ("李娜", "li@example.cn"),
                        ("张伟", "zhang@example.cn"), ("赵磊", None)]:
        raw = {"name": name, "company": "华为"}
        if email:
            raw["email"] = email
        ids[name] = customers.add(conn, raw, tags=["展会"])
    consent.record(conn, ids["王明"], "email", True, at="2026-10-01T00:00:00Z")
    consent.record(conn, ids["李娜"], "email", True, at="2026-10-01T00:00:00Z")
    consent.record(conn, ids["赵磊"], "wechat", True, at="2026-10-01T00:00:00Z")
    return ids


# -- money and create -------------------------------------------------------------------

@pytest.mark.parametrize("text, minor, shown", [
    ("1234.5", 123450, "1234.50"), ("1,234.50", 123450, "1234.50"),
    ("0.01", 1, "0.01"), ("5000", 500000, "5000.00"), ("0.1", 10, "0.10")])
def test_parse_money_is_exact(text, minor, shown):
    assert campaigns.parse_money(text, "--budget") == minor
    assert campaigns.money_text(minor) == shown


@pytest.mark.parametrize("text, error", [
    ("-5", "--budget cannot be negative (-5)"),
    ("abc", "--budget must be a number like 1234.50, not 'abc'"),
    ("1.234", "--budget 1.234 has more than 2 decimal places for CNY"),
    ("NaN", "--budget must be a number like 1234.50, not 'NaN'"),
    ("0", "--budget must be more than 0"),
])
def test_parse_money_refuses(text, error):
    with pytest.raises(InvalidValue) as exc:
        campaigns.parse_money(text, "--budget")
    assert str(exc.value) == error


def test_create_stores_plan_and_audits_field_names(conn, monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", "2026-11-23T10:00:00Z")
    cid = campaigns.create(conn, " 双十一 回馈 ", "EMAIL", budget="5000", goal_revenue="20000.5",
                           goal_responses=10, start="2026-11-01", end="2026-11-11",
                           note="老客户")
    camp = campaigns.get(conn, cid)
    assert (camp.name, camp.channel, camp.budget_minor, camp.goal_revenue_minor) == (
        "双十一 回馈", "email", 500000, 2000050)
    assert (camp.start, camp.end, camp.currency) == ("2026-11-01", "2026-11-11", "CNY")
    entry = audit.entries(conn, entity="campaign")[0]
    assert (entry.action, entry.entity_id) == ("create", str(cid))
    assert "budget_minor" in entry.fields and "note" in entry.fields
    assert not any("老客户" in f or "5000" in f for f in entry.fields)


@pytest.mark.parametrize("kwargs, error", [
    ({"channel": "fax"}, "unknown consent channel 'fax'; channels: email 邮件, phone 电话, sms 短信, wechat 微信"),
    ({"budget": "-1"}, "--budget cannot be negative (-1)"),
    ({"goal_responses": -3}, "--goal-responses cannot be negative (-3)"),
    ({"start": "2026-11-10", "end": "2026-11-01"},
     "the end (2026-11-01) is before the start (2026-11-10)"),
    ({"start": "someday"}, None),
    ({"currency": "元"}, "unknown currency '元'; known: CNY, USD, EUR, GBP, HKD, JPY, KRW"),
])
def test_create_refuses_bad_input_and_changes_nothing(conn, kwargs, error):
    before = _audit_count(conn)
    args = {"channel": "email", **kwargs}
    with pytest.raises(InvalidValue) as exc:
        campaigns.create(conn, "春节", args.pop("channel"), **args)
    if error:
        assert str(exc.value) == error
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0
    assert _audit_count(conn) == before


def test_money_follows_the_campaign_currency(conn):
    cid = campaigns.create(conn, "東京", "email", currency="jpy", budget="5,000")
    camp = campaigns.get(conn, cid)
    assert (camp.currency, camp.budget_minor, camp.to_dict()["budget"]) == ("JPY", 5000, "5000")
    with pytest.raises(InvalidValue, match="^--budget 1.5 has more than 0 decimal places for JPY$"):
        campaigns.create(conn, "東京", "email", currency="JPY", budget="1.5")


def test_unknown_campaign(conn):
    with pytest.raises(NotFound, match="^no campaign 42$"):
        campaigns.get(conn, 42)
    with pytest.raises(InvalidValue, match="campaign id must be a number"):
        campaigns.get(conn, "abc")


# -- targeting ---------------------------------------------------------------------------

def test_target_only_consented_and_counts(conn, people):
    cid = campaigns.create(conn, "双十一", "email")
    before = _audit_count(conn)
    dry = campaigns.target(conn, cid, Filter(tag=["展会"]), dry_run=True)
    assert (dry["matched"], dry["added"], dry["excluded_no_consent"]) == (4, 2, 2)
    assert conn.execute("SELECT count(*) FROM campaign_targets").fetchone()[0] == 0
    assert _audit_count(conn) == before  # a dry run changes nothing, not even the log

    first = campaigns.target(conn, cid, Filter(tag=["展会"]))
    assert (first["matched"], first["added"], first["already_targeted"],
            first["excluded_no_consent"]) == (4, 2, 0, 2)
    targeted = {r[0] for r in conn.execute("SELECT customer_id FROM campaign_targets")}
    assert targeted == {people["王明"], people["李娜"]}
    assert _audit_count(conn) == before + 1

    again = campaigns.target(conn, cid, Filter(tag=["展会"]))
    assert (again["added"], again["already_targeted"], again["excluded_no_consent"]) == (0, 2, 2)
    assert _audit_count(conn) == before + 1  # nothing new: no entry
    assert campaigns.report(conn, cid)["excluded_no_consent"] == 2  # each person counted once


def test_target_filters_like_list(conn, people):
    cid = campaigns.create(conn, "北京", "email")
    result = campaigns.target(conn, cid, Filter(search="王明"))
    assert (result["matched"], result["added"]) == (1, 1)
    with pytest.raises(InvalidValue, match="unknown tier"):
        campaigns.target(conn, cid, Filter(tier="bronze"))


def test_consent_granted_later_moves_person_from_excluded_to_targeted(conn, people):
    cid = campaigns.create(conn, "复购", "email")
    campaigns.target(conn, cid, Filter(tag=["展会"]))
    consent.record(conn, people["张伟"], "email", True)
    result = campaigns.target(conn, cid, Filter(tag=["展会"]))
    assert (result["added"], result["excluded_no_consent"]) == (1, 1)
    figures = campaigns.report(conn, cid)
    assert (figures["targeted"], figures["excluded_no_consent"]) == (3, 1)


# -- export ------------------------------------------------------------------------------

def test_export_rechecks_consent_and_carries_only_the_channel_address(conn, people):
    cid = campaigns.create(conn, "双十一", "email")
    campaigns.target(conn, cid, Filter(tag=["展会"]))
    _, rows, summary = campaigns.export_rows(conn, cid)
    assert [r["name"] for r in rows] == ["王明", "李娜"]
    assert set(rows[0]) == {"id", "name", "company", "email"}  # no phone, no wechat
    consent.record(conn, people["李娜"], "email", False)
    stream = io.StringIO()
    summary = exporting.export_campaign(conn, cid, "json", stream=stream)
    assert [r["id"] for r in json.loads(stream.getvalue())] == [people["王明"]]
    assert summary["dropped"] == {"no_consent": 1, "closed": 0, "no_address": 0}
    entry = audit.entries(conn, action="export")[0]
    assert (entry.entity, entry.entity_id, entry.fields) == (
        "campaign", str(cid), ["company", "email", "id", "name"])


def test_export_drops_forgotten_targets(conn, people):
    from crmctl.core import privacy

    cid = campaigns.create(conn, "双十一", "email")
    campaigns.target(conn, cid, Filter(tag=["展会"]))
    privacy.forget(conn, people["王明"])
    _, rows, summary = campaigns.export_rows(conn, cid)
    assert [r["name"] for r in rows] == ["李娜"]
    assert summary["dropped"]["no_consent"] == 1


# -- responses and the report ------------------------------------------------------------

def test_respond_requires_a_target(conn, people):
    cid = campaigns.create(conn, "双十一", "email")
    campaigns.target(conn, cid, Filter(tag=["展会"]))
    before = _audit_count(conn)
    with pytest.raises(NotFound) as exc:
        campaigns.respond(conn, cid, people["张伟"])
    assert str(exc.value) == f"customer {people['张伟']} is not a target of campaign {cid}"
    with pytest.raises(NotFound, match="^no customer 999$"):
        campaigns.respond(conn, cid, 999)
    assert _audit_count(conn) == before
    assert campaigns.respond(conn, cid, people["王明"], "预约演示")["first_response"]
    assert not campaigns.respond(conn, cid, people["王明"])["first_response"]
    assert conn.execute("SELECT outcome FROM campaign_targets WHERE customer_id = ?",
                        (people["王明"],)).fetchone()[0] == "预约演示"


def test_report_figures(conn, people, monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", "2026-12-31T12:00:00Z")
    cid = campaigns.create(conn, "双十一", "email", budget="1000", goal_responses=4,
                           goal_revenue="2000", start="2026-11-01", end="2026-11-11")
    campaigns.target(conn, cid, Filter(tag=["展会"]))  # 王明, 李娜 targeted; 2 excluded
    campaigns.respond(conn, cid, people["王明"])
    wang, li, zhang = people["王明"], people["李娜"], people["张伟"]
    _buy(conn, wang, "2026-11-05", "1200.50")   # in the window
    _buy(conn, li, "2026-12-11", "300")         # last day of the 30 days after (11-11 + 30)
    _buy(conn, li, "2026-12-12", "999")         # too late
    _buy(conn, wang, "2026-10-31", "999")       # before the start
    _buy(conn, wang, "2026-11-06", "50", "USD")  # other currency: counted apart
    _buy(conn, zhang, "2026-11-05", "999")      # not a target
    _buy(conn, zhang, "2026-12-20", "99.50", campaign_id=cid)  # tied to the campaign
    f = campaigns.report(conn, cid)
    # purchases: 1200.50 (in window) + 300 (after) + 99.50 (tied) = 3 in CNY, 1600.00
    assert (f["targeted"], f["excluded_no_consent"], f["responded"]) == (2, 2, 1)
    assert (f["purchases"], f["purchases_in_window"], f["purchases_after_end"]) == (3, 1, 2)
    assert f["purchases_other_currency"] == 1
    assert (f["revenue"], f["budget"], f["cost_per_response"]) == ("1600.00", "1000.00",
                                                                   "1000.00")
    assert (f["response_rate"], f["return_on_budget"]) == (0.5, 1.6)
    assert (f["goal_responses_progress"], f["goal_revenue_progress"]) == (0.25, 0.8)
    assert f["status"] == "ended" and f["counted_until"] == "2026-12-11"


def test_report_with_nothing_to_divide_by(conn):
    cid = campaigns.create(conn, "空", "sms")
    f = campaigns.report(conn, cid)
    assert (f["targeted"], f["responded"], f["revenue"]) == (0, 0, "0.00")
    assert f["response_rate"] is None and f["return_on_budget"] is None
    assert f["cost_per_response"] is None and f["budget"] is None
    json.dumps(f)  # serializable as is


# -- the command line: bad input is one line, exit 1, nothing changed ------------------------

def _state(cli):
    listed = cli("campaign", "list", "--format", "json")
    log = cli("audit", "log", "--format", "json")
    assert listed.exit_code == 0 and log.exit_code == 0, listed.stderr + log.stderr
    return json.loads(listed.stdout), len(json.loads(log.stdout))


def test_cli_create_prints_id_and_refuses_bad_input(initialized):
    cli = initialized
    created = cli("campaign", "create", "双十一", "--channel", "email", "--budget", "5000",
                  "--start", "2026-11-01", "--end", "2026-11-11")
    assert created.exit_code == 0, created.stderr
    assert created.stdout == "1\n"
    before = _state(cli)
    refusals = [
        (["--channel", "fax"],
         "unknown consent channel 'fax'; channels: email 邮件, phone 电话, sms 短信, wechat 微信"),
        (["--channel", "email", "--budget", "-5"], "--budget cannot be negative (-5)"),
        (["--channel", "sms", "--goal-revenue", "一千"],
         "--goal-revenue must be a number like 1234.50, not '一千'"),
        (["--channel", "email", "--start", "2026-12-10", "--end", "2026-12-01"],
         "the end (2026-12-01) is before the start (2026-12-10)"),
    ]
    for args, error in refusals:
        result = cli("campaign", "create", "春节", *args)
        assert (result.exit_code, result.stderr, result.stdout) == (1, f"crmctl: {error}\n", "")
    assert _state(cli) == before


def test_cli_unknown_campaign_customer_and_non_target(initialized):
    cli = initialized
    wang = cli("add", "王明", "--email", "wang@example.cn").stdout.strip()
    li = cli("add", "李娜", "--email", "li@example.cn").stdout.strip()
    assert cli("consent", wang, "grant", "email").exit_code == 0
    cid = cli("campaign", "create", "双十一", "--channel", "email").stdout.strip()
    assert cli("campaign", "target", cid, "--search", "王明").exit_code == 0
    before = _state(cli)
    refusals = [
        (["show", "42"], "no campaign 42"),
        (["target", "42"], "no campaign 42"),
        (["report", "42"], "no campaign 42"),
        (["respond", "42", wang], "no campaign 42"),
        (["respond", cid, "999"], "no customer 999"),
        (["respond", cid, li], f"customer {li} is not a target of campaign {cid}"),
        (["target", cid, "--tier", "bronze"],
         "unknown tier 'bronze'; tiers: diamond 钻石, gold 金牌, silver 银牌, regular 普通 (also 钻石客户…, A/B/C/D)"),
    ]
    for args, error in refusals:
        result = cli("campaign", *args)
        assert (result.exit_code, result.stderr) == (1, f"crmctl: {error}\n"), args
    assert _state(cli) == before
    assert cli("campaign", "show", "x").stderr == "crmctl: campaign id must be a number, not 'x'\n"


def test_cli_target_dry_run_and_report_json(initialized, monkeypatch):
    cli = initialized
    monkeypatch.setenv("CRMCTL_NOW", "2026-11-23T10:00:00Z")
    wang = cli("add", "王明", "--email", "wang@example.cn", "--tag", "vip").stdout.strip()
    cli("add", "李娜", "--email", "li@example.cn", "--tag", "vip")
    cli("consent", wang, "grant", "email")
    cid = cli("campaign", "create", "回馈", "--channel", "email", "--budget", "800",
              "--goal-responses", "2").stdout.strip()
    dry = cli("campaign", "target", cid, "--tag", "vip", "--dry-run", "--format", "json")
    assert json.loads(dry.stdout) == {"campaign_id": int(cid), "channel": "email",
                                           "matched": 2, "added": 1, "already_targeted": 0,
                                           "excluded_no_consent": 1, "dry_run": True}
    assert json.loads(cli("campaign", "report", cid, "-f", "json").stdout)["targeted"] == 0
    cli("campaign", "target", cid, "--tag", "vip")
    assert cli("campaign", "respond", cid, wang, "--outcome", "报名").exit_code == 0
    report = json.loads(cli("campaign", "report", cid, "-f", "json").stdout)
    contract = ("targeted", "excluded_no_consent", "responded", "response_rate", "purchases",
                "revenue", "budget", "cost_per_response", "return_on_budget")
    # 1 targeted, 1 excluded, 1 responded: rate 1.0, cost 800.00 / 1 = 800.00, revenue 0
    assert {k: report[k] for k in contract} == {
        "targeted": 1, "excluded_no_consent": 1, "responded": 1, "response_rate": 1.0,
        "purchases": 0, "revenue": "0.00", "budget": "800.00", "cost_per_response": "800.00",
        "return_on_budget": 0.0}
    table = cli("campaign", "report", cid)
    assert table.exit_code == 0 and "回馈" in table.stdout and "goal 2 (50.0%)" in table.stdout
    # off a terminal: plain bars, no block or box characters, no colour
    assert "#" * 12 + "." * 12 in table.stdout
    assert not any(ch in table.stdout for ch in "█░─│\x1b")
    actions = [e["action"] for e in json.loads(cli("audit", "log", "--format", "json",
                                                   "--entity", "campaign").stdout)]
    assert actions == ["respond", "target", "create"]


def test_cli_export_xlsx_refusals_and_log_contact_campaign(initialized, tmp_path):
    cli = initialized
    wang = cli("add", "王明", "--company", "@evil", "--email", "wang@example.cn").stdout.strip()
    cli("consent", wang, "grant", "email")
    cid = cli("campaign", "create", "双十一", "--channel", "email").stdout.strip()
    cli("campaign", "target", cid)
    before = _state(cli)
    missing = tmp_path / "nowhere" / "x.csv"
    refusals = [
        (["campaign", "export", "42"], "no campaign 42"),
        (["campaign", "export", cid, "--format", "vcf"],
         "unknown export format 'vcf'; formats: csv, json, xlsx"),
        (["campaign", "export", cid, "--out", missing],
         f"cannot write {missing}: directory {missing.parent} does not exist"),
        (["log-contact", wang, "--channel", "email", "--summary", "邀请", "--campaign", "42"],
         "no campaign 42"),
    ]
    for args, error in refusals:
        result = cli(*args)
        assert (result.exit_code, result.stderr, result.stdout) == (1, f"crmctl: {error}\n", ""), args
    assert _state(cli) == before
    assert not missing.parent.exists()

    out = tmp_path / "targets.xlsx"
    result = cli("campaign", "export", cid, "--out", out, "--format", "xlsx")
    assert result.exit_code == 0, result.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["id", "name", "company", "email"], [int(wang), "王明", "@evil", "wang@example.cn"]]
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
    assert cli("log-contact", wang, "--channel", "email", "--summary", "邀请",
               "--campaign", cid).exit_code == 0
    report = json.loads(cli("campaign", "report", cid, "-f", "json").stdout)
    assert (report["targeted"], report["reached"], report["responded"]) == (1, 1, 0)


# -- end to end, through the command line (in-process: tests/test_e2e.py runs the installed
# command under cron; a subprocess per step here cost ~10 s of `make test` for nothing more)

def test_campaign_end_to_end(cli, tmp_path, monkeypatch):
    """create → target (consent respected, counted) → export → withdrawal drops a person
    from the next export → contacts, responses, purchases → report, hand-checked."""
    import csv
    import stat

    secret = tmp_path / "pass.txt"
    secret.write_text("e2e 口令 phrase\n")
    secret.chmod(0o600)
    monkeypatch.delenv("CRMCTL_PASSPHRASE")
    monkeypatch.setenv("CRMCTL_PASSPHRASE_FILE", str(secret))
    monkeypatch.setenv("CRMCTL_NOW", "2026-11-23T10:00:00+08:00")

    def run(*args, code=0):
        done = cli(*args)
        assert done.exit_code == code, (args, done.stderr)
        return done.stdout

    run("init")
    people = tmp_path / "people.csv"
    people.write_text("name,company,email,tags\n王明,=1+1,1@example.cn,展会\n"
                      "李娜,华为,2@example.cn,展会\n张伟,腾讯,3@example.cn,展会\n"
                      "刘洋,小米,4@example.cn,展会\n陈静,阿里,5@example.cn,展会\n"
                      "杨帆,百度,6@example.cn,\n", encoding="utf-8")
    run("import", people, "--mapping", "crmctl")
    ids = {c["name"]: str(c["id"]) for c in json.loads(run("list", "--format", "json"))}
    assert len(ids) == 6
    for name in ("王明", "李娜", "刘洋", "杨帆"):
        run("consent", ids[name], "grant", "email")
    run("consent", ids["陈静"], "grant", "wechat")  # not the campaign's channel
    cid = run("campaign", "create", "国庆回馈", "--channel", "email", "--budget", "2000",
              "--goal-responses", "4", "--goal-revenue", "10000", "--start", "2026-10-01",
              "--end", "2026-10-31").strip()

    # 展会 matches 5 (杨帆 is not tagged); 张伟 (no consent) and 陈静 (wechat only) are left out
    done = json.loads(run("campaign", "target", cid, "--tag", "展会", "-f", "json"))
    assert (done["matched"], done["added"], done["excluded_no_consent"]) == (5, 3, 2)

    out = tmp_path / "mailing.csv"
    run("campaign", "export", cid, "--out", out, "--format", "csv")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["name"], r["company"]) for r in rows] == [
        ("王明", "'=1+1"), ("李娜", "华为"), ("刘洋", "小米")]  # formula neutralized
    assert list(rows[0]) == ["id", "name", "company", "email"]

    run("consent", ids["刘洋"], "withdraw", "email")
    exported = json.loads(run("campaign", "export", cid, "--out", "-", "--format", "json"))
    assert [r["name"] for r in exported] == ["王明", "李娜"]

    run("log-contact", ids["王明"], "--channel", "email", "--summary", "发送邀请",
        "--direction", "out", "--campaign", cid)
    run("log-contact", ids["李娜"], "--channel", "email", "--summary", "回信询价",
        "--direction", "in", "--campaign", cid)
    run("campaign", "respond", cid, ids["王明"], "--outcome", "预约演示")
    run("purchase", ids["王明"], "3000.50", "--date", "2026-10-15")  # in the window
    run("purchase", ids["李娜"], "1200", "--date", "2026-11-20")     # within 30 days after
    run("purchase", ids["王明"], "500", "--date", "2026-09-30")      # before the start
    run("purchase", ids["张伟"], "800", "--date", "2026-10-20")      # not a target

    report = json.loads(run("campaign", "report", cid, "--format", "json"))
    # Hand-checked:
    #   targeted 3 (王明, 李娜, 刘洋: withdrawing later does not undo the targeting),
    #   excluded_no_consent 2 (张伟, 陈静); reached 2 (王明 out, 李娜 in);
    #   responded 2 (王明 by `respond`, 李娜 by an inbound campaign reply): rate 2/3 = 0.6667
    #   purchases 2: 3000.50 on 10-15 and 1200.00 on 11-20 (<= 10-31 + 30 d = 11-30)
    #   revenue 3000.50 + 1200.00 = 4200.50; cost per response 2000.00 / 2 = 1000.00
    #   return on budget 4200.50 / 2000 = 2.10025 -> 2.1003;
    #   goal progress: responses 2/4 = 0.5, revenue 4200.50 / 10000 = 0.42005 -> 0.4201
    assert {k: report[k] for k in (
        "targeted", "excluded_no_consent", "reached", "responded", "response_rate",
        "purchases", "purchases_in_window", "purchases_after_end", "revenue", "budget",
        "cost_per_response", "return_on_budget", "goal_responses_progress",
        "goal_revenue_progress")} == {
        "targeted": 3, "excluded_no_consent": 2, "reached": 2, "responded": 2,
        "response_rate": 0.6667, "purchases": 2, "purchases_in_window": 1,
        "purchases_after_end": 1, "revenue": "4200.50", "budget": "2000.00",
        "cost_per_response": "1000.00", "return_on_budget": 2.1003,
        "goal_responses_progress": 0.5, "goal_revenue_progress": 0.4201}
    log = json.loads(run("audit", "log", "--entity", "campaign", "--format", "json"))
    assert [e["action"] for e in log] == ["respond", "export", "export", "target", "create"]
    assert "预约演示" not in json.dumps(log, ensure_ascii=False)
