"""Issue 16.7: customers by name — `12`, `#12`, a name, or a unique prefix of a name,
company or phone wherever a customer id is taken; ambiguous or unknown is one line, exit 1,
nothing changed."""

from __future__ import annotations

import json

import pytest
from conftest import inspect_db

from crmctl.core import references
from crmctl.errors import InvalidValue, NotFound


def snapshot(c):
    return [c.execute(sql).fetchall() for sql in (
        "SELECT id, name, tier FROM customers ORDER BY id",
        "SELECT customer_id, channel FROM interactions ORDER BY id",
        "SELECT customer_id FROM purchases ORDER BY id",
        "SELECT customer_id, tag_id FROM customer_tags ORDER BY 1, 2",
        "SELECT count(*) FROM audit_log")]


@pytest.fixture
def people(initialized):
    cli = initialized
    rows = [("王明", "--company", "华为技术", "--phone", "13800138000"),
            ("王明华", "--company", "腾讯", "--phone", "13900139000"),
            ("李娜", "--company", "Acme Trading", "--phone", "13700137000"),
            ("Anna Smith",),
            ("Annabel Lee", "--company", "Acme Foods")]
    ids = [int(cli("add", *row).stdout) for row in rows]
    return cli, ids


def test_show_by_name_hash_and_prefixes(people):
    cli, ids = people
    for ref, cid in [("王明", ids[0]),            # exact name beats 王明华
                     (f"#{ids[1]}", ids[1]), (f"# {ids[1]}", ids[1]), (str(ids[2]), ids[2]),
                     ("王明华", ids[1]), ("腾", ids[1]), ("李", ids[2]),
                     ("华为", ids[0]),                # company prefix
                     ("acme t", ids[2]),              # company prefix, any case
                     ("+86 1390", ids[1]), ("139-0013", ids[1]), ("+8613700", ids[2]),
                     ("anna s", ids[3]), ("Annab", ids[4]), ("anna smith", ids[3])]:
        r = cli("show", ref, "--format", "json")
        assert r.exit_code == 0, (ref, r.stderr)
        assert json.loads(r.stdout)["id"] == cid, ref


def test_commands_take_names(people):
    cli, ids = people
    assert cli("log-contact", "李娜", "--channel", "电话", "--summary", "报价").exit_code == 0
    assert cli("purchase", "王明华", "1000").exit_code == 0
    assert cli("tag", "add", "vip", "王明", "Annab").exit_code == 0
    assert cli("tier", "set", "腾讯", "gold", "--reason", "大单").exit_code == 0
    assert cli("followups", "schedule", "+8613800", "2099-01-05").exit_code == 0
    r = cli("consent", "王明", "Anna S", "grant", "sms")
    assert (r.exit_code, r.stderr) == (0, "sms: consent granted for 2 customers\n")
    shown = {c["id"]: c for c in json.loads(cli("list", "--format", "json").stdout)}
    assert shown[ids[1]]["tier"] == "gold"
    assert sorted(i for i, c in shown.items() if "vip" in c["tags"]) == [ids[0], ids[4]]
    card = json.loads(cli("show", "李娜", "--format", "json").stdout)
    assert [e["kind"] for e in card["timeline"]][:1] == ["interaction"]
    r = cli("export", "--customer", "王明华")
    assert (r.exit_code, json.loads(r.stdout)["id"]) == (0, ids[1])
    r = cli("rm", "Annabel", "--yes")
    assert (r.exit_code, r.stderr) == (0, f"removed #{ids[4]}\n")



def test_ambiguous_unknown_and_bad_refs_change_nothing(people):
    cli, ids = people
    before = inspect_db(snapshot)
    wang = (f"'王' matches 2 customers: #{ids[0]} 王明 华为技术 +8613800138000; "
            f"#{ids[1]} 王明华 腾讯 +8613900139000 (give the id, e.g. #{ids[0]})")
    acme = (f"'acme' matches 2 customers: #{ids[2]} 李娜 Acme Trading +8613700137000; "
            f"#{ids[4]} Annabel Lee Acme Foods (give the id, e.g. #{ids[2]})")
    for args, text in [
        (("show", "王"), wang),
        (("log-contact", "王", "--channel", "phone", "--summary", "x"), wang),
        (("purchase", "acme", "10"), acme),
        (("tag", "add", "vip", "李娜", "王"), wang),
        (("rm", "王", "--yes"), wang),
        (("show", "赵"), "no customer matches '赵'"),
        (("tier", "set", "nobody", "gold", "--reason", "x"), "no customer matches 'nobody'"),
        (("consent", "王明", "+8612", "grant", "sms"), "no customer matches '+8612'"),
        (("show", "#x"), "customer id must be a number, not 'x'"),
        (("show", "0"), "customer id must be a positive number, not '0'"),
        (("show", "99"), "no customer 99"),
        (("show", "#99"), "no customer 99"),
    ]:
        r = cli(*args)
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"crmctl: {text}\n"), args
    assert inspect_db(snapshot) == before


def test_ambiguity_lists_five_then_counts(conn):
    from crmctl.core import customers
    ids = [customers.add(conn, {"name": f"张{i}"}) for i in range(8)]
    with pytest.raises(InvalidValue) as err:
        references.resolve(conn, "张")
    shown = "; ".join(f"#{i} 张{n}" for n, i in enumerate(ids[:5]))
    assert str(err.value) == (f"'张' matches 8 customers: {shown}; …and 3 more "
                              f"(give the id, e.g. #{ids[0]})")


def test_forgotten_customers_never_match_by_name(people):
    cli, ids = people
    assert cli("forget", "李娜", "--yes").exit_code == 0
    r = cli("show", "李娜")
    assert (r.exit_code, r.stderr) == (1, "crmctl: no customer matches '李娜'\n")
    r = cli("show", "acme", "--format", "json")  # the forgotten one's company no longer competes
    assert (r.exit_code, json.loads(r.stdout)["id"]) == (0, ids[4])


def test_digits_are_always_an_id(people):
    cli, ids = people
    named = int(cli("add", "2024", "--company", "零售").stdout)
    r = cli("show", "2024")
    assert (r.exit_code, r.stderr) == (1, "crmctl: no customer 2024\n")
    assert json.loads(cli("show", "零售", "--format", "json").stdout)["id"] == named


def test_python_api_takes_references(conn):
    from crmctl.core import customers, purchases
    cid = customers.add(conn, {"name": "王明", "phone": "13800138000"})
    assert references.resolve(conn, cid) == cid
    assert references.resolve(conn, f"#{cid}") == cid
    assert customers.get(conn, "王").id == cid
    assert purchases.record(conn, "+86 138", "5") > 0
    with pytest.raises(NotFound, match="^no customer matches '李'$"):
        customers.get(conn, "李")
