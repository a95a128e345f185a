"""Erasure that lasts: `rm` leaves nothing in the search index or the tags (as `forget`),
and `restore` re-applies the erasures made after the backup it restores."""

from __future__ import annotations

import json

from conftest import inspect_db

NAME, COMPANY, PHONE, TAG = "Quuxley Zorbington", "Frobnicate Widgetworks", "13912345678", "lonelytag"
NEEDLES = [b"quuxley", b"zorbington", b"frobnicate", b"widgetworks", b"13912345678"]


def index_bytes(conn) -> bytes:
    """The raw blocks of both search indexes (a contentless delete hides a row from MATCH
    and from fts5vocab, but its tokens stay in these blocks until a merge)."""
    blocks = []
    for table in ("search_trigram_data", "search_grams_data", "search_trigram_idx",
                  "search_grams_idx"):
        for row in conn.execute(f"SELECT * FROM {table}"):
            blocks.extend(v for v in row if isinstance(v, (bytes, str)))
    return b"".join(v if isinstance(v, bytes) else v.encode() for v in blocks).lower()


def tag_names(conn) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM tags ORDER BY name")]


def listed(cli, *args) -> list[str]:
    result = cli("list", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return [c["name"] for c in json.loads(result.stdout)]


# --- item 7: rm cleans the search index and orphan tags ------------------------------------

def test_rm_leaves_no_trace_in_the_search_index_or_the_tags(initialized):
    cli = initialized
    gone = cli("add", NAME, "--company", COMPANY, "--phone", PHONE, "--tag", TAG,
               "--tag", "vip").stdout.strip()
    cli("add", "李娜", "--company", "腾讯", "--tag", "vip")
    before = inspect_db(index_bytes)
    assert all(n in before for n in NEEDLES)  # the scan sees them while the person is there
    assert inspect_db(tag_names) == [TAG, "vip"]

    r = cli("rm", gone, "--yes")
    assert (r.exit_code, r.stderr) == (0, f"removed #{gone}\n")
    after = inspect_db(index_bytes)
    assert [n for n in NEEDLES if n in after] == []
    assert inspect_db(tag_names) == ["vip"]  # the orphan went, the shared tag stayed
    assert listed(cli, "--search", "Frobnicate") == []
    assert listed(cli, "--search", "912345") == []
    assert listed(cli, "--search", "腾讯") == ["李娜"]  # the others are still found
    assert listed(cli, "--tag", "vip") == ["李娜"]
    assert cli("audit", "verify").exit_code == 0
