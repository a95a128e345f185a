"""Issue 16.8: consistency — tables that never break a value inside, titles that never wrap,
-n for every --dry-run, descriptions for every option, hints for misplaced options, money
formatted one way, --referred-by by name."""

from __future__ import annotations

import json
import re

import pytest

from crmctl.cli import load_sub_app
from crmctl.cli._commands import SUB_APPS
from crmctl.render import terminal as render_terminal

ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")


def every_command():
    """(path, click command) of every command of every sub-app, groups' callbacks too."""
    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        for name, sub in (subs or {}).items():
            yield from walk(sub, [*path, name])
        if not subs or getattr(cmd, "invoke_without_command", False):
            yield " ".join(path), cmd

    for module, _ in SUB_APPS:
        for name, cmd in load_sub_app(module).items():
            yield from walk(cmd, [name])


def options(cmd):
    return [p for p in cmd.params if p.param_type_name == "option" and "--help" not in p.opts]


def test_every_dry_run_has_n_and_every_option_a_description():
    commands = list(every_command())
    assert len(commands) > 40
    dry = [(path, p.opts) for path, cmd in commands for p in options(cmd)
           if "--dry-run" in p.opts]
    assert {path for path, _ in dry} >= {"import", "campaign target"}
    assert all("-n" in opts for _, opts in dry), dry
    bare = [(path, p.opts) for path, cmd in commands for p in options(cmd) if not p.help]
    assert bare == []


def test_import_n_is_a_dry_run(initialized, tmp_path):
    cli = initialized
    source = tmp_path / "客户.csv"
    source.write_text("姓名,公司,手机\n王明,华为,13800138000\n", encoding="gbk")
    result = cli("import", source, "-n")
    assert result.exit_code == 0
    assert "dry run: nothing was written\n" in result.stderr
    assert json.loads(cli("list", "--format", "json").stdout) == []


def test_campaign_target_n_only_counts(initialized):
    cli = initialized
    assert cli("add", "王明", "--company", "华为").exit_code == 0
    assert cli("campaign", "create", "春季", "--channel", "email").exit_code == 0
    result = cli("campaign", "target", "1", "-n")
    assert result.exit_code == 0
    assert result.stdout.startswith("campaign #1 (email): dry run, nothing changed\n")


@pytest.mark.parametrize("args, line", [
    (["list", "--db", "x.db"], "crmctl: --db goes before the command: crmctl --db PATH list …"),
    (["tier", "set", "1", "gold", "--db", "x.db"],
     "crmctl: --db goes before the command: crmctl --db PATH tier set …"),
    (["edit", "13", "--tier", "gold"],
     "crmctl: edit has no --tier; the tier has its own command: crmctl tier set ID TIER"),
    (["list", "--bogus"], "crmctl: No such option: --bogus (see 'crmctl list --help')"),
])
def test_misplaced_options_say_where_they_go(initialized, args, line):
    result = initialized(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", line + "\n")


def test_audit_verify_csv_is_csv(initialized):
    result = initialized("audit", "verify", "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "ok,entries,head,first_bad,problem"
    assert lines[1].startswith("yes,")


def test_money_is_grouped_in_tables_and_cards_exact_in_json(initialized):
    cli = initialized
    assert cli("campaign", "create", "双十一", "--channel", "email",
               "--budget", "18000").exit_code == 0
    table = cli("campaign", "list").stdout.splitlines()
    assert table[1].split()[8] == "18,000.00"
    assert "budget               18,000.00\n" in cli("campaign", "show", "1").stdout
    assert json.loads(cli("campaign", "list", "--format", "json").stdout)[0]["budget"] == \
        "18000.00"
    report = cli("campaign", "report", "1").stdout
    assert re.search(r"\nbudget +18,000\.00 CNY", report), report


def test_purchases_list_groups_every_amount(initialized, pin_clock):
    pin_clock("2026-11-23T09:00:00+08:00")
    cli = initialized
    assert cli("add", "王明").exit_code == 0
    assert cli("purchase", "1", "128000.00", "--date", "2026-11-04").exit_code == 0
    lines = cli("purchases", "list", "1").stdout.splitlines()
    assert lines[1].split()[1:6] == ["2026-11-04", "128,000.00", "CNY", "0.00", "128,000.00"]
    [row] = json.loads(cli("purchases", "list", "1", "--format", "json").stdout)
    assert (row["amount"], row["net"]) == ("128000.00", "128000.00")


def test_referred_by_takes_a_name(initialized):
    cli = initialized
    assert cli("add", "王明", "--company", "华为").exit_code == 0
    assert cli("add", "王芳").exit_code == 0
    assert cli("add", "李娜", "--referred-by", "王明").stdout == "3\n"
    assert cli("add", "张伟", "--referred-by", "#2").stdout == "4\n"
    rows = json.loads(cli("report", "referrals", "--format", "json").stdout)
    assert sorted((r["id"], r["referred"]) for r in rows) == [(1, 1), (2, 1)]
    result = cli("add", "孙丽", "--referred-by", "王")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("crmctl: '王' matches 2 customers: #1 王明 华为; #2 王芳 "
                             "(give the id, e.g. #1) (given as --referred-by)\n")
    result = cli("edit", "3", "--referred-by", "无名")
    assert (result.exit_code, result.stderr) == (
        1, "crmctl: no customer matches '无名' (given as --referred-by)\n")


# --- on an 80-column terminal -----------------------------------------------------------------

@pytest.fixture
def narrow(monkeypatch):
    """stdout is an 80-column terminal (rich writes its escape codes: FORCE_COLOR)."""
    monkeypatch.setattr(render_terminal, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")


def plain(text: str) -> list[str]:
    return [line.rstrip() for line in ANSI.sub("", text).splitlines()]


def test_list_at_80_columns_drops_columns_and_breaks_no_value(initialized, narrow):
    cli = initialized
    people = [("王明", "华为技术有限公司", "13800138000", "wang.ming@huawei.example.cn"),
              ("Anna Schmidt", "Müller GmbH", "+49301234567", "anna.schmidt@mueller.example.de"),
              ("李娜", "阿里巴巴", "13911112222", "lina@alibaba.example.cn")]
    for name, company, phone, email in people:
        assert cli("add", name, "--company", company, "--phone", phone, "--email", email,
                   "--tag", "展会2026").exit_code == 0
    lines = plain(cli("list").stdout)
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split() == ["id", "name", "company", "phone", "tier"]
    assert lines[2].split() == ["1", "王明", "华为技术有限公司", "+8613800138000", "regular"]
    assert lines[3].split() == ["2", "Anna", "Schmidt", "Müller", "GmbH", "+49301234567",
                                "regular"]
    assert len(lines) == 5  # one line per customer: nothing folded


def test_followups_at_80_columns_cut_the_reason_text_not_the_phone(initialized, narrow,
                                                                   pin_clock):
    pin_clock("2026-11-23T09:00:00+08:00")
    cli = initialized
    assert cli("add", "王明", "--company", "华为技术有限公司", "--phone", "13800138000").exit_code == 0
    assert cli("followups", "schedule", "1", "today", "--purpose",
               "送样品并确认第二季度的框架协议报价，顺便了解竞争对手的方案和价格").exit_code == 0
    lines = plain(cli("followups").stdout)
    assert lines[0] == "1 follow-up due by 2026-11-23 (0 overdue)"
    assert all(len(line) <= 80 for line in lines) and len(lines) == 4
    row = lines[3]
    assert "+8613800138000" in row and row.startswith("2026-11-23") and row.endswith("…")


def test_report_titles_of_all_zero_sections_do_not_wrap(initialized, narrow):
    cli = initialized
    assert cli("add", "王明").exit_code == 0
    lines = plain(cli("report").stdout)
    for title in ("Tiers", "Lifecycle stages", "Value segments (RFM)",
                  "Open complaints by category", "Interactions per week"):
        assert title in lines


# --- after rekey: which passphrase source still holds the old one --------------------------

NEW = "a new passphrase 新的口令"


def test_rekey_names_the_passphrase_file_to_update(initialized, tmp_path):
    cli = initialized
    secret = tmp_path / "pass.txt"
    secret.write_text("correct horse 电池 staple\n", encoding="utf-8")
    secret.chmod(0o600)
    r = cli("rekey", env={"CRMCTL_PASSPHRASE": None, "CRMCTL_PASSPHRASE_FILE": str(secret),
                          "CRMCTL_NEW_PASSPHRASE": NEW})
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr == ("passphrase changed; use the new one from now on\n"
                        "this run read the passphrase from CRMCTL_PASSPHRASE_FILE (the file it "
                        "names): it still holds the old one; update it before the next run "
                        "(cron) or it fails\n")
    stale = cli("list", env={"CRMCTL_PASSPHRASE": None, "CRMCTL_PASSPHRASE_FILE": str(secret)})
    assert stale.exit_code == 3  # what the note warns of
    assert NEW not in r.stderr


def test_rekey_from_the_keyring_updates_it_and_says_so(initialized, isolated, db_path):
    from crmctl.store.passphrase import KEYRING_SERVICE, keyring_account

    cli = initialized
    isolated.set_password(KEYRING_SERVICE, keyring_account(db_path), "correct horse 电池 staple")
    r = cli("rekey", env={"CRMCTL_PASSPHRASE": None, "CRMCTL_NEW_PASSPHRASE": NEW})
    assert (r.exit_code, r.stderr) == (0, "passphrase changed; use the new one from now on\n"
                                          "the keyring entry now holds the new passphrase\n")
    assert cli("list", env={"CRMCTL_PASSPHRASE": None}).exit_code == 0


# --- shell completion -------------------------------------------------------------------------

def test_shell_completion_is_offered_and_completes_commands_and_options(runner):
    from crmctl.cli import app

    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout
    script = runner.invoke(app, ["--show-completion", "bash"], env={"SHELL": "/bin/bash"})
    assert script.exit_code == 0 and "_CRMCTL_COMPLETE=complete_bash" in script.stdout
    for words, cword, expected in (("crmctl li", "1", "list"), ("crmctl tier s", "2", "set"),
                                   ("crmctl list --ti", "2", "--tier")):
        done = runner.invoke(app, [], env={"_CRMCTL_COMPLETE": "complete_bash",
                                           "COMP_WORDS": words, "COMP_CWORD": cword})
        assert done.stdout.split() == [expected], (words, done.stdout)


LONG_COMPANY = "中国石油天然气集团有限公司上海分公司华东销售部"  # 46 cells wide


def _with_a_long_company(cli):
    for name, company, phone in (("王明", "华为技术有限公司", "13800138000"),
                                 ("李娜", "阿里巴巴", "13911112222"),
                                 ("欧阳娜娜", LONG_COMPANY, "13700001111")):
        assert cli("add", name, "--company", company, "--phone", phone).exit_code == 0


def test_one_long_company_is_cut_not_the_company_column_dropped(initialized, narrow):
    """Issue 16 audit: one long value left company and last contact out for every row; now
    the long value is cut with … (display width: 2 cells a character) and nothing dropped
    that fitted before."""
    _with_a_long_company(initialized)
    assert plain(initialized("list").stdout) == [
        "id   name       company               phone            tier      last contact at",
        "─" * 80,
        "1    王明       华为技术有限公司      +8613800138000   regular",
        "2    李娜       阿里巴巴              +8613911112222   regular",
        "3    欧阳娜娜   中国石油天然气集团…   +8613700001111   regular"]


def test_one_long_company_at_120_columns(initialized, narrow, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    _with_a_long_company(initialized)
    assert plain(initialized("list").stdout) == [
        "id   name       company                             phone            email   tier      "
        "stage      tags   last contact at",
        "─" * 120,
        "1    王明       华为技术有限公司                    +8613800138000           regular   "
        "prospect",
        "2    李娜       阿里巴巴                            +8613911112222           regular   "
        "prospect",
        "3    欧阳娜娜   中国石油天然气集团有限公司上海分…   +8613700001111           regular   "
        "prospect"]


def test_followups_at_80_columns_keep_a_long_company_cut(initialized, narrow, pin_clock):
    pin_clock("2026-11-23T09:00:00+08:00")
    _with_a_long_company(initialized)
    for who in ("1", "3"):
        assert initialized("followups", "schedule", who, "today", "--purpose",
                           "送样品").exit_code == 0
    assert plain(initialized("followups").stdout) == [
        "2 follow-ups due by 2026-11-23 (0 overdue)",
        "due          reason      id   name       phone            company         why",
        "─" * 80,
        "2026-11-23   scheduled   1    王明       +8613800138000   华为技术有限…   送样品",
        "2026-11-23   scheduled   3    欧阳娜娜   +8613700001111   中国石油天然…   送样品"]


def test_a_cut_between_halves_of_a_chinese_character_leaves_no_blank(initialized, narrow):
    """A column cut to an odd width: the straddling character is left out, not shown as a
    blank before the … (中国石油天 … read as two words)."""
    _with_a_long_company(initialized)
    assert plain(initialized("list", env={"CRMCTL_LANG": "zh_CN"}).stdout) == [
        "编号   姓名       公司               电话             等级   阶段       最近联系",
        "─" * 80,
        "1      王明       华为技术有限公司   +8613800138000   普通   潜在客户",
        "2      李娜       阿里巴巴           +8613911112222   普通   潜在客户",
        "3      欧阳娜娜   中国石油天然气…    +8613700001111   普通   潜在客户"]
