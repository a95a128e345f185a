"""Contact files in the layouts real programs write (issue 15.4, 15.5): Chinese-language
Thunderbird, Outlook and Google exports, Chinese CRM exports and phone lists, in GBK and
UTF-8 with a BOM, and an English Outlook CSV in Windows-1252. Each file in tests/data/real/
has its expected customers beside it (NAME.expected.json); every field is compared."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

REAL = Path(__file__).parent / "data" / "real"
FIELDS = ("name", "company", "title", "email", "phone", "wechat", "industry", "region",
          "company_size", "source", "note", "birthday", "tier", "tags")
DEFAULTS = {"tier": "regular", "tags": []}
# (file, the encoding the import reports, rows refused)
FILES = [
    ("thunderbird_zh_utf8bom.csv", "utf-8-sig", 0),
    ("thunderbird_zh_gbk.csv", "gb18030", 0),
    ("outlook_zh_gbk.csv", "gb18030", 0),
    ("outlook_zh_utf8bom.csv", "utf-8-sig", 0),
    ("google_zh_utf8.csv", "utf-8", 0),
    ("crm_zh_gbk.csv", "gb18030", 1),
    ("crm_zh_utf8bom.csv", "utf-8-sig", 0),
    ("phonelist_zh_gbk.csv", "gb18030", 0),
    ("customers_only_zh_utf8bom.csv", "utf-8-sig", 0),
    ("outlook_en_cp1252.csv", "cp1252", 0),
    # Google's Phone N - Label / E-mail N - Label: types, faxes never primary, ' ::: ' cells,
    # an invalid value beside valid ones left out (the row imported), none valid: refused
    ("google_en_multi.csv", "utf-8", 1),
]


def _customers(cli) -> dict[str, dict]:
    """Every customer's full record (show --format json), by name."""
    listed = json.loads(cli("list", "--format", "json").stdout)
    records = [json.loads(cli("show", c["id"], "--format", "json").stdout) for c in listed]
    return {r["name"]: r for r in records}


@pytest.mark.parametrize("name, encoding, refused", FILES)
def test_each_layout_imports_its_customers_field_by_field(initialized, name, encoding, refused):
    result = initialized("import", REAL / name, "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    expected = json.loads((REAL / name).with_suffix(".expected.json").read_text("utf-8"))
    assert (summary["encoding"], summary["rejected"], summary["inserted"]) == \
        (encoding, refused, len(expected))
    got = _customers(initialized)
    assert sorted(got) == sorted(e["name"] for e in expected)
    for person in expected:
        for field in FIELDS:
            want = person.get(field, DEFAULTS.get(field))
            assert got[person["name"]][field] == want, (name, person["name"], field)
        for field in ("phones", "emails"):  # every number and address, where listed
            if field in person:
                assert got[person["name"]][field] == person[field], (name, person["name"])


def test_a_cp1252_outlook_file_is_read_as_cp1252_and_says_so(initialized):
    result = initialized("import", REAL / "outlook_en_cp1252.csv")
    assert result.exit_code == 0
    assert "read as cp1252 (--encoding to change)\n" in result.stderr
    names = [c["name"] for c in json.loads(initialized("list", "--format", "json").stdout)]
    assert "José Núñez" in names


def test_company_beside_person_and_only_company(initialized):
    shown = initialized("import", REAL / "crm_zh_gbk.csv", "--show-mapping", "--format", "json")
    fields = {r["column"]: r["field"] for r in json.loads(shown.stdout)}
    # a fax is one of the customer's numbers (type fax), never the primary
    assert (fields["客户名称"], fields["联系人"], fields["传真"]) == ("company", "name", "phone")
    alone = initialized("import", REAL / "customers_only_zh_utf8bom.csv", "--show-mapping",
                        "--format", "json")
    assert json.loads(alone.stdout)[0] == {"column": "客户名称", "field": "name"}


def test_ignored_columns_are_counted_in_the_summary(initialized, tmp_path):
    source = tmp_path / "numbered.csv"
    text = (REAL / "crm_zh_gbk.csv").read_bytes().decode("gb18030").splitlines()
    source.write_text("\n".join(f"{'序号' if i == 0 else i},{line}"
                                for i, line in enumerate(text)) + "\n", encoding="gb18030")
    result = initialized("import", source, "--format", "json")
    assert json.loads(result.stdout)["ignored_columns"] == ["序号"]
    assert "1 column(s) not imported: 序号 (--show-mapping)\n" in result.stderr


def test_excel_scientific_phone_gets_the_hint(initialized, tmp_path):
    rejects = tmp_path / "rej.csv"
    result = initialized("import", REAL / "crm_zh_gbk.csv", "--rejects", rejects,
                         "--format", "json")
    assert json.loads(result.stdout)["rejected_by_reason"] == {"excel number": 1}
    with rejects.open(encoding="utf-8-sig", newline="") as f:  # GBK source: UTF-8 + BOM
        rows = list(csv.reader(f))
    assert rows[1][:2] == ["4", "invalid phone '1.38001E+10': Excel turned this column into "
                                "numbers: format it as text and export again"]
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")


def test_rejects_of_a_cp1252_file_are_cp1252(initialized, tmp_path):
    source = tmp_path / "outlook.csv"
    text = (REAL / "outlook_en_cp1252.csv").read_bytes().decode("cp1252")
    source.write_bytes(text.replace("jose.nunez@example.es", "josé@@example").encode("cp1252"))
    rejects = tmp_path / "rej.csv"
    result = initialized("import", source, "--rejects", rejects)
    assert result.exit_code == 0
    raw = rejects.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and "José".encode("cp1252") in raw
    assert list(csv.reader(raw.decode("cp1252").splitlines()))[1][1].startswith(
        "invalid email 'josé@@example'")


def test_skipped_duplicates_are_listed_in_the_rejects_file(initialized, tmp_path):
    initialized("import", REAL / "phonelist_zh_gbk.csv")
    rejects = tmp_path / "rej.csv"
    result = initialized("import", REAL / "phonelist_zh_gbk.csv", "--rejects", rejects,
                         "--format", "json")
    summary = json.loads(result.stdout)
    assert (summary["skipped"], summary["rejected"]) == (3, 0)
    assert summary["rejected_by_reason"] == {"duplicate": 3}
    rows = list(csv.reader(rejects.read_text("utf-8-sig").splitlines()))
    assert [r[:3] for r in rows[1:]] == [["2", "duplicate of #1", "徐  清"],
                                         ["3", "duplicate of #2", "马  丽  娟"],
                                         ["4", "duplicate of #3", "Tom  Baker"]]


def test_rejects_dash_is_still_refused(initialized):
    result = initialized("import", REAL / "crm_zh_gbk.csv", "--rejects", "-")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "--rejects needs a file: standard output carries the summary")
    assert json.loads(initialized("list", "--format", "json").stdout) == []
