"""Line breaks in notes and interaction summaries/outcomes are kept (issue 15.6): stored
as typed (CR LF → LF, each line trimmed), exported exactly, shown on one line in tables.
Names and companies stay on one line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from crmctl.core import customers, exporting, interactions
from crmctl.core.exporting import Request
from crmctl.core.validate import clean_multiline, clean_text

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("raw, kept", [
    ("a\nb", "a\nb"),
    ("a\r\nb\rc", "a\nb\nc"),
    ("  first  line \n\n  third\t\tline  \n\n", "first line\n\nthird line"),
    ("x\u2028y", "x\ny"),
    (" \n \r\n ", None),
    ("one line  only", "one line only"),
])
def test_clean_multiline_keeps_line_breaks_only(raw, kept):
    assert clean_multiline(raw) == kept


def test_names_and_companies_stay_on_one_line(conn):
    cid = customers.add(conn, {"name": "王\n明", "company": "华为\n技术",
                               "note": "第一行\r\n第二行 "})
    row = conn.execute("SELECT name, company, note FROM customers WHERE id = ?",
                       (cid,)).fetchone()
    # the line break folds to a space, which goes between Chinese characters (徐  清 → 徐清)
    assert tuple(row) == ("王明", "华为 技术", "第一行\n第二行")
    assert clean_text("a\nb") == "a b"


def test_edit_keeps_note_line_breaks(conn):
    cid = customers.add(conn, {"name": "王明"})
    customers.edit(conn, cid, {"note": "a\nb"})
    assert conn.execute("SELECT note FROM customers WHERE id = ?", (cid,)).fetchone()[0] == "a\nb"


def test_interaction_summary_and_outcome_keep_line_breaks(conn):
    cid = customers.add(conn, {"name": "王明"})
    interactions.log(conn, cid, channel="phone", summary="谈了价格\n约了下周", outcome="ok\r\nnext")
    row = conn.execute("SELECT summary, outcome FROM interactions").fetchone()
    assert tuple(row) == ("谈了价格\n约了下周", "ok\nnext")


def _export(conn, fmt, what="customers"):
    if fmt == "xlsx":
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        exporting.export(conn, Request(what=what, fmt=fmt), stream=out)
        out.flush()
        return out.buffer.getvalue()
    out = io.StringIO()
    exporting.export(conn, Request(what=what, fmt=fmt), stream=out)
    return out.getvalue()


def test_every_export_carries_the_line_breaks_exactly(conn):
    import openpyxl
    import vobject

    cid = customers.add(conn, {"name": "王明", "note": "第一行\n第二行"})
    interactions.log(conn, cid, channel="phone", summary="s1\ns2", outcome="o1\no2")
    rows = list(csv.DictReader(io.StringIO(_export(conn, "csv"), newline="")))
    assert rows[0]["note"] == "第一行\n第二行"
    assert json.loads(_export(conn, "json"))[0]["note"] == "第一行\n第二行"
    book = openpyxl.load_workbook(io.BytesIO(_export(conn, "xlsx")))
    sheet = list(book.active.values)
    assert sheet[1][sheet[0].index("note")] == "第一行\n第二行"
    card = vobject.readOne(_export(conn, "vcf"))
    assert card.note.value == "第一行\n第二行"
    done = list(csv.DictReader(io.StringIO(_export(conn, "csv", "interactions"), newline="")))
    assert (done[0]["summary"], done[0]["outcome"]) == ("s1\ns2", "o1\no2")


def test_cli_add_keeps_the_note_and_the_table_shows_one_line(initialized):
    cli = initialized
    cid = cli("add", "王明", "--note", "第一行\n第二行").stdout.strip()
    shown = json.loads(cli("show", cid, "--format", "json").stdout)
    assert shown["note"] == "第一行\n第二行"
    card = cli("show", cid).stdout
    assert "第一行 第二行" in card


def test_import_of_a_quoted_multiline_note_keeps_it(initialized):
    cli = initialized
    result = cli("import", DATA / "multiline_notes.csv")
    assert result.exit_code == 0, result.stderr
    listed = json.loads(cli("export", "--format", "json").stdout)
    got = {c["name"]: (c["company"], c["note"]) for c in listed}
    assert got == {"王明": ("华为 技术", "第一行\n第二行 有空格\n\n第四行"),
                   "Anna Schmidt": ("Siemens", "line one\nline two")}
