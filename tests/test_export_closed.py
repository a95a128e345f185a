"""`export --all` / `--closed` (issue 18): closed customers and their records are left out
of an export unless asked for, as in `list`; a marketing list never holds them."""

from __future__ import annotations

import json

import pytest

from conftest import inspect_db
from crmctl.core import audit


@pytest.fixture
def crm(initialized, pin_clock):
    """王明 (open) and 李娜 of 华为 (closed), each with a contact and a purchase, both
    consenting to email."""
    cli = initialized
    pin_clock("2026-12-01T09:00:00+08:00")
    for args in (("王明", "--email", "wm@example.cn"),
                 ("李娜", "--company", "华为", "--email", "ln@huawei.com")):
        assert cli("add", *args).exit_code == 0
    for cid, amount in (("1", "100"), ("2", "200")):
        assert cli("consent", cid, "grant", "email").exit_code == 0
        assert cli("log-contact", cid, "--channel", "电话", "--summary", "回访").exit_code == 0
        assert cli("purchase", cid, amount, "--date", "2026-11-20").exit_code == 0
    assert cli("close", "2", "--reason", "客户要求终止合作").exit_code == 0
    return cli


def exported(cli, *args) -> list:
    result = cli("export", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return [row.get("customer_id", row.get("id")) for row in json.loads(result.stdout)]


@pytest.mark.parametrize("what", ["customers", "interactions", "purchases"])
def test_closed_customers_only_with_all_or_closed(crm, what):
    assert exported(crm, "--what", what) == [1]
    assert exported(crm, "--what", what, "--all") == [1, 2]
    assert exported(crm, "--what", what, "--closed") == [2]
    assert exported(crm, "--what", what, "--stage", "已关闭") == [2]
    assert exported(crm, "--what", what, "--all", "--search", "华为") == [2]


def test_a_full_export_in_every_format_holds_the_closed(crm, tmp_path):
    out = tmp_path / "all.csv"
    done = crm("export", "--all", "--out", out)
    assert done.exit_code == 0, done.stderr
    lines = out.read_text("utf-8").splitlines()
    assert [line.split(",")[:2] for line in lines[1:]] == [["1", "王明"], ["2", "李娜"]]
    assert lines[2].split(",")[7] == "closed"  # the stage column
    cards = crm("export", "--all", "--format", "vcf").stdout
    assert cards.count("BEGIN:VCARD") == 2 and "李娜" in cards


@pytest.mark.parametrize("flag", [["--all"], ["--closed"], ["--stage", "closed"]])
def test_a_marketing_list_never_holds_a_closed_customer(crm, tmp_path, flag):
    assert exported(crm, "--marketing", "email") == [1]
    exports = inspect_db(lambda c: [e.id for e in audit.entries(c) if e.action == "export"])
    out = tmp_path / "list.csv"
    refused = crm("export", "--marketing", "email", *flag, "--out", out)
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == ("crmctl: a marketing list never holds closed customers: leave "
                              "out --all, --closed and --stage closed\n")
    assert not out.exists()
    assert inspect_db(lambda c: [e.id for e in audit.entries(c)
                                 if e.action == "export"]) == exports  # nothing exported


def test_a_whole_record_takes_no_all(crm):
    refused = crm("export", "--customer", "2", "--all")
    assert (refused.exit_code, refused.stderr) == (
        2, "crmctl: --customer exports one whole record; it takes no --all\n")
    record = json.loads(crm("export", "--customer", "2").stdout)  # a closed one, whole
    assert record["customer"]["name"] == "李娜"
