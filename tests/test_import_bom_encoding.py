"""A UTF-8 BOM glued onto a GBK body (Excel's "CSV UTF-8" over a GBK export): the BOM is
not trusted when the rest is not UTF-8, a forced --encoding drops it, and a real UTF-8 BOM
file still reads as UTF-8."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmctl.core import customers, importing
from crmctl.core.importing import Options
from crmctl.errors import InvalidValue

BOM = b"\xef\xbb\xbf"
GBK_ROWS = "姓名,公司,手机\n王明,华为,13800138000\n李娜,阿里巴巴,13912345678\n"


def names(conn) -> list[str]:
    return sorted(c.name for c in customers.list_customers(conn))


def count(conn) -> int:
    return conn.execute("SELECT count(*) FROM customers").fetchone()[0]


@pytest.fixture
def bom_gbk(tmp_path) -> Path:
    path = tmp_path / "excel导出.csv"
    path.write_bytes(BOM + GBK_ROWS.encode("gbk"))
    return path


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "GB18030"])
def test_bom_on_gbk_body_forced_encoding_drops_the_bom(conn, bom_gbk, encoding):
    summary = importing.run(conn, bom_gbk, Options(encoding=encoding))
    assert (summary.inserted, summary.rejected, summary.rows) == (2, 0, 2)
    assert names(conn) == ["李娜", "王明"]
    person = {c.name: c for c in customers.list_customers(conn)}["王明"]
    assert (person.company, person.phone) == ("华为", "+8613800138000")


def test_bom_on_gbk_body_detected(conn, bom_gbk):
    """Without --encoding: strict UTF-8 fails after the BOM, so the BOM is not telling the
    truth, and the rest decodes as GB18030."""
    summary = importing.run(conn, bom_gbk, Options())
    assert summary.encoding == "gb18030"
    assert (summary.inserted, summary.rows) == (2, 2)
    assert names(conn) == ["李娜", "王明"]


def test_bom_on_a_body_that_is_neither_names_encoding(conn, tmp_path):
    """A BOM on bytes that are neither UTF-8 nor GB18030: one line naming --encoding,
    nothing written."""
    path = tmp_path / "odd.csv"
    path.write_bytes(BOM + "姓名,公司\n王明,华为\n".encode("gbk") + b"\x81\x20\xff\n")
    with pytest.raises(InvalidValue) as caught:
        importing.run(conn, path, Options())
    message = str(caught.value)
    assert "--encoding" in message and "\n" not in message
    assert count(conn) == 0


def test_a_real_utf8_bom_file_still_reads_as_utf8(conn, tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_bytes(BOM + GBK_ROWS.encode("utf-8"))
    summary = importing.run(conn, path, Options())
    assert summary.encoding == "utf-8-sig" and names(conn) == ["李娜", "王明"]
    # forcing utf-8 on a BOM file: the BOM is not glued onto the first header
    conn.execute("DELETE FROM customers")
    assert importing.run(conn, path, Options(encoding="utf-8")).inserted == 2


def test_bom_on_utf8_with_a_pasted_gbk_row(conn, tmp_path):
    """Behind a BOM the rest is judged as a file without one: UTF-8 with one GBK row pasted
    in imports its good rows and rejects that one (it is not read as GB18030 mojibake)."""
    path = tmp_path / "mixed.csv"
    path.write_bytes(BOM + GBK_ROWS.encode("utf-8") + "张伟,腾讯,13700001111\n".encode("gbk"))
    summary = importing.run(conn, path, Options())
    assert summary.encoding == "utf-8-sig"
    assert (summary.inserted, summary.rejected, summary.rows) == (2, 1, 3)
    assert names(conn) == ["李娜", "王明"]


def test_cli_bom_on_gbk_body(initialized, bom_gbk):
    cli = initialized
    result = cli("import", bom_gbk, "--encoding", "gb18030", "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["inserted"], summary["rejected"], summary["rows"]) == (2, 0, 2)
    listed = json.loads(cli("list", "--format", "json").stdout)
    assert sorted(c["name"] for c in listed) == ["李娜", "王明"]


def test_big5_and_shift_jis_without_a_bom_are_not_read_as_gb18030(initialized, tmp_path):
    """GB18030 decodes nearly any bytes: a Big5 or Shift-JIS file used to come in as
    garbage; now what reads as nonsense in GB18030 is tried as Big5 and cp932."""
    big5 = tmp_path / "tw.csv"
    big5.write_bytes("姓名,公司,手機,電子郵件\n陳大文,臺灣積體電路製造,0912345678,chen@example.tw\n"
                     "林美麗,鴻海精密工業,0987654321,lin@example.tw\n".encode("big5"))
    sjis = tmp_path / "jp.csv"
    sjis.write_bytes("姓名,公司,携帯電話\n山田太郎,トヨタ自動車,090-1234-5678\n"
                     "佐藤花子,ソニーグループ,080-9876-5432\n".encode("cp932"))
    gbk = tmp_path / "cn.csv"
    gbk.write_bytes("姓名,公司,手机\n王明,华为技术有限公司,13800138000\n".encode("gbk"))
    for path, region, encoding, names in [
            (big5, "TW", "big5", ["陳大文", "林美麗"]),
            (sjis, "JP", "cp932", ["山田太郎", "佐藤花子"]),
            (gbk, "CN", "gb18030", ["王明"])]:
        r = initialized("import", path, "--region", region, "--format", "json")
        assert r.exit_code == 0, r.stderr
        assert (json.loads(r.stdout)["encoding"], json.loads(r.stdout)["inserted"]) == \
            (encoding, len(names))
    listed = json.loads(initialized("list", "--format", "json").stdout)
    assert [c["name"] for c in listed] == ["陳大文", "林美麗", "山田太郎", "佐藤花子", "王明"]
    assert listed[0]["phone"] == "+886912345678" and listed[0]["email"] == "chen@example.tw"
    assert listed[2]["company"] == "トヨタ自動車"
