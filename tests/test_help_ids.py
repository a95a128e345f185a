"""Issue 16 audit: every argument naming a customer says how (12, #12 or a name/company/phone
prefix) in --help, in English and in Chinese; one shared text, not one per command."""

from __future__ import annotations

import pytest

from crmctl.cli.context import CUSTOMER_HELP, CUSTOMERS_HELP

ONE = [("show",), ("edit",), ("log-contact",), ("purchase",), ("tier", "set"),
       ("tier", "history"), ("followups", "schedule"), ("forget",), ("close",), ("reopen",),
       ("interactions", "list"), ("purchases", "list"), ("campaign", "respond")]
SEVERAL = [("tag", "add"), ("tag", "remove")]
EN = {"COLUMNS": "200", "LANG": "C.UTF-8", "CRMCTL_LANG": None, "LC_ALL": None}
ZH = {**EN, "LANG": "zh_CN.UTF-8"}


def _page(cli, command, env):
    r = cli(*command, "--help", env=env)
    assert r.exit_code == 0, r.output
    return " ".join(r.stdout.split())


@pytest.mark.parametrize("command", ONE)
def test_a_customer_argument_says_how_to_name_one(cli, command):
    metavar = "CUSTOMER" if command[-1] == "respond" or command[-1] == "list" else "ID"
    assert f"{metavar} The customer: 12, #12, or a name/company/phone prefix. [required]" \
        in _page(cli, command, EN), command
    assert f"{metavar} 客户：12、#12，或姓名/公司/电话的前缀。 [必填]" in _page(cli, command, ZH)


@pytest.mark.parametrize("command", SEVERAL)
def test_several_customers_say_how_to_name_them(cli, command):
    assert ("ID... Customers: 12, #12, or a name/company/phone prefix each (- reads them from "
            "stdin). [required]") in _page(cli, command, EN), command
    assert ("ID... 客户：每个可写 12、#12，或姓名/公司/电话的前缀（- 从标准输入读取）。 [必填]"
            in _page(cli, command, ZH)), command


def test_the_texts_are_the_shared_constants():
    assert CUSTOMER_HELP == "The customer: 12, #12, or a name/company/phone prefix."
    assert CUSTOMERS_HELP.startswith("Customers: 12, #12, or a name/company/phone prefix")


PHONE_HINT = "; to name a customer by phone type +86 138 0013 8000 or 138-0013"


@pytest.mark.parametrize("command", [
    ("show", "ID"), ("log-contact", "ID", "--channel", "电话", "--summary", "询价"),
    ("purchase", "ID", "100"), ("tier", "set", "ID", "gold", "--reason", "续约"),
    ("tag", "add", "vip", "ID"), ("forget", "ID", "--yes")])
def test_a_phone_typed_as_an_id_gets_the_hint(initialized, command):
    cli = initialized
    cli("add", "王明", "--phone", "13800138000", "--company", "华为")
    args = ["13800138000" if a == "ID" else a for a in command]
    r = cli(*args)
    assert (r.exit_code, r.stderr) == (1, f"crmctl: no customer 13800138000{PHONE_HINT}\n"), args
    r = cli(*args, env={"LANG": "zh_CN.UTF-8"})
    assert (r.exit_code, r.stderr) == (1, "crmctl: 没有编号为 13800138000 的客户；要按电话指定"
                                          "客户，请输入 +86 138 0013 8000 或 138-0013\n"), args
    assert cli("show", "+86 138 0013 8000").exit_code == 0  # the hint's forms do name him
    assert cli("show", "138-0013").exit_code == 0


def test_the_hint_begins_at_seven_digits(initialized):
    r = initialized("show", "999999")
    assert (r.exit_code, r.stderr) == (1, "crmctl: no customer 999999\n")
    r = initialized("show", "1000000", env={"LANG": "zh_CN.UTF-8"})
    assert r.stderr == ("crmctl: 没有编号为 1000000 的客户；要按电话指定客户，请输入 +86 100 0000 或 "
                        "100-0000\n")


def test_merge_names_both_customers_the_same_way(cli):
    assert "KEEP The customer who stays: 12, #12, or a name/company/phone prefix. [required]" \
        in _page(cli, ("merge",), EN)
    page = _page(cli, ("merge",), ZH)
    assert "KEEP 保留的客户：12、#12，或姓名/公司/电话的前缀。 [必填]" in page
    assert "DROP 重复的客户，合并后被清除（写法同上）。 [必填]" in page
