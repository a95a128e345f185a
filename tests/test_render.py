"""Tables off a terminal (render.emit_plain_table): plain aligned text made without rich,
the text rich made there except that a row is never folded and a line break or tab in a
cell shows as a space. CliRunner and capsys are not terminals, so emit_rows takes this path.
"""

from __future__ import annotations

import random
import sys
import unicodedata

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from crmctl import render
from crmctl.render import terminal as render_terminal
from crmctl.render import Format, emit_plain_table, emit_rows


def width(text: str) -> int:
    """Display width as a terminal shows these tests' texts (no combining marks here)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_starts(line: str, texts: list[str]) -> list[int]:
    """Display columns at which each of ``texts`` starts in ``line`` (searched in order)."""
    starts, at = [], 0
    for text in texts:
        at = line.index(text, at)
        starts.append(width(line[:at]))
        at += len(text)
    return starts


def rich_text(capsys, rows, columns, **kw) -> str:
    """What rich made off a terminal before (render.table printed by print_renderable)."""
    capsys.readouterr()
    render.print_renderable(render.table(rows, columns, **kw))
    return capsys.readouterr().out


PEOPLE = [
    {"id": 1, "name": "王明", "company": "华为", "tags": ["vip", "华东"]},
    {"id": 22, "name": "Anna Schmidt", "company": "ACME GmbH", "tags": []},
    {"id": 333, "name": "李娜😀", "company": None, "tags": ["new"]},
    {"id": 4, "name": "Zoë 🎉 Li", "company": "小米", "tags": None},
]


def test_cjk_emoji_and_latin_cells_align_by_display_width(capsys):
    emit_plain_table(PEOPLE, ["id", "name", "company", "tags"])
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "id   name          company    tags",
        "1    王明          华为       vip;华东",
        "22   Anna Schmidt  ACME GmbH",
        "333  李娜😀        " + " " * 11 + "new",
        "4    Zoë 🎉 Li     小米",
    ]
    lines = out.splitlines()
    heads = column_starts(lines[0], ["id", "name", "company", "tags"])
    assert heads == [0, 5, 19, 30]
    for line, person in zip(lines[1:], PEOPLE):
        assert column_starts(line, [str(person["id"]), person["name"]]) == heads[:2]
        if person["company"]:
            assert column_starts(line, [person["name"], person["company"]])[1] == heads[2]
    assert all(line == line.rstrip() for line in lines)


def test_title_line_comes_first(capsys):
    emit_rows(PEOPLE[:2], ["id", "name"], Format.table, headers=["#", "姓名"],
              title="2 customers (王明 first)")
    assert capsys.readouterr().out == ("2 customers (王明 first)\n"
                                       "#   姓名\n"
                                       "1   王明\n"
                                       "22  Anna Schmidt\n")


def test_a_long_row_is_one_line_however_narrow_the_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    long = "长" * 30 + " " + "overdue since the spring; " * 8
    rows = [{"id": 1, "name": "王明", "why": long, "fid": 7},
            {"id": 2, "name": "李娜", "why": "short", "fid": 12}]
    emit_plain_table(rows, ["id", "name", "why", "fid"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[1] == f"1   王明  {long}  7"
    assert lines[2] == "2   李娜  short" + " " * (width(long) - 5) + "  12"
    fid_at = column_starts(lines[0], ["fid"])[0]
    assert fid_at == width(lines[1]) - 1 == width(lines[2]) - 2 > 250
    # rich folded that row at 80 (or 160) columns; at a width it fits in, rich's text
    # is the same as ours: folding is the only difference
    assert len(rich_text(capsys, rows, ["id", "name", "why", "fid"]).splitlines()) > 3
    monkeypatch.setenv("COLUMNS", "1000")
    assert rich_text(capsys, rows, ["id", "name", "why", "fid"]) == "\n".join(lines) + "\n"


def test_line_breaks_and_tabs_in_a_cell_are_spaces(capsys):
    rows = [{"id": 1, "note": "第一行\n第二行", "who": "王明"},
            {"id": 2, "note": "crlf\r\nend\ttab", "who": "李娜"},
            {"id": 3, "note": "vt\x0bff\x0cnel\x85ls\u2028ps\u2029esc\x1b.", "who": "Anna"}]
    emit_plain_table(rows, ["id", "note", "who"], headers=["id", "note\nhere", "who"])
    assert capsys.readouterr().out.splitlines() == [
        "id  note here" + " " * 14 + "who",
        "1   第一行 第二行" + " " * 10 + "王明",
        "2   crlf end tab" + " " * 11 + "李娜",
        "3   vt ff nel ls ps esc .  Anna",
    ]
    assert render.one_line("a\r\n\r\nb") == "a  b"
    assert render.one_line("no\u3000change\xa0here") == "no\u3000change\xa0here"


def test_empty_listing_is_a_note_on_stderr_only(capsys):
    emit_rows([], ["id", "name"], Format.table, title="a title", empty="no tags yet")
    assert capsys.readouterr() == ("", "no tags yet\n")
    emit_rows(iter(()), ["id"], Format.table)
    assert capsys.readouterr() == ("", "nothing to show\n")


def test_lines_are_written_in_chunks_as_they_are_made(monkeypatch):
    writes = []
    monkeypatch.setattr(sys, "stdout", type("Out", (), {"write": staticmethod(writes.append),
                                                        "isatty": lambda self: False})())
    emit_plain_table([{"n": i, "name": "王明"} for i in range(1000)], ["n", "name"])
    lines = "".join(writes).splitlines()
    assert len(lines) == 1001 and lines[-1] == "999  王明"
    assert len(writes) > 3 and all(w.endswith("\n") for w in writes)
    assert max(w.count("\n") for w in writes) <= 256


@pytest.mark.parametrize("seed", range(40))
def test_same_text_as_rich_when_no_row_is_folded(capsys, monkeypatch, seed):
    monkeypatch.delenv("COLUMNS", raising=False)
    rng = random.Random(seed)
    words = ["王明", "李娜", "华为", "阿里巴巴", "Anna", "Schmidt", "ACME", "😀", "🎉x", "Zoë",
             "ｆｕｌｌ", "—", "·", "×3", "a-b", "2026-11-24", "+8613800138000", "¥1,200"]
    values = [None, "", 0, 12345, True, False, ["vip", "华东"], []]
    columns = [f"c{i}" for i in range(rng.randint(1, 6))]
    rows = []
    for _ in range(rng.randint(1, 8)):
        row = {}
        for c in columns:
            if rng.random() < 0.25:
                row[c] = rng.choice(values)
            else:
                row[c] = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        rows.append(row)
    headers = [rng.choice(["", "名字", "id", "last_contact_at"]) for _ in columns]
    title = rng.choice([None, "", "due by 2026-11-30 (3 overdue)"])
    expected = rich_text(capsys, rows, columns, headers=headers, title=title)
    assert max(map(width, expected.splitlines())) < 150  # nothing folded
    emit_plain_table(rows, columns, headers=headers, title=title)
    assert capsys.readouterr().out == expected


def test_cli_list_off_a_terminal_exactly(initialized, pin_clock):
    pin_clock("2026-11-24T10:00:00+08:00")
    company = "深圳" + "A" * 150
    cli = initialized
    assert cli("add", "王明", "--company", "华为", "--phone", "13800138000",
               "--tag", "vip").exit_code == 0
    assert cli("add", "Anna Schmidt", "--email", "anna@acme.de", "--tier", "gold").exit_code == 0
    assert cli("add", "李娜", "--company", company).exit_code == 0
    result = cli("list")
    assert result.exit_code == 0 and result.stderr == ""
    # widths: id 2, name 12, company 154, phone 14, email 12, tier 7, stage 8, tags 4
    assert result.stdout == (
        "id  name          " + "company".ljust(154) + "  phone           email"
        "         tier     stage     tags  last contact at\n"
        "1   王明          " + "华为".ljust(152) + "  +8613800138000                regular"
        "  prospect  vip\n"
        "2   Anna Schmidt  " + " " * 154 + "                  anna@acme.de  gold     prospect\n"
        "3   李娜          " + company + "                                regular  prospect\n")


@pytest.mark.parametrize("n, plain", [(3, False), (render.RICH_MAX_ROWS, False),
                                      (render.RICH_MAX_ROWS + 1, True)])
def test_on_a_terminal_long_listings_are_plain_text_too(capsys, monkeypatch, n, plain):
    """rich lays out ~700 rows a second: a person should not wait half a minute for 22,000
    follow-ups. Up to RICH_MAX_ROWS rows a terminal gets rich's table (box lines); past it,
    the plain aligned text, generated rows and all."""
    monkeypatch.setattr(render_terminal, "stdout_is_terminal", lambda: True)
    rows = ({"id": i, "name": "王明" if i % 2 else "Anna Schmidt"} for i in range(n))
    emit_rows(rows, ["id", "name"], Format.table, title="客户")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert ("─" not in out) == plain
    if plain:
        assert lines[:3] == ["客户", "id    name", "0     Anna Schmidt"]
        assert len(lines) == n + 2 and lines[-1].startswith(f"{n - 1}  ")
    else:
        assert sum("王明" in line for line in lines) == n // 2


def test_a_card_off_a_terminal_is_one_line_per_field_however_long(initialized, pin_clock):
    """`show` piped to mail or grep: a 300-character note is one line, not folded at 160
    columns; a line break in it is a space; labels padded as rich pads them on a terminal."""
    pin_clock("2026-11-24T10:00:00+08:00")
    note = "年度框架协议负责人，" * 30 + "\n第二行"
    cli = initialized
    assert cli("add", "王明", "--company", "华为", "--note", note).exit_code == 0
    result = cli("show", "1")
    assert result.exit_code == 0 and result.stderr == "no history yet\n"
    card = result.stdout.splitlines()
    assert card[:3] == ["#1 王明", "company     华为", "tier        regular"]
    assert ("note        " + note.replace("\n", " ")) in card


def test_a_card_on_a_terminal_is_rich_grid_with_the_same_lines(capsys, monkeypatch):
    monkeypatch.setattr(render_terminal, "stdout_is_terminal", lambda: True)
    render.emit_card("#7 李娜", [("company", "华为"), ("title", None), ("tags", ["vip"]),
                                 ("created at", "2026-11-24")])
    monkeypatch.setattr(render_terminal, "stdout_is_terminal", lambda: False)
    on_terminal = capsys.readouterr().out
    render.emit_card("#7 李娜", [("company", "华为"), ("title", None), ("tags", ["vip"]),
                                 ("created at", "2026-11-24")])
    plain = capsys.readouterr().out
    assert plain == "#7 李娜\ncompany     华为\ntags        vip\ncreated at  2026-11-24\n"
    assert [line.rstrip() for line in on_terminal.splitlines()] == plain.splitlines()


@given(st.text(max_size=30))
@hsettings(max_examples=300, deadline=None)
def test_display_width_matches_rich_on_any_text(text):
    from rich.cells import cell_len

    text = render.one_line(text)
    assert render.display_width(text) == cell_len(text)


@pytest.mark.parametrize("n, plain", [(2, False), (render.RICH_MAX_ROWS + 1, True)])
def test_a_table_of_text_cells_is_the_table_of_the_same_rows(capsys, monkeypatch, n, plain):
    """emit_text_table (cells made by SQL) prints what emit_rows prints for those rows, on a
    terminal (rich's table up to RICH_MAX_ROWS) and off it."""
    body = [(str(i), "王明" if i % 2 else "Anna Schmidt", "", "vip\n华东") for i in range(n)]
    heads = ["id", "name", "empty", "tags"]
    for terminal in (True, False):
        monkeypatch.setattr(render_terminal, "stdout_is_terminal", lambda: terminal)
        emit_rows([dict(zip(heads, cells)) for cells in body], heads, Format.table,
                  title="客户", empty="none")
        expected = capsys.readouterr()
        render.emit_text_table(heads, body, title="客户", empty="none")
        assert capsys.readouterr() == expected
        assert ("─" not in expected.out) == (plain or not terminal)
