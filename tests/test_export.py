"""Export: every format parsed back, spreadsheet safety, consent, 0600 files, audit entries.

Core tests on a temp database (exporting.export with a path or a stream), CLI tests through
CliRunner for exit codes, exact one-line messages and "nothing changed after a refusal".
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from crmctl.core import customers, exporting, followups, interactions, purchases
from crmctl.core.customers import Filter
from crmctl.core.exporting import CUSTOMER_COLUMNS, Request, neutralize, restore
from crmctl.spreadsheet import FORMULA_START, neutralize_sql
from crmctl.errors import InvalidValue, NotFound

from conftest import PASSPHRASE

NOW = "2026-11-23T10:00:00+08:00"
TODAY = date(2026, 11, 23)
CONTRACT = ["id", "name", "company", "title", "email", "phone", "tier", "stage", "tags",
            "created_at", "last_contact_at"]


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", NOW)


def _audit(conn) -> list[tuple]:
    return conn.execute("SELECT action, entity, entity_id, fields FROM audit_log "
                        "ORDER BY id").fetchall()


@pytest.fixture
def people(conn):
    """Four customers; cells that spreadsheets would run, set as stored values."""
    ids = {
        "王明": customers.add(conn, {"name": "王明", "company": "华为", "title": "采购经理",
                                   "phone": "13800138000", "email": "wang@example.cn",
                                   "note": "=SUM(1)", "birthday": "1985-05-01"},
                            tier="gold", tags=["vip", "展会2026"]),
        "李娜": customers.add(conn, {"name": "李娜", "company": "+1", "title": "-2",
                                   "wechat": "@x", "email": "li@example.cn",
                                   "birthday": "03-15"}, tags=["展会2026"]),
        "Anna": customers.add(conn, {"name": "Anna Schmidt", "company": "Acme GmbH",
                                     "email": "anna@acme.de", "phone": "+49 30 1234567"}),
        "欧阳": customers.add(conn, {"name": "欧阳娜娜", "company": "腾讯"}),
    }
    # add/edit trim white space; a leading tab or CR can still arrive from elsewhere
    conn.execute("UPDATE customers SET note = ?, region = ? WHERE id = ?",
                 ("\tfoo", "\rbar", ids["李娜"]))
    return ids


def _export(conn, tmp_path, name="out", **request) -> tuple[dict, bytes]:
    path = tmp_path / "exports" / name
    path.parent.mkdir(exist_ok=True)
    summary = exporting.export(conn, Request(**request), path)
    return summary, path.read_bytes()


def _csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


# --- the rule ------------------------------------------------------------------------------
@pytest.mark.parametrize("cell, safe", [
    ("=SUM(1)", "'=SUM(1)"), ("+1", "'+1"), ("-2", "'-2"), ("@x", "'@x"),
    ("\tfoo", "'\tfoo"), ("\rbar", "'\rbar"), ("+8613800138000", "'+8613800138000"),
    ("王明", "王明"), ("'=typed", "''=typed"), ("''", "'''"), ("'abc", "'abc"), ("", ""),
    ("a=1", "a=1"), ("'", "'")])
def test_neutralize_and_restore(cell, safe):
    assert neutralize(cell) == safe
    assert restore(safe) == cell
    assert neutralize(None) is None and neutralize(5) == 5


@functools.lru_cache(maxsize=1)
def _memory():
    import sqlcipher3

    return sqlcipher3.connect(":memory:")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("=+-@\t\r'a王 1\n"), max_size=6) | st.text(max_size=8))
def test_rule_round_trips_and_sql_agrees(cell):
    conn = _memory()
    safe = neutralize(cell)
    assert restore(safe) == cell
    assert not safe.startswith(FORMULA_START)
    in_sql = conn.execute(f"SELECT {neutralize_sql('x')} FROM (SELECT ? AS x)",
                          (cell,)).fetchone()[0]
    assert in_sql == safe


# --- customers in every format -------------------------------------------------------------
def test_csv_has_the_contract_columns_first_and_neutralized_cells(conn, people, tmp_path):
    summary, data = _export(conn, tmp_path, "c.csv")
    assert not data.startswith(b"\xef\xbb\xbf")  # no BOM unless --excel
    rows = _csv(data)
    assert list(rows[0]) == list(CUSTOMER_COLUMNS) and list(CUSTOMER_COLUMNS)[:11] == CONTRACT
    assert summary["rows"] == len(rows) == 4
    wang, li, anna = rows[0], rows[1], rows[2]
    assert (wang["name"], wang["tags"], wang["tier"]) == ("王明", "vip;展会2026", "gold")
    assert wang["phone"] == "'+8613800138000" and wang["note"] == "'=SUM(1)"
    assert (li["company"], li["title"], li["wechat"]) == ("'+1", "'-2", "'@x")
    assert (li["note"], li["region"], li["birthday"]) == ("'\tfoo", "'\rbar", "'--03-15")
    assert anna["phone"] == "'+49301234567"
    # restore() gives back exactly what is stored (the import engineer's inverse)
    stored = {c.id: c.to_dict() for c in customers.list_customers(conn)}
    for row in rows:
        assert (row["phones"], row["emails"]) == ("", "")  # one phone/email each: said already
        for col in CUSTOMER_COLUMNS[:-2]:
            value = stored[int(row["id"])][col]
            expected = ";".join(value) if col == "tags" else "" if value is None else str(value)
            assert restore(row[col]) == expected, (row["id"], col)


def test_excel_flag_adds_a_bom_and_only_for_csv(conn, people, tmp_path):
    _, data = _export(conn, tmp_path, "excel.csv", excel=True)
    assert data.startswith(b"\xef\xbb\xbfid,name,company")
    with pytest.raises(InvalidValue, match="--excel applies to csv only"):
        exporting.export(conn, Request(fmt="json", excel=True), tmp_path / "x.json")


def test_json_carries_raw_values_and_the_list_keys(conn, people, tmp_path):
    _, data = _export(conn, tmp_path, "c.json", fmt="json")
    items = json.loads(data)
    assert [list(item)[:11] for item in items] == [CONTRACT] * 4
    wang = items[0]
    assert wang["tags"] == ["vip", "展会2026"] and wang["phone"] == "+8613800138000"
    assert wang["note"] == "=SUM(1)" and wang["id"] == people["王明"]
    listed = [c.to_dict() for c in customers.list_customers(conn)]
    assert [{k: i[k] for k in CONTRACT} for i in items] == \
        [{k: c[k] for k in CONTRACT} for c in listed]


def test_xlsx_cells_are_text_never_formulas(conn, people, tmp_path):
    from openpyxl import load_workbook

    _export(conn, tmp_path, "c.xlsx", fmt="xlsx")
    sheet = load_workbook(tmp_path / "exports" / "c.xlsx").active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == list(CUSTOMER_COLUMNS)
    header = rows[0]
    wang, li = dict(zip(header, rows[1])), dict(zip(header, rows[2]))
    # a string cell is never a formula: the values as stored, no spreadsheet-safety quote
    assert wang["name"] == "王明" and wang["phone"] == "+8613800138000"
    assert wang["note"] == "=SUM(1)"
    assert (li["company"], li["title"], li["wechat"], li["note"]) == ("+1", "-2", "@x", "\tfoo")
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def test_xlsx_refuses_more_rows_than_a_sheet_holds(conn, people, tmp_path, monkeypatch):
    monkeypatch.setattr(exporting.xlsx, "XLSX_MAX_ROWS", 3)
    before = _audit(conn)
    with pytest.raises(InvalidValue, match="xlsx holds at most 3 rows under its header"):
        _export(conn, tmp_path, "big.xlsx", fmt="xlsx")
    assert os.listdir(tmp_path / "exports") == [] and _audit(conn) == before
    assert _export(conn, tmp_path, "three.xlsx", fmt="xlsx", flt=Filter(limit=3))[0]["rows"] == 3


def test_vcard_round_trips_through_vobject(conn, people, tmp_path):
    import vobject

    _, data = _export(conn, tmp_path, "c.vcf", fmt="vcf")
    cards = list(vobject.readComponents(data.decode("utf-8")))
    assert len(cards) == 4 and all(c.version.value == "3.0" for c in cards)
    wang, li, anna, ouyang = cards
    assert wang.fn.value == "王明" and (wang.n.value.family, wang.n.value.given) == ("王", "明")
    assert wang.org.value == ["华为"] and wang.title.value == "采购经理"
    assert wang.email.value == "wang@example.cn" and wang.tel.value == "+8613800138000"
    assert wang.note.value == "=SUM(1)"  # not a spreadsheet: values as they are
    assert wang.categories.value == ["vip", "展会2026"] and wang.bday.value == "1985-05-01"
    assert li.bday.value == "--0315"  # no year: vCard 4's --MMDD
    assert wang.tel.params["TYPE"] == ["CELL"] and anna.tel.params["TYPE"] == ["WORK", "VOICE"]
    assert (anna.n.value.family, anna.n.value.given) == ("Schmidt", "Anna")
    assert (ouyang.n.value.family, ouyang.n.value.given) == ("欧阳", "娜娜")


@pytest.mark.parametrize("name, split", [("王明", ("王", "明")), ("张小凡", ("张", "小凡")),
                                         ("司马光", ("司马", "光")), ("欧阳 娜娜", ("欧阳", "娜娜")),
                                         ("Anna Maria Schmidt", ("Schmidt", "Anna Maria")),
                                         ("Madonna", ("", "Madonna")), ("王", ("王", ""))])
def test_vcard_name_split(name, split):
    from crmctl.core.exporting.vcard import split_name

    assert split_name(name) == split


# --- filters, consent ------------------------------------------------------------------------
FILTERS = [Filter(tier="gold"), Filter(tag=["展会2026"]), Filter(search="王"),
           Filter(stage="prospect", limit=2), Filter(sort="-name"), Filter(tag=["vip", "展会2026"])]


def test_filters_select_what_list_selects(conn, people, tmp_path):
    for i, flt in enumerate(FILTERS):
        _, data = _export(conn, tmp_path, f"f{i}.csv", flt=flt)
        assert [int(r["id"]) for r in _csv(data)] == \
            [c.id for c in customers.list_customers(conn, flt)], flt


def test_marketing_keeps_only_consent_granted_now(conn, people, tmp_path):
    events = [("王明", "email", 1, "2026-01-01T00:00:00Z"),
              ("李娜", "email", 1, "2026-01-01T00:00:00Z"),   # granted, then withdrawn
              ("李娜", "email", 0, "2026-06-01T00:00:00Z"),
              ("Anna", "email", 0, "2026-01-01T00:00:00Z"),   # withdrawn, then granted
              ("Anna", "email", 1, "2026-06-01T00:00:00Z"),
              ("Anna", "wechat", 1, "2026-01-01T00:00:00Z"),
              ("欧阳", "wechat", 1, "2026-01-01T00:00:00Z")]  # another channel only
    conn.executemany("INSERT INTO consent_events (customer_id, channel, granted, at, source) "
                     "VALUES (?, ?, ?, ?, 'test')",
                     [(people[who], ch, g, at) for who, ch, g, at in events])
    _, data = _export(conn, tmp_path, "m.csv", marketing="email")
    assert [int(r["id"]) for r in _csv(data)] == [people["王明"], people["Anna"]]
    # the consent condition comes before --limit: the last one who consents, not the last one
    _, data = _export(conn, tmp_path, "m1.csv", marketing="email", flt=Filter(limit=1, sort="-id"))
    assert [int(r["id"]) for r in _csv(data)] == [people["Anna"]]
    # with --consent for another channel too: both must be granted
    _, data = _export(conn, tmp_path, "m3.csv", marketing="email",
                      flt=Filter(consent="wechat", limit=1, sort="-id"))
    assert [int(r["id"]) for r in _csv(data)] == [people["Anna"]]
    _, data = _export(conn, tmp_path, "m2.csv", marketing="wechat", flt=Filter(tier="gold"))
    assert _csv(data) == []
    with pytest.raises(InvalidValue, match="unknown consent channel 'fax'"):
        exporting.export(conn, Request(marketing="fax"), tmp_path / "x.csv")


# --- interactions, purchases, follow-ups ----------------------------------------------------
@pytest.fixture
def history(conn, people):
    purchases.record(conn, people["王明"], "1234.50", when=date(2026, 10, 1), note="-10% 折扣")
    purchases.record(conn, people["李娜"], "88", when=date(2026, 11, 1))
    interactions.log(conn, people["王明"], channel="phone", summary="+1 报价", satisfaction=4,
                     at="2026-11-20")
    interactions.log(conn, people["李娜"], channel="wechat", summary="投诉物流", complaint=True,
                     category="delivery", at="2026-11-21")
    fid = followups.schedule(conn, people["王明"], date(2026, 11, 26), "报价跟进")
    followups.schedule(conn, people["李娜"], date(2026, 11, 24), "送样品")
    done = followups.schedule(conn, people["李娜"], date(2026, 11, 25), "already done")
    followups.done(conn, done)
    return fid


def test_purchases_and_interactions_as_csv_and_json(conn, people, history, tmp_path):
    _, data = _export(conn, tmp_path, "p.csv", what="purchases")
    rows = _csv(data)
    assert list(rows[0]) == list(exporting.PURCHASE_COLUMNS)
    assert [(r["name"], r["amount"], r["currency"], r["note"]) for r in rows] == \
        [("王明", "1234.50", "CNY", "'-10% 折扣"), ("李娜", "88.00", "CNY", "")]
    _, data = _export(conn, tmp_path, "i.json", what="interactions", fmt="json")
    items = json.loads(data)
    assert [(i["name"], i["summary"], i["complaint"]) for i in items] == \
        [("王明", "+1 报价", False), ("李娜", "投诉物流", True)]
    _, data = _export(conn, tmp_path, "i.csv", what="interactions", flt=Filter(tag=["vip"]))
    assert [(r["name"], r["summary"], r["satisfaction"]) for r in _csv(data)] == \
        [("王明", "'+1 报价", "4")]


def test_followups_as_xlsx_and_ics(conn, people, history, tmp_path):
    from icalendar import Calendar
    from openpyxl import load_workbook

    _export(conn, tmp_path, "f.xlsx", what="followups", fmt="xlsx")
    rows = list(load_workbook(tmp_path / "exports" / "f.xlsx").active.values)
    assert list(rows[0]) == list(followups.COLUMNS)
    scheduled = [r for r in rows[1:] if r[5] == "scheduled"]
    assert [(r[1], r[3], r[6]) for r in scheduled] == [("李娜", "2026-11-24", "送样品"),
                                                       ("王明", "2026-11-26", "报价跟进")]
    _, data = _export(conn, tmp_path, "vip.json", what="followups", fmt="json",
                      flt=Filter(tag=["vip"]))
    assert {r["name"] for r in json.loads(data)} == {"王明"}
    summary, data = _export(conn, tmp_path, "f.ics", fmt="ics")
    assert summary["what"] == "followups"
    events = Calendar.from_ical(data).walk("VEVENT")
    report = followups.due(conn, date(2026, 12, 23))
    assert len(events) == summary["rows"] == len(report) >= 1
    dbid = conn.execute("SELECT value FROM settings WHERE key = '_database_id'").fetchone()[0]
    mine = [e for e in events if str(e["UID"]) == f"followup-{history}-{json.loads(dbid)}@crmctl"]
    assert len(mine) == 1 and mine[0].decoded("DTSTART") == date(2026, 11, 26)
    assert mine[0].decoded("DTEND") == date(2026, 11, 27)  # all day
    assert "王明" in str(mine[0]["SUMMARY"]) and "报价跟进" in str(mine[0]["SUMMARY"])
    assert "scheduled" in str(mine[0]["DESCRIPTION"])
    assert "already done" not in data.decode("utf-8")
    _, again = _export(conn, tmp_path, "f2.ics", fmt="ics")
    uids = [str(e["UID"]) for e in events]
    assert uids == [str(e["UID"]) for e in Calendar.from_ical(again).walk("VEVENT")]
    assert len(set(uids)) == len(uids)  # stable and unique


REFUSALS = [
    (Request(fmt="pdf"), "unknown export format 'pdf'; formats: csv, json, xlsx, vcf, ics"),
    (Request(what="orders"), "unknown --what 'orders'; choose: customers, interactions, "
                             "purchases, followups"),
    (Request(fmt="vcf", what="purchases"), "vcf exports customers (an address book); "
                                           "use --what customers"),
    (Request(fmt="ics", what="customers"), "ics exports follow-ups (a calendar); "
                                           "use --what followups"),
    (Request(what="purchases", flt=Filter(sort="name")), "--sort applies to --what customers only"),
    (Request(what="followups", flt=Filter(limit=-1)), "--limit must be 0 or more"),
    (Request(flt=Filter(tier="bronze")), "unknown tier 'bronze'; tiers: diamond 钻石, "
                                           "gold 金牌, silver 银牌, regular 普通 (also 钻石客户…, A/B/C/D)")]


def test_refusals_change_nothing(conn, people, tmp_path):
    before = _audit(conn)
    for request_, message in REFUSALS:
        with pytest.raises(InvalidValue) as err:
            exporting.export(conn, request_, tmp_path / "x.out")
        assert str(err.value) == message
    assert _audit(conn) == before
    assert [n for n in os.listdir(tmp_path) if not n.startswith("crm.db")] == []


# --- files: 0600, atomic, audited ------------------------------------------------------------
def test_file_is_0600_replaces_atomically_and_is_audited(conn, people, tmp_path):
    target = tmp_path / "exports" / "c.csv"
    target.parent.mkdir()
    target.write_text("old")
    os.chmod(target, 0o644)
    old_umask = os.umask(0o022)
    try:
        summary = exporting.export(conn, Request(), target)
    finally:
        os.umask(old_umask)
    assert target.stat().st_mode & 0o777 == 0o600
    assert os.listdir(target.parent) == ["c.csv"]  # no temp file left behind
    assert summary["path"] == str(target) and summary["rows"] == 4
    action, entity, entity_id, fields = _audit(conn)[-1]
    assert (action, entity, entity_id) == ("export", "customer", None)
    assert json.loads(fields) == sorted(CUSTOMER_COLUMNS)
    everything = " ".join(str(v) for row in _audit(conn) for v in row)
    assert "王明" not in everything and "wang@example.cn" not in everything


def test_a_failed_write_leaves_no_file_no_temp_and_no_entry(conn, people, tmp_path, monkeypatch):
    def broken(stream, table):
        stream.write("id,name\r\n1,王明\r\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exporting.csvjson, "write_csv", broken)
    folder = tmp_path / "exports"
    folder.mkdir()
    before = _audit(conn)
    with pytest.raises(OSError):
        exporting.export(conn, Request(), folder / "c.csv")
    assert os.listdir(folder) == [] and _audit(conn) == before


def test_stream_export_and_xlsx_refused_on_a_terminal(conn, people):
    out = io.StringIO()
    assert exporting.export(conn, Request(fmt="json"), None, out)["rows"] == 4
    assert json.loads(out.getvalue())[0]["name"] == "王明"
    assert _audit(conn)[-1][:2] == ("export", "customer")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    with pytest.raises(InvalidValue, match="xlsx is binary"):
        exporting.export(conn, Request(fmt="xlsx"), "-", Terminal())


def test_subject_access_export(conn, people, history, tmp_path):
    target = tmp_path / "wang.json"
    summary = exporting.export_customer(conn, people["王明"], target)
    doc = json.loads(target.read_text("utf-8"))
    assert target.stat().st_mode & 0o777 == 0o600 and summary["id"] == people["王明"]
    assert doc["customer"]["name"] == "王明" and doc["tags"] == ["vip", "展会2026"]
    assert [p["amount_minor"] for p in doc["purchases"]] == [123450]
    assert [i["summary"] for i in doc["interactions"]] == ["+1 报价"]
    action, entity, entity_id, fields = _audit(conn)[-1]
    assert (action, entity, entity_id) == ("export", "customer", str(people["王明"]))
    assert {"customer", "purchases", "interactions", "consent"} <= set(json.loads(fields))
    with pytest.raises(NotFound, match="no customer 999"):
        exporting.export_customer(conn, 999, tmp_path / "nobody.json")
    assert not (tmp_path / "nobody.json").exists()


# --- the command -----------------------------------------------------------------------------
def _open(tmp_path):
    from crmctl.store import open_database

    return open_database(tmp_path / "crm.db", PASSPHRASE.encode())


def test_cli_exports_and_refuses_in_one_line(initialized, tmp_path):
    cli = initialized
    wang = cli("add", "王明", "--company", "华为", "--phone", "13800138000", "--tag", "vip").stdout.strip()
    out = cli("export", "--excel")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith("\ufeffid,name,company,title,email,phone,tier,stage,tags,")
    assert f"{wang},王明,华为,,,'+8613800138000,regular," in out.stdout
    conn = _open(tmp_path)
    before = _audit(conn)
    conn.close()
    cases = [
        (("export", "--out", str(tmp_path / "missing" / "c.csv")), 1,
         f"crmctl: cannot write {tmp_path / 'missing' / 'c.csv'}: directory "
         f"{tmp_path / 'missing'} does not exist\n"),
        (("export", "--what", "orders"), 1,
         "crmctl: unknown --what 'orders'; choose: customers, interactions, purchases, followups\n"),
        (("export", "--format", "pdf"), 1,
         "crmctl: unknown export format 'pdf'; formats: csv, json, xlsx, vcf, ics\n"),
        (("export", "--customer", wang, "--tag", "vip"), 2,
         "crmctl: --customer exports one whole record; it takes no --tag\n"),
        (("export", "--customer", wang, "--format", "csv"), 2,
         "crmctl: --customer writes one JSON document: use --format json\n"),
        (("export", "--customer", "999"), 1, "crmctl: no customer 999\n"),
    ]
    for args, code, stderr in cases:
        result = cli(*args)
        assert (result.exit_code, result.stderr, result.stdout) == (code, stderr, ""), args
    assert not (tmp_path / "missing").exists()
    conn = _open(tmp_path)
    assert _audit(conn) == before
    conn.close()


def test_cli_customer_record_to_a_file(initialized, tmp_path):
    cli = initialized
    wang = cli("add", "王明", "--company", "华为", "--email", "wang@example.cn").stdout.strip()
    target = tmp_path / "wang.json"
    result = cli("export", "--customer", wang, "--out", target)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"exported one customer's record to {target}\n"
    assert result.stdout == "" and target.stat().st_mode & 0o777 == 0o600
    doc = json.loads(target.read_text("utf-8"))
    assert doc["format"] == "crmctl-subject-access/1" and doc["customer"]["email"] == "wang@example.cn"


def test_round_trip_through_import_loses_nothing(initialized, tmp_path):
    cli = initialized
    cli("add", "王明", "--company", "+1 华为", "--phone", "13800138000", "--tag", "vip",
        "--title", "=采购经理", "--note", "@老客户")
    cli("add", "Anna Schmidt", "--email", "anna@acme.de", "--company", "-Acme",
        "--note", "'=typed with a quote")
    exported = tmp_path / "all.csv"
    assert cli("export", "--out", exported).exit_code == 0
    other = tmp_path / "second.db"
    env = {"CRMCTL_DB": str(other)}
    assert cli("init", env=env).exit_code == 0
    result = cli("import", exported, env=env)
    assert result.exit_code == 0, result.stderr
    first = json.loads(cli("export", "--format", "json").stdout)
    second = json.loads(cli("export", "--format", "json", env=env).stdout)
    keys = [k for k in CUSTOMER_COLUMNS if k not in ("id", "created_at")]
    assert second[1]["note"] == "'=typed with a quote" and second[0]["title"] == "=采购经理"
    assert [{k: c[k] for k in keys} for c in second] == [{k: c[k] for k in keys} for c in first]
