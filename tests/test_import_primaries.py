"""import --on-duplicate update: a new primary phone or email keeps the old one among the
customer's other phones and emails, its type kept, unless it equals the new one (issue 15)."""

from __future__ import annotations

import json

import pytest

from crmctl.core import contact_points, customers, importing
from crmctl.core.importing import Options, chunks


def update(conn, tmp_path, text: str):
    path = tmp_path / "update.csv"
    path.write_text(text, encoding="utf-8")
    return importing.run(conn, path, Options(on_duplicate="update"))


def wang(conn, **more) -> int:
    return customers.add(conn, {"name": "王明", "company": "华为", "email": "wang@huawei.com",
                                "phone": "13800138000", **more})


def test_a_new_phone_keeps_the_old_one_as_another(conn, tmp_path):
    cid = wang(conn)
    summary = update(conn, tmp_path, "姓名,邮箱,手机\n王明,wang@huawei.com,13900139000\n")
    assert (summary.inserted, summary.updated) == (0, 1)
    assert contact_points.of_customer(conn, cid) == {
        "phones": [{"value": "+8613900139000", "type": "mobile"},
                   {"value": "+8613800138000", "type": "mobile"}],
        "emails": [{"value": "wang@huawei.com", "type": "other"}]}
    # the old number still finds them, and still counts as theirs for dedupe
    assert [c.id for c in customers.list_customers(
        conn, customers.Filter(search="13800138000"))] == [cid]
    again = update(conn, tmp_path, "姓名,手机\n王明二,138 0013 8000\n")
    assert (again.inserted, again.updated) == (0, 1)


def test_the_stored_type_of_the_old_primary_is_kept(conn, tmp_path):
    cid = wang(conn)
    conn.execute("UPDATE customers SET phone_type = 'home', email_type = 'work' WHERE id = ?",
                 (cid,))
    update(conn, tmp_path, "姓名,邮箱,手机\n王明,wang@163.com,13800138000\n")
    got = contact_points.of_customer(conn, cid)
    assert got["emails"] == [{"value": "wang@163.com", "type": "other"},
                             {"value": "wang@huawei.com", "type": "work"}]
    assert got["phones"] == [{"value": "+8613800138000", "type": "home"}]  # unchanged


def test_the_same_value_is_not_kept_twice(conn, tmp_path):
    cid = wang(conn)
    update(conn, tmp_path, "姓名,邮箱,手机\n王明,WANG@HUAWEI.COM,+86 138 0013 8000\n")
    assert customers.get(conn, cid).email == "WANG@huawei.com"  # as the row spells it
    assert conn.execute("SELECT count(*) FROM contact_points").fetchone()[0] == 0


def test_a_new_primary_that_was_another_swaps_places(conn, tmp_path):
    cid = customers.add(conn, {"name": "王明", "email": "wang@huawei.com",
                               "phone": "13800138000"},
                        more={"phone": ["work:010-88886666"]})
    update(conn, tmp_path, "姓名,邮箱,电话\n王明,wang@huawei.com,010-88886666\n")
    assert customers.get(conn, cid).phone == "+861088886666"
    assert contact_points.of_customer(conn, cid)["phones"] == [
        {"value": "+861088886666", "type": "work"},
        {"value": "+8613800138000", "type": "mobile"}]


def test_two_rows_updating_one_customer_keep_both_earlier_numbers(conn, tmp_path):
    cid = wang(conn)
    summary = update(conn, tmp_path, "姓名,邮箱,手机\n"
                                     "王明,wang@huawei.com,13900139000\n"
                                     "王明,wang@huawei.com,13700137000\n")
    assert summary.updated == 2
    assert [p["value"] for p in contact_points.of_customer(conn, cid)["phones"]] == [
        "+8613700137000", "+8613800138000", "+8613900139000"]


@pytest.mark.parametrize("chunk_rows", [1, 1000])
def test_a_later_row_of_the_file_keeps_an_earlier_rows_primary(conn, tmp_path, monkeypatch,
                                                               chunk_rows):
    monkeypatch.setattr(chunks, "CHUNK_ROWS", chunk_rows)  # same chunk, or already written
    summary = update(conn, tmp_path, "姓名,邮箱,手机\n"
                                     "李娜,lina@ali.com,13900000000\n"
                                     "李娜,lina@ali.com,13911112222\n"
                                     "李娜,LINA@ali.com,\n")
    assert (summary.inserted, summary.updated) == (1, 2)
    lina = customers.list_customers(conn)[0]
    assert (lina.phone, lina.email) == ("+8613911112222", "LINA@ali.com")
    assert contact_points.of_customer(conn, lina.id) == {
        "phones": [{"value": "+8613911112222", "type": "mobile"},
                   {"value": "+8613900000000", "type": "mobile"}],
        "emails": [{"value": "LINA@ali.com", "type": "other"}]}


def test_cli_update_shows_the_old_phone(initialized, tmp_path):
    cli = initialized
    cid = cli("add", "王明", "--phone", "13800138000", "--email", "wang@huawei.com").stdout.strip()
    source = tmp_path / "new.csv"
    source.write_text("姓名,邮箱,手机\n王明,wang@huawei.com,13900139000\n", encoding="utf-8")
    r = cli("import", source, "--on-duplicate", "update", "--format", "json")
    assert (r.exit_code, json.loads(r.stdout)["updated"]) == (0, 1), r.stderr
    shown = json.loads(cli("show", cid, "--format", "json").stdout)
    assert shown["phone"] == "+8613900139000"
    assert shown["phones"] == [{"value": "+8613900139000", "type": "mobile"},
                               {"value": "+8613800138000", "type": "mobile"}]


# --- a big import's indexes (bench/README "## import") ---------------------------------------

@pytest.mark.parametrize("birthdays", [False, True])
def test_a_big_import_leaves_every_index_whole(conn, tmp_path, monkeypatch, birthdays):
    """Indexes a big import drops are rebuilt; the birthday ones only when the file has a
    birthday column; either way every index agrees with the table."""
    monkeypatch.setattr(chunks, "PARALLEL_FROM_BYTES", 1)  # big: the bulk path
    customers.add(conn, {"name": "老王", "birthday": "1980-06-01", "referred_by": None})
    path = tmp_path / "big.csv"
    lines = ["姓名,手机" + (",生日" if birthdays else "")]
    for i in range(400):
        birthday = ",农历八月十五" if i % 7 == 0 else f",1990-06-{i % 28 + 1:02d}"
        lines.append(f"客户{i},139{i:08d}" + (birthday if birthdays else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    statements = []
    conn.set_trace_callback(statements.append)
    summary = importing.run(conn, path, Options(workers=0))
    conn.set_trace_callback(None)
    assert summary.inserted == 400
    dropped = {s.split()[-1] for s in statements if s.startswith("DROP INDEX")}
    assert "customers_tier" in dropped and "customers_referred_by" not in dropped
    assert ("customers_birthday_day" in dropped) == birthdays
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"customers_tier", "customers_birthday_day", "customers_birthday_lunar",
            "customers_referred_by", "customers_first_purchase_day"} <= names
    june = conn.execute("SELECT count(*) FROM customers INDEXED BY customers_birthday_day "
                        "WHERE substr(birthday, -5) = '06-01' AND birthday IS NOT NULL "
                        "AND forgotten_at IS NULL").fetchone()[0]
    assert june == (1 + sum(1 for i in range(400) if i % 7 and i % 28 == 0) if birthdays else 1)


def test_a_plain_row_holding_an_earlier_rows_other_phone_is_its_duplicate(conn, tmp_path):
    """The writer's fast path (write.py): a row with one phone and nothing else is still
    checked against the other phones of the rows before it in the chunk."""
    path = tmp_path / "both.csv"
    path.write_text("name,phone,phones\n"  # crmctl's own export: only 王明 has other phones
                    "王明,+8613800138000,mobile:+8613800138000; work:+861088886666\n"
                    "李四,+861088886666,\n张伟,13900139000,\n", encoding="utf-8")
    summary = importing.run(conn, path, Options())
    assert (summary.inserted, summary.skipped) == (2, 1)
    assert [c.name for c in customers.list_customers(conn)] == ["王明", "张伟"]


def test_the_rows_own_type_for_the_old_primary_wins(conn, tmp_path):
    """crmctl's own export names every phone with its type: updating from it keeps the
    file's type for the old primary, not the stored one."""
    cid = wang(conn)
    update(conn, tmp_path, "name,email,phone,phones\n"
                           "王明,wang@huawei.com,+8613900139000,"
                           "mobile:+8613900139000; home:+8613800138000\n")
    assert contact_points.of_customer(conn, cid)["phones"] == [
        {"value": "+8613900139000", "type": "mobile"},
        {"value": "+8613800138000", "type": "home"}]
