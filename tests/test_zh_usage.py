"""click's own usage errors under the Chinese interface (issue 16.5): the same exit code 2,
one line, the typed words as typed; English byte-identical to click's."""

from __future__ import annotations

import json

import pytest

from crmctl.cli.usage_words import worded

ZH = {"LANG": "zh_CN.UTF-8"}

CASES = [
    (("list", "--x"),
     "No such option: --x (see 'crmctl list --help')",
     "没有选项 --x（见 'crmctl list --help'）"),
    (("list", "--serch", "王"),
     "No such option: --serch (Possible options: --search, --sort, --tier) "
     "(see 'crmctl list --help')",
     "没有选项 --serch；可能是：--search, --sort, --tier（见 'crmctl list --help'）"),
    (("show",),
     "Missing argument 'ID'. (see 'crmctl show --help')",
     "缺少参数 'ID'（见 'crmctl show --help'）"),
    (("list", "--limit", "十"),
     "Invalid value for '--limit': '十' is not a valid int. (see 'crmctl list --help')",
     "'--limit' 的值无效：'十' 不是有效的整数（见 'crmctl list --help'）"),
    (("followups", "--format", "ics"),
     "Invalid value for '--format' / '-f': 'ics' is not one of 'table', 'json', 'csv'. "
     "(see 'crmctl followups --help')",
     "'--format' / '-f' 的值无效：'ics' 不是 'table', 'json', 'csv' 之一"
     "（见 'crmctl followups --help'）"),
    (("show", "1", "王明"),
     "Got unexpected extra argument(s) (王明) (see 'crmctl show --help')",
     "多余的参数：王明（见 'crmctl show --help'）"),
    (("华为",),
     "No such command '华为'. (see 'crmctl --help')",
     "没有命令 '华为'（见 'crmctl --help'）"),
    (("lst",),
     "No such command 'lst'. Did you mean 'list'? (see 'crmctl --help')",
     "没有命令 'lst'；你是不是想用 'list'？（见 'crmctl --help'）"),
    (("tier", "sett"),
     "No such command 'sett'. Did you mean 'set'? (see 'crmctl tier --help')",
     "没有命令 'sett'；你是不是想用 'set'？（见 'crmctl tier --help'）"),
    (("list", "--limit"),
     "Option '--limit' requires an argument.",
     "选项 '--limit' 需要一个值"),
]


@pytest.mark.parametrize("args, english, chinese", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_click_usage_errors_in_each_language(cli, args, english, chinese):
    r = cli(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", f"crmctl: {english}\n")
    r = cli(*args, env=ZH)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", f"crmctl: {chinese}\n")


def test_a_usage_error_changes_nothing(cli):
    assert cli("init").exit_code == 0
    assert cli("add", "王明", "--company", "华为").exit_code == 0
    for args in [("edit", "1", "--name", "李雷", "--x"), ("add", "李雷", "--tier"),
                 ("tier", "set", "1", "gold", "--reason", "续约", "多余")]:
        r = cli(*args, env=ZH)
        assert r.exit_code == 2 and r.stderr.startswith("crmctl: ") and r.stdout == ""
    rows = cli("list", "--format", "json").stdout
    assert [(c["id"], c["name"], c["tier"]) for c in json.loads(rows)] == [(1, "王明", "regular")]


def test_crmctls_own_hints_and_help_are_not_touched(cli):
    r = cli("list", "--db", "x.db", env=ZH)
    assert (r.exit_code, r.stderr) == (2, "crmctl: --db 要放在命令之前：crmctl --db PATH list …\n")
    r = cli("tier", env=ZH)  # no arguments: the help itself (cli/helptext.py), no "crmctl: "
    assert r.exit_code == 2 and r.stderr.startswith("用法：crmctl tier")


@pytest.mark.parametrize("message, chinese", [
    ("Missing option '--name'.", "缺少选项 '--name'"),
    ("Missing command.", "缺少命令"),
    ("Option '--yes' does not take a value.", "选项 '--yes' 不接受值"),
    ("Invalid value for '--days': 0 is not in the range x>=1.",
     "'--days' 的值无效：0 不在范围 x>=1 内"),
    ("Invalid value for 'FILE': File '客户.csv' does not exist.",
     "'FILE' 的值无效：'客户.csv' 不存在"),
    ("Invalid value for '--x': 'y' is not a valid boolean. Recognized values: 1, true",
     "'--x' 的值无效：'y' 不是有效的是/否值"),
])
def test_the_other_forms_in_chinese(monkeypatch, message, chinese):
    monkeypatch.setenv("CRMCTL_LANG", "zh_CN")
    assert worded(message) == chinese


def test_a_form_not_known_stays_english_whole(monkeypatch):
    monkeypatch.setenv("CRMCTL_LANG", "zh_CN")
    assert worded("Argument 'x' takes 2 values.") == "Argument 'x' takes 2 values."
    assert worded("Invalid value for '--x': something new.") == \
        "Invalid value for '--x': something new."
