"""vCard 3.0 (vobject) for address books: one card per customer.

FN is the name as kept; N splits it sensibly: a CJK name without a space is family name
first (王明 → 王 + 明; the common two-character surnames such as 欧阳 or 司马 stay whole),
a name with spaces is "given … family" (Anna Schmidt → Schmidt + Anna), except a CJK name
written with a space, which keeps its order (欧阳 娜娜 → 欧阳 + 娜娜).

WeChat is written as X-WECHAT and IMPP:weixin: (both read back by import).
Every phone and email is written, the primary first (PREF when there are several). TEL's
TYPE follows the stored type (mobile CELL, work WORK,VOICE, home HOME,VOICE, fax WORK,FAX);
where none is stored it follows the number: a mobile number is CELL, a fixed line
WORK,VOICE, anything else (a US number may be either) VOICE.
A birthday without a year is ``BDAY:--MMDD`` (vCard 4's form, which 3.0 readers such as
Android, Thunderbird and khard read; 3.0's own grammar has no year-less date).
"""

from __future__ import annotations

import re

from crmctl.core.contact_points import from_cell, primary_type

# Customer fields a card carries (the audit entry names these).
FIELDS = ("id", "name", "company", "title", "email", "phone", "wechat", "note", "tags",
          "birthday")
# A stored type as TEL/EMAIL TYPE values (what Apple, Google and Android write).
_TEL_TYPES = {"mobile": ("CELL",), "work": ("WORK", "VOICE"), "home": ("HOME", "VOICE"),
              "fax": ("WORK", "FAX"), "other": ("VOICE",)}
_EMAIL_TYPES = {"work": ["WORK"], "home": ["HOME"]}

# The compound surnames of the 百家姓, and a few more still borne (独孤, 太史).
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 令狐 宇文 司徒 夏侯 轩辕 端木 独孤 "
    "南宫 西门 百里 呼延 万俟 澹台 公冶 申屠 太史 闻人 赫连 钟离 淳于 单于 司空 濮阳 "
    "东郭 东门 南门 公羊 宗政 太叔 仲孙 鲜于 闾丘 亓官 司寇 子车 颛孙 巫马 公西 漆雕 乐正 "
    "壤驷 公良 拓跋 夹谷 宰父 谷梁 段干 羊舌 微生 梁丘 左丘 第五".split())
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def split_name(name: str) -> tuple[str, str]:
    """(family, given) for vCard N."""
    name = name.strip()
    parts = name.split()
    if _CJK.match(name):
        if len(parts) > 1:
            return parts[0], " ".join(parts[1:])
        if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
            return name[:2], name[2:]
        return (name[0], name[1:]) if len(name) > 1 else (name, "")
    if len(parts) > 1:
        return parts[-1], " ".join(parts[:-1])
    return "", name


def card(record: dict):
    """One vobject vCard from a customer record (keys as in select.CUSTOMER_COLUMNS)."""
    import vobject

    c = vobject.vCard()
    family, given = split_name(record["name"])
    c.add("n").value = vobject.vcard.Name(family=family, given=given)
    c.add("fn").value = record["name"]
    c.add("uid").value = f"crmctl-customer-{record['id']}"
    if record.get("company"):
        c.add("org").value = [record["company"]]
    if record.get("title"):
        c.add("title").value = record["title"]
    emails = from_cell(record.get("emails"), record.get("email"), "email")
    for i, point in enumerate(emails):  # the primary first, PREF when there are several
        email = c.add("email")
        email.value = point["value"]
        email.type_paramlist = (["INTERNET", *_EMAIL_TYPES.get(point["type"], [])]
                                + (["PREF"] if i == 0 and len(emails) > 1 else []))
    phones = from_cell(record.get("phones"), record.get("phone"), "phone")
    for i, point in enumerate(phones):
        tel = c.add("tel")
        tel.value = point["value"]
        guessed = point["type"] == primary_type("phone", point["value"], None)
        tel.type_paramlist = ((tel_types(point["value"]) if guessed
                               else list(_TEL_TYPES[point["type"]]))
                              + (["PREF"] if i == 0 and len(phones) > 1 else []))
    if record.get("wechat"):  # both forms import reads (importing/vcard.py _wechat)
        c.add("x-wechat").value = record["wechat"]
        c.add("impp").value = "weixin:" + record["wechat"]
    if record.get("note"):
        c.add("note").value = record["note"]
    if record.get("tags"):
        c.add("categories").value = record["tags"].split(";")
    birthday = record.get("birthday")
    if birthday:  # stored YYYY-MM-DD or --MM-DD
        c.add("bday").value = ("--" + birthday[2:].replace("-", "")
                               if birthday.startswith("--") else birthday)
    return c


def tel_types(phone: str) -> list[str]:
    """TEL's TYPE for an E.164 number: CELL for a mobile, WORK+VOICE for a fixed line."""
    import phonenumbers

    try:
        kind = phonenumbers.number_type(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return ["VOICE"]
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return ["CELL"]
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        return ["WORK", "VOICE"]
    return ["VOICE"]


def write_vcf(stream, table) -> int:
    """Every row of a customer table as a card; return how many."""
    n = 0
    for row in table.rows:
        stream.write(card(dict(zip(table.columns, row))).serialize())
        n += 1
    return n
