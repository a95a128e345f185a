"""init / add / list / show / edit / rm / tag through the CLI (CliRunner): stdout for data,
one stderr line per failure, the contract's exit codes, and nothing changed when refused."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
import shutil
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlcipher3 import dbapi2

from conftest import PASSPHRASE

CONTRACT_KEYS = ["id", "name", "company", "title", "email", "phone", "tier", "stage", "tags",
                 "created_at", "last_contact_at"]
BOX = re.compile("[─│┃━┏┓┗┛┡┩╇═║╭╮╯╰]")
ANSI = re.compile(r"\x1b\[")


def one_line(result) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@functools.lru_cache(maxsize=4)
def _raw_key(salt: bytes, rounds: int) -> str:
    """SQLCipher 4's key for this salt (PBKDF2-HMAC-SHA512 at the rounds in force), derived
    once: reading the state with a raw key spares a derivation per look."""
    derived = hashlib.pbkdf2_hmac("sha512", PASSPHRASE.encode(), salt, rounds, 32)
    return f"x'{derived.hex()}{salt.hex()}'"


def _rounds() -> int:
    from crmctl.store import connection

    return connection.TEST_KDF_ITER or 256_000


def state(db_path) -> tuple:
    """Everything a refused command must leave alone (read with plain sqlcipher3)."""
    conn = dbapi2.connect(str(db_path))
    try:
        conn.execute(f'PRAGMA key = "{_raw_key(db_path.read_bytes()[:16], _rounds())}"')
        return tuple(conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                     for table in ("customers", "tags", "customer_tags", "audit_log",
                                   "settings"))
    finally:
        conn.close()


def refused(cli, db_path, args, code, line):
    before = state(db_path)
    result = cli(*args)
    assert result.exit_code == code, (args, result.stderr)
    assert one_line(result) == line
    assert result.stdout == ""
    assert state(db_path) == before


def as_json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """王明 (1, gold, vip), 李娜 (2, vip), Anna Schmidt (3), made once by the CLI."""
    from typer.testing import CliRunner

    from crmctl.cli import app

    path = tmp_path_factory.mktemp("template") / "crm.db"
    env = {"CRMCTL_DB": str(path), "CRMCTL_PASSPHRASE": PASSPHRASE}
    for args, out in [
        (["init"], ""),
        (["add", "王明", "--company", "华为", "--email", "Wang.Ming@Example.CN",
          "--phone", "138 0013 8000", "--tier", "gold", "--tag", "vip"], "1\n"),
        (["add", "李娜", "--company", "腾讯", "--phone", "13900139000", "--tag", "vip",
          "--note", "展会认识"], "2\n"),
        (["add", "Anna Schmidt", "--company", "Acme GmbH", "--email", "anna@acme.de"], "3\n"),
    ]:
        result = CliRunner().invoke(app, args, env=env)
        assert (result.exit_code, result.stdout) == (0, out), result.stderr  # add: the id alone
    return path


@pytest.fixture
def crm(cli, template, db_path):
    """A private copy of the template database."""
    shutil.copy2(template, db_path)
    return cli


# --- add -------------------------------------------------------------------------------

def test_add_prints_only_the_id_and_normalizes(crm):
    rows = as_json(crm("list", "--format", "json"))
    wang = rows[0]
    assert (wang["email"], wang["phone"], wang["tier"], wang["tags"]) == (
        "Wang.Ming@example.cn", "+8613800138000", "gold", ["vip"])


def test_default_region_us(initialized):
    assert initialized("config", "set", "default_region", "US").exit_code == 0
    result = initialized("add", "John Smith", "--phone", "(415) 555-2671")
    assert result.exit_code == 0 and result.stdout == "1\n"
    assert as_json(initialized("list", "--format", "json"))[0]["phone"] == "+14155552671"


@pytest.mark.parametrize("key, value, line", [
    ("default_region", "1" * 5000,  # json.loads refuses ints of 4,300+ digits (ValueError)
     "crmctl: unknown phone region '111111111111…' (use a code like CN, US, DE)"),
    ("default_region", "中国", "crmctl: unknown phone region '中国' (use a code like CN, US, DE)"),
    ("downgrade_inactive_days", "9" * 5000,
     "crmctl: setting 'downgrade_inactive_days' takes a whole number, like 365"),
])
def test_config_set_refuses_bad_values_in_one_line(initialized, key, value, line):
    before = initialized("config", "list", "--format", "json").stdout
    result = initialized("config", "set", key, value)
    assert (result.exit_code, result.stderr, result.stdout) == (1, line + "\n", "")
    assert initialized("config", "list", "--format", "json").stdout == before


@pytest.mark.parametrize("args, line", [
    (["--email", "wang@@example"], "crmctl: invalid email 'wang@@example': "),
    (["--phone", "12345"], "crmctl: invalid phone '12345': "),
    (["--birthday", "1990-13-01"], "crmctl: invalid birthday '1990-13-01': use YYYY-MM-DD or "
                                  "MM-DD (1985/3/12, 1985年3月12日, 3月12日)"),
    (["--tier", "bronze"], "crmctl: unknown tier 'bronze'; tiers: diamond 钻石, gold 金牌, silver 银牌, regular 普通 (also 钻石客户…, A/B/C/D)"),
    (["--referred-by", "99"], "crmctl: no customer 99 (given as --referred-by)"),
])
def test_add_invalid_values_exit_1_nothing_added(crm, db_path, args, line):
    before = state(db_path)
    result = crm("add", "张伟", *args)
    assert result.exit_code == 1
    assert one_line(result).startswith(line)
    assert result.stdout == ""
    assert state(db_path) == before


def test_duplicates_refused_naming_the_id(crm, db_path):
    refused(crm, db_path, ["add", "王明明", "--email", "WANG.MING@example.CN"], 1,
            "crmctl: customer 1 already has this email (WANG.MING@example.cn); "
            "use --allow-duplicate to add anyway")
    refused(crm, db_path, ["add", "李娜", "--phone", "+86 139-0013-9000"], 1,
            "crmctl: customer 2 already has this phone (+8613900139000); "
            "use --allow-duplicate to add anyway")
    result = crm("add", "李娜", "--phone", "+86 139-0013-9000", "--allow-duplicate")
    assert result.exit_code == 0 and result.stdout == "4\n"


def test_name_required(crm, db_path):
    before = state(db_path)
    missing = crm("add")
    assert missing.exit_code == 2
    assert one_line(missing).startswith("crmctl: Missing argument 'name'")
    for blank in ("", "   "):
        refused(crm, db_path, ["add", blank], 1, "crmctl: a customer needs a name")
    assert state(db_path) == before


# --- list ------------------------------------------------------------------------------

def test_list_json_keys_exactly_the_contract(crm):
    rows = as_json(crm("list", "--format", "json"))
    # the contract's keys, then every phone and email (issue 15: as show's JSON has them)
    assert [list(r) for r in rows] == [[*CONTRACT_KEYS, "phones", "emails"]] * 3
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert rows[1]["tags"] == ["vip"] and rows[2]["tags"] == []


def test_list_csv_header_and_tags_joined(crm):
    assert crm("tag", "add", "华东", "1").exit_code == 0
    result = crm("list", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == CONTRACT_KEYS
    assert rows[1][:3] == ["1", "王明", "华为"]
    assert rows[1][CONTRACT_KEYS.index("tags")] == "vip;华东"
    assert len(rows) == 4


def test_list_table_off_a_terminal_is_plain(crm):
    result = crm("list")
    assert result.exit_code == 0
    assert "王明" in result.stdout and "Anna Schmidt" in result.stdout
    assert not BOX.search(result.stdout) and not ANSI.search(result.stdout)
    assert result.stdout.splitlines()[0].split()[:3] == ["id", "name", "company"]
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


@pytest.mark.parametrize("args, expected", [
    (["--tag", "vip"], [1, 2]),
    (["--tier", "gold"], [1]),
    (["--stage", "prospect"], [1, 2, 3]),
    (["--search", "王"], [1]),
    (["--search", "ANNA"], [3]),
    (["--search", "0013"], [1, 2]),
    (["--search", "展会"], [2]),
    (["--search", "vip"], []),   # tags are not searched text
    (["--search", "acme gmbh"], [3]),
    (["--limit", "2"], [1, 2]),
    (["--sort", "-name"], None),
    (["--sort", "-id", "--limit", "1"], [3]),
    (["--tag", "vip", "--search", "李"], [2]),
])
def test_list_filters(crm, args, expected):
    rows = as_json(crm("list", *args, "--format", "json"))
    if expected is None:  # -name: reverse order of names
        names = [r["name"] for r in rows]
        assert names == sorted(names, reverse=True)
    else:
        assert [r["id"] for r in rows] == expected


@pytest.mark.parametrize("args, line", [
    (["--sort", "age"], "crmctl: unknown sort 'age'; sorts: id, name, company, created, "
                        "updated, last-contact, tier, spend (prefix - to reverse)"),
    (["--stage", "lead"], "crmctl: unknown stage 'lead'; stages: prospect 潜在客户, "
                          "customer 新客户, repeat 复购客户, loyal 忠诚客户, churned 流失客户, "
                          "closed 已关闭"),
    (["--limit", "-1"], "crmctl: --limit must be 0 or more"),
])
def test_list_bad_options(crm, args, line):
    result = crm("list", *args)
    assert result.exit_code == 1
    assert one_line(result) == line


def test_list_bad_format_is_usage(crm):
    result = crm("list", "--format", "xml")
    assert result.exit_code == 2
    assert "xml" in one_line(result)


# FTS5's syntax is text: nobody's texts hold these words or characters; a lone quote is
# an empty query (everyone); punctuation beside a Chinese character is dropped as the
# index drops it.
@pytest.mark.parametrize("query, expected", [
    ('"', ["王明", "李娜", "Anna Schmidt"]), ("*", []), ("AND", []), ("NEAR", []), ("-", []),
    ("a OR b", []), ("NEAR(王 明)", []), ("王*", ["王明"]), ('"王明', ["王明"]), ("(", []),
    ("'", []),
])
def test_search_syntax_does_not_crash(crm, query, expected):
    result = crm("list", "--search", query, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [row["name"] for row in json.loads(result.stdout)] == expected


# --- show / edit / rm ------------------------------------------------------------------

@pytest.mark.parametrize("command", [["show"], ["edit", "--company", "X"], ["rm", "--yes"]])
def test_missing_and_non_numeric_ids(crm, db_path, command):
    name, *rest = command
    refused(crm, db_path, [name, "99", *rest], 1, "crmctl: no customer 99")
    refused(crm, db_path, [name, "abc", *rest], 1,
            "crmctl: no customer matches 'abc'")


def test_edit_and_clear(crm):
    result = crm("edit", "2", "--email", "Li.Na@QQ.com", "--clear", "company")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "changed: company, email\n"
    lina = as_json(crm("list", "--search", "李娜", "--format", "json"))[0]
    assert (lina["email"], lina["company"]) == ("Li.Na@qq.com", None)
    assert crm("list", "--search", "腾讯", "--format", "json").stdout.strip() == "[]"


def test_edit_refusals(crm, db_path):
    refused(crm, db_path, ["edit", "3", "--email", "wang.ming@EXAMPLE.cn"], 1,
            "crmctl: customer 1 already has this email (wang.ming@example.cn); "
            "use --allow-duplicate to add anyway")
    refused(crm, db_path, ["edit", "3", "--clear", "name"], 1, "crmctl: cannot clear 'name'")
    refused(crm, db_path, ["edit", "3", "--clear", "shoe_size"], 1,
            "crmctl: cannot clear 'shoe_size'")
    refused(crm, db_path, ["edit", "3"], 1,
            "crmctl: nothing to change: give at least one --FIELD or --clear")
    refused(crm, db_path, ["edit", "3", "--phone", "555"], 1,
            "crmctl: invalid phone '555': not a valid CN number; is it foreign? "
            "use --phone-region")


def test_rm_needs_yes_off_a_terminal(crm, db_path):
    refused(crm, db_path, ["rm", "1"], 2, "crmctl: rm needs --yes when not run on a terminal")
    result = crm("rm", "1", "--yes")
    assert result.exit_code == 0 and result.stderr == "removed #1\n"
    assert [r["id"] for r in as_json(crm("list", "--format", "json"))] == [2, 3]
    assert as_json(crm("list", "--search", "王", "--format", "json")) == []


# --- tags ------------------------------------------------------------------------------

def test_tag_add_remove_list(crm):
    added = crm("tag", "add", "展会2026", "1", "3")
    assert added.exit_code == 0 and added.stderr == "tagged 2 customer(s) with '展会2026'\n"
    assert as_json(crm("tag", "list", "--format", "json")) == [
        {"tag": "vip", "customers": 2}, {"tag": "展会2026", "customers": 2}]
    assert crm("tag", "remove", "展会2026", "1").exit_code == 0
    assert [r["id"] for r in as_json(crm("list", "--tag", "展会2026", "--format", "json"))] == [3]


def test_tag_bad_ids_tag_nobody(crm, db_path):
    refused(crm, db_path, ["tag", "add", "新", "1", "99", "2"], 1, "crmctl: no customer 99")
    refused(crm, db_path, ["tag", "add", "新", "1", "x"], 1,
            "crmctl: no customer matches 'x'")
    refused(crm, db_path, ["tag", "remove", "vip", "1", "99"], 1, "crmctl: no customer 99")
    refused(crm, db_path, ["tag", "remove", "never", "1"], 1, "crmctl: no tag 'never'")
    missing = crm("tag", "add", "vip")
    assert missing.exit_code == 2


# --- audit -----------------------------------------------------------------------------

def test_every_write_audited_with_names_not_values(crm, db_path):
    crm("edit", "1", "--note", "机密：喜欢喝茶", "--phone", "13700137000")
    crm("tag", "add", "华东", "2")
    crm("rm", "3", "--yes")
    log = as_json(crm("audit", "log", "--format", "json"))
    assert [e["action"] for e in reversed(log)] == ["add", "add", "add", "edit", "tag", "rm"]
    assert log[2]["fields"] == ["note", "phone"]
    assert log[2]["command"] == "edit"
    rows = json.dumps(state(db_path)[3], ensure_ascii=False)
    for value in ("王明", "李娜", "Anna", "Schmidt", "Wang.Ming", "example.cn", "acme.de",
                  "13800138000", "13700137000", "13900139000", "华为", "腾讯", "机密",
                  "华东", "vip", PASSPHRASE):
        assert value not in rows, value
    assert crm("audit", "verify").exit_code == 0


def test_debug_lets_the_error_through(crm):
    from crmctl.errors import NotFound

    result = crm("show", "99", env={"CRMCTL_DEBUG": "1"})
    assert isinstance(result.exception, NotFound)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                   min_size=1, max_size=30).filter(lambda s: s.strip()),
       note=st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                    max_size=60))
def test_any_unicode_round_trips_through_add_and_show(initialized, name, note):
    """Whatever the text, `add` then `show --format json` gives it back NFC, whitespace
    runs folded, trimmed (a note: line by line, its line breaks kept)."""
    def folded(text):
        return " ".join(unicodedata.normalize("NFC", text).split())

    def lines_folded(text):
        lines = unicodedata.normalize("NFC", text).splitlines()
        return "\n".join(" ".join(line.split()) for line in lines).strip("\n")

    added = initialized("add", f"--note={note}", "--", name)
    assert added.exit_code == 0, added.stderr
    shown = as_json(initialized("show", added.stdout.strip(), "--format", "json"))
    assert shown["name"] == folded(name)
    assert shown["note"] == (lines_folded(note) or None)


def test_text_that_is_not_utf8_is_refused_in_one_line(initialized, db_path):
    """Non-UTF-8 bytes in argv arrive as lone surrogates: a clear refusal, nothing added."""
    before = state(db_path)
    result = initialized("add", "王明", "--note", "b\udcffad")
    assert result.exit_code == 1
    assert result.stderr == ("crmctl: text is not valid UTF-8 (is the terminal set to "
                             "another encoding?)\n")
    assert state(db_path) == before
