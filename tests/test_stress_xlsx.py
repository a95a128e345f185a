"""Hostile xlsx for `crmctl import`: workbooks built part by part (so damage can be aimed at
one part) and then broken: sheet XML truncated or garbled, NUL bytes, parts missing, the zip
cut short or its data corrupted, entity bombs, a `.xlsx` that is CSV or random bytes, a
cell over the size limit, row numbers and sheet sizes no spreadsheet has. A refused file
is exit 1 and one line `crmctl: …` (no traceback, no "internal error") and leaves every row
of the database as it was, audit chain intact. What imports keeps its accounting.

Named cases run in the default suite; hypothesis damages random workbooks (few examples
by default, 150 under `-m slow`).
"""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from xml.sax.saxutils import escape

import pytest
from hypothesis import strategies as st
from stress_helpers import no_traceback, seed, state
from test_stress_fuzz import EXAMPLES, HEADERS, cells, import_fuzz

# --- a workbook, part by part -------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET, STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
ROWS = [["姓名", "手机", "公司"], ["王小明", "13811112222", "华为"],
        ["李小娜", "13922223333", "腾讯"]]


def column(n: int) -> str:
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _cell(ref: str, value, strings: list | None) -> str:
    if isinstance(value, tuple):  # (formula, cached value or None)
        formula, cached = value
        if cached is None:
            return f'<c r="{ref}"><f>{escape(formula)}</f></c>'
        return f'<c r="{ref}" t="str"><f>{escape(formula)}</f><v>{escape(cached)}</v></c>'
    if strings is None:
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    strings.append(value)
    return f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>'


def parts(rows=ROWS, shared: bool = True, dimension: str | None = None,
          rownums=None) -> dict[str, bytes]:
    """The parts of a one-sheet workbook: text cells shared or inline, (formula, cached)
    tuples as formula cells; rownums overrides the row numbers written in the sheet."""
    strings: list | None = [] if shared else None
    xml_rows = []
    for r, row in zip(rownums or range(1, len(rows) + 1), rows):
        xml_rows.append(f'<row r="{r}">' + "".join(
            _cell(f"{column(c)}{r}", v, strings) for c, v in enumerate(row, 1)) + "</row>")
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{"".join(xml_rows)}</sheetData></worksheet>'
    sst = f'<sst xmlns="{MAIN}">' + "".join(
        f"<si><t>{escape(s)}</t></si>" for s in strings or []) + "</sst>"
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
            f'<Override PartName="/{SHEET}" ContentType="{kind}.worksheet+xml"/>'
            f'<Override PartName="/{STRINGS}" ContentType="{kind}.sharedStrings+xml"/>'
            '</Types>').encode(),
        "_rels/.rels": (f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                        f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/>'
                        '</Relationships>').encode(),
        "xl/workbook.xml": (f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets><sheet '
                            'name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>').encode(),
        SHEET: sheet.encode(),
        STRINGS: sst.encode(),
    }


def zipped(contents: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in contents.items():
            z.writestr(name, data)
    return out.getvalue()


def damaged(part: str, change, **kwargs) -> bytes:
    contents = parts(**kwargs)
    contents[part] = change(contents[part])
    if contents[part] is None:
        del contents[part]
    return zipped(contents)


def corrupt_member_data(data: bytes, name: str) -> bytes:
    """Flip a byte in the middle of one member's compressed data (its CRC no longer holds)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    at = start + info.compress_size // 2
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1:]


BOMB = (b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(b'<!ENTITY %c "%s">' % (98 + i, b"&%c;" % (97 + i) * 10) for i in range(8))
        + b"]>")
XXE = b'<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'

# --- named damage: refused whole -----------------------------------------------------------

UNREADABLE = "cannot read {path} as an xlsx workbook: "
NO_SHEET = "{path} holds no worksheet"
REFUSED = {
    "sheet XML truncated": (lambda: damaged(SHEET, lambda x: x[:len(x) // 2]), UNREADABLE),
    "sheet XML garbled": (lambda: damaged(SHEET, lambda x: x.replace(b"<row", b"<r<ow", 1)),
                          UNREADABLE),
    "NUL byte in a shared string": (
        lambda: damaged(STRINGS, lambda x: x.replace("王小明".encode(), "王\0小明".encode())),
        UNREADABLE),
    "NUL byte in an inline string": (
        lambda: damaged(SHEET, lambda x: x.replace("腾讯".encode(), b"\0\0"), shared=False),
        UNREADABLE),
    "shared strings truncated": (lambda: damaged(STRINGS, lambda x: x[:-20]), UNREADABLE),
    "shared string index out of range": (
        lambda: damaged(SHEET, lambda x: x.replace(b"<v>4</v>", b"<v>999</v>")), UNREADABLE),
    "shared string index not a number": (
        lambda: damaged(SHEET, lambda x: x.replace(b"<v>4</v>", b"<v>abc</v>")), UNREADABLE),
    "boolean cell 'maybe'": (
        lambda: damaged(SHEET, lambda x: x.replace(b'<c r="B2" t="s"><v>4</v>',
                                                   b'<c r="B2" t="b"><v>maybe</v>')),
        UNREADABLE),
    "date cell 2026-13-45": (
        lambda: damaged(SHEET, lambda x: x.replace(b'<c r="B2" t="s"><v>4</v>',
                                                   b'<c r="B2" t="d"><v>2026-13-45</v>')),
        UNREADABLE),
    "row number not a number": (
        lambda: damaged(SHEET, lambda x: x.replace(b'<row r="2">', b'<row r="x">')), UNREADABLE),
    "cell reference past column XFD": (
        lambda: damaged(SHEET, lambda x: x.replace(b'r="A2"', b'r="ZZZZZ2"')), UNREADABLE),
    "entity expansion bomb": (lambda: damaged(STRINGS, lambda x: BOMB + x.replace(
        "华为".encode(), b"&i;")), UNREADABLE),
    "external entity naming /etc/passwd": (lambda: damaged(STRINGS, lambda x: XXE + x.replace(
        "华为".encode(), b"&x;")), UNREADABLE),
    "workbook part garbled": (lambda: damaged("xl/workbook.xml", lambda x: x[:40]), UNREADABLE),
    "relationships garbled": (lambda: damaged("xl/_rels/workbook.xml.rels", lambda x: x[:40]),
                              UNREADABLE),
    "sheet part empty": (lambda: damaged(SHEET, lambda x: b""), UNREADABLE),
    "no workbook part": (lambda: damaged("xl/workbook.xml", lambda x: None), UNREADABLE),
    "no content types": (lambda: damaged("[Content_Types].xml", lambda x: None), UNREADABLE),
    "an empty zip": (lambda: zipped({}), UNREADABLE),
    "zip cut in half": (lambda: (lambda z: z[:len(z) // 2])(zipped(parts())), UNREADABLE),
    "zip member data corrupted": (lambda: corrupt_member_data(zipped(parts()), SHEET),
                                  UNREADABLE),
    "sheet part missing": (lambda: damaged(SHEET, lambda x: None), NO_SHEET),
    "workbook lists no sheet": (lambda: damaged("xl/workbook.xml", lambda x: x.replace(
        '<sheet name="客户" sheetId="1" r:id="rId1"/>'.encode(), b"")), NO_SHEET),
    "sheet relationship pointing outside the zip": (
        lambda: damaged("xl/_rels/workbook.xml.rels",
                        lambda x: x.replace(b"worksheets/sheet1.xml", b"../../../etc/passwd")),
        NO_SHEET),
    "a sheet with no rows": (lambda: damaged(SHEET, lambda x: f'<worksheet xmlns="{MAIN}"/>'
                                             .encode()), "{path} is empty"),
    ".xlsx that is really CSV": (
        lambda: "姓名,手机\n王小明,13811112222\n".encode(),
        "{path} is named .xlsx but is not an xlsx workbook (not a zip archive); if it is "
        "CSV, rename it to .csv"),
    ".xlsx of random bytes": (
        lambda: bytes(range(256)) * 8,
        "{path} is named .xlsx but is not an xlsx workbook (not a zip archive); if it is "
        "CSV, rename it to .csv"),
    ".xlsx of 0 bytes": (lambda: b"", "{path} is empty"),
    "a cell of 1,200,000 characters": (  # refused while the shared strings are counted
        lambda: zipped(parts([ROWS[0], ["王小明", "13811112222", "华" * 1_200_000]])),
        "{path}: a cell longer than 1,000,000 characters (shared string 6); this is not a "
        "contact file"),
    "an inline cell of 1,200,000 characters": (
        lambda: zipped(parts([ROWS[0], ["王小明", "13811112222", "华" * 1_200_000]],
                             shared=False)),
        "{path} row 2: a cell longer than 1,000,000 characters; this is not a contact file"),
    "a row numbered 99,999,999,999": (
        lambda: zipped(parts(rownums=[1, 2, 99_999_999_999])),
        "{path}: rows beyond 1,048,576, the last row a worksheet can have; this is not a "
        "contact file"),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A seeded database and every row of it, copied for each test (keys derived once)."""
    path = tmp_path_factory.mktemp("xlsx-base") / "base.db"
    seed(path)
    health, rows = state(path)
    assert health.whole and health.customers == 5
    return path, rows


@pytest.fixture
def db(base, db_path):
    shutil.copy2(base[0], db_path)
    return db_path


def import_file(cli, tmp_path, data: bytes, *options):
    path = tmp_path / "客户名单.xlsx"
    path.write_bytes(data)
    return path, cli("import", path, "--format", "json", *options)


def refusal_problem(result, path, expected: str) -> str | None:
    """What is wrong with how an import of ``path`` was refused, or None."""
    expected = "crmctl: " + expected.format(path=path)
    if not no_traceback(result.stdout, result.stderr) or "internal error" in result.stderr:
        return f"not clean: {result.stderr[-500:]!r}"
    if (result.exit_code, result.stdout) != (1, ""):
        return f"exit {result.exit_code}, stdout {result.stdout[:200]!r}, {result.stderr[:300]!r}"
    if not (result.stderr.endswith("\n") and result.stderr.count("\n") == 1):
        return f"not one line: {result.stderr[:500]!r}"
    if "root:" in result.stderr:  # the external entity must never be read
        return "a file named by an entity was read"
    if expected.endswith(": "):  # the parser's own reason follows; the line is ours
        return None if result.stderr.startswith(expected) else f"said {result.stderr!r}"
    return None if result.stderr == expected + "\n" else f"said {result.stderr!r}"


def test_damaged_workbooks_are_refused_in_one_line_and_change_nothing(cli, db, base, tmp_path):
    """Every case in REFUSED against one database: the rows at the end equal the rows at the
    start, so no refusal changed anything (a later refusal cannot undo an earlier change)."""
    problems = {}
    for case, (make, expected) in REFUSED.items():
        path, result = import_file(cli, tmp_path, make())
        if (problem := refusal_problem(result, path, expected)) is not None:
            problems[case] = problem
    assert problems == {}
    health, rows = state(db)
    assert rows == base[1] and health.whole


# --- odd but readable: imported, accounted for ---------------------------------------------

def summary_of(result) -> dict:
    assert result.exit_code == 0 and no_traceback(result.stderr), result.stderr
    summary = json.loads(result.stdout)
    parts_ = summary["inserted"] + summary["updated"] + summary["skipped"] + summary["rejected"]
    assert parts_ == summary["rows"], summary
    return summary


def imported(db, since: int = 5) -> list[tuple]:
    from conftest import inspect_db

    return inspect_db(lambda c: c.execute(
        "SELECT name, phone, company, note FROM customers WHERE id > ? ORDER BY id",
        (since,)).fetchall())


def test_formula_cells_import_their_cached_values_never_the_formula(cli, db, tmp_path):
    rows = [["姓名", "手机", "公司", "备注"],
            [("CONCAT(\"王\",\"小明\")", "王小明"), "13811112222", ("B1", "华为"), "x"],
            ["李小娜", ("\"139\"&\"22223333\"", "13922223333"), "腾讯", ("1/0", None)]]
    _, result = import_file(cli, tmp_path, zipped(parts(rows)))
    summary = summary_of(result)
    assert (summary["inserted"], summary["rows"]) == (2, 2)
    assert imported(db) == [("王小明", "+8613811112222", "华为", "x"),
                            ("李小娜", "+8613922223333", "腾讯", None)]


def test_cells_right_of_the_header_are_left_out_not_a_reason_to_refuse(cli, db, tmp_path):
    rows = [["姓名", "手机"], ["王小明", "13811112222", "", "", "旁注"], ["李小娜"]]
    _, result = import_file(cli, tmp_path, zipped(parts(rows, shared=False)))
    assert summary_of(result)["inserted"] == 2
    assert [r[:2] for r in imported(db)] == [("王小明", "+8613811112222"), ("李小娜", None)]


def test_a_claimed_size_of_a_whole_sheet_does_not_make_the_import_endless(cli, db, tmp_path):
    """dimension A1:XFD1048576 and a row far down: openpyxl padded every row to 16,384 cells
    and the gap to it row by row (over 100 s for this 2 KB file before the fix)."""
    data = zipped(parts(dimension="A1:XFD1048576", rownums=[1, 2, 300_000]))
    started = time.monotonic()
    _, result = import_file(cli, tmp_path, data, "--rejects", tmp_path / "rejects.csv")
    elapsed = time.monotonic() - started
    assert summary_of(result)["inserted"] == 2
    assert [r[0] for r in imported(db)] == ["王小明", "李小娜"]
    assert elapsed < 30, f"{elapsed:.1f} s for a 2-row workbook"


def test_rejected_rows_keep_their_spreadsheet_row_numbers_across_gaps(cli, db, tmp_path):
    rows = [["姓名", "手机"], ["王小明", "13811112222"], ["李小娜", "#REF!"],
            ["张小伟", "13733334444"]]
    rejects = tmp_path / "rejects.csv"
    _, result = import_file(cli, tmp_path, zipped(parts(rows, rownums=[1, 2, 7, 9])),
                            "--rejects", rejects)
    summary = summary_of(result)
    assert (summary["inserted"], summary["rejected"], summary["rows"]) == (2, 1, 3)
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("7,") and "李小娜" in lines[1]


# --- hypothesis: random workbooks, randomly damaged ----------------------------------------

DAMAGE = ["none", "truncate part", "insert bytes", "replace part", "drop part",
          "flip zip bytes", "truncate zip"]


@st.composite
def damaged_workbooks(draw) -> bytes:
    width = draw(st.integers(1, 4))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width))
    body = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 1), max_size=5))
    contents = parts([header, *body], shared=draw(st.booleans()))
    how = draw(st.sampled_from(DAMAGE))
    name = draw(st.sampled_from(sorted(contents)))
    data = contents[name]
    if how == "truncate part":
        contents[name] = data[:draw(st.integers(0, len(data)))]
    elif how == "insert bytes":
        at = draw(st.integers(0, len(data)))
        contents[name] = data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    elif how == "replace part":
        contents[name] = draw(st.binary(max_size=200))
    elif how == "drop part":
        del contents[name]
    whole = zipped(contents)
    if how == "flip zip bytes":
        for at in draw(st.lists(st.integers(0, len(whole) - 1), min_size=1, max_size=4)):
            whole = whole[:at] + bytes([whole[at] ^ draw(st.integers(1, 255))]) + whole[at + 1:]
    elif how == "truncate zip":
        whole = whole[:draw(st.integers(0, len(whole)))]
    return whole


@pytest.mark.parametrize("examples", EXAMPLES)
def test_import_survives_damaged_workbooks(cli, db_path, tmp_path, examples):
    import_fuzz(cli, db_path, tmp_path, examples, damaged_workbooks(), suffixes=[".xlsx"])
