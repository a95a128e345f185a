"""The messages of cli/ and render/ in Chinese (issue 16 item 5): summaries, confirmations'
refusals, option checks and the import file's refusals, each one line with the documented
exit code and nothing changed; the same commands in English byte for byte as before."""

from __future__ import annotations

import json

import pytest

ZH = {"CRMCTL_LANG": "zh_CN"}


@pytest.fixture
def two(cli):
    assert cli("init").exit_code == 0
    assert cli("add", "王明", "--company", "华为").exit_code == 0
    assert cli("add", "李娜", "--company", "阿里巴巴").exit_code == 0
    return cli


def _names(cli) -> list[str]:
    return [line.split()[1] for line in cli("list").stdout.splitlines()[1:]]


@pytest.mark.parametrize("args, code, zh, en", [
    (["rm", "1"], 2, "不在终端上运行时，rm 需要 --yes",
     "rm needs --yes when not run on a terminal"),
    (["edit", "1"], 1, "没有要修改的内容：请至少给出一个 --字段 或 --clear",
     "nothing to change: give at least one --FIELD or --clear"),
    (["list", "--spend-min", "一万"], 1, "--spend-min 必须是金额，例如 10000，不能是 '一万'",
     "--spend-min must be an amount like 10000, not '一万'"),
    (["export", "--format", "vcf", "--what", "interactions"], 1,
     "vcf 导出的是客户（通讯录）；请用 --what customers",
     "vcf exports customers (an address book); use --what customers"),
    (["close", "1", "--reason", " "], 1, "close 需要 --reason 文字（结束合作的原因）",
     "close needs --reason TEXT (why the relationship ends)"),
    (["edit", "1", "--tier", "gold"], 2,
     "edit 没有 --tier 选项；等级有专门的命令：crmctl tier set 编号 等级",
     "edit has no --tier; the tier has its own command: crmctl tier set ID TIER"),
])
def test_refusals_in_chinese_and_in_english(two, args, code, zh, en):
    r = two(*args, env=ZH)
    assert (r.exit_code, r.stdout, r.stderr) == (code, "", f"crmctl: {zh}\n")
    r = two(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (code, "", f"crmctl: {en}\n")
    assert _names(two) == ["王明", "李娜"]  # nothing removed, nothing changed


def test_summaries_in_chinese(two):
    r = two("tag", "add", "VIP", "1", "2", env=ZH)
    assert (r.exit_code, r.stderr) == (0, "已给 2 位客户加上标签 'VIP'\n")
    r = two("tag", "rename", "VIP", "大客户", env=ZH)
    assert r.stderr == "2 位客户的标签 'VIP' 已改名为 '大客户'\n"
    r = two("followups", "schedule", "1", "2026-12-20", "--purpose", "寄样品", env=ZH)
    assert r.stderr == "跟进 1 已安排在 2026-12-20\n"
    r = two("close", "2", "--reason", "公司倒闭", env=ZH)
    assert r.stderr == "已关闭 #2 李娜\n"
    r = two("close", "2", "--reason", "公司倒闭", env=ZH)
    assert r.exit_code == 1 and r.stderr.startswith("crmctl: 客户 2 已关闭（自 ")
    r = two("reopen", "2")  # English as before
    assert r.stderr == "reopened #2 李娜\n"


def test_the_card_and_timeline_in_chinese_with_json_in_english(two):
    assert two("log-contact", "1", "--channel", "wechat", "--summary", "报价",
               "--satisfaction", "4").exit_code == 0
    card = two("show", "1", env=ZH).stdout.splitlines()
    assert card[0] == "#1 王明"
    assert [line.split()[0] for line in card[1:4]] == ["公司", "等级", "阶段"]
    assert card[2].split() == ["等级", "普通"] and "营销许可  无记录" in card
    timeline = card[card.index("时间线") + 1:]
    assert timeline[0].split() == ["时间", "类型", "内容"]
    assert timeline[1].split()[2:] == ["沟通", "微信：报价；满意度", "4/5"]
    data = json.loads(two("show", "1", "--format", "json", env=ZH).stdout)
    assert data["timeline"][0]["description"] == "wechat: 报价; satisfaction 4/5"
    assert data["tier"] == "regular"


def test_the_import_file_refusal_in_chinese(two, tmp_path):
    source = tmp_path / "客户.csv"
    source.write_text("name,phone\n王明,13800138000\n", encoding="gbk")
    r = two("import", source, "--encoding", "utf-8", env=ZH)
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith(f"crmctl: {source} 不是有效的 utf-8 文本（")
    assert r.stderr.endswith("）；请检查 --encoding（auto 可识别 UTF-8、UTF-16、GB18030）\n")
    r = two("import", source, "--encoding", "utf-8")
    assert r.stderr.startswith(f"crmctl: {source} is not valid utf-8 text (")
    assert _names(two) == ["王明", "李娜"]


def test_yes_no_and_sources_in_tables_but_not_in_csv(two):
    r = two("consent", "1", "2", "grant", "email", env=ZH)
    assert (r.exit_code, r.stderr) == (0, "邮件：已记录同意（2 位客户）\n")
    ledger = two("consent", "1", env=ZH).stdout.splitlines()
    assert ledger[0].split()[:3] == ["编号", "渠道", "同意"]
    assert ledger[1].split()[1:3] == ["邮件", "是"]
    assert two("consent", "1", "--format", "csv", env=ZH).stdout.splitlines()[1].split(",")[1:3] \
        == ["email", "yes"]
    assert two("tier", "set", "1", "金牌", "--reason", "年度合同", env=ZH).stderr == \
        "#1：普通 → 金牌；通知跟进 #1 今天到期\n"
    history = two("tier", "history", "1", env=ZH).stdout.splitlines()
    assert history[-1].split()[2:] == ["普通", "金牌", "手动", "年度合同"]
    assert two("tier", "history", "1").stdout.splitlines()[-1].split()[2:] == [
        "regular", "gold", "manual", "年度合同"]


def test_every_new_enumerated_word_has_its_chinese():
    """The kinds this work added to labels.WORD_KINDS: each word has a Chinese one."""
    from babel.messages.pofile import read_po

    from crmctl.core import data_quality, reports
    from crmctl.core.contact_points import PHONE_TYPES
    from crmctl.core.exporting.request import WHATS
    from test_i18n import PO

    with PO.open("rb") as f:
        catalog = read_po(f)
    words = [("check", c) for c in data_quality.CHECKS] + [
        ("segment", s) for s in reports.SEGMENTS] + [("contact", t) for t in PHONE_TYPES] + [
        ("what", w) for w in WHATS] + [("kind", k) for k in ("interaction", "purchase", "tier",
                                                             "followup")] + [
        ("source", s) for s in ("manual", "rule")] + [("boolean", b) for b in ("yes", "no")]
    assert [w for w in words if not (catalog.get(w[1], context=w[0]) or None)
            or not catalog.get(w[1], context=w[0]).string] == []


def test_audit_data_in_chinese_with_english_json(two):
    r = two("audit", "data", env=ZH)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["客户编号", "姓名", "检查项", "详情"]
    assert lines[1].split() == ["1", "王明", "无联系方式", "没有邮箱也没有电话"]
    assert lines[3].split() == ["1", "王明", "从未联系", "没有沟通记录"]
    data = json.loads(two("audit", "data", "--format", "json", env=ZH).stdout)
    assert (data["issues"][0]["check"], data["issues"][0]["detail"]) == (
        "no-contact-details", "no email and no phone")


def test_a_likely_duplicate_warned_in_chinese(two):
    assert two("edit", "2", "--company", "Acme Corp", "--email", "lina@acme.example.com"
               ).exit_code == 0
    r = two("add", "李那", "--company", "Acme Corp", "--email", "li@acme.example.com", env=ZH)
    assert r.exit_code == 0 and r.stdout == "3\n"
    from crmctl.core.rules import DUPLICATE_SCORES

    assert r.stderr == (f"警告：#3 可能与 #2 李娜 重复（相似度 {DUPLICATE_SCORES['pinyin']:.2f}：姓名拼音"
                        "相同，且公司和邮箱域名相同）；crmctl merge 2 3\n")


def test_merge_dry_run_in_chinese(two):
    assert two("log-contact", "2", "--channel", "phone", "--summary", "回访").exit_code == 0
    r = two("merge", "1", "2", "--dry-run", env=ZH)
    assert r.exit_code == 0 and r.stdout == ""
    lines = r.stderr.splitlines()
    assert lines[0] == "将把 #2 李娜 合并到 #1 王明"
    assert lines[1] == "已移动：沟通记录 1"
    assert "冲突 公司：采用 华为（#1），而非 阿里巴巴（#2）（用 --take company 采用 #2 的值）" \
        in lines
    assert lines[-1] == "试运行：未做任何修改"
    assert _names(two) == ["王明", "李娜"]


def test_a_merge_conflict_names_its_field_and_values_in_chinese(two):
    """The field (等级) and an enumerated value (金牌, 银牌) in Chinese; --take keeps the
    option's English word; English and JSON keep English."""
    for cid, tier in (("1", "gold"), ("2", "silver")):
        assert two("tier", "set", cid, tier, "--reason", "测试").exit_code == 0
    r = two("merge", "#1", "2", "-n", env=ZH)
    assert r.exit_code == 0, r.stderr
    assert "冲突 等级：采用 金牌（#1），而非 银牌（#2）（用 --take tier 采用 #2 的值）" \
        in r.stderr.splitlines()
    r = two("merge", "#1", "2", "-n", "--take", "tier", env=ZH)
    assert "冲突 等级：采用 银牌（#2），而非 金牌（#1）" in r.stderr.splitlines()
    r = two("merge", "#1", "2", "-n", env={"LANG": "C.UTF-8", "CRMCTL_LANG": None})
    assert "conflict tier: gold (#1) over silver (#2) (--take tier to take #2's)" \
        in r.stderr.splitlines()
    r = two("merge", "#1", "2", "-n", "--format", "json", env=ZH)
    assert {"field": "tier", "keep": "gold", "drop": "silver", "winner": "keep"} in \
        json.loads(r.stdout)["conflicts"]


def test_tier_rules_in_words_for_people_and_english_json(two):
    lines = two("tier", "rules", env=ZH).stdout.splitlines()
    assert lines[0].split()[0] == "等级" and "等级评审规则（按顺序）" in lines
    assert any(line.startswith("不活跃 ") and line.endswith("天没有购买且没有等级变更时降一级")
               for line in lines)
    data = json.loads(two("tier", "rules", "--format", "json", env=ZH).stdout)
    assert data["rules"][1]["does"].startswith("down one tier after more than ")
    assert data["rules"][1]["rule"] == "inactive"  # the rule's name in a table only (16.5)
