"""crmctl import of vCard files: each real-shaped file field by field, the round trip of
crmctl's own vcf export, cards that cannot be read, and the CSV pipeline's options."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crmctl.core import customers, exporting, importing
from crmctl.core.exporting import Request
from crmctl.core.importing import Options, vcard
from crmctl.errors import InvalidValue, UsageError

from conftest import PASSPHRASE

REAL = Path(__file__).parent / "data" / "real"
FIELDS = ("company", "title", "email", "phone", "wechat", "birthday", "note", "tags")


def people(conn) -> dict[str, dict]:
    """Every customer by name: the fields a vCard can fill."""
    return {c.name: {f: getattr(c, f) for f in FIELDS} for c in customers.list_customers(conn)}


def state(conn):
    return [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("customers", "customer_tags", "tags", "audit_log")]


def person(**given) -> dict:
    return {f: given.get(f, [] if f == "tags" else None) for f in FIELDS}


EXPECTED = {
    "apple_contacts_3.0.vcf": ("utf-8", {
        "王明": person(company="华为技术有限公司", title="采购经理",
                     email="wang.ming@huawei.example.cn", phone="+8613800138000",
                     wechat="wangming_wx", birthday="1985-03-12",
                     note="2025 广交会认识, 对价格敏感", tags=["VIP", "展会2026"]),
        # the preferred work number (a fax never is the phone); Apple's 1604 means no year
        "Dr. John Q. Smith Jr.": person(company="Acme Corporation", title="VP Sales",
                                        email="John.Smith@acme.example.com",
                                        phone="+19082954848", birthday="--06-01"),
    }),
    "android_2.1_qp_utf8.vcf": ("utf-8", {
        "欧阳娜娜": person(company="腾讯科技", title="市场总监",
                       email="nana.ouyang@qq.example.com", phone="+8613912345678",
                       birthday="1990-11-02",
                       note="老客户，两次复购。她更喜欢微信联系，不要在工作日上午打电话，周末可以。"),
        "司马光": person(phone="+8618600001111", wechat="simaguang1019"),  # the preferred mobile
        "Kevin": person(phone="+85291234567"),
    }),
    "outlook_2.1_gb2312.vcf": ("gb18030", {  # 镕 is GBK, not GB2312: read as GB18030
        "朱镕军": person(company="中国石化", title="总经理助理",
                      email="zhu.rongjun@sinopec.example.cn", phone="+8615900001234",
                      note="重要客户，年度合同在三月", tags=["重点客户"]),
    }),
    "outlook_2.1_windows1252.vcf": ("cp1252", {
        "José Núñez": person(company="Telefónica S.A.", title="Director de Compañía",
                             email="jose.nunez@telefonica.example.es", phone="+34612345678",
                             birthday="1972-02-29", note="Prefiere reuniones por la mañana"),
        "Jürgen Müller": person(company="Bäckerei Müller GmbH", phone="+497111234567",
                                email="j.mueller@baeckerei.example.de"),
    }),
    "khard_4.0.vcf": ("utf-8", {  # FN "娜娜 上官": the name from N, family first
        "上官娜娜": person(company="字节跳动", title="产品经理",
                       email="shangguan@bytedance.example.cn", phone="+8613500002222",
                       wechat="shangguan_nn", birthday="--06-01", note="khard 建立的联系人",
                       tags=["北京", "朋友"]),
        "东郭先生": person(phone="+862584321000", birthday="--12-24"),
    }),
    "thunderbird_4.0.vcf": ("utf-8", {
        "Lukas Weber": person(company="Weber & Söhne KG", title="Geschäftsführer",
                              email="lukas.weber@example.de", phone="+4915123456789",
                              birthday="1990-07-04", note="Met at the Hannover fair"),
        "Marie Curie": person(email="marie@example.fr", phone="+33612345678"),  # tel: URI
    }),
    "windows_utf16.vcf": ("utf-16", {
        "李娜": person(company="小米科技", email="li.na@xiaomi.example.cn",
                     phone="+8613912340000", birthday="--03-15", tags=["展会2026"]),
        "Ayşe Öztürk": person(phone="+902125550101"),
    }),
    "iphone_cards": ("utf-8", {  # a directory, one card a file; README.txt is not read
        "张伟": person(email="zhangwei@example.cn", phone="+8618600003333"),
        "赵敏": person(company="明教", phone="+8613600004444"),
    }),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_vcard_file_field_by_field(conn, name):
    encoding, expected = EXPECTED[name]
    summary = importing.run(conn, REAL / name)
    assert (summary.inserted, summary.rejected, summary.skipped, summary.rows) == (
        len(expected), 0, 0, len(expected))
    assert summary.encoding == encoding
    got = people(conn)
    for who, fields in expected.items():
        got_fields = dict(got[who], tags=sorted(got[who]["tags"]))
        assert got_fields == dict(fields, tags=sorted(fields["tags"])), who
    assert set(got) == set(expected)


def test_the_vcf_export_imports_back_with_every_field(conn, tmp_path):
    from crmctl.store import create_database

    entries = [
        ({"name": "王明", "company": "华为", "title": "采购经理", "phone": "13800138000",
          "email": "wang@example.cn", "note": "=SUM(1), 分号; 反斜杠 \\ 完", "birthday": "1985-05-01"},
         ["vip", "展会2026"]),
        ({"name": "欧阳娜娜", "company": "腾讯", "email": "li@example.cn"}, ["展会2026"]),
        ({"name": "司马光", "phone": "+86 186 0000 1111"}, []),
        ({"name": "Anna Maria Schmidt", "company": "Acme GmbH", "email": "anna@acme.de",
          "phone": "+49 30 1234567", "title": "CEO"}, []),
        ({"name": "Madonna", "note": "one name"}, ["music"]),
        ({"name": "王", "company": "个体"}, []),
    ]
    for fields, tags in entries:
        customers.add(conn, fields, tags=tags)
    out = tmp_path / "all.vcf"
    summary = exporting.export(conn, Request(fmt="vcf"), out)
    exported = exporting.vcard.FIELDS
    before = {c.name: {f: getattr(c, f) for f in exported if f != "id"}
              for c in customers.list_customers(conn)}

    other = create_database(tmp_path / "other.db", PASSPHRASE.encode())
    try:
        result = importing.run(other, out)
        assert (result.inserted, result.rejected) == (summary["rows"], 0) == (6, 0)
        after = {c.name: {f: getattr(c, f) for f in exported if f != "id"}
                 for c in customers.list_customers(other)}
    finally:
        other.close()
    assert after == before


def test_a_card_vobject_cannot_read_goes_to_the_rejects_file(conn, tmp_path):
    path = tmp_path / "mixed.vcf"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:好人\nTEL:13800138000\nEND:VCARD\n"
                    "BEGIN:VCARD\nVERSION:3.0\nFN:坏卡\nthis line has no colon\nEND:VCARD\n"
                    "BEGIN:VCARD\nVERSION:3.0\nFN:No Phone\nTEL:12\nEND:VCARD\n"
                    "BEGIN:VCARD\nVERSION:3.0\nFN:未结束\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    summary = importing.run(conn, path, Options(rejects=str(rejects)))
    assert (summary.inserted, summary.rejected, summary.rows) == (1, 3, 4)
    assert set(people(conn)) == {"好人"}
    rows = list(csv.reader(rejects.open(encoding="utf-8-sig", newline="")))
    assert rows[0] == ["row", "reason", *vcard.HEADERS]
    reasons = {r[0]: (r[1], r[2]) for r in rows[1:]}
    assert reasons["2"][0].startswith("cannot read the card at line 6: ")
    assert "this line has no colon" in reasons["2"][0] and reasons["2"][1] == "line 6"
    assert reasons["3"][0].startswith("invalid phone") and reasons["3"][1] == "line 11"
    assert reasons["4"] == ("the card at line 16 has no END:VCARD", "line 16")


@pytest.mark.parametrize("head", ["BEGIN:VCARD", "\ufeff\r\n  begin:vcard", "\n\nBegin:VCard"])
def test_a_vcard_is_known_by_its_content_whatever_its_name(conn, tmp_path, head):
    path = tmp_path / "contacts.csv"
    path.write_text(f"{head}\nVERSION:3.0\nN:王;明;;;\nFN:王明\nEND:VCARD\n", encoding="utf-8")
    assert importing.run(conn, path).inserted == 1
    assert set(people(conn)) == {"王明"}


def test_a_csv_that_mentions_begin_vcard_later_is_still_csv(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("name,note\n王明,BEGIN:VCARD\n", encoding="utf-8")
    assert not vcard.is_vcard(path)


@pytest.mark.parametrize("fn, n, name", [
    ("明 王", ("王", "明", ""), "王明"),  # given-first FN of a Chinese name
    ("欧阳 娜娜", ("欧阳", "娜娜", ""), "欧阳娜娜"),
    ("", ("司马", "光", ""), "司马光"),  # no FN: N composed
    ("王明（华为）", ("王", "明", ""), "王明（华为）"),  # FN says more than N: FN as written
    ("王明 Kevin", ("王明", "Kevin", ""), "王明 Kevin"),
    ("Anna Schmidt", ("Schmidt", "Anna", ""), "Anna Schmidt"),
    ("", ("Schmidt", "Anna", "Maria"), "Anna Maria Schmidt"),
])
def test_name_from_fn_and_n(fn, n, name):
    import vobject

    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(family=n[0], given=n[1], additional=n[2])
    assert vcard.name_of(fn, card.n) == name


@pytest.mark.parametrize("line, birthday", [
    ("BDAY:--0601", "--06-01"), ("BDAY:--06-01", "--06-01"), ("BDAY:19900704", "1990-07-04"),
    ("BDAY:1990-07-04T00:00:00Z", "1990-07-04"), ("BDAY;VALUE=DATE:1990-07-04", "1990-07-04"),
    ("BDAY;X-APPLE-OMIT-YEAR=1604:1604-06-01", "--06-01"), ("BDAY:1604-06-01", "1604-06-01"),
])
def test_birthday_shapes(line, birthday):
    import vobject

    card = vobject.readOne(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n{line}\r\nEND:VCARD\r\n")
    assert vcard.birthday_of(card.bday) == birthday


def test_a_directory_without_vcards_is_refused(conn, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.csv").write_text("name\n王明\n", encoding="utf-8")
    before = state(conn)
    with pytest.raises(InvalidValue, match=r"d is a directory without \.vcf files; import reads "
                                           r"a CSV, xlsx or vCard file, or a directory of \.vcf"):
        importing.run(conn, tmp_path / "d")
    assert state(conn) == before


# --- the CSV pipeline's options, through the command line -----------------------------------

def test_cli_dry_run_duplicates_update_and_tags(initialized, tmp_path):
    cli = initialized
    path = REAL / "khard_4.0.vcf"
    result = cli("import", path, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"inserted": 2' in result.stdout and '"dry_run": true' in result.stdout
    assert cli("list", "--format", "csv").stdout.count("\n") == 1  # the header only
    assert cli("import", path, "--tag", "vcard").exit_code == 0
    again = cli("import", path, "--format", "json")
    assert '"skipped": 2' in again.stdout and '"inserted": 0' in again.stdout
    changed = tmp_path / "changed.vcf"
    changed.write_text("BEGIN:VCARD\nVERSION:4.0\nFN:上官娜娜\nTEL:+86 135 0000 2222\n"
                       "TITLE:副总裁\nEND:VCARD\n", encoding="utf-8")
    assert cli("import", changed, "--on-duplicate", "update").exit_code == 0
    shown = cli("show", "1", "--format", "json").stdout
    assert '"title": "副总裁"' in shown and '"vcard"' in shown and '"朋友"' in shown


def test_cli_mapping_other_than_auto_is_refused_for_a_vcard(initialized):
    result = initialized("import", REAL / "khard_4.0.vcf", "--mapping", "google")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("crmctl: --mapping google does not apply to a vCard file "
                                     "(its fields are read by name)")
    assert initialized("list", "--format", "csv").stdout.count("\n") == 1


def test_cli_show_mapping_of_a_vcard(initialized):
    result = initialized("import", REAL / "khard_4.0.vcf", "--show-mapping", "--format", "csv")
    assert result.exit_code == 0
    assert "FN,name" in result.stdout and "TEL,phone" in result.stdout


def test_mapping_error_raises_usage_error(conn):
    with pytest.raises(UsageError):
        importing.run(conn, REAL / "khard_4.0.vcf", Options(mapping="chinese"))


def test_utf16_without_a_bom_and_8bit_lines_naming_no_charset(conn, tmp_path):
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:{f};{g};;;\r\nFN:{f}{g}\r\nEND:VCARD\r\n"
    (tmp_path / "be.vcf").write_bytes(card.format(f="钱", g="多").encode("utf-16-be"))
    (tmp_path / "gbk.vcf").write_bytes(("BEGIN:VCARD\r\nVERSION:2.1\r\nN:孙;悟空\r\n"
                                        "FN:孙悟空\r\nEND:VCARD\r\n").encode("gbk"))
    assert importing.run(conn, tmp_path / "be.vcf").encoding == "utf-16-be"
    assert importing.run(conn, tmp_path / "gbk.vcf").encoding == "gb18030"
    assert set(people(conn)) == {"钱多", "孙悟空"}
