"""Four defects left alone last session (tier review's speed is in tests/test_tiers.py):
a UTF-8 BOM glued onto a GBK body, an empty --db / CRMCTL_DB, and xlsx rows numbered 0
or below, which openpyxl drops without a trace."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest

from crmctl.core import customers, importing
from crmctl.core.importing import Options
from crmctl.errors import InvalidValue

BOM = b"\xef\xbb\xbf"
GBK_ROWS = "姓名,公司,手机\n王明,华为,13800138000\n李娜,阿里巴巴,13912345678\n"


def names(conn) -> list[str]:
    return sorted(c.name for c in customers.list_customers(conn))


def count(conn) -> int:
    return conn.execute("SELECT count(*) FROM customers").fetchone()[0]


# --- 1. a UTF-8 BOM on a GBK body -------------------------------------------------------

@pytest.fixture
def bom_gbk(tmp_path) -> Path:
    path = tmp_path / "excel导出.csv"
    path.write_bytes(BOM + GBK_ROWS.encode("gbk"))
    return path


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "GB18030"])
def test_bom_on_gbk_body_forced_encoding_drops_the_bom(conn, bom_gbk, encoding):
    summary = importing.run(conn, bom_gbk, Options(encoding=encoding))
    assert (summary.inserted, summary.rejected, summary.rows) == (2, 0, 2)
    assert names(conn) == ["李娜", "王明"]
    person = {c.name: c for c in customers.list_customers(conn)}["王明"]
    assert (person.company, person.phone) == ("华为", "+8613800138000")


def test_bom_on_gbk_body_detected(conn, bom_gbk):
    """Without --encoding: strict UTF-8 fails after the BOM, so the BOM is not telling the
    truth, and the rest decodes as GB18030."""
    summary = importing.run(conn, bom_gbk, Options())
    assert summary.encoding == "gb18030"
    assert (summary.inserted, summary.rows) == (2, 2)
    assert names(conn) == ["李娜", "王明"]


def test_bom_on_a_body_that_is_neither_names_encoding(conn, tmp_path):
    """A BOM on bytes that are neither UTF-8 nor GB18030: one line naming --encoding,
    nothing written."""
    path = tmp_path / "odd.csv"
    path.write_bytes(BOM + "姓名,公司\n王明,华为\n".encode("gbk") + b"\x81\x20\xff\n")
    with pytest.raises(InvalidValue) as caught:
        importing.run(conn, path, Options())
    message = str(caught.value)
    assert "--encoding" in message and "\n" not in message
    assert count(conn) == 0


def test_a_real_utf8_bom_file_still_reads_as_utf8(conn, tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_bytes(BOM + GBK_ROWS.encode("utf-8"))
    summary = importing.run(conn, path, Options())
    assert summary.encoding == "utf-8-sig" and names(conn) == ["李娜", "王明"]
    # forcing utf-8 on a BOM file: the BOM is not glued onto the first header
    conn.execute("DELETE FROM customers")
    assert importing.run(conn, path, Options(encoding="utf-8")).inserted == 2


def test_bom_on_utf8_with_a_pasted_gbk_row(conn, tmp_path):
    """Behind a BOM the rest is judged as a file without one: UTF-8 with one GBK row pasted
    in imports its good rows and rejects that one (it is not read as GB18030 mojibake)."""
    path = tmp_path / "mixed.csv"
    path.write_bytes(BOM + GBK_ROWS.encode("utf-8") + "张伟,腾讯,13700001111\n".encode("gbk"))
    summary = importing.run(conn, path, Options())
    assert summary.encoding == "utf-8-sig"
    assert (summary.inserted, summary.rejected, summary.rows) == (2, 1, 3)
    assert names(conn) == ["李娜", "王明"]


def test_cli_bom_on_gbk_body(initialized, bom_gbk):
    cli = initialized
    result = cli("import", bom_gbk, "--encoding", "gb18030", "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["inserted"], summary["rejected"], summary["rows"]) == (2, 0, 2)
    listed = json.loads(cli("list", "--format", "json").stdout)
    assert sorted(c["name"] for c in listed) == ["李娜", "王明"]


# --- 2. an empty --db or CRMCTL_DB -------------------------------------------------------

def test_explicit_empty_db_option_is_a_usage_error(initialized, tmp_path):
    cli = initialized
    default = tmp_path / "xdg" / "crmctl" / "crm.db"
    for args in [("--db", "", "list"), ("--db=", "init"), ("--db", "", "add", "王明")]:
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (2, ""), args
        assert result.stderr == (
            "crmctl: --db is empty (an unset variable in --db \"$VAR\"?); give the database "
            "path, or leave --db out to use CRMCTL_DB or the default\n")
    assert not default.exists()  # nothing fell back to the default database
    assert json.loads(cli("list", "--format", "json").stdout) == []  # CRMCTL_DB's db untouched


def test_empty_crmctl_db_env_is_unset(cli, tmp_path):
    """An empty CRMCTL_DB is treated as unset (as most tools do): the default database."""
    default = tmp_path / "xdg" / "crmctl" / "crm.db"
    made = cli("init", env={"CRMCTL_DB": ""})
    assert made.exit_code == 0, made.stderr
    assert default.exists() and not (tmp_path / "crm.db").exists()
    added = cli("add", "李娜", env={"CRMCTL_DB": ""})
    assert added.exit_code == 0 and added.stdout.strip() == "1"


def test_resolve_db_path():
    from crmctl.errors import UsageError
    from crmctl.store.paths import default_db_path, resolve_db_path

    with pytest.raises(UsageError, match="--db is empty"):
        resolve_db_path("")
    assert resolve_db_path(None) == Path(__import__("os").environ["CRMCTL_DB"])
    assert resolve_db_path("~/x.db") == Path.home() / "x.db"
    assert default_db_path().name == "crm.db"


# --- 3. xlsx rows numbered 0 or below ----------------------------------------------------

def _xlsx_with_rows(tmp_path, numbers: dict[str, int], bad_phone: str = "") -> Path:
    """A workbook (header, 王明, 李娜, 张伟) whose rows are renumbered in the sheet XML:
    numbers maps a name to the r="" its row gets; bad_phone: a phone made unreadable."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "公司", "手机"])
    sheet.append(["王明", "华为", "13800138000"])
    sheet.append(["李娜", "阿里巴巴", "13912345678"])
    sheet.append(["张伟", "腾讯", "13700001111"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    out = tmp_path / "客户.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode("utf-8")
                for row, name in enumerate(["王明", "李娜", "张伟"], start=2):
                    if name in numbers:
                        new = numbers[name]
                        xml = xml.replace(f'<row r="{row}"', f'<row r="{new}"')
                        for col in "ABC":
                            xml = xml.replace(f'r="{col}{row}"', f'r="{col}{new}"')
                if bad_phone:
                    xml = xml.replace(bad_phone, "电话号码不详")
                data = xml.encode("utf-8")
            dst.writestr(item, data)
    return out


@pytest.mark.parametrize("numbers, shown", [
    ({"王明": 0}, "row numbered 0 after row 1"),
    ({"李娜": 0}, "row numbered 0 after row 2"),
    ({"张伟": 2}, "row numbered 2 after row 3"),   # out of order: a second row 2
    ({"王明": -3}, None),  # openpyxl cannot even read the cell references
])
def test_xlsx_rows_numbered_zero_or_below_refuse_the_file(conn, tmp_path, numbers, shown):
    """openpyxl's reader drops such a row without a trace (it would vanish from the import's
    count), so the file is refused in one line and nothing is written."""
    path = _xlsx_with_rows(tmp_path, numbers)
    with pytest.raises(InvalidValue) as caught:
        importing.run(conn, path, Options())
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    if shown:
        assert shown in message and "nothing is imported" in message
    assert count(conn) == 0


def test_xlsx_a_row_numbered_zero_before_the_header(conn, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名"])
    book.active.append(["王明"])
    book.save(tmp_path / "plain.xlsx")
    path = tmp_path / "zero.xlsx"
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="1"', b'<row r="0"').replace(b'r="A1"', b'r="A0"')
            dst.writestr(item, data)
    with pytest.raises(InvalidValue, match="a row numbered 0 first; rows numbered below 1"):
        importing.run(conn, path, Options())


def test_xlsx_rows_with_gaps_keep_their_numbers(conn, tmp_path):
    """Rows missing from the numbering (a sparse sheet) are fine: every row counts, none is
    padded in (the last row a sheet can have comes at once), and a rejected row is named
    by the number a spreadsheet shows."""
    path = _xlsx_with_rows(tmp_path, {"李娜": 7, "张伟": 1_048_576}, bad_phone="13912345678")
    rejects = tmp_path / "rej.csv"
    summary = importing.run(conn, path, Options(rejects=str(rejects)))
    assert (summary.inserted, summary.rejected, summary.rows) == (2, 1, 3)
    assert names(conn) == ["张伟", "王明"]
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == ["7"]


def test_cli_xlsx_row_zero_is_one_line(initialized, tmp_path):
    cli = initialized
    path = _xlsx_with_rows(tmp_path, {"李娜": 0})
    result = cli("import", path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"crmctl: {path}: its worksheet has a row numbered 0 after row 2; "
                             "rows numbered below 1 or out of order would be lost, so nothing "
                             "is imported (open and save the workbook again in Excel or "
                             "LibreOffice)\n")
    assert json.loads(cli("list", "--format", "json").stdout) == []
