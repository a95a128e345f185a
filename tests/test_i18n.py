"""The interface language (issue 16, item 5): the rule, the compiled catalog, what it covers.

English stays exactly as before; with LANG/LC_*/CRMCTL_LANG starting with zh, table headers,
enumerated words in tables and the follow-up report's title are Chinese, while JSON and CSV
keep their English keys and values (scripts depend on them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmctl import i18n
from crmctl.core import followups, words
from crmctl.core.exporting import CUSTOMER_COLUMNS, INTERACTION_COLUMNS, PURCHASE_COLUMNS
from crmctl.render import labels
from crmctl.render.sql import FOLLOWUP_HEADERS

PO = Path(i18n.__file__).parent / "locale" / "zh_CN" / "LC_MESSAGES" / "crmctl.po"


@pytest.fixture
def english(monkeypatch):
    for name in ("CRMCTL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("env, expected", [
    ({}, None),
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LANG": "zh_TW.UTF-8"}, "zh_CN"),
    ({"LANG": "en_US.UTF-8"}, None),
    ({"LANG": "C.UTF-8"}, None),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, None),  # LC_ALL first
    ({"LC_MESSAGES": "zh_CN.GB18030", "LANG": "en_US.UTF-8"}, "zh_CN"),
    ({"CRMCTL_LANG": "zh_CN", "LC_ALL": "en_US.UTF-8"}, "zh_CN"),  # crmctl's own wins
    ({"CRMCTL_LANG": "en", "LANG": "zh_CN.UTF-8"}, None),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh_CN"),  # an empty one is not set
])
def test_the_language_rule(english, env, expected):
    for name, value in env.items():
        english.setenv(name, value)
    assert i18n.language() == expected


def _catalog():
    from babel.messages.pofile import read_po

    with PO.open("rb") as f:
        return read_po(f)


def test_the_catalog_is_compiled_at_install_and_matches_its_source(english):
    """The .mo the installed package reads is the .po compiled (built at install, never
    committed: .gitignore holds *.mo)."""
    import gettext

    mo = PO.with_suffix(".mo")
    assert mo.exists(), "make install compiles the catalog (setup.py)"
    compiled = gettext.GNUTranslations(mo.open("rb"))
    for message in _catalog():
        if message.id and not message.pluralizable:
            assert compiled.pgettext(message.context, message.id) == message.string \
                if message.context else compiled.gettext(message.id) == message.string
    assert "*.mo" in (Path(i18n.__file__).parent.parent / ".gitignore").read_text().split()


def _translated(context: str | None, msgid: str) -> bool:
    message = _catalog().get(msgid, context=context)
    if message is None:
        return False
    text = message.string
    return bool(text and all(text)) if isinstance(text, tuple) else bool(text)


def test_every_table_column_and_enumerated_word_has_its_chinese():
    from crmctl.cli.customers import LIST_COLUMNS

    columns = {*CUSTOMER_COLUMNS, *INTERACTION_COLUMNS, *PURCHASE_COLUMNS, *FOLLOWUP_HEADERS,
               *followups.COLUMNS, *LIST_COLUMNS}
    missing = sorted(c for c in columns if not _translated("column", c))
    assert missing == []
    kinds = {"tier": words.TIERS, "stage": words.STAGES, "channel": words.CHANNELS,
             "direction": words.DIRECTIONS, "category": words.CATEGORIES}
    missing = [(k, v) for k, table in kinds.items() for v in table.values
               if not _translated(k, v)]
    missing += [("channel", v) for v in words.CONSENT_CHANNELS.values
                if not _translated("channel", v)]
    missing += [("reason", r) for r in followups.REASONS if not _translated("reason", r)]
    assert missing == []
    assert set(labels.WORD_KINDS.values()) <= {m.context for m in _catalog() if m.context}


def test_every_report_and_listing_column_has_its_chinese():
    """The check above saw only the customer, interaction, purchase and follow-up columns:
    the analysis reports' (average_order in ``report sales``), their group-by words, and
    the other listings' columns were never checked (issue 16 audit, item 4)."""
    from crmctl.cli import customers, report, tier
    from crmctl.core.analysis import sales, service
    from crmctl.render import analysis, complaints, views

    columns = {*analysis.SALES, *analysis.SATISFACTION, *analysis.COMPLAINTS, *analysis.VALUE,
               *analysis.VALUE_TABLE, *sales.BY, *service.SATISFACTION_BY,
               *service.COMPLAINTS_BY, *complaints.TABLE_COLUMNS, *views.CAMPAIGN_HEADERS,
               *views.REVIEW_COLUMNS, *views.IMPORT_COLUMNS, *report.REFERRAL_TABLE,
               *report.REFERRAL_COLUMNS, *tier.HISTORY_COLUMNS, *customers.TABLE_COLUMNS,
               "when", "kind", "description"}
    assert "average_order" in columns
    assert sorted(c for c in columns if not _translated("column", c)) == []


def test_every_marked_message_in_the_code_is_in_the_catalog():
    """Each _(), ngettext() and pgettext() literal in crmctl has a translation."""
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    found = list(extract_from_dir(Path(i18n.__file__).parent, keywords=keywords,
                                  method_map=[("**.py", "python")]))
    assert found, "the extraction finds the marked messages"
    catalog = _catalog()
    missing = []
    for _file, _line, message, _comments, context in found:
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid, context=context)
        if not entry or not entry.string or (isinstance(entry.string, tuple)
                                             and not all(entry.string)):
            missing.append(msgid)
    assert missing == []


def _add(cli):
    assert cli("init").exit_code == 0
    assert cli("add", "王明", "--company", "华为", "--tier", "金牌").exit_code == 0
    assert cli("add", "Anna Schmidt").exit_code == 0


def test_chinese_list_and_followups_with_english_json_and_csv(cli, english):
    _add(cli)
    zh = {"LANG": "zh_CN.UTF-8"}
    lines = cli("list", env=zh).stdout.splitlines()
    assert lines[0].split() == ["编号", "姓名", "公司", "电话", "邮箱", "等级", "阶段", "标签",
                                "最近联系"]
    assert lines[1].split() == ["1", "王明", "华为", "金牌", "潜在客户"]
    # a year of holiday greetings for the gold customer is not what this test is about
    assert cli("config", "set", "care_holidays", "[]").exit_code == 0
    report = cli("followups", "--until", "+400d", env=zh).stdout.splitlines()
    # two cadence rows and, 90 days on, the data review (issue 17.6)
    assert report[0].startswith("截至 ") and report[0].endswith(" 待跟进 3 项（逾期 0 项）")
    assert any("数据核对" in line for line in report[2:])
    assert report[1].split()[:4] == ["到期", "逾期", "原因", "编号"]
    assert "定期回访" in report[2] and "金牌" in report[2]
    data = json.loads(cli("list", "--format", "json", env=zh).stdout)
    assert (data[0]["tier"], data[0]["stage"]) == ("gold", "prospect")
    assert cli("list", "--format", "csv", env=zh).stdout.splitlines()[0].startswith(
        "id,name,company")
    due = json.loads(cli("followups", "--until", "+400d", "--format", "json", env=zh).stdout)
    assert {row["reason"] for row in due} == {"cadence", "data-review"}


def test_english_is_unchanged(cli, english):
    _add(cli)
    lines = cli("list").stdout.splitlines()
    assert lines[0].split() == ["id", "name", "company", "phone", "email", "tier", "stage",
                                "tags", "last", "contact", "at"]  # show's label (16.1)
    assert lines[1].split() == ["1", "王明", "华为", "gold", "prospect"]
    from crmctl import clock

    r = cli("followups")
    assert (r.stdout, r.stderr) == ("", f"nothing due by {clock.today().isoformat()}\n")
    r = cli("followups", env={"CRMCTL_LANG": "zh_CN"})
    assert r.stderr == f"截至 {clock.today().isoformat()} 没有待跟进事项\n"


def test_chinese_messages_of_the_store(cli, english, tmp_path, monkeypatch):
    zh = {"CRMCTL_LANG": "zh_CN"}
    db = tmp_path / "crm.db"
    r = cli("list", env=zh)
    assert (r.exit_code, r.stderr) == (1, f"crmctl: {db} 没有数据库；用 crmctl init 创建一个\n")
    assert cli("init").exit_code == 0
    r = cli("list", env={**zh, "CRMCTL_PASSPHRASE": "not the passphrase"})
    assert (r.exit_code, r.stderr) == (3, f"crmctl: {db} 的口令不对\n")
    out = tmp_path / "x.csv"
    out.write_text("mine\n")
    r = cli("export", "--out", out, env=zh)
    assert (r.exit_code, r.stderr) == (1, f"crmctl: {out} 已存在；要替换它请加 --force\n")
    assert out.read_text() == "mine\n"
    r = cli("rekey", env={**zh, "CRMCTL_NEW_PASSPHRASE": "short"})
    assert (r.exit_code, r.stderr) == (
        1, "crmctl: 来自CRMCTL_NEW_PASSPHRASE的新口令太短（5 个字符）；至少需要 10 个字符\n")


def test_chinese_messages_of_the_core(cli, english):
    """Common refusals in Chinese (issue 16.5): one line, the documented exit code, nothing
    changed; the words a person may type (tiers, dates) stay listed as they are."""
    zh = {"CRMCTL_LANG": "zh_CN"}
    _add(cli)
    assert cli("add", "王芳", "--company", "腾讯").exit_code == 0
    r = cli("show", "李雷", env=zh)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", "crmctl: 没有与 '李雷' 匹配的客户\n")
    r = cli("show", "99", env=zh)
    assert (r.exit_code, r.stderr) == (1, "crmctl: 没有编号为 99 的客户\n")
    r = cli("show", "王", env=zh)
    assert (r.exit_code, r.stderr) == (
        1, "crmctl: '王' 匹配到 2 位客户：#1 王明 华为; #3 王芳 腾讯（请给出编号，例如 #1）\n")
    r = cli("add", "李雷", "--tier", "铂金", env=zh)
    assert (r.exit_code, r.stderr) == (
        1, "crmctl: 未知等级 '铂金'；可用等级：diamond 钻石, gold 金牌, silver 银牌, regular 普通"
           "（也可写 钻石客户…, A/B/C/D）\n")
    r = cli("followups", "--until", "下下下周", env=zh)
    assert (r.exit_code, r.stderr) == (
        1, "crmctl: 无法识别日期 '下下下周'：试试 2026-12-10、明天或 +3d（更多写法见 --help）\n")
    r = cli("show", "0", env=zh)
    assert (r.exit_code, r.stderr) == (1, "crmctl: 客户编号必须是正数，不能是 '0'\n")
    r = cli("edit", "1", "--birthday", "1985-13-40", env=zh)
    assert r.exit_code == 1 and r.stderr.startswith("crmctl: 生日 '1985-13-40' 无效：请用 ")
    assert cli("edit", "1", "--phone", "13800138000").exit_code == 0
    r = cli("add", "李雷", "--phone", "138 0013 8000", env=zh)
    assert (r.exit_code, r.stderr) == (
        1, "crmctl: 客户 1 已使用这个电话（+8613800138000）；仍要添加请加 --allow-duplicate\n")
    assert [line.split()[:2] for line in cli("list").stdout.splitlines()[1:]] == [
        ["1", "王明"], ["2", "Anna"], ["3", "王芳"]]  # nothing added, nothing changed
    r = cli("show", "李雷")  # the same refusal in English, unchanged
    assert (r.exit_code, r.stderr) == (1, "crmctl: no customer matches '李雷'\n")


def test_import_reasons_stay_english_in_a_chinese_shell(cli, english, tmp_path):
    """A refused row's reason lands in the rejects CSV and in the JSON summary's keys, which
    scripts read: the core's messages are Chinese elsewhere, but not there."""
    assert cli("init").exit_code == 0
    source = tmp_path / "客户.csv"
    source.write_text("name,phone\n王明,123\n,13900139000\n李雷,13800138000\n", encoding="gbk")
    rejects = tmp_path / "rejects.csv"
    r = cli("import", source, "--rejects", rejects, "--format", "json",
            env={"CRMCTL_LANG": "zh_CN"})
    assert r.exit_code == 0, r.stderr
    summary = json.loads(r.stdout)
    assert (summary["inserted"], summary["rejected_by_reason"]) == (
        1, {"invalid phone": 1, "no name": 1})
    reasons = [line.split(",")[1] for line in
               rejects.read_text(encoding="gb18030").splitlines()[1:]]
    assert reasons == ["invalid phone '123': not a valid CN number; is it foreign? use --region",
                       "a customer needs a name"]
    r = cli("show", "99", env={"CRMCTL_LANG": "zh_CN"})  # Chinese again after the import
    assert r.stderr == "crmctl: 没有编号为 99 的客户\n"
