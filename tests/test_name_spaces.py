"""Issue 15 audit 5: a Chinese name typed with spaces (徐  清) is stored as import stores it
(徐清), by add and edit alike; a Latin name keeps its one space."""

from __future__ import annotations

import json

from crmctl.core import customers, importing


def test_add_and_edit_squeeze_spaces_between_chinese_characters(conn):
    cid = customers.add(conn, {"name": "徐  清", "company": "华为"})
    assert customers.get(conn, cid).name == "徐清"
    customers.edit(conn, cid, {"name": " 王　 明 "})  # an ideographic space too
    assert customers.get(conn, cid).name == "王明"
    customers.edit(conn, cid, {"name": "Anna   Schmidt"})
    assert customers.get(conn, cid).name == "Anna Schmidt"
    customers.edit(conn, cid, {"name": "王 Anna 明"})  # a space beside Latin stays
    assert customers.get(conn, cid).name == "王 Anna 明"


def test_add_and_import_agree(conn, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("姓名\n徐  清\n", encoding="utf-8")
    importing.run(conn, path)
    added = customers.add(conn, {"name": "徐  清"}, allow_duplicate=True)
    assert {c.name for c in customers.list_customers(conn, customers.Filter())} == {"徐清"}
    assert customers.get(conn, added).name == "徐清"


def test_cli_add_stores_the_squeezed_name(initialized):
    result = initialized("add", "徐  清", "--company", "华为")
    assert result.exit_code == 0, result.stderr
    shown = initialized("list", "--format", "json")
    assert [c["name"] for c in json.loads(shown.stdout)] == ["徐清"]
