"""xlsx rows numbered 0 or below, or out of order, which openpyxl's reader drops without a
trace: the file is refused in one line and nothing is written; rows with gaps in their
numbering keep the numbers a spreadsheet shows."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest

from crmctl.core import customers, importing
from crmctl.core.importing import Options
from crmctl.errors import InvalidValue


def names(conn) -> list[str]:
    return sorted(c.name for c in customers.list_customers(conn))


def count(conn) -> int:
    return conn.execute("SELECT count(*) FROM customers").fetchone()[0]


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
    rows = list(csv.reader(rejects.open(encoding="utf-8-sig")))
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
