"""crmctl import: real-shaped files from each source, bad rows, bad files, duplicates, safety."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.core import audit, customers, importing
from crmctl.core.importing import chunks, mapping
from crmctl.core.importing import Options
from crmctl.errors import CrmError, Duplicate, InvalidValue, NotFound

DATA = Path(__file__).parent / "data"


def rows(conn):
    """Every live customer as a dict keyed by name (for readable assertions)."""
    return {c.name: c for c in customers.list_customers(conn)}


def state(conn):
    """Everything an import may touch, to prove a refused one changed nothing."""
    return [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("customers", "customer_tags", "tags", "tier_history", "audit_log")]


def run(conn, path, **options):
    return importing.run(conn, path, Options(**options))


# --- each source ---------------------------------------------------------------------

def test_google_legacy(conn):
    summary = run(conn, DATA / "google_legacy.csv")
    assert (summary.inserted, summary.rejected, summary.rows) == (3, 0, 3)
    people = rows(conn)
    wang = people["王明"]
    assert (wang.company, wang.title, wang.email, wang.phone) == (
        "华为", "采购经理", "Wang.Ming@example.cn", "+8613800138000")
    assert wang.tags == ["VIP", "展会2026"]  # * myContacts is Google's, not a tag
    assert wang.birthday == "1985-03-12" and wang.note == "老客户，重视价格"
    anna = people["Anna Schmidt"]
    assert anna.email == "anna@example.de"  # the first of "a ::: b"
    assert anna.note == "met at the fair\nprefers email"  # a multi-line cell keeps its lines
    assert anna.birthday == "--05-01" and anna.phone == "+4915123456789"
    assert people["李娜"].tags == []


def test_google_current_composes_names(conn):
    run(conn, DATA / "google_current.csv")
    people = rows(conn)
    assert set(people) == {"王明", "Anna Maria Schmidt", "John Smith"}  # 王 + 明 → 王明
    assert people["Anna Maria Schmidt"].tags == ["Europe", "Friends"]
    assert people["John Smith"].email == "JOHN.SMITH@acme.com"  # domain lower-cased only
    assert people["John Smith"].tags == []  # * starred is Google's


def test_outlook_title_is_not_job_title(conn):
    summary = run(conn, DATA / "outlook.csv")
    assert summary.inserted == 2 and summary.encoding == "utf-8-sig"
    people = rows(conn)
    peter = people["Peter Müller"]
    assert peter.title == "Einkaufsleiter"  # Job Title, not "Mr."
    assert peter.phone == "+491701234567"  # Mobile Phone preferred over Business Phone
    assert peter.tags == ["Messe", "VIP"] and peter.birthday == "1978-05-14"
    zhang = people["张芳"]
    assert (zhang.company, zhang.birthday, zhang.note) == ("小米", None, "重要客户")


def test_thunderbird_birthday_parts(conn):
    run(conn, DATA / "thunderbird.csv")
    people = rows(conn)
    assert people["Lukas Weber"].birthday == "1990-07-04"
    assert people["刘娜"].birthday == "--12-24"
    assert people["刘娜"].company == "腾讯" and people["刘娜"].email == "liu.na@qq.com"


def test_chinese_gbk_headers_and_tiers(conn):
    summary = run(conn, DATA / "chinese_gbk.csv")
    assert summary.encoding == "gb18030" and summary.inserted == 4
    people = rows(conn)
    assert [people[n].tier for n in ("王明", "李娜", "张伟", "赵敏")] == [
        "diamond", "gold", "silver", "regular"]
    assert people["王明"].tags == ["VIP", "展会2026"]  # split on 、
    assert people["张伟"].phone == "+8675589888888"  # 电话 when 手机 is empty
    assert (people["王明"].industry, people["王明"].region, people["王明"].source) == (
        "通信", "深圳", "展会")
    history = conn.execute("SELECT new_tier, reason FROM tier_history ORDER BY id").fetchall()
    assert history == [("diamond", "import"), ("gold", "import"), ("silver", "import")]


def test_bom_semicolon_and_utf16_tab(conn):
    first = run(conn, DATA / "bom_semicolon.csv")
    second = run(conn, DATA / "utf16_tab.csv")
    assert (first.inserted, second.inserted) == (2, 2)
    assert (first.encoding, second.encoding) == ("utf-8-sig", "utf-16")
    people = rows(conn)
    assert people["陈静"].tier == "diamond" and people["Julia Novak"].tier == "gold"
    assert people["Julia Novak"].company == "Škoda Auto"
    assert people["Chloe Dubois"].company == "L'Oréal"
    assert people["杨洋"].phone == "+8613611112222"


def test_xlsx(conn, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "公司", "手机", "邮箱", "生日"])
    sheet.append(["王明", "华为", "13800138000", "wang@huawei.com", "1985-03-12"])
    sheet.append(["李娜", "阿里", 13912345678, None, None])  # a phone stored as a number
    sheet.append([None, None, None, None, None])
    sheet.append(["", "无名", "13700001111", "", ""])
    book.save(tmp_path / "客户.xlsx")
    summary = run(conn, tmp_path / "客户.xlsx", rejects=str(tmp_path / "rej.csv"))
    assert (summary.inserted, summary.rejected, summary.rows) == (2, 1, 3)
    assert rows(conn)["李娜"].phone == "+8613912345678"
    assert rows(conn)["王明"].birthday == "1985-03-12"
    assert next(csv.reader((tmp_path / "rej.csv").open(encoding="utf-8-sig")))[:2] == ["row", "reason"]
    assert list(csv.reader((tmp_path / "rej.csv").open(encoding="utf-8-sig")))[1][0] == "5"


# --- the messy file: bad rows never abort good ones -----------------------------------

def test_messy_file_rejects_exactly_the_bad_rows(conn, tmp_path):
    rejects = tmp_path / "rejects.csv"
    summary = run(conn, DATA / "messy.csv", rejects=str(rejects))
    assert summary.to_dict() | {"rejects_file": None} == {
        "inserted": 5, "updated": 0, "skipped": 1, "rejected": 4, "rows": 10,
        "dry_run": False, "encoding": "utf-8", "rejects_file": None,
        "first_id": 1, "last_id": 5,
        "rejected_by_reason": {"duplicate": 1, "invalid email": 1, "no name": 1,
                               "not text": 1, "too many cells": 1},
        "ignored_columns": [], "default_region": "CN",
        "phones_in_default_region": 4}  # 罗琳's +86 number has its country code
    people = rows(conn)
    assert set(people) == {"NA", "Null", "吴磊", "孙悦", "罗琳"}  # NA and Null are people
    assert people["NA"].note == "line one\nline two" and people["NA"].company == "Null Ltd"
    assert people["Null"].note == "007"  # leading zeros stay: every cell is text
    assert people["Null"].phone == "+8613800000002"  # 0138… read as the library reads it
    assert people["罗琳"].note == "=1+2"
    with rejects.open(encoding="utf-8-sig", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == ["row", "reason", "name", "company", "email", "phone", "note"]
    assert [r[0] for r in got[1:]] == ["4", "5", "7", "9", "10"]  # spreadsheet row numbers
    assert got[1][1].startswith("invalid email 'not-an-email'")
    assert got[2][1] == "a customer needs a name"
    assert got[3][1] == "the row has 7 cells but the header has 5"
    assert got[3][2:] == ["徐静", "徐氏", "xu@example.com", "13800000006", "", "extra", "cells"]
    assert "not text" in got[4][1]
    assert got[5][:3] == ["10", "duplicate of #1", "马云"]  # skipped: listed, not refused
    assert stat.S_IMODE(os.stat(rejects).st_mode) == 0o600


def test_invalid_rows_sprinkled_through_a_big_file(conn, tmp_path, monkeypatch):
    """Several chunks, validated by two worker processes: exactly the bad rows are refused."""
    monkeypatch.setattr(chunks, "CHUNK_ROWS", 500)
    path = tmp_path / "big.csv"
    bad = set()
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "手机", "邮箱"])
        for i in range(3000):
            email, phone = f"user{i}@example.com", f"139{i:08d}"
            if i % 97 == 5:
                email, _ = f"user{i}@@example.com", bad.add(i + 2)
            elif i % 89 == 7:
                phone, _ = "12345", bad.add(i + 2)
            w.writerow([f"客户{i}", phone, email])
    rejects = tmp_path / "rej.csv"
    summary = importing.run(conn, path, Options(rejects=str(rejects), workers=2))
    assert summary.rejected == len(bad) and summary.inserted == 3000 - len(bad)
    got = {int(r[0]) for r in list(csv.reader(rejects.open(encoding="utf-8-sig")))[1:]}
    assert got == bad
    assert customers.list_customers(conn, customers.Filter(search="客户2999"))[0].phone == \
        "+8613900002999"


# --- duplicates ----------------------------------------------------------------------

def seed(conn):
    return customers.add(conn, {"name": "王明", "company": "旧公司", "email": "wang@huawei.com",
                                "phone": "13800138000", "note": "keep me"}, tags=["old"])


def dup_file(tmp_path) -> Path:
    path = tmp_path / "dups.csv"
    path.write_text("姓名,公司,邮箱,手机,客户级别,标签\n"
                    "王明明,华为,WANG@HUAWEI.COM,,金牌,new\n"      # same email, other case
                    "李娜,阿里,lina@ali.com,13900000000,,\n"
                    "李娜二,,,139 0000 0000,,\n"                  # same phone as the row above
                    "张三,,wang@huawei.com,13900000000,,\n",      # matches two different people
                    encoding="utf-8")
    return path


def test_on_duplicate_skip(conn, tmp_path):
    cid = seed(conn)
    summary = run(conn, dup_file(tmp_path))
    assert (summary.inserted, summary.skipped, summary.updated, summary.rejected) == (1, 2, 0, 1)
    assert customers.get(conn, cid).company == "旧公司"


def test_on_duplicate_update(conn, tmp_path):
    cid = seed(conn)
    summary = run(conn, dup_file(tmp_path), on_duplicate="update", tags=["展会"])
    assert (summary.inserted, summary.updated, summary.rejected) == (1, 2, 1)
    wang = customers.get(conn, cid)
    assert (wang.name, wang.company, wang.note, wang.tier) == ("王明明", "华为", "keep me", "gold")
    assert wang.email == "WANG@huawei.com"  # given fields overwrite, as the row spells them
    assert wang.tags == ["new", "old", "展会"]
    assert customers.list_customers(conn, customers.Filter(search="王明明"))[0].id == cid
    assert conn.execute("SELECT old_tier, new_tier FROM tier_history WHERE customer_id = ?",
                        (cid,)).fetchall() == [("regular", "gold")]
    lina = rows(conn)["李娜二"]
    assert lina.phone == "+8613900000000" and lina.company == "阿里"


def test_on_duplicate_error_writes_nothing(conn, tmp_path):
    seed(conn)
    before = state(conn)
    with pytest.raises(Duplicate, match=r"^row 2: same email as customer 1; nothing was "
                                        r"imported \(--on-duplicate error\)$"):
        run(conn, dup_file(tmp_path), on_duplicate="error")
    assert state(conn) == before


def test_duplicates_across_chunks(conn, tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "CHUNK_ROWS", 2)
    path = tmp_path / "d.csv"
    path.write_text("name,email\nA,a@x.com\nB,b@x.com\nC,c@x.com\nA2,A@x.com\n", "utf-8")
    summary = run(conn, path)
    assert (summary.inserted, summary.skipped) == (3, 1)


# --- dry run, audit, search ----------------------------------------------------------

def test_dry_run_reports_the_same_and_writes_nothing(conn, tmp_path):
    seed(conn)
    before, head = state(conn), audit.head(conn)
    dry = run(conn, DATA / "messy.csv", dry_run=True)
    assert state(conn) == before and audit.head(conn) == head
    real = run(conn, DATA / "messy.csv")
    assert dry.to_dict() | {"dry_run": False} == real.to_dict()


def test_one_audit_entry_without_values(conn):
    run(conn, DATA / "chinese_gbk.csv", tags=["导入"])
    entries = audit.entries(conn, action="import")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.entity == "customer" and entry.entity_id == "1-4"
    assert entry.fields == sorted(["company", "email", "industry", "name", "note", "phone",
                                   "region", "source", "tags", "tier", "title"])
    dump = json.dumps([e.to_dict() for e in audit.entries(conn)], ensure_ascii=False)
    assert "王明" not in dump and "13800138000" not in dump
    assert audit.verify(conn).ok


def test_imported_rows_are_searchable(conn):
    run(conn, DATA / "google_legacy.csv")
    for query, name in (("王", "王明"), ("schmidt", "Anna Schmidt"), ("912345678", "李娜"),
                        ("老客户", "王明")):
        assert [c.name for c in customers.list_customers(
            conn, customers.Filter(search=query))] == [name]


def test_reimport_of_crmctl_export_restores_exact_values(conn, tmp_path):
    """crmctl's CSV export prefixes ' to cells starting with = + - @ tab CR."""
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "company", "title", "email", "phone", "tier", "stage", "tags",
                    "created_at", "last_contact_at", "wechat", "industry", "region",
                    "company_size", "source", "note", "birthday"])
        w.writerow([7, "王明", "'=HYPERLINK(\"x\")", "'-经理", "wang@huawei.com", "'+8613800138000",
                    "gold", "loyal", "VIP;展会", "2020-01-01T00:00:00Z", "", "wm88", "通信",
                    "深圳", "'-", "'@展会", "'plain quote stays", "--03-12"])
        w.writerow([8, "李娜", "''=x", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""])
    run(conn, path)
    wang = rows(conn)["王明"]
    assert (wang.company, wang.title, wang.phone, wang.tier, wang.tags) == (
        '=HYPERLINK("x")', "-经理", "+8613800138000", "gold", ["VIP", "展会"])
    assert (wang.company_size, wang.source, wang.note, wang.birthday, wang.wechat) == (
        "-", "@展会", "'plain quote stays", "--03-12", "wm88")
    assert wang.id == 1 and wang.stage == "prospect"  # id and stage are not imported
    assert rows(conn)["李娜"].company == "'=x"  # exported as ''=x


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_unprefix_inverts_export_neutralize(value):
    from crmctl.core.exporting import neutralize

    assert mapping.unprefix(neutralize(value)) == value


# --- mapping -------------------------------------------------------------------------

def test_tier_words():
    for word, tier in (("钻石", "diamond"), ("金牌客户", "gold"), ("银牌", "silver"),
                       ("普通", "regular"), ("A", "diamond"), ("b类", "gold"), ("C级", "silver"),
                       ("Gold", "gold"), (" regular ", "regular")):
        assert mapping.tier_word(word) == tier
    assert mapping.tier_word("VIP") is None


def test_compose_name_order():
    assert mapping.compose_name("明", "", "王") == "王明"
    assert mapping.compose_name("Anna", "", "Schmidt") == "Anna Schmidt"
    assert mapping.compose_name("Anna", "Maria", "") == "Anna Maria"


def test_unknown_tier_rejects_the_row(conn, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("姓名,客户级别\n王明,金牌\n李娜,超级VIP\n", encoding="utf-8")
    summary = run(conn, path)
    assert (summary.inserted, summary.rejected) == (1, 1)


def test_toml_mapping(conn, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Kunde;Handy;Kategorie;Firma\nHans Meier;+49 170 1234567;VIP,Messe;ACME\n",
                    encoding="utf-8")
    toml = tmp_path / "map.toml"
    toml.write_text('[columns]\n"Kunde" = "name"\n"Handy" = "phone"\n"Kategorie" = "tags"\n',
                    encoding="utf-8")
    assert importing.show_mapping(path, str(toml)) == [
        {"column": "Kunde", "field": "name"}, {"column": "Handy", "field": "phone"},
        {"column": "Kategorie", "field": "tags"}, {"column": "Firma", "field": "ignore"}]
    run(conn, path, mapping=str(toml))
    hans = rows(conn)["Hans Meier"]
    assert hans.phone == "+491701234567" and hans.tags == ["Messe", "VIP"]
    toml.write_text('[columns]\n"Kunde" = "fullname"\n', encoding="utf-8")
    with pytest.raises(InvalidValue, match="unknown field 'fullname'"):
        run(conn, path, mapping=str(toml))


def test_named_mapping_limits_to_one_source(conn):
    shown = importing.show_mapping(DATA / "chinese_gbk.csv", "outlook")
    # Outlook in Chinese names 公司 and 备注 too; 姓名, 手机… are not Outlook's
    assert {r["column"]: r["field"] for r in shown if r["field"] != "ignore"} == {
        "公司": "company", "备注": "note"}
    with pytest.raises(InvalidValue, match="no name column"):
        run(conn, DATA / "chinese_gbk.csv", mapping="outlook")


# --- the command ---------------------------------------------------------------------

def test_cli_summary_json_and_table(initialized, tmp_path):
    result = initialized("import", DATA / "chinese_gbk.csv", "--format", "json", "--tag", "导入")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("inserted", "updated", "skipped", "rejected", "rows")} == {
        "inserted": 4, "updated": 0, "skipped": 0, "rejected": 0, "rows": 4}
    result = initialized("import", DATA / "messy.csv", "--rejects", tmp_path / "r.csv")
    assert result.exit_code == 0
    assert result.stdout.split() == ["inserted", "updated", "skipped", "rejected", "rows",
                                     "5", "0", "1", "4", "10"]
    assert result.stderr == ("4 numbers without a country code read as CN; use --region to "
                             f"change\n4 row(s) refused; see {tmp_path / 'r.csv'}\n")
    listed = json.loads(initialized("list", "--tag", "导入", "--format", "json").stdout)
    assert sorted(c["name"] for c in listed) == ["张伟", "李娜", "王明", "赵敏"]


def test_cli_dry_run_writes_nothing(initialized, db_path):
    result = initialized("import", DATA / "google_current.csv", "--dry-run", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["inserted"] == 3
    assert result.stderr == (
        "9 column(s) not imported: Phonetic First Name, Phonetic Middle Name, Phonetic Last "
        "Name, Name Prefix, Name Suffix, … (--show-mapping)\n"
        "dry run: nothing was written\n"
        "1 number without a country code read as CN; use --region to change\n")  # 王明's
    assert json.loads(initialized("list", "--format", "json").stdout) == []


def test_cli_show_mapping_needs_no_database(cli):
    result = cli("import", DATA / "outlook.csv", "--show-mapping", "--format", "json")
    assert result.exit_code == 0, result.stderr
    shown = {r["column"]: r["field"] for r in json.loads(result.stdout)}
    assert shown["Title"] == "ignore" and shown["Job Title"] == "title"
    assert shown["Mobile Phone"] == "phone" and shown["Categories"] == "tags"


def test_cli_on_duplicate_error_exit_1(initialized, tmp_path):
    initialized("add", "王明", "--email", "wang@huawei.com")
    result = initialized("import", dup_file(tmp_path), "--on-duplicate", "error")
    assert result.exit_code == 1
    assert result.stderr == ("crmctl: row 2: same email as customer 1; nothing was imported "
                             "(--on-duplicate error)\n")
    assert len(json.loads(initialized("list", "--format", "json").stdout)) == 1


def bad_files(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "noname.csv").write_text("Colour,Size\nred,XL\n", encoding="utf-8")
    (tmp_path / "huge.csv").write_text("name,note\n王明," + "x" * 10_000_000 + "\n",
                                       encoding="utf-8")
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    return {
        "missing.csv": f"no file {tmp_path / 'missing.csv'}",
        "empty.csv": f"{tmp_path / 'empty.csv'} is empty",
        "binary.csv": (f"{tmp_path / 'binary.csv'} is not a text file (it holds binary data); "
                       "import reads CSV or xlsx"),
        "noname.csv": (f"{tmp_path / 'noname.csv'}: no name column among its headers "
                       "('Colour', 'Size'); name one with --mapping FILE.toml"),
        "huge.csv": (f"{tmp_path / 'huge.csv'} row 2: a cell longer than 1,000,000 characters; "
                     "this is not a contact file"),
        "fake.xlsx": f"cannot read {tmp_path / 'fake.xlsx'} as an xlsx workbook: ",
    }


def test_bad_files_change_nothing(conn, tmp_path):
    seed(conn)
    before = state(conn)
    for name, expected in bad_files(tmp_path).items():
        with pytest.raises((InvalidValue, NotFound)) as caught:
            run(conn, tmp_path / name, rejects=str(tmp_path / "rej.csv"))
        assert str(caught.value).startswith(expected), name
        assert "\n" not in str(caught.value)
        assert state(conn) == before
        assert not (tmp_path / "rej.csv").exists()


def test_cli_bad_files_exit_1_with_one_line(initialized, tmp_path):
    expected = bad_files(tmp_path)
    for name in ("missing.csv", "binary.csv", "huge.csv"):
        result = initialized("import", tmp_path / name)
        assert result.exit_code == 1, name
        assert result.stderr == f"crmctl: {expected[name]}\n"


def test_wrong_encoding_forced(conn, tmp_path):
    before = state(conn)
    with pytest.raises(InvalidValue, match=r"is not valid ascii text .*check --encoding"):
        run(conn, DATA / "google_legacy.csv", encoding="ascii")
    with pytest.raises(InvalidValue, match="unknown encoding 'klingon'"):
        run(conn, DATA / "google_legacy.csv", encoding="klingon")
    assert state(conn) == before
    # A decoding error deep in the file, after chunks were written, still writes nothing.
    path = tmp_path / "late.csv"
    path.write_bytes(b"name,email\n" + b"".join(b"A%d,a%d@x.com\n" % (i, i) for i in range(50))
                     + "王明,w@x.com\n".encode("utf-8"))
    with pytest.raises(InvalidValue, match="is not valid ascii text"):
        importing.run(conn, path, Options(encoding="ascii"))
    assert state(conn) == before


def test_no_name_column_message_stays_one_short_line(conn, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("x" * 5000 + ",备注\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidValue) as caught:
        importing.run(conn, path)
    assert str(caught.value) == (f"{path}: no name column among its headers ('{'x' * 29}…', "
                                 "'备注'); name one with --mapping FILE.toml")


def test_an_error_in_the_reading_process_is_raised_and_nothing_is_written(conn, tmp_path):
    """With a second process reading and validating, a decoding error three chunks into
    the file reaches the writer as the same one-line error, and the transaction is undone."""
    before = state(conn)
    rows = 3 * chunks.CHUNK_ROWS
    path = tmp_path / "late.csv"
    path.write_bytes(b"name,email\n" + b"".join(b"A%d,a%d@x.com\n" % (i, i) for i in range(rows))
                     + "王明,w@x.com\n".encode("utf-8"))
    with pytest.raises(InvalidValue, match="is not valid ascii text"):
        importing.run(conn, path, Options(encoding="ascii", workers=1))
    assert state(conn) == before
    assert importing.run(conn, path, Options(workers=1)).inserted == rows + 1


def test_a_reading_process_that_dies_leaves_nothing_written(conn, tmp_path, monkeypatch):
    before = state(conn)
    path = tmp_path / "many.csv"
    path.write_text("姓名,手机\n" + "".join(f"客户{i},139{i:08d}\n" for i in range(12_000)),
                    encoding="utf-8")
    real = chunks._validate
    calls = []

    def dies_on_the_second_chunk(*args):
        calls.append(1)
        if len(calls) == 2:
            os._exit(9)  # in the child: as if the kernel had killed it
        return real(*args)

    monkeypatch.setattr(chunks, "_validate", dies_on_the_second_chunk)
    with pytest.raises(CrmError, match="reading process ended unexpectedly; nothing was imported"):
        importing.run(conn, path, Options(workers=1))
    assert state(conn) == before


def test_gbk_forced_on_gbk_file_and_utf8_not_garbled(conn, tmp_path):
    """Strict UTF-8 is tried before GB18030, so a UTF-8 file is never read as GB18030."""
    path = tmp_path / "u.csv"
    path.write_text("姓名,公司\n王明,华为\n", encoding="utf-8")
    assert run(conn, path).encoding == "utf-8"
    assert run(conn, DATA / "chinese_gbk.csv", encoding="gbk").inserted == 4
    assert "华为" in rows(conn)["王明"].company


def schema(conn):
    return (conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall(),
            [conn.execute(f"SELECT k, v FROM {t}_config ORDER BY k").fetchall()
             for t in ("search_trigram", "search_grams")])


def test_big_import_rebuilds_what_it_dropped(conn, tmp_path, monkeypatch):
    """A big import drops some indexes and pauses FTS automerge; the schema ends the same."""
    monkeypatch.setattr(chunks, "PARALLEL_FROM_BYTES", 100)
    customers.add(conn, {"name": "先来的"}, tier="gold", tags=["old"])
    before = schema(conn)
    path = tmp_path / "b.csv"
    path.write_text("姓名,客户级别,标签\n" + "".join(f"客户{i},金牌,t{i % 3}\n" for i in range(400)),
                    encoding="utf-8")
    run(conn, path, dry_run=True, workers=0)
    assert schema(conn)[0] == before[0]
    assert run(conn, path, workers=0).inserted == 400
    after = schema(conn)
    assert after[0] == before[0]
    assert all(dict(cfg).get("automerge", 4) == 4 for cfg in after[1])
    assert all(dict(cfg).get("hashsize", 1 << 20) == 1 << 20 for cfg in after[1])
    assert len(customers.list_customers(conn, customers.Filter(tier="gold"))) == 401
    assert len(customers.list_customers(conn, customers.Filter(tag=["t1"]))) == 133
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("fmt,excel", [("csv", False), ("csv", True), ("xlsx", False)])
def test_round_trip_export_then_import_loses_nothing(conn, tmp_path, fmt, excel):
    from crmctl.core import exporting
    from crmctl.store import create_database
    from conftest import PASSPHRASE

    for name in ("chinese_gbk.csv", "google_legacy.csv", "outlook.csv", "thunderbird.csv"):
        run(conn, DATA / name)
    customers.edit(conn, 1, {"wechat": "wm88", "company_size": "-", "note": "=SUM(A1)",
                             "birthday": "12-24"})
    out = tmp_path / f"all.{fmt}"
    exporting.export(conn, exporting.Request(fmt=fmt, excel=excel), out=out)
    other = create_database(tmp_path / "other.db", PASSPHRASE.encode())
    try:
        summary = importing.run(other, out)
        assert (summary.inserted, summary.rejected) == (customers.count(conn), 0)
        volatile = ("id", "created_at", "updated_at", "last_contact_at", "referred_by")

        def kept(c):
            return {k: v for k, v in c.to_dict().items() if k not in volatile}

        assert [kept(c) for c in customers.list_customers(other)] == \
            [kept(c) for c in customers.list_customers(conn)]
    finally:
        other.close()


def test_duplicate_emails_compare_as_add_does(conn, tmp_path):
    """Case-insensitive like customers.find_duplicate (SQLite lower(): ASCII letters)."""
    customers.add(conn, {"name": "Jürgen", "email": "Juergen.Ünal@Example.de"})
    path = tmp_path / "u.csv"
    path.write_text("name,email\nJ1,juergen.Ünal@example.DE\nJ2,juergen.ünal@example.de\n",
                    encoding="utf-8")
    summary = run(conn, path)
    assert (summary.skipped, summary.inserted) == (1, 1)
