"""The tier review's reasons under the Chinese interface (issue 16.5): every kind worded in
`tier review` and `tier history` tables, the notify follow-ups and `show`'s timeline, while
the history keeps them as written and JSON/CSV stay English."""

from __future__ import annotations

import json
import re

import pytest

from crmctl.core import tier_reasons

ZH = {"CRMCTL_LANG": "zh_CN"}


@pytest.fixture
def reviewed(cli, pin_clock):
    """One customer per kind of reason, reviewed on 2026-11-23."""
    pin_clock("2023-01-01T09:00:00")
    assert cli("init").exit_code == 0
    for name, tier in [("王明", "普通"), ("李娜", "普通"), ("张伟", "金牌"), ("陈静", "银牌"),
                       ("刘洋", "金牌")]:
        assert cli("add", name, "--company", "华为", "--tier", tier).exit_code == 0
    pin_clock("2026-11-23T10:00:00")
    for args in [(1, "120000", "--date", "2026-06-01"), (2, "1", "--date", "2023-01-02"),
                 (2, "200000", "--date", "2026-06-01"), (4, "10", "--date", "2025-01-05"),
                 (5, "100", "--date", "2026-10-01")]:
        assert cli("purchase", *args).exit_code == 0
    for month, score in [(3, 5), (4, 4), (5, 2)]:
        assert cli("log-contact", 5, "--channel", "电话", "--summary", "回访", "--satisfaction",
                   score, "--at", f"2026-{month:02d}-01T10:00").exit_code == 0
    return cli


ENGLISH = [
    "trailing-12-month spend 120,000.00 CNY ≥ gold threshold 100,000",
    "trailing-12-month spend 200,000.00 CNY ≥ 200,000 with a relationship of 3+ years",
    "no purchase for more than 365 days (no purchase yet)",
    "no purchase for more than 365 days (last purchase 2025-01-05)",
    "falling satisfaction: latest 3 ratings never rose, 5 → 2",
]
CHINESE = [
    "近 12 个月消费 120,000.00 CNY ≥ 金牌门槛 100,000",
    "近 12 个月消费 200,000.00 CNY ≥ 200,000，且合作 3 年以上",
    "超过 365 天未购买（尚无购买）",
    "超过 365 天未购买（上次购买 2025-01-05）",
    "评分持续下降（最近 3 次从未上升，5 → 2）",
]
RULES = ["spend", "spend", "inactive", "inactive", "satisfaction"]
RULES_ZH = ["消费", "消费", "不活跃", "不活跃", "满意度"]


def _table(text: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]


def test_review_reasons_in_each_language(reviewed):
    cli = reviewed
    zh = _table(cli("tier", "review", env=ZH).stdout)
    assert zh[0] == ["编号", "姓名", "等级", "→", "规则", "原因"]
    assert [(row[-2], row[-1]) for row in zh[1:]] == list(zip(RULES_ZH, CHINESE))
    en = _table(cli("tier", "review").stdout)
    assert [(row[-2], row[-1]) for row in en[1:]] == list(zip(RULES, ENGLISH))
    data = json.loads(cli("tier", "review", "--format", "json", env=ZH).stdout)
    assert [(p["rule"], p["reason"]) for p in data] == list(zip(RULES, ENGLISH))
    csv_lines = cli("tier", "review", "--format", "csv", env=ZH).stdout.splitlines()
    assert csv_lines[3] == "3,张伟,gold,silver,inactive,no purchase for more than 365 days " \
                           "(no purchase yet)"


def test_history_notices_and_timeline_in_each_language(reviewed):
    cli = reviewed
    assert cli("tier", "review", "--apply").exit_code == 0
    stored = json.loads(cli("tier", "history", 4, "--format", "json", env=ZH).stdout)
    assert [h["reason"] for h in stored] == [f"inactive: {ENGLISH[3]}", "initial tier"]
    zh = cli("tier", "history", 4, env=ZH).stdout.splitlines()
    assert zh[1].endswith("  银牌    普通    规则  不活跃：超过 365 天未购买（上次购买 2025-01-05）")
    assert zh[2].endswith("  银牌    手动  初始等级")
    en = cli("tier", "history", 4).stdout.splitlines()
    assert en[1].endswith(f"rule    inactive: {ENGLISH[3]}") and en[2].endswith("initial tier")
    history_5 = cli("tier", "history", 5, env=ZH).stdout.splitlines()[1]
    assert history_5.endswith("满意度：评分持续下降（最近 3 次从未上升，5 → 2）")
    report = cli("followups", "--until", "+0d", env=ZH).stdout
    assert "告知客户：等级 普通 → 金牌（消费：近 12 个月消费 120,000.00 CNY ≥ 金牌门槛 100,000）" in report
    assert "告知客户：等级 金牌 → 银牌（不活跃：超过 365 天未购买（尚无购买））" in report
    assert "tell customer: tier gold → silver (inactive: no purchase for more than 365 days " \
           "(no purchase yet))" in cli("followups", "--until", "+0d").stdout
    card = cli("show", 4, env=ZH).stdout
    assert "等级 银牌 → 普通（规则）：不活跃：超过 365 天未购买（上次购买 2025-01-05）" in card
    assert "等级变更通知 #4：告知客户：等级 银牌 → 普通（不活跃：超过 365 天未购买（上次购买 " \
           "2025-01-05））（待办，2026-11-23 到期）" in card
    timeline = json.loads(cli("show", 4, "--format", "json", env=ZH).stdout)["timeline"]
    assert timeline[1]["description"] == (
        f"tier-change notice #4: tell customer: tier silver → regular (inactive: {ENGLISH[3]}) "
        "(open, due 2026-11-23)")
    assert "tier silver → regular (rule): inactive: no purchase" in cli("show", 4).stdout


def test_typed_and_fixed_reasons(monkeypatch):
    monkeypatch.setenv("CRMCTL_LANG", "zh_CN")
    assert tier_reasons.worded("年度合同续签") == "年度合同续签"
    assert tier_reasons.worded("spend: 年度合同续签") == "spend: 年度合同续签"
    assert tier_reasons.worded("merged with #12") == "与 #12 合并"
    assert tier_reasons.worded("import") == "导入"
    assert tier_reasons.notify_worded("报价回访") == "报价回访"
    assert tier_reasons.notify_worded("tell customer: tier gold → diamond (年度合同续签)") == \
        "告知客户：等级 金牌 → 钻石（年度合同续签）"
    monkeypatch.setenv("CRMCTL_LANG", "en")
    assert tier_reasons.worded(f"inactive: {ENGLISH[2]}") == f"inactive: {ENGLISH[2]}"
