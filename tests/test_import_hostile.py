"""Hostile files cannot exhaust the machine (issue 13, item 8): a workbook whose parts
inflate beyond the caps (a zip bomb, or over 1 GB in all), more shared strings than an
import reads, a cell over 1,000,000 characters before it is built, a CSV header or row of
more than 10,000 columns. Each is refused in one line (exit 1) before the work it would
cost, and imports nothing. The caps are in crmctl/core/importing/guard.py.

The files are made here, just over the caps; the two that would take gigabytes on the old
code run the installed crmctl under `prlimit --as` (address space), marked slow.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import time
import zipfile

import pytest
from conftest import inspect_db
from stress_helpers import CRMCTL, crmctl_env
from test_stress_xlsx import MAIN, SHEET, STRINGS, ROWS, parts, zipped

from crmctl.core.importing import guard


def customers() -> int:
    return inspect_db(lambda c: c.execute("SELECT count(*) FROM customers").fetchone()[0])


def refused(result, line: str) -> None:
    """Exit 1, nothing on stdout, exactly this one line on stderr."""
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"crmctl: {line}\n")


def import_bytes(cli, tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path, cli("import", path)


def test_the_caps_are_what_the_issue_names():
    assert (guard.MAX_CELL, guard.MAX_COLUMNS, guard.XLSX_MAX_STRINGS,
            guard.XLSX_MAX_TOTAL, guard.XLSX_MAX_RATIO) == \
        (1_000_000, 10_000, 1_000_000, 1 << 30, 100)


# --- xlsx: the zip's directory -----------------------------------------------------------------

def test_a_part_that_inflates_a_thousandfold_is_refused_before_openpyxl(initialized, tmp_path):
    contents = parts()
    contents[SHEET] = contents[SHEET].replace(b"<sheetData>", b"<sheetData>" + b" " * (20 << 20))
    path, result = import_bytes(initialized, tmp_path, "bomb.xlsx", zipped(contents))
    assert path.stat().st_size < 100_000
    refused(result, f"{path}: its part {SHEET} would inflate 1,018 times, to 20 MB "
                    "(a zip bomb); this is not a contact file")
    assert customers() == 0


def _claiming(data: bytes, sizes: dict[str, int]) -> bytes:
    """The zip with its central directory claiming these uncompressed sizes."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, at + 28)
        name = bytes(out[at + 46:at + 46 + name_len]).decode()
        if name in sizes:
            struct.pack_into("<I", out, at + 24, sizes[name])
        at = out.find(b"PK\x01\x02", at + 46 + name_len + extra_len + comment_len)
    return bytes(out)


def test_parts_that_would_inflate_beyond_1_gb_in_all_are_refused(initialized, tmp_path):
    """110 parts of 10 MB each by the directory (each small enough to escape the ratio
    rule): 1.1 GB in all, refused from the directory alone."""
    contents = parts()
    contents.update({f"xl/media/pad{i}.bin": b"\0" * 64 for i in range(110)})
    data = _claiming(zipped(contents), {f"xl/media/pad{i}.bin": 10 << 20 for i in range(110)})
    path, result = import_bytes(initialized, tmp_path, "big.xlsx", data)
    refused(result, f"{path}: its parts would inflate to 1.1 GB, over the 1 GB an import "
                    "reads; this is not a contact file")
    assert customers() == 0


def test_a_directory_that_understates_a_part_gets_no_more_than_it_claims(initialized, tmp_path):
    """zipfile stops inflating at the size the directory gives (the CRC then fails): a part
    that claims 1 KB but holds 20 MB is read as 1 KB and refused as damaged, at once."""
    contents = parts()
    contents[SHEET] = contents[SHEET].replace(b"<sheetData>", b"<sheetData>" + b" " * (20 << 20))
    data = _claiming(zipped(contents), {SHEET: 1024})
    started = time.monotonic()
    path, result = import_bytes(initialized, tmp_path, "liar.xlsx", data)
    assert time.monotonic() - started < 5
    assert result.exit_code == 1 and result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"crmctl: cannot read {path} as an xlsx workbook: ")
    assert customers() == 0


# --- xlsx: shared strings and cells -------------------------------------------------------------

def _with_strings(sst: bytes) -> bytes:
    contents = parts()
    contents[STRINGS] = sst
    return zipped(contents)


@pytest.mark.parametrize("declared", [False, True], ids=["counted", "declared"])
def test_more_than_a_million_shared_strings_are_refused(initialized, tmp_path, declared):
    """Counted while streaming (no text kept), or refused at once when uniqueCount says so."""
    if declared:
        sst = f'<sst xmlns="{MAIN}" uniqueCount="2000000"><si><t>a</t></si></sst>'.encode()
    else:  # 5 MB: under the size where the ratio rule starts
        sst = f'<sst xmlns="{MAIN}">'.encode() + b"<si/>" * 1_000_001 + b"</sst>"
    path, result = import_bytes(initialized, tmp_path, "strings.xlsx", _with_strings(sst))
    refused(result, f"{path}: more than 1,000,000 distinct texts in its shared-strings "
                    "table, more than an import reads from an xlsx; save it as CSV")
    assert customers() == 0


def test_a_prefixed_namespace_does_not_hide_shared_strings_from_the_count(initialized, tmp_path):
    sst = f'<x:sst xmlns:x="{MAIN}">'.encode() + b"<x:si/>" * 1_000_001 + b"</x:sst>"
    path, result = import_bytes(initialized, tmp_path, "prefixed.xlsx", _with_strings(sst))
    assert result.exit_code == 1 and "more than 1,000,000 distinct texts" in result.stderr


def _inline_sheet(cell_xml: bytes) -> bytes:
    """The workbook of ROWS (inline strings) with one more row holding ``cell_xml``."""
    contents = parts(shared=False)
    row = b'<row r="4"><c r="A4" t="inlineStr"><is><t>' + cell_xml + b"</t></is></c></row>"
    contents[SHEET] = contents[SHEET].replace(b"</sheetData>", row + b"</sheetData>")
    return zipped(contents)


@pytest.mark.parametrize("cell", [b"x" * 4_500_000,
                                  b"x" * 2_500_000 + b"<!-- joined -->" + b"y" * 2_500_000,
                                  b"x" * 2_500_000 + b"<![CDATA[" + b"y" * 2_500_000 + b"]]>"],
                         ids=["plain", "around a comment", "with CDATA"])
def test_a_cell_too_long_to_build_is_refused_before_it_is_built(initialized, tmp_path, cell):
    """Over 4,000,000 bytes of text between two tags (a comment or CDATA section does not
    end a text: the XML parser would join the two halves)."""
    path, result = import_bytes(initialized, tmp_path, "cell.xlsx", _inline_sheet(cell))
    refused(result, f"{path}: its part {SHEET} holds a text of over 4,000,000 bytes (a cell "
                    "longer than 1,000,000 characters); this is not a contact file")
    assert customers() == 0


def test_a_long_cell_within_the_caps_still_imports(initialized, tmp_path):
    """999,999 characters of 华 (3 MB of XML) in a note: under both caps, imported whole."""
    contents = parts(rows=[[*ROWS[0], "备注"], [*ROWS[1], "华" * 999_999]], shared=False)
    path, result = import_bytes(initialized, tmp_path, "long.xlsx", zipped(contents))
    assert result.exit_code == 0, result.stderr
    note = inspect_db(lambda c: c.execute("SELECT note FROM customers").fetchone()[0])
    assert note == "华" * 999_999


# --- CSV ---------------------------------------------------------------------------------------

def test_a_csv_header_of_more_than_10000_columns_is_refused(initialized, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("name" + ",c" * 10_000 + "\n王明\n", encoding="utf-8")
    refused(initialized("import", path),
            f"{path} row 1: more than 10,000 columns; this is not a contact file")
    assert customers() == 0


def test_a_quoted_row_of_more_than_10000_columns_is_refused(initialized, tmp_path):
    """Quotes may hide delimiters, so this row is split (within the line cap) and counted."""
    path = tmp_path / "wide.csv"
    path.write_text('name,phone\n王明,13800138000\n"李四",' + ',"x"' * 10_000 + "\n",
                    encoding="utf-8")
    refused(initialized("import", path),
            f"{path} row 3: more than 10,000 columns; this is not a contact file")
    assert customers() == 0


def test_10000_columns_are_still_a_file(initialized, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("name" + ",c" * 9_999 + "\n王明\n", encoding="utf-8")
    assert initialized("import", path).exit_code == 0
    assert customers() == 1


def test_a_csv_line_over_10_million_characters_is_refused(initialized, tmp_path):
    """Eleven cells under the cell cap, quoted so no delimiter count can refuse them: the
    line is not read whole past 10,000,000 characters."""
    path = tmp_path / "long.csv"
    cell = '"' + "x" * 999_999 + '"'
    path.write_text("name,note\n" + ",".join(["王明", *[cell] * 11]) + "\n", encoding="utf-8")
    refused(initialized("import", path),
            f"{path} row 2: a line longer than 10,000,000 characters; this is not a "
            "contact file")
    assert customers() == 0


# --- bounded memory and time, in a real process -------------------------------------------------

ADDRESS_SPACE = 600_000_000  # bytes: a bare `crmctl import` of a small CSV needs ~200 MB


def _run_capped(args, db, timeout: float = 60) -> subprocess.CompletedProcess:
    if shutil.which("prlimit") is None:
        pytest.skip("no prlimit (util-linux) here")
    return subprocess.run(["prlimit", f"--as={ADDRESS_SPACE}", str(CRMCTL), *map(str, args)],
                          env=crmctl_env(db), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def fresh_db(tmp_path):
    db = tmp_path / "crm.db"
    subprocess.run([str(CRMCTL), "init"], env=crmctl_env(db), check=True, capture_output=True)
    return db


@pytest.mark.slow
def test_a_100_mb_header_of_100_million_columns_is_refused_in_bounded_memory(fresh_db, tmp_path):
    """The old code split it into 100 million strings (5.5 GB at 50 million)."""
    path = tmp_path / "commas.csv"
    with path.open("wb") as f:
        f.write(b"name")
        for _ in range(100):
            f.write(b"," * 1_000_000)
        f.write(b"\n\xe7\x8e\x8b\n")
    started = time.monotonic()
    result = _run_capped(["import", path], fresh_db)
    assert time.monotonic() - started < 30
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"crmctl: {path} row 1: more than 10,000 columns; this is not a " \
                            "contact file\n"


@pytest.mark.slow
def test_a_1_mb_workbook_inflating_to_900_mb_is_refused_in_bounded_memory(fresh_db, tmp_path):
    """Empty cells of one row, a thousandfold compressed: refused from the directory in a
    second, where openpyxl would have parsed 900 MB of XML for minutes."""
    contents = parts()
    del contents[SHEET]
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in contents.items():
            z.writestr(name, data)
        with z.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'.encode())
            block = b"<c/>" * (1 << 18)  # 1 MB
            for _ in range(900):
                sheet.write(block)
            sheet.write(b"</row></sheetData></worksheet>")
    assert path.stat().st_size < 2_000_000
    started = time.monotonic()
    result = _run_capped(["import", path], fresh_db)
    assert time.monotonic() - started < 30
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"crmctl: {path}: its part {SHEET} would inflate ")
    assert result.stderr.endswith("(a zip bomb); this is not a contact file\n")
