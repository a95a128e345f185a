"""Issue 17.5: several customers at once — `consent` and `rm` take several ids and `-`
(ids from stdin, as numbers or as `list --format json` prints them), all or nothing;
`tag rename` (merging) and `tag rm` from everyone; every change audited."""

from __future__ import annotations

import json

import pytest
from conftest import inspect_db

from crmctl.core import audit, bulk, consent, customers, tags
from crmctl.errors import InvalidValue, NotFound


def snapshot(c):
    """Every table a refused bulk command could touch."""
    return [c.execute(sql).fetchall() for sql in (
        "SELECT id, name FROM customers ORDER BY id",
        "SELECT customer_id, channel, granted FROM consent_events ORDER BY id",
        "SELECT customer_id, tag_id FROM customer_tags ORDER BY 1, 2",
        "SELECT id, name FROM tags ORDER BY id",
        "SELECT count(*) FROM audit_log")]


def granted(c, channel="sms"):
    return [r[0] for r in c.execute(
        "SELECT DISTINCT customer_id FROM consent_events WHERE channel = ? AND granted = 1 "
        "ORDER BY 1", (channel,))]


@pytest.fixture
def four(initialized):
    cli = initialized
    ids = [cli("add", name, "--tag", "展会").stdout.strip() for name in ("王明", "李娜", "张伟")]
    ids.append(cli("add", "Anna").stdout.strip())
    return cli, ids


# --- reading ids -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, ids", [
    ("1 2\n3\t4\n", ["1", "2", "3", "4"]),
    ('[{"id": 1, "name": "王明"}, {"id": 3, "name": "张伟"}]', ["1", "3"]),
    ('{"id": 1, "name": "王明"}\n{"id": 2}\n', ["1", "2"]),  # jq '.[]'
    ("[1, 2] [5]", ["1", "2", "5"]),
    ("7", ["7"]),
])
def test_ids_from_text(text, ids):
    assert bulk.ids_from_text(text) == ids


@pytest.mark.parametrize("text, error", [
    ("", "no customer ids on stdin"),
    (" \n", "no customer ids on stdin"),
    ("[]", "no customer ids on stdin"),
    ('[{"name": "王明"}]', 'a JSON object on stdin has no "id"'),
    ("[true]", "not a customer id on stdin: true"),
    ("[1,", "cannot read the ids on stdin: Expecting value at line 1 column 4"),
])
def test_ids_from_text_refusals(text, error):
    with pytest.raises(InvalidValue) as caught:
        bulk.ids_from_text(text)
    assert str(caught.value) == error


def test_expand_reads_stdin_only_for_a_dash():
    assert bulk.expand(["1", "2"], lambda: pytest.fail("stdin read")) == ["1", "2"]
    assert bulk.expand(["9", "-"], lambda: "1 2") == ["9", "1", "2"]


def test_live_ids_all_or_nothing(conn):
    wang = customers.add(conn, {"name": "王明"})
    lina = customers.add(conn, {"name": "李娜"})
    assert bulk.live_ids(conn, [str(lina), str(wang), str(lina)]) == [lina, wang]
    with pytest.raises(NotFound, match="^no customer 99$"):
        bulk.live_ids(conn, [wang, 99])
    with pytest.raises(NotFound, match="^no customer matches 'x'$"):
        bulk.live_ids(conn, [wang, "x"])


# --- core ------------------------------------------------------------------------------------

def test_record_many_audits_each_and_refuses_as_a_whole(conn):
    wang = customers.add(conn, {"name": "王明"})
    lina = customers.add(conn, {"name": "李娜"})
    before = snapshot(conn)
    with pytest.raises(NotFound, match="^no customer 99$"):
        consent.record_many(conn, [wang, 99, lina], "sms", True)
    assert snapshot(conn) == before
    assert consent.record_many(conn, [wang, lina, wang], "sms", True) == [wang, lina]
    assert granted(conn) == [wang, lina]
    assert [(e.action, e.entity_id, e.fields) for e in audit.entries(conn, entity="consent")
            ] == [("grant", str(lina), ["sms"]), ("grant", str(wang), ["sms"])]


def test_remove_many_takes_everything_or_nothing(conn):
    wang = customers.add(conn, {"name": "王明"}, tags=["vip"])
    lina = customers.add(conn, {"name": "李娜"}, tags=["vip"])
    kept = customers.add(conn, {"name": "张伟"})
    before = snapshot(conn)
    with pytest.raises(NotFound, match="^no customer 99$"):
        customers.remove_many(conn, [wang, lina, 99])
    assert snapshot(conn) == before
    assert customers.remove_many(conn, [wang, lina]) == [wang, lina]
    assert [c.id for c in customers.list_customers(conn)] == [kept]
    assert tags.list_tags(conn) == []
    assert conn.execute("SELECT count(*) FROM tags").fetchone() == (0,)
    assert [(e.action, e.entity_id) for e in audit.entries(conn)[:2]] == [
        ("rm", str(lina)), ("rm", str(wang))]


def test_rename_merges_into_an_existing_tag_and_audits_each_carrier(conn):
    wang = customers.add(conn, {"name": "王明"}, tags=["展会", "vip"])
    lina = customers.add(conn, {"name": "李娜"}, tags=["展会"])
    zhang = customers.add(conn, {"name": "张伟"}, tags=["VIP"])
    assert tags.rename(conn, "展会", "展会2026") == (2, False)
    assert tags.list_tags(conn) == [{"tag": "vip", "customers": 2},
                                    {"tag": "展会2026", "customers": 2}]
    assert tags.rename(conn, "展会2026", "Vip") == (2, True)  # wang carried both: one link
    assert tags.list_tags(conn) == [{"tag": "vip", "customers": 3}]
    assert tags.rename(conn, "vip", "VIP") == (3, False)  # only the letter case changes
    assert tags.list_tags(conn) == [{"tag": "VIP", "customers": 3}]
    retags = [(e.action, e.entity_id) for e in audit.entries(conn) if e.action == "retag"]
    assert sorted(retags) == sorted([("retag", str(i)) for i in
                                     (wang, lina, wang, lina, wang, lina, zhang)])


def test_rename_and_drop_refusals_change_nothing(conn):
    customers.add(conn, {"name": "王明"}, tags=["vip"])
    before = snapshot(conn)
    for call, error, text in [
        (lambda: tags.rename(conn, "nope", "x"), NotFound, "no tag 'nope'"),
        (lambda: tags.rename(conn, "vip", " vip "), InvalidValue,
         "tag 'vip' is already called 'vip'"),
        (lambda: tags.rename(conn, "vip", "a,b"), InvalidValue,
         "a tag cannot contain ';' or ',': 'a,b'"),
        (lambda: tags.rename(conn, "vip", ""), InvalidValue, "a tag cannot be empty"),
        (lambda: tags.drop(conn, "nope"), NotFound, "no tag 'nope'"),
    ]:
        with pytest.raises(error) as caught:
            call()
        assert str(caught.value) == text
        assert snapshot(conn) == before


def test_drop_removes_a_tag_from_everyone(conn):
    wang = customers.add(conn, {"name": "王明"}, tags=["旧活动", "vip"])
    lina = customers.add(conn, {"name": "李娜"}, tags=["旧活动"])
    assert tags.carriers(conn, "旧活动") == 2
    assert tags.drop(conn, "旧活动") == 2
    assert tags.list_tags(conn) == [{"tag": "vip", "customers": 1}]
    assert conn.execute("SELECT name FROM tags").fetchall() == [("vip",)]
    assert sorted((e.action, e.entity_id) for e in audit.entries(conn)[:2]) == [
        ("untag", str(wang)), ("untag", str(lina))]


# --- command line ----------------------------------------------------------------------------

def test_cli_consent_from_list_json_on_stdin(four):
    cli, ids = four
    listed = cli("list", "--tag", "展会", "--format", "json").stdout
    r = cli("consent", "-", "grant", "sms", "--source", "展会签到表", input=listed)
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "sms: consent granted for 3 customers\n")
    assert inspect_db(granted) == [int(i) for i in ids[:3]]
    r = cli("consent", ids[3], ids[0], "grant", "email")
    assert (r.exit_code, r.stderr) == (0, "email: consent granted for 2 customers\n")
    r = cli("consent", "-", "withdraw", "sms", input=f"{ids[1]}\n{ids[2]}\n")
    assert (r.exit_code, r.stderr) == (0, "sms: consent withdrawn for 2 customers\n")
    r = cli("consent", ids[0], "withdraw", "sms")  # one id: as before
    assert (r.exit_code, r.stderr) == (0, f"sms: consent withdrawn for #{ids[0]}\n")
    ledger = json.loads(cli("consent", ids[1], "--format", "json").stdout)
    assert [(e["channel"], e["granted"]) for e in ledger] == [("sms", True), ("sms", False)]
    log = json.loads(cli("audit", "log", "--entity", "consent", "--format", "json").stdout)
    assert len(log) == 3 + 2 + 2 + 1


def test_cli_consent_refusals_change_nothing(four, db_path):
    cli, ids = four
    before = inspect_db(snapshot)
    for args, stdin, code, text in [
        ((ids[0], "99", ids[1], "grant", "sms"), None, 1, "no customer 99"),
        (("-", "grant", "sms"), f"{ids[0]} 99", 1, "no customer 99"),
        (("-", "grant", "sms"), "", 1, "no customer ids on stdin"),
        (("-", "grant", "sms"), '[{"name": "王明"}]', 1, 'a JSON object on stdin has no "id"'),
        ((ids[0], "x", "grant", "sms"), None, 1, "no customer matches 'x'"),
        ((ids[0], ids[1], "grant", "fax"), None, 1,
         "unknown consent channel 'fax'; channels: email 邮件, phone 电话, sms 短信, wechat 微信"),
        ((ids[0], "grant", "sms", ids[1], ids[2]), None, 2,
         "consent grant takes one CHANNEL; put every id before grant: "
         "consent ID... grant sms"),
        (("grant", "sms", ids[0]), None, 2,
         "consent grant needs the customer ids first: consent ID... grant CHANNEL"),
        ((ids[0], ids[1]), None, 2,
         "consent with several ids needs grant or withdraw and a CHANNEL"),
        ((ids[0], ids[1], "allow", "sms"), None, 2,
         "consent takes grant or withdraw, not 'allow'"),
    ]:
        r = cli("consent", *args, input=stdin)
        assert (r.exit_code, r.stdout, r.stderr) == (code, "", f"crmctl: {text}\n"), args
    assert inspect_db(snapshot) == before


def test_cli_rm_several_and_from_stdin(four):
    cli, ids = four
    r = cli("rm", ids[0], ids[1], "--yes")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", f"removed 2 customers: #{ids[0]}, "
                                                        f"#{ids[1]}\n")
    listed = cli("list", "--tag", "展会", "--format", "json").stdout
    r = cli("rm", "-", "--yes", input=listed)
    assert (r.exit_code, r.stderr) == (0, f"removed #{ids[2]}\n")
    assert [c["id"] for c in json.loads(cli("list", "--format", "json").stdout)] == [int(ids[3])]
    assert json.loads(cli("tag", "list", "--format", "json").stdout) == []
    assert cli("audit", "verify").exit_code == 0


def test_cli_rm_refusals_change_nothing(four):
    cli, ids = four
    before = inspect_db(snapshot)
    for args, stdin, code, text in [
        ((ids[0], "99", "--yes"), None, 1, "no customer 99"),
        (("-", "--yes"), f"{ids[0]}\n99\n", 1, "no customer 99"),
        (("-", "--yes"), "\n", 1, "no customer ids on stdin"),
        ((ids[0], ids[1]), None, 2, "rm needs --yes when not run on a terminal"),
    ]:
        r = cli("rm", *args, input=stdin)
        assert (r.exit_code, r.stdout, r.stderr) == (code, "", f"crmctl: {text}\n"), args
    assert inspect_db(snapshot) == before


def test_cli_rm_asks_on_a_terminal(four, terminal):
    cli, ids = four
    r = cli("rm", ids[0], ids[1], input="n\n")
    assert r.exit_code == 1 and "Delete 2 customers (#1 王明, …) and all their records?" in r.stdout
    assert len(json.loads(cli("list", "--format", "json").stdout)) == 4
    r = cli("rm", ids[0], ids[1], input="y\n")
    assert r.exit_code == 0 and len(json.loads(cli("list", "--format", "json").stdout)) == 2


def test_cli_tag_rename_and_rm(four, terminal):
    cli, ids = four
    cli("tag", "add", "展会2026", ids[0], ids[3])
    r = cli("tag", "rename", "展会", "展会2026")
    assert (r.exit_code, r.stderr) == (0, "'展会' merged into '展会2026' on 3 customer(s)\n")
    r = cli("tag", "rename", "展会2026", "expo")
    assert (r.exit_code, r.stderr) == (0, "'展会2026' renamed to 'expo' on 4 customer(s)\n")
    assert json.loads(cli("tag", "list", "--format", "json").stdout) == [
        {"tag": "expo", "customers": 4}]
    r = cli("tag", "rm", "expo", input="n\n")
    assert r.exit_code == 1 and "Remove 'expo' from 4 customer(s)?" in r.stdout
    r = cli("tag", "rm", "expo", input="y\n")
    assert (r.exit_code, r.stderr) == (0, "removed 'expo' from 4 customer(s) and deleted the tag\n")
    assert json.loads(cli("tag", "list", "--format", "json").stdout) == []
    assert cli("audit", "verify").exit_code == 0


def test_cli_tag_rename_and_rm_refusals_change_nothing(four):
    cli, ids = four
    before = inspect_db(snapshot)
    for args, code, text in [
        (("rename", "nope", "x"), 1, "no tag 'nope'"),
        (("rename", "展会", "展会"), 1, "tag '展会' is already called '展会'"),
        (("rm", "nope", "--yes"), 1, "no tag 'nope'"),
        (("rm", "展会"), 2, "tag rm needs --yes when not run on a terminal"),
    ]:
        r = cli("tag", *args)
        assert (r.exit_code, r.stdout, r.stderr) == (code, "", f"crmctl: {text}\n"), args
    assert inspect_db(snapshot) == before


def test_cli_tag_add_and_remove_take_ids_from_stdin(four):
    cli, ids = four
    r = cli("tag", "add", "vip", "-", input=json.dumps([{"id": int(ids[0])}, {"id": int(ids[3])}]))
    assert (r.exit_code, r.stderr) == (0, "tagged 2 customer(s) with 'vip'\n")
    r = cli("tag", "remove", "vip", "-", input=ids[3])
    assert (r.exit_code, r.stderr) == (0, "removed 'vip' from 1 customer(s)\n")
