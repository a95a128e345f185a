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
