"""Every phone and email of a customer (issue 15 item 3): migration 14, add/edit options,
show/JSON, import of every column with its type, dedupe and search over all, exports that
import back (csv, xlsx, vcf)."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import PASSPHRASE, inspect_db

from crmctl.core import contact_points, customers
from crmctl.store import create_database, open_database


def points(conn):
    return conn.execute("SELECT customer_id, kind, value, type FROM contact_points "
                        "ORDER BY id").fetchall()


def shown(cli, cid) -> dict:
    r = cli("show", cid, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


# --- migration -------------------------------------------------------------------------------

def test_m014_from_the_schema_before_keeps_customers_and_adds_the_table(db_path, monkeypatch):
    from crmctl.store import migrations
    from crmctl.store.migrations.m014_contact_points import m014_contact_points

    key = PASSPHRASE.encode()
    before = migrations.MIGRATIONS.index(m014_contact_points)  # main's schema of today
    monkeypatch.setattr(migrations, "MIGRATIONS", list(migrations.MIGRATIONS[:before]))
    old = create_database(db_path, key)
    old.execute("INSERT INTO customers (name, phone, email, created_at, updated_at) VALUES "
                "('王明', '+8613800138000', 'wang@huawei.com', 'a', 'a')")
    old.commit()
    assert old.execute("PRAGMA user_version").fetchone()[0] == before
    assert not old.execute("SELECT 1 FROM sqlite_master WHERE name = 'contact_points'").fetchone()
    old.close()
    monkeypatch.undo()
    conn = open_database(db_path, key)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    assert contact_points.of_customer(conn, 1) == {
        "phones": [{"value": "+8613800138000", "type": "mobile"}],
        "emails": [{"value": "wang@huawei.com", "type": "other"}]}
    customers.edit(conn, 1, {}, more={"phone": ["fax:010-88886667"]})
    assert points(conn) == [(1, "phone", "+861088886667", "fax")]
    with pytest.raises(Exception, match="CHECK constraint failed"):
        conn.execute("INSERT INTO contact_points (customer_id, kind, value, type) "
                     "VALUES (1, 'phone', '+861088886668', 'pager')")
    conn.close()


# --- add, edit, show -------------------------------------------------------------------------

def test_add_and_edit_other_phones_and_emails(initialized):
    cli = initialized
    r = cli("add", "王明", "--phone", "13800138000", "--email", "wang@huawei.com",
            "--add-phone", "work:010-88886666", "--add-phone", "传真:010-88886667",
            "--add-email", "home:wang@163.com")
    assert r.exit_code == 0, r.stderr
    wang = r.stdout.strip()
    data = shown(cli, wang)
    assert (data["phone"], data["email"]) == ("+8613800138000", "wang@huawei.com")
    assert data["phones"] == [{"value": "+8613800138000", "type": "mobile"},
                              {"value": "+861088886666", "type": "work"},
                              {"value": "+861088886667", "type": "fax"}]
    assert data["emails"] == [{"value": "wang@huawei.com", "type": "other"},
                              {"value": "wang@163.com", "type": "home"}]
    card = cli("show", wang).stdout
    assert "phones      +8613800138000 (mobile), +861088886666 (work), +861088886667 (fax)\n" in card
    r = cli("edit", wang, "--remove-phone", "010-88886666", "--add-email", "Wang@QQ.com")
    assert (r.exit_code, r.stderr) == (0, "changed: emails, phones\n")
    data = shown(cli, wang)
    assert [p["value"] for p in data["phones"]] == ["+8613800138000", "+861088886667"]
    assert data["emails"][-1] == {"value": "Wang@qq.com", "type": "other"}
    # the primary changed to one of the others: it is no longer listed twice
    assert cli("edit", wang, "--phone", "010-88886667").exit_code == 0
    assert shown(cli, wang)["phones"] == [{"value": "+861088886667", "type": "work"}]


def test_wrong_input_is_one_line_and_changes_nothing(initialized):
    cli = initialized
    wang = cli("add", "王明", "--add-phone", "work:010-88886666").stdout.strip()
    li = cli("add", "李娜", "--phone", "13900139000").stdout.strip()
    before = inspect_db(points)
    for args, code, text in [
        (("add", "张三", "--add-phone", "bogus:010-1"), 1,
         "crmctl: unknown phone type 'bogus' (use mobile, work, home, fax, other)\n"),
        (("add", "张三", "--add-email", "fax:z@example.cn"), 1,
         "crmctl: unknown email type 'fax' (use work, home, other)\n"),
        (("add", "张三", "--add-phone", "010-88886666"), 1,
         f"crmctl: customer {wang} already has this phone (+861088886666); "
         "use --allow-duplicate to add anyway\n"),
        (("edit", li, "--add-phone", "home:12"), 1,
         "crmctl: invalid phone '12': not a valid CN number; is it foreign? use --phone-region\n"),
        (("edit", li, "--remove-phone", "010-12345678"), 1,
         f"crmctl: customer {li} has no other phone +861012345678\n"),
        (("edit", li, "--phone", "010-88886666"), 1,
         f"crmctl: customer {wang} already has this phone (+861088886666); "
         "use --allow-duplicate to add anyway\n"),
    ]:
        r = cli(*args)
        assert (r.exit_code, r.stderr) == (code, text), args
    assert inspect_db(points) == before
    assert len(json.loads(cli("list", "--format", "json").stdout)) == 2


def test_search_finds_every_number_and_address(initialized):
    cli = initialized
    wang = cli("add", "王明", "--phone", "13800138000", "--add-phone", "work:010-88886666",
               "--add-email", "ming@163.com").stdout.strip()
    for query in ("88886666", "ming@163"):
        found = json.loads(cli("list", "--search", query, "--format", "json").stdout)
        assert [c["id"] for c in found] == [int(wang)], query
    cli("edit", wang, "--remove-phone", "010-88886666")
    assert json.loads(cli("list", "--search", "88886666", "--format", "json").stdout) == []


def test_forget_removes_the_other_numbers(initialized):
    cli = initialized
    wang = cli("add", "王明", "--add-phone", "work:010-88886666").stdout.strip()
    assert cli("forget", wang, "--yes").exit_code == 0
    assert inspect_db(points) == []


# --- import ----------------------------------------------------------------------------------

GOOGLE = ("First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,"
          "E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\n")


def test_import_keeps_every_value_and_notes_an_invalid_one(initialized, tmp_path):
    cli = initialized
    source = tmp_path / "google.csv"
    source.write_text(GOOGLE + "明,王,Work,wang@huawei.com,* Home,wang@163.com,"
                      "Work Fax,010-88886667,Mobile,138 0013 8000\n"
                      "娜,李,Work,li@@example,Home,li@qq.com,Work,12,Mobile,13900139000\n"
                      # nothing valid of a kind: refused with the reason, as ever
                      "三,张,,,,,Work,12,,\n", encoding="utf-8")
    rejects = tmp_path / "rej.csv"
    r = cli("import", source, "--rejects", rejects, "--format", "json")
    assert r.exit_code == 0, r.stderr
    summary = json.loads(r.stdout)
    assert (summary["inserted"], summary["rejected"]) == (2, 1)
    assert summary["rejected_by_reason"] == {"invalid phone": 1, "value left out": 2}
    wang, li = (shown(cli, i) for i in (1, 2))
    assert (wang["phone"], wang["email"]) == ("+8613800138000", "wang@163.com")
    assert wang["phones"][1] == {"value": "+861088886667", "type": "fax"}
    assert wang["emails"] == [{"value": "wang@163.com", "type": "home"},
                              {"value": "wang@huawei.com", "type": "work"}]
    assert (li["phone"], li["email"]) == ("+8613900139000", "li@qq.com")
    assert li["emails"] == [{"value": "li@qq.com", "type": "home"}]
    with rejects.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert [row[:2] for row in rows[1:]] == [
        ["3", "imported without invalid email 'li@@example': The part after the @-sign "
              "contains invalid characters: '@'. (column E-mail 1 - Value)"],
        ["3", "imported without invalid phone '12': not a valid CN number; is it foreign? use "
              "--region (column Phone 1 - Value)"],
        ["4", "invalid phone '12': not a valid CN number; is it foreign? use --region"]]


def test_import_dedupes_over_every_number(initialized, tmp_path):
    cli = initialized
    wang = cli("add", "王明", "--phone", "13800138000",
               "--add-phone", "work:010-88886666").stdout.strip()
    source = tmp_path / "list.csv"
    source.write_text("姓名,手机,座机,邮箱\n"
                      "王明,,010-88886666,\n"               # another's other phone
                      "赵敏,13700001111,010-55556666,\n"
                      "赵敏2,,010-55556666,zhao@x.cn\n", encoding="utf-8")  # earlier row's
    rejects = tmp_path / "rej.csv"
    summary = json.loads(cli("import", source, "--rejects", rejects, "--format",
                             "json").stdout)
    assert (summary["inserted"], summary["skipped"]) == (1, 2)
    with rejects.open(encoding="utf-8-sig", newline="") as f:
        assert [row[:2] for row in list(csv.reader(f))[1:]] == [
            ["2", f"duplicate of #{wang}"], ["4", f"duplicate of #{int(wang) + 1}"]]
    summary = json.loads(cli("import", source, "--on-duplicate", "update",
                             "--format", "json").stdout)
    assert summary["updated"] == 3
    zhao = shown(cli, int(wang) + 1)
    assert [e["value"] for e in zhao["emails"]] == ["zhao@x.cn"]


# --- round trips -----------------------------------------------------------------------------

def _people(cli):
    cli("add", "王明", "--company", "华为", "--phone", "13800138000", "--email",
        "wang@huawei.com", "--add-phone", "work:010-88886666", "--add-phone",
        "fax:010-88886667", "--add-email", "home:wang@163.com", "--tag", "vip",
        "--birthday", "1985-03-12", "--note", "第一行\n第二行")
    cli("add", "Anna Schmidt", "--phone", "+49 89 636 00", "--add-phone",
        "mobile:+49 151 23456789", "--add-email", "work:anna@siemens.example.de")
    cli("add", "李娜", "--phone", "13900139000")


def _records(cli) -> list[dict]:
    listed = json.loads(cli("list", "--format", "json").stdout)
    out = []
    for c in listed:
        record = shown(cli, c["id"])
        for key in ("id", "created_at", "updated_at", "timeline", "consent", "stage",
                    "last_contact_at"):
            record.pop(key)
        out.append(record)
    return out


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "vcf"])
def test_round_trip_keeps_every_phone_and_email(initialized, tmp_path, monkeypatch, fmt):
    cli = initialized
    _people(cli)
    before = _records(cli)
    first = tmp_path / f"a.{fmt}"
    assert cli("export", "--format", fmt, "--out", first).exit_code == 0
    monkeypatch.setenv("CRMCTL_DB", str(tmp_path / "second.db"))
    assert cli("init").exit_code == 0
    r = cli("import", first, "--format", "json")
    assert (r.exit_code, json.loads(r.stdout)["inserted"]) == (0, 3), r.stderr
    after = _records(cli)
    if fmt == "vcf":  # a card has no tier, wechat…: compare what it carries
        keep = ("name", "company", "email", "phone", "phones", "emails", "tags", "birthday",
                "note")
        before = [{k: r[k] for k in keep} for r in before]
        after = [{k: r[k] for k in keep} for r in after]
    assert after == before
    second = tmp_path / f"b.{fmt}"
    assert cli("export", "--format", fmt, "--out", second).exit_code == 0
    if fmt == "csv":
        assert second.read_text("utf-8").splitlines()[1].split(",")[-2:] == \
            first.read_text("utf-8").splitlines()[1].split(",")[-2:]


def test_vcard_export_writes_every_tel_and_email_with_type(initialized, tmp_path):
    import vobject

    cli = initialized
    _people(cli)
    out = tmp_path / "all.vcf"
    assert cli("export", "--format", "vcf", "--out", out).exit_code == 0
    cards = list(vobject.readComponents(out.read_text("utf-8")))
    wang = cards[0]
    tels = [(t.value, t.params["TYPE"]) for t in wang.contents["tel"]]
    assert tels == [("+8613800138000", ["CELL", "PREF"]),
                    ("+861088886666", ["WORK", "VOICE"]), ("+861088886667", ["WORK", "FAX"])]
    emails = [(e.value, e.params["TYPE"]) for e in wang.contents["email"]]
    assert emails == [("wang@huawei.com", ["INTERNET", "PREF"]),
                      ("wang@163.com", ["INTERNET", "HOME"])]


def test_right_of_access_holds_every_phone_and_email(initialized, tmp_path):
    cli = initialized
    wang = cli("add", "王明", "--phone", "13800138000", "--add-phone", "fax:010-88886667",
               "--email", "wang@huawei.com", "--add-email", "home:wang@163.com").stdout.strip()
    out = tmp_path / "wang.json"
    assert cli("export", "--customer", wang, "--out", out).exit_code == 0
    document = json.loads(out.read_text("utf-8"))
    assert document["customer"]["phone"] == "+8613800138000"
    assert document["other_phones_and_emails"] == [
        {"kind": "phone", "value": "+861088886667", "type": "fax"},
        {"kind": "email", "value": "wang@163.com", "type": "home"}]


def test_xlsx_round_trip_keeps_a_leading_quote(initialized, tmp_path, monkeypatch):
    """A value that begins with '= is written to xlsx as it is (a string cell is no formula)
    and comes back with its quote (issue 15 caveat); an older export's '+86… still loses it."""
    cli = initialized
    cli("add", "王明", "--note", "'=SUM(1)", "--title", "''引号", "--company", "'@华为")
    out = tmp_path / "a.xlsx"
    assert cli("export", "--format", "xlsx", "--out", out).exit_code == 0
    monkeypatch.setenv("CRMCTL_DB", str(tmp_path / "second.db"))
    assert cli("init").exit_code == 0
    assert cli("import", out).exit_code == 0
    wang = shown(cli, 1)
    assert (wang["note"], wang["title"], wang["company"]) == ("'=SUM(1)", "''引号", "'@华为")
    from openpyxl import Workbook

    old = tmp_path / "old.xlsx"
    book = Workbook()
    book.active.append(["name", "phone", "birthday"])
    book.active.append(["李娜", "'+8613900139000", "'--03-15"])
    book.save(old)
    assert cli("import", old).exit_code == 0
    li = shown(cli, 2)
    assert (li["phone"], li["birthday"]) == ("+8613900139000", "--03-15")


# --- list --format json ----------------------------------------------------------------------

def test_list_json_carries_every_phone_and_email_as_show_does(initialized):
    cli = initialized
    _people(cli)
    cli("add", "张伟")  # neither phone nor email
    listed = json.loads(cli("list", "--format", "json").stdout)
    assert [c["name"] for c in listed] == ["王明", "Anna Schmidt", "李娜", "张伟"]
    for c in listed:
        record = shown(cli, c["id"])
        assert (c["phones"], c["emails"]) == (record["phones"], record["emails"])
        assert (c["phone"], c["email"]) == (record["phone"], record["email"])  # the primary
    wang = listed[0]
    assert wang["phones"] == [{"value": "+8613800138000", "type": "mobile"},
                              {"value": "+861088886666", "type": "work"},
                              {"value": "+861088886667", "type": "fax"}]
    assert wang["emails"] == [{"value": "wang@huawei.com", "type": "other"},
                              {"value": "wang@163.com", "type": "home"}]
    assert (listed[3]["phones"], listed[3]["emails"]) == ([], [])
    assert listed[2]["phones"] == [{"value": "+8613900139000", "type": "mobile"}]


def test_list_json_phones_without_any_stored_type_and_csv_unchanged(initialized):
    cli = initialized
    cli("add", "李娜", "--phone", "010-88886666", "--email", "lina@ali.com")
    listed = json.loads(cli("list", "--format", "json").stdout)
    assert listed[0]["phones"] == [{"value": "+861088886666", "type": "work"}]
    assert listed[0]["emails"] == [{"value": "lina@ali.com", "type": "other"}]
    header = cli("list", "--format", "csv").stdout.splitlines()[0]
    assert header == ("id,name,company,title,email,phone,tier,stage,tags,created_at,"
                      "last_contact_at")


def test_list_json_looks_up_the_page_not_each_customer(conn):
    for i in range(30):
        customers.add(conn, {"name": f"客户{i}", "phone": f"1390000{i:04d}"},
                      more={"email": [f"work:c{i}@x.cn"]})
    statements = []
    conn.set_trace_callback(statements.append)
    rows = customers.list_rows(conn, customers.Filter(limit=20), points=True)
    conn.set_trace_callback(None)
    assert len(rows) == 20 and rows[19]["emails"] == [{"value": "c19@x.cn", "type": "work"}]
    assert sum("contact_points" in s for s in statements) <= 3  # not one per customer
