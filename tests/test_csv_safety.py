"""Spreadsheet safety in every CSV crmctl writes: a listing under --format csv neutralizes a
formula-like cell exactly as `export` does (one function, crmctl.spreadsheet), and import
gives the original value back."""

from __future__ import annotations

import csv
import io
import json

import pytest

from crmctl import render, spreadsheet
from crmctl.core import exporting
from crmctl.core.importing import mapping

FORMULA = '=HYPERLINK("http://x")'
TRIGGERS = tuple("=+-@\t\r")


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def hostile(initialized, pin_clock):
    """One customer whose texts start like formulas, with a follow-up, a consent and an
    interaction; returns (cli, id)."""
    pin_clock("2026-12-09T10:00:00+08:00")
    cli = initialized
    added = cli("add", FORMULA, "--company", "@corp", "--phone", "13800138000",
                "--tag", "-vip", "--note", "+note", "--title", "+1 经理")
    assert added.exit_code == 0, added.stderr
    cid = added.stdout.strip()
    assert cli("followups", "schedule", cid, "2026-12-09", "--purpose", "+cmd").exit_code == 0
    assert cli("consent", cid, "grant", "email", "--source", "=evil()").exit_code == 0
    assert cli("tier", "set", cid, "gold", "--reason", "-1 complaint").exit_code == 0
    made = cli("campaign", "create", "@双十一", "--channel", "email")
    assert made.exit_code == 0, made.stderr
    return cli, cid


def test_listings_neutralize_formula_cells(hostile):
    cli, cid = hostile
    listed = rows(cli("list", "--format", "csv").stdout)
    assert [(r["name"], r["company"], r["phone"], r["tags"], r["title"]) for r in listed] == [
        ("'" + FORMULA, "'@corp", "'+8613800138000", "'-vip", "'+1 经理")]
    due = rows(cli("followups", "--format", "csv").stdout)
    assert [(r["name"], r["purpose"], r["overdue_days"]) for r in due
            if r["reason"] == "scheduled"] == [("'" + FORMULA, "'+cmd", "0")]
    quality = rows(cli("audit", "data", "--format", "csv").stdout)
    assert quality and {r["name"] for r in quality} == {"'" + FORMULA}
    ledger = rows(cli("consent", cid, "--format", "csv").stdout)
    assert [r["source"] for r in ledger] == ["'=evil()"]
    shown = rows(cli("show", cid, "--format", "csv").stdout)
    assert shown[0]["name"] == "'" + FORMULA
    json_name = json.loads(cli("list", "--format", "json").stdout)[0]["name"]
    assert json_name == FORMULA  # json carries values as they are


@pytest.mark.parametrize("args", [
    ["list"], ["followups"], ["audit", "data"], ["audit", "log"], ["consent", "1"],
    ["show", "1"], ["tag", "list"], ["tier", "history", "1"], ["config", "list"],
    ["campaign", "list"],
])
def test_no_csv_cell_starts_like_a_formula(hostile, args):
    result = hostile[0](*args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
    assert cells and not [cell for cell in cells if cell.startswith(TRIGGERS)]


def test_list_csv_cells_are_exports_cells(hostile):
    cli, _ = hostile
    listed = rows(cli("list", "--format", "csv").stdout)[0]
    exported = rows(cli("export").stdout)[0]
    assert {k: exported[k] for k in listed} == listed


@pytest.mark.parametrize("source", ["export", "list"])
def test_csv_then_import_gives_back_the_original_values(hostile, tmp_path, source):
    cli, _ = hostile
    written = tmp_path / "out.csv"
    text = cli(*(["export"] if source == "export" else ["list", "--format", "csv"])).stdout
    written.write_text(text, encoding="utf-8")
    env = {"CRMCTL_DB": str(tmp_path / "second.db")}
    assert cli("init", env=env).exit_code == 0
    imported = cli("import", written, env=env)
    assert imported.exit_code == 0, imported.stderr
    [back] = json.loads(cli("list", "--format", "json", env=env).stdout)
    assert (back["name"], back["company"], back["phone"], back["tags"], back["title"]) == (
        FORMULA, "@corp", "+8613800138000", ["-vip"], "+1 经理")


def test_one_rule_for_export_listings_and_import():
    assert exporting.neutralize is spreadsheet.neutralize is render.formats.neutralize
    assert exporting.restore is spreadsheet.restore
    assert mapping.unprefix("'" + FORMULA) == FORMULA


@pytest.mark.parametrize("value, text", [
    (-3, "-3"), (-0.5, "-0.5"), (True, "yes"), (None, ""), ("-3", "'-3"),
    (["-a", "b"], "'-a;b"), ("'x", "'x"), ("''", "'''"), ("", ""), ("王明", "王明"),
])
def test_csv_cell_keeps_numbers_and_neutralizes_text(value, text):
    assert render.csv_cell(value) == text
