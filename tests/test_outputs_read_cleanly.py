"""Outputs other programs read cleanly (issue 15.7): every export read by a parser that did
not write it (vCard: a small reader here and the strict RFC 2426 validator of the `vcard`
package; ICS: icalendar and `ical`; xlsx: openpyxl and pandas), no `'` in xlsx cells,
bare E.164 phones in campaign csv, `export --plain`, UIDs unique per database, TEL TYPE by
number type, year-less birthdays as --MMDD."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest

from crmctl.core import campaigns, consent, customers, exporting, followups, settings
from crmctl.core.exporting import Request
from crmctl.store import create_database

from conftest import PASSPHRASE

NOW = "2026-11-23T10:00:00+08:00"


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", NOW)


@pytest.fixture
def people(conn):
    return {
        "王明": customers.add(conn, {"name": "王明", "company": "华为", "phone": "13800138000",
                                   "email": "wang@example.cn", "note": "=SUM(1)\n第二行",
                                   "birthday": "06-01"}, tags=["vip", "展会"]),
        "李娜": customers.add(conn, {"name": "李娜", "company": "+1 公司",
                                   "phone": "010 8765 4321", "birthday": "1985-03-12"}),
        "Anna": customers.add(conn, {"name": "Anna Schmidt", "company": "Acme GmbH",
                                     "phone": "+49 151 23456789", "email": "anna@acme.de"}),
    }


def _text(conn, **kw) -> str:
    out = io.StringIO()
    exporting.export(conn, Request(**kw), stream=out)
    return out.getvalue()


def _bytes(conn, **kw) -> bytes:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    exporting.export(conn, Request(**kw), stream=out)
    out.flush()
    return out.buffer.getvalue()


# -- xlsx ----------------------------------------------------------------------------------

def test_xlsx_through_openpyxl_and_pandas_has_no_quoted_cell(conn, people):
    import openpyxl
    import pandas

    data = _bytes(conn, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith("'")]
    assert all(c.data_type != "f" for c in cells)
    frame = pandas.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert not frame.map(lambda v: v.startswith("'")).any().any()
    wang = frame[frame["name"] == "王明"].iloc[0]
    assert (wang["phone"], wang["note"], wang["birthday"]) == ("+8613800138000",
                                                               "=SUM(1)\n第二行", "--06-01")
    assert frame[frame["name"] == "李娜"].iloc[0]["company"] == "+1 公司"


# -- csv: the quote stays, unless --plain; campaign phones go bare --------------------------

def test_csv_keeps_the_quote_and_plain_drops_it(conn, people):
    quoted = list(csv.DictReader(io.StringIO(_text(conn, fmt="csv"), newline="")))
    assert quoted[0]["phone"] == "'+8613800138000" and quoted[0]["note"] == "'=SUM(1)\n第二行"
    plain = list(csv.DictReader(io.StringIO(_text(conn, fmt="csv", plain=True), newline="")))
    assert plain[0]["phone"] == "+8613800138000" and plain[0]["note"] == "=SUM(1)\n第二行"
    assert plain[1]["company"] == "+1 公司"
    assert json.loads(_text(conn, fmt="json", plain=True))[0]["phone"] == "+8613800138000"


@pytest.mark.parametrize("fmt", ["xlsx", "vcf", "ics"])
def test_plain_is_refused_where_nothing_is_quoted(conn, people, fmt):
    with pytest.raises(Exception) as exc:
        Request(fmt=fmt, plain=True).checked()
    assert str(exc.value) == "--plain applies to csv and json (xlsx, vcf and ics are never quoted)"


def test_cli_plain(initialized, tmp_path):
    cli = initialized
    cli("add", "王明", "--phone", "13800138000", "--company", "=1+1")
    rows = list(csv.DictReader(io.StringIO(cli("export", "--plain").stdout, newline="")))
    assert (rows[0]["phone"], rows[0]["company"]) == ("+8613800138000", "=1+1")
    before = cli("audit", "log", "--format", "json").stdout
    result = cli("export", "--plain", "--format", "vcf", "--out", tmp_path / "c.vcf")
    assert (result.exit_code, result.stderr) == (
        1, "crmctl: --plain applies to csv and json (xlsx, vcf and ics are never quoted)\n")
    assert not (tmp_path / "c.vcf").exists()
    assert cli("audit", "log", "--format", "json").stdout == before


def test_campaign_csv_writes_e164_phones_bare_and_quotes_the_rest(conn, people):
    camp = campaigns.create(conn, "回访", "phone")
    for cid in people.values():
        consent.record(conn, cid, "phone", True, at="2026-10-01T00:00:00Z")
    conn.execute("UPDATE customers SET company = '=HYPERLINK(1)' WHERE id = ?",
                 (people["王明"],))
    campaigns.target(conn, camp)
    out = io.StringIO()
    exporting.export_campaign(conn, camp, "csv", stream=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [(r["name"], r["company"], r["phone"]) for r in rows] == [
        ("王明", "'=HYPERLINK(1)", "+8613800138000"), ("李娜", "'+1 公司", "+861087654321"),
        ("Anna Schmidt", "Acme GmbH", "+4915123456789")]


def test_neutralize_phone_keeps_only_e164_bare():
    from crmctl.spreadsheet import neutralize_phone

    assert neutralize_phone("+8613800138000") == "+8613800138000"
    assert neutralize_phone("+86 138") == "'+86 138"
    assert neutralize_phone("+1+1") == "'+1+1"
    assert neutralize_phone("=1") == "'=1"
    assert neutralize_phone("+0123456") == "'+0123456"


# -- vCard ---------------------------------------------------------------------------------

def read_vcards(text: str) -> list[dict]:
    """A small vCard reader written for this test (not vobject): unfold, split each line
    into name, parameters and value, unescape. {NAME: [(params, value)…]} per card."""
    text = re.sub(r"\r\n[ \t]", "", text)
    cards, card = [], None
    for line in text.split("\r\n"):
        if not line:
            continue
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        name = name.upper()
        if name == "BEGIN":
            card = {}
        elif name == "END":
            cards.append(card)
        else:
            value = re.sub(r"\\([nN,;\\])",
                           lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
            card.setdefault(name, []).append((";".join(params).upper(), value))
    return cards


def test_vcard_export_through_an_independent_reader(conn, people):
    text = _text(conn, fmt="vcf")
    assert "\r\n" in text and not re.search(r"(?<!\r)\n", text)
    cards = {c["FN"][0][1]: c for c in read_vcards(text)}
    wang, li, anna = cards["王明"], cards["李娜"], cards["Anna Schmidt"]
    assert wang["VERSION"] == [("", "3.0")]
    assert wang["TEL"] == [("TYPE=CELL", "+8613800138000")]  # a mobile
    assert li["TEL"] == [("TYPE=WORK,VOICE", "+861087654321")]  # a landline: never CELL
    assert anna["TEL"] == [("TYPE=CELL", "+4915123456789")]
    assert wang["BDAY"] == [("", "--0601")] and li["BDAY"] == [("", "1985-03-12")]
    assert wang["NOTE"] == [("", "=SUM(1)\n第二行")] and wang["N"] == [("", "王;明;;;")]
    assert wang["CATEGORIES"] == [("", "vip,展会")] and wang["ORG"] == [("", "华为")]


def test_vcard_export_passes_the_strict_rfc2426_validator(conn, tmp_path):
    """The `vcard` package checks RFC 2426 to the letter (ASCII text only, and 3.0 has no
    year-less BDAY), so this card is ASCII with a full birthday."""
    from vcard.vcard_validator import VcardValidator

    customers.add(conn, {"name": "Anna Schmidt", "company": "Acme GmbH", "title": "Buyer",
                         "phone": "+49 30 1234567", "email": "anna@acme.de",
                         "note": "met at the fair\nprefers email", "birthday": "1985-03-12"},
                  tags=["vip", "fair"])
    customers.add(conn, {"name": "Bob", "phone": "13800138000"})
    path = tmp_path / "c.vcf"
    text = _text(conn, fmt="vcf")
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.warns(UserWarning, match="default TYPE"):  # EMAIL;TYPE=INTERNET: only advice
        assert VcardValidator(str(path), False).result == ""
    assert "TEL;TYPE=WORK,VOICE:+49301234567\r\n" in text  # a Berlin landline, not CELL


# -- ICS -----------------------------------------------------------------------------------

def _calendar(conn, people) -> str:
    followups.schedule(conn, people["王明"], date(2026, 11, 26), "报价跟进")
    followups.schedule(conn, people["李娜"], date(2026, 11, 24), "送样品")
    return _text(conn, fmt="ics")


def test_ics_through_icalendar_and_ical(conn, people):
    from ical.calendar_stream import IcsCalendarStream
    from icalendar import Calendar

    text = _calendar(conn, people)
    ours = Calendar.from_ical(text).walk("VEVENT")
    theirs = IcsCalendarStream.calendar_from_ics(text).events
    assert len(ours) == len(theirs) >= 2
    assert sorted(str(e["UID"]) for e in ours) == sorted(e.uid for e in theirs)
    by_uid = {e.uid: e for e in theirs}
    dbid = json.loads(conn.execute(
        "SELECT value FROM settings WHERE key = '_database_id'").fetchone()[0])
    assert re.fullmatch(r"[0-9a-f]{32}", dbid)
    fid = conn.execute("SELECT id FROM followups WHERE purpose = '报价跟进'").fetchone()[0]
    mine = by_uid[f"followup-{fid}-{dbid}@crmctl"]
    assert mine.dtstart == date(2026, 11, 26) and "报价跟进" in mine.summary
    assert "_database_id" not in settings.all_settings(conn)  # internal: no setting


def test_ics_uids_are_stable_per_database_and_differ_between_two(conn, people, tmp_path):
    first = re.findall(r"UID:(.*)\r\n", _calendar(conn, people))
    assert first == re.findall(r"UID:(.*)\r\n", _text(conn, fmt="ics"))  # stable
    assert len(set(first)) == len(first)
    other = create_database(tmp_path / "other.db", PASSPHRASE.encode())
    try:
        ids = {name: customers.add(other, {"name": name}) for name in ("王明", "李娜")}
        for name, day in (("王明", 26), ("李娜", 24)):
            followups.schedule(other, ids[name], date(2026, 11, day), "x")
        second = re.findall(r"UID:(.*)\r\n", _text(other, fmt="ics"))
    finally:
        other.close()
    assert second and not set(first) & set(second)  # same follow-up ids, other database
    assert [u.split("-")[0] for u in first] == [u.split("-")[0] for u in second]

