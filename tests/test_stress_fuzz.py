"""Hostile arguments: hypothesis drives every command (through the in-process `cli`) with
unicode of every kind, empty strings, 10,000-character values, NUL bytes, ids that are not
numbers and option values that make no sense. Always: an exit code of the contract, no
traceback and no "internal error", one stderr line on failure, and afterwards the database
whole (integrity_check, cipher_integrity_check, audit verify). Then the import pipeline
gets arbitrary bytes, quoting, encodings, huge fields and NUL bytes, hand-made chaotic CSV
(an encoding per row, CR-only ends, open quotes, mismatched BOMs) and named cases (0 bytes,
header only, 10 MB fields…). Damaged xlsx: tests/test_stress_xlsx.py.

Few examples in the default suite; `make check` runs the slow variants with 150 each
(CRMCTL_FUZZ_EXAMPLES=600 for more); `-s` shows each import fuzz's exit codes.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stress_helpers import health, no_traceback, seed

QUICK, THOROUGH = 12, int(os.environ.get("CRMCTL_FUZZ_EXAMPLES", "150"))  # make check: 150
EXAMPLES = [pytest.param(QUICK, id="quick"),
            pytest.param(THOROUGH, id="thorough", marks=pytest.mark.slow)]

# --- strategies ---------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
RTL = st.characters(min_codepoint=0x0590, max_codepoint=0x06FF)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
COMBINING = st.characters(min_codepoint=0x0300, max_codepoint=0x036F)
ANY = st.characters(blacklist_categories=("Cs",))
CHARS = st.one_of(CJK, RTL, EMOJI, COMBINING, ANY, st.sampled_from("\u200f\u202e\ufeff\t\n\r"))

ODD = ["", " ", "abc", "-1", "0", "1e3", "9" * 40, "1.0", " 1 ", "٣", "１", "0x1", "NaN",
       "'; DROP TABLE customers;--", '"', "NULL", "*", "%s%n", "王明 OR 1=1", "NEAR(a b)",
       "\x00", "a\x00b", "--", "-", "--help"]

hostile = st.one_of(
    st.sampled_from(ODD),
    st.text(CHARS, max_size=40),
    st.text(CHARS, min_size=1, max_size=4).map(lambda s: (s * 10_000)[:10_000]),
    st.tuples(st.text(CHARS, max_size=8), st.text(CHARS, max_size=8)).map("\x00".join),
)


def choice_or_hostile(*valid: str):
    return st.one_of(st.sampled_from(valid), hostile)


ids = st.one_of(st.sampled_from(["1", "2", "3", "5", "999999"]), hostile)
tiers = choice_or_hostile("diamond", "gold", "silver", "regular", "DIAMOND", "黄金")
stages = choice_or_hostile("prospect", "customer", "repeat", "loyal", "churned")
sorts = choice_or_hostile("id", "-id", "name", "-name", "company", "created", "updated",
                          "last-contact", "tier", "-tier", "--name")
formats = choice_or_hostile("table", "json", "csv")
channels = choice_or_hostile("email", "phone", "sms", "wechat", "meeting", "visit", "chat",
                             "social", "other")
whens = choice_or_hostile("today", "tomorrow", "+3d", "+2w", "+1m", "monday", "friday",
                          "2026-12-01", "2026-02-30", "0001-01-01", "9999-12-31",
                          "+99999999d", "-3d", "yesterday", "2026-11-20T15:30")
amounts = choice_or_hostile("100", "1234.50", "0", "-5", "1e9", "0.001", "99999999999999999999",
                            "1,000", "¥100", "inf")


def maybe(option: str, values):
    """Either nothing or [option, value]."""
    return st.one_of(st.just([]), values.map(lambda v: [option, v]))


def command(*parts):
    """A command line: fixed words and strategies (a strategy of lists is spliced in)."""
    return st.tuples(*[p if isinstance(p, st.SearchStrategy) else st.just(p) for p in parts]
                     ).map(lambda t: [x for p in t for x in (p if isinstance(p, list) else [p])])


CUSTOMER_COMMANDS = st.one_of(
    command("add", hostile, maybe("--company", hostile), maybe("--email", hostile),
            maybe("--phone", hostile), maybe("--tier", tiers), maybe("--birthday", hostile),
            maybe("--note", hostile), maybe("--tag", hostile), maybe("--referred-by", ids),
            maybe("--wechat", hostile)),
    command("list", maybe("--tier", tiers), maybe("--stage", stages), maybe("--sort", sorts),
            maybe("--format", formats), maybe("--search", hostile), maybe("--limit", ids),
            maybe("--tag", hostile), maybe("--consent", channels)),
    command("show", ids, maybe("--format", formats)),
    command("edit", ids, maybe("--name", hostile), maybe("--email", hostile),
            maybe("--phone", hostile), maybe("--clear", hostile), maybe("--note", hostile),
            maybe("--birthday", hostile)),
    command("rm", ids, st.sampled_from([[], ["--yes"]])),
    command("tag", st.sampled_from(["add", "remove"]), hostile, ids),
    command("tag", "list", maybe("--format", formats)),
)

RECORD_COMMANDS = st.one_of(
    command("tier", "set", ids, tiers, "--reason", hostile),
    command("tier", "history", ids),
    command("tier", "review", maybe("--format", formats)),
    command("log-contact", ids, "--channel", channels, "--summary", hostile,
            maybe("--at", whens), maybe("--direction", choice_or_hostile("in", "out")),
            maybe("--satisfaction", choice_or_hostile("1", "5", "0", "6")),
            maybe("--next", whens), maybe("--outcome", hostile),
            maybe("--resolves-complaint", choice_or_hostile("all", "1"))),
    command("purchase", ids, amounts, maybe("--date", whens),
            maybe("--currency", choice_or_hostile("CNY", "USD", "JPY", "cny", "XXX")),
            maybe("--note", hostile)),
    command("followups", maybe("--until", whens), maybe("--tier", tiers),
            maybe("--tag", hostile), maybe("--format", formats)),
    command("followups", "schedule", ids, whens, maybe("--purpose", hostile)),
    command("followups", st.sampled_from(["done", "snooze"]), ids, whens),
    command("consent", ids, choice_or_hostile("grant", "withdraw"), channels,
            maybe("--source", hostile), maybe("--at", whens)),
)

OTHER_COMMANDS = st.one_of(
    command("forget", ids, st.sampled_from([[], ["--yes"]])),
    command("audit", "log", maybe("--since", whens), maybe("--action", hostile),
            maybe("--entity", hostile), maybe("--limit", ids), maybe("--format", formats)),
    command("audit", "verify", maybe("--expect", hostile)),
    command("audit", st.sampled_from(["head", "data"])),
    command("config", "set", choice_or_hostile("default_region", "currency", "cadence_days.gold"),
            hostile),
    command("campaign", "create", hostile, "--channel", channels,
            maybe("--budget", amounts), maybe("--start", whens), maybe("--end", whens)),
    command("campaign", st.sampled_from(["show", "report", "target"]), ids,
            maybe("--format", formats)),
    command("campaign", "respond", ids, ids, maybe("--outcome", hostile)),
    command("report", maybe("--format", formats)),
    command("export", "--format", choice_or_hostile("csv", "json", "vcf", "ics"),
            maybe("--what", choice_or_hostile("customers", "interactions", "purchases",
                                              "followups")),
            maybe("--search", hostile), maybe("--tier", tiers), maybe("--sort", sorts),
            maybe("--marketing", channels)),
    command("export", "--customer", ids),
)

# --- the property -------------------------------------------------------------------------


def assert_clean(result, args) -> None:
    shown = [a if len(a) < 60 else a[:20] + f"…({len(a)} chars)" for a in args]
    assert result.exit_code in {0, 1, 2, 3, 4}, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        shown, repr(result.exception))
    assert no_traceback(result.stdout, result.stderr), shown
    assert "internal error" not in result.stderr, (shown, result.stderr)
    if result.exit_code:
        assert result.stderr.startswith("crmctl: ") and result.stderr.count("\n") == 1, (
            shown, result.stderr[:500])


def fuzz(cli, db_path, commands, examples: int) -> None:
    seed(db_path)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(commands)
    def one(args):
        assert_clean(cli(*args), args)

    one()
    state = health(db_path)
    assert state.whole, state
    verified = cli("audit", "verify", "--format", "json")
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True


@pytest.mark.parametrize("examples", EXAMPLES)
def test_customer_commands_survive_hostile_arguments(cli, db_path, examples):
    fuzz(cli, db_path, CUSTOMER_COMMANDS, examples)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_record_commands_survive_hostile_arguments(cli, db_path, examples):
    fuzz(cli, db_path, RECORD_COMMANDS, examples)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_other_commands_survive_hostile_arguments(cli, db_path, examples):
    fuzz(cli, db_path, OTHER_COMMANDS, examples)


# --- the import pipeline ------------------------------------------------------------------

HEADERS = ["name", "姓名", "Name", "First Name", "Last Name", "company", "公司", "email",
           "E-mail Address", "电子邮件", "phone", "手机", "Mobile Phone", "note", "备注",
           "tags", "birthday", "wechat", "微信"]
cells = st.one_of(
    hostile,
    st.sampled_from(["王明", "13800138000", "+86 138 0013 8000", "wang@example.cn", "a@b",
                     "1990-01-01", "=cmd|' /C calc'!A0", '"quoted, with comma"', "a\nb",
                     "vip;展会2026", "", "李娜"]),
)
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "shift_jis"]


@st.composite
def csv_files(draw) -> bytes:
    import csv
    import io

    width = draw(st.integers(1, 6))
    header = draw(st.lists(st.one_of(st.sampled_from(HEADERS), hostile), min_size=width,
                           max_size=width))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 2), max_size=8))
    buffer = io.StringIO()
    dialect = draw(st.sampled_from([{}, {"delimiter": ";"}, {"delimiter": "\t"},
                                    {"quoting": csv.QUOTE_ALL}, {"delimiter": "|"}]))
    writer = csv.writer(buffer, **dialect)
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):  # damage: raw bytes dropped in somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


import_options = st.lists(st.one_of(
    maybe("--encoding", choice_or_hostile("auto", "utf-8", "gb18030", "utf-16", "latin-1")),
    maybe("--mapping", choice_or_hostile("auto", "google", "outlook", "chinese", "crmctl")),
    maybe("--on-duplicate", choice_or_hostile("skip", "update", "error")),
    maybe("--tag", hostile),
    st.sampled_from([[], ["--dry-run"]]),
), max_size=3).map(lambda parts: [x for p in parts for x in p])


SUFFIXES = [".csv", ".txt", ".xlsx", ""]


def import_fuzz(cli, db_path, tmp_path, examples: int, contents, suffixes=SUFFIXES) -> None:
    """Import each drawn file: a clean exit (0, 1 or 2, one line), the summary's accounting
    holds, and at the end the database is whole and holds exactly the reported inserts."""
    from collections import Counter

    seed(db_path)
    count = [health(db_path).customers]
    outcomes: Counter = Counter()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(contents, st.sampled_from(suffixes), import_options)
    def one(data, suffix, options):
        path = tmp_path / f"in{suffix}"
        path.write_bytes(data)
        args = ["import", str(path), "--format", "json", *options]
        result = cli(*args)
        assert_clean(result, args)
        assert result.exit_code in {0, 1, 2}, result.stderr
        outcomes[result.exit_code] += 1
        if result.exit_code == 0:
            summary = json.loads(result.stdout)
            parts = summary["inserted"] + summary["updated"] + summary["skipped"]
            assert parts + summary["rejected"] == summary["rows"], summary
            if "--dry-run" not in options:
                count[0] += summary["inserted"]

    started = time.monotonic()
    one()
    print(f"import fuzz: {sum(outcomes.values())} files in {time.monotonic() - started:.1f} s, "
          f"exit codes {dict(sorted(outcomes.items()))}, {count[0]} customers at the end")
    state = health(db_path)
    assert state.whole, state
    assert state.customers == count[0]  # every reported insert is there, nothing else


@pytest.mark.parametrize("examples", EXAMPLES)
def test_import_survives_arbitrary_bytes(cli, db_path, tmp_path, examples):
    import_fuzz(cli, db_path, tmp_path, examples, st.binary(max_size=3000))


@pytest.mark.parametrize("examples", EXAMPLES)
def test_import_survives_hostile_csv(cli, db_path, tmp_path, examples):
    import_fuzz(cli, db_path, tmp_path, examples, csv_files())


# --- CSV chaos: mixed encodings, quoting, line endings, NULs --------------------------------

ROW_ENCODINGS = ["utf-8", "gb18030", "gbk", "big5", "latin-1", "shift_jis", "cp1252"]
BOMS = [b"", b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]


@st.composite
def chaotic_csv_files(draw) -> bytes:
    """Rows written by hand (no csv module to keep them tidy): each row in its own encoding,
    CR / LF / CRLF line ends mixed, quotes left open or spanning many lines, NULs, a BOM
    that may not match the body (BOM + GBK)."""
    width = draw(st.integers(1, 5))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width))
    body = draw(st.lists(st.lists(cells, max_size=width + 1), max_size=8))
    quote = st.sampled_from(['"', '""', '"\n', '"' + "\n" * 50 + '"', "\x00", "\r", ""])
    ending = st.sampled_from(["\n", "\r\n", "\r"])
    per_row_ending = draw(st.booleans())
    first_ending = draw(ending)
    data = draw(st.sampled_from(BOMS))
    for row in [header, *body]:
        text = draw(st.sampled_from([",", ";", "\t"])).join(
            c if draw(st.integers(0, 5)) else draw(quote) + c + draw(quote) for c in row)
        text += draw(ending) if per_row_ending else first_ending
        data += text.encode(draw(st.sampled_from(ROW_ENCODINGS)), errors="replace")
    return data


@pytest.mark.parametrize("examples", EXAMPLES)
def test_import_survives_csv_chaos(cli, db_path, tmp_path, examples):
    import_fuzz(cli, db_path, tmp_path, examples, chaotic_csv_files(), suffixes=[".csv"])


HEAD = "姓名,手机,备注"
ROWS_2 = "王小明,13811112222,老客户\n李小娜,13922223333,新客户\n"
# name: (file contents, exit code, the stderr line ({path}), or {summary key: value} on exit 0)
CSV_CASES = {
    "0 bytes": (b"", 1, "{path} is empty"),
    "a UTF-8 BOM and nothing else": (b"\xef\xbb\xbf", 1, "{path} is empty"),
    "header only, no newline": (HEAD.encode(), 0, {"rows": 0, "inserted": 0}),
    "header only, BOM and CRLF": (b"\xef\xbb\xbf" + f"{HEAD}\r\n".encode(), 0,
                                  {"rows": 0, "inserted": 0}),
    "a 10 MB unquoted field": (f"{HEAD}\n王小明,13811112222,{'x' * 10_500_000}\n".encode(), 1,
                               "{path} row 2: a cell longer than 1,000,000 characters; "
                               "this is not a contact file"),
    "a 10 MB quoted field over 3,500,000 lines": (
        f'{HEAD}\n王小明,13811112222,"'.encode() + "备,\n".encode() * 3_500_000 + b'"\n', 1,
        "{path} row 2: a cell longer than 1,000,000 characters; this is not a contact file"),
    "CR-only line endings": (f"{HEAD}\n{ROWS_2}".replace("\n", "\r").encode(), 0,
                             {"rows": 2, "inserted": 2}),
    "CR-only line endings, GBK": (f"{HEAD}\n{ROWS_2}".replace("\n", "\r").encode("gbk"), 0,
                                  {"rows": 2, "skipped": 2}),  # the same two people again
    "a quoted cell over 500 lines": (
        f'{HEAD}\n张小伟,13733334444,"{"第一行" + chr(10) * 500}"\n刘小红,13644445555,x\n'
        .encode(), 0, {"rows": 2, "inserted": 2}),
    # an open quote runs to the end of the file: one cell, as a spreadsheet reads it
    "an unbalanced quote": (f'{HEAD}\n赵小刚,13555556666,"备注\n{ROWS_2}'.encode(), 0,
                            {"rows": 1, "inserted": 1}),
    "an unbalanced quote in the header": (f'"{HEAD}\n{ROWS_2}'.encode(), 1,
                                          "{path}: no name column among its headers ('"),
    "nothing but quotes": (b'"' * 5000, 1, "{path}: no name column among its headers ('"),
    "NUL bytes throughout": (f"{HEAD}\n王\0小明,138\0,\0\0\n".encode(), 1,
                             "{path} is not a text file (it holds binary data); import "
                             "reads CSV or xlsx"),
    "one NUL in a long file": (
        (HEAD + "\n" + "".join(f"客户{i},+86150{i:08d},\n" for i in range(300))
         + "孙\0小梅,13466667777,\n").encode(), 0, {"rows": 301, "inserted": 300, "rejected": 1}),
    # a BOM glued onto GBK text: what follows the BOM is judged as a file without one
    # (both rows were imported by the CR-only case above, so here they are duplicates)
    "UTF-8 BOM, GBK body": (b"\xef\xbb\xbf" + f"{HEAD}\n{ROWS_2}".encode("gbk"), 0,
                            {"rows": 2, "skipped": 2, "rejected": 0}),
    "UTF-16 BOM, UTF-8 body": (b"\xff\xfe" + f"{HEAD}\n{ROWS_2}".encode(), 1,
                               "{path} is not valid utf-16 text ("),
    # the GBK row is refused as junk bytes, the rest imports; before the fix the whole file
    # was refused ("cannot tell the encoding", or GB18030 mojibake blamed on the mapping)
    "a GBK row inside a UTF-8 file": (
        f"{HEAD}\n周小军,13377778888,x\n".encode() + "吴小丽,13288889999,y\n".encode("gbk"), 0,
        {"rows": 2, "inserted": 1, "rejected": 1}),
    "UTF-8 rows inside a GBK file": (
        f"{HEAD}\n".encode("gbk") + "郑小东,13199990000,x\n".encode()
        + "冯小芳,13000001111,y\n".encode("gbk") * 20, 1,
        "cannot tell the encoding of {path}; name it with --encoding (e.g. utf-8, gb18030, "
        "utf-16)"),
    "every byte value": (bytes(range(256)) * 16, 1, "{path} is not a text file ("),
}


def test_hostile_csv_files_named(cli, db_path, tmp_path):
    """Each case in CSV_CASES imported in turn into one database: refusals are one line and
    change nothing, imports keep their accounting, and the database ends whole with exactly
    the customers the summaries reported."""
    seed(db_path)
    expected_customers, problems = 5, {}
    for case, (data, code, expected) in CSV_CASES.items():
        path = tmp_path / "联系人.csv"
        path.write_bytes(data)
        result = cli("import", path, "--format", "json")
        clean = no_traceback(result.stdout, result.stderr) and "internal error" not in result.stderr
        if not clean or result.exit_code != code:
            problems[case] = (result.exit_code, result.stderr[:300])
        elif code:
            line = "crmctl: " + expected.format(path=path)
            if not (result.stderr.startswith(line) and result.stderr.count("\n") == 1
                    and (line.endswith(("(", "('")) or result.stderr == line + "\n")):
                problems[case] = result.stderr[:300]
        else:
            summary = json.loads(result.stdout)
            accounted = sum(summary[k] for k in ("inserted", "updated", "skipped", "rejected"))
            if accounted != summary["rows"] or {k: summary[k] for k in expected} != expected:
                problems[case] = summary
            expected_customers += summary["inserted"]
    assert problems == {}
    state = health(db_path)
    assert state.whole and state.customers == expected_customers == 5 + 2 + 2 + 1 + 300 + 1


HUGE = "9" * 40  # past SQLite's INTEGER range (2**63 - 1)


def test_numbers_past_sqlite_integers_are_refused_in_one_line(cli, db_path):
    """Found by test_other_commands_survive_hostile_arguments[thorough] (forget 9…9 --yes):
    an id past 2**63-1 reached SQLite as a Python int (internal OverflowError)."""
    seed(db_path)
    commands = [["show", HUGE], ["forget", HUGE, "--yes"], ["purchase", HUGE, "100"],
                ["followups", "done", HUGE], ["campaign", "show", HUGE],
                ["add", "王明", "--referred-by", HUGE]]
    unclean = {" ".join(args[:2]): cli(*args) for args in commands}
    unclean = {k: r.stderr for k, r in unclean.items() if r.exit_code != 1
               or "internal error" in r.stderr or not r.stderr.startswith("crmctl: ")
               or r.stderr.count("\n") != 1}
    assert unclean == {}
    # a limit past SQLite's integers is no limit at all
    listed = cli("list", "--limit", HUGE, "--format", "json")
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == health(db_path).customers
    logged = cli("audit", "log", "--limit", HUGE, "--format", "json")
    assert logged.exit_code == 0 and len(json.loads(logged.stdout)) >= 1
    assert health(db_path).whole
