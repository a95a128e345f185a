"""Header recognition: which column of a contact file holds which customer field.

``--mapping auto`` knows the headers of the real exports (Google Contacts legacy and
current, Outlook, Thunderbird), the common Chinese headers and crmctl's own export;
``--mapping google|outlook|thunderbird|chinese|crmctl`` limits it to one of them;
``--mapping FILE.toml`` names columns itself::

    [columns]
    "客户姓名" = "name"
    "Handy" = "phone"
    "Kategorie" = "tags"

A Plan says which column feeds which field; the helpers below read the raw cells (given and
family names composed in the right order, multi-valued cells split, tier words read,
crmctl's own spreadsheet-safety prefix removed) for rows.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from crmctl.core.importing.fields import COLUMNS
from crmctl.core.words import TIERS
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _
from crmctl.spreadsheet import restore

# Fields a column can feed. given/middle/family and birth_* are composed into name/birthday.
# in_note: kept in the note as "Header: value" (QQ, 性别, 地址: never silently dropped).
TARGETS = ("name", "given", "middle", "family", "company", "title", "email", "phone",
           "wechat", "industry", "region", "company_size", "source", "note", "in_note",
           "birthday", "birth_year", "birth_month", "birth_day", "tier", "tags", "country",
           "birthday_lunar", "phone_type", "email_type", "phones", "emails", "ignore")
# phone_type/email_type: Google's "Phone N - Type" beside its "Phone N - Value";
# phones/emails: crmctl's own export, every value of a kind in one cell ("work:+86…; …").
# "country" is not stored: it is the region the row's phone numbers are read in (countries.py).

_GOOGLE_COMMON = {"birthday": "birthday", "notes": "note"}
for _n in range(1, 6):
    _GOOGLE_COMMON[f"e-mail {_n} - value"] = "email"
    _GOOGLE_COMMON[f"phone {_n} - value"] = "phone"
    _GOOGLE_COMMON[f"电子邮件 {_n} - 值"] = "email"  # Google Contacts in Chinese
    _GOOGLE_COMMON[f"电话 {_n} - 值"] = "phone"
    _GOOGLE_COMMON[f"e-mail {_n} - type"] = "email_type"
    _GOOGLE_COMMON[f"phone {_n} - type"] = "phone_type"
    _GOOGLE_COMMON[f"e-mail {_n} - label"] = "email_type"  # current Google Contacts
    _GOOGLE_COMMON[f"phone {_n} - label"] = "phone_type"
    _GOOGLE_COMMON[f"电子邮件 {_n} - 类型"] = "email_type"
    _GOOGLE_COMMON[f"电话 {_n} - 类型"] = "phone_type"
    _GOOGLE_COMMON[f"电子邮件 {_n} - 标签"] = "email_type"
    _GOOGLE_COMMON[f"电话 {_n} - 标签"] = "phone_type"
for _n in range(1, 4):
    _GOOGLE_COMMON[f"address {_n} - country"] = "country"
    _GOOGLE_COMMON[f"地址 {_n} - 国家/地区"] = "country"  # Google Contacts in Chinese

SOURCES: dict[str, dict[str, str]] = {
    "google": {  # legacy (Given Name…) and current (First Name…, Labels) Google Contacts
        **_GOOGLE_COMMON, "name": "name", "given name": "given", "additional name": "middle",
        "family name": "family", "organization 1 - name": "company",
        "organization 1 - title": "title", "group membership": "tags",
        "first name": "given", "middle name": "middle", "last name": "family",
        "organization name": "company", "organization title": "title", "labels": "tags",
        # Google Contacts in Chinese (current and legacy)
        "名字": "given", "中间名": "middle", "姓氏": "family", "组织名称": "company",
        "组织职位": "title", "组织 1 - 名称": "company", "组织 1 - 职位": "title",
        "备注": "note", "生日": "birthday", "标签": "tags", "群组成员资格": "tags",
    },
    "outlook": {
        "first name": "given", "middle name": "middle", "last name": "family",
        "company": "company", "job title": "title", "title": "ignore",  # Mr./Ms.
        "e-mail address": "email", "e-mail 2 address": "email", "e-mail 3 address": "email",
        "mobile phone": "phone", "primary phone": "phone", "business phone": "phone",
        "business phone 2": "phone", "home phone": "phone", "home phone 2": "phone",
        "other phone": "phone", "company main phone": "phone", "categories": "tags",
        "notes": "note", "birthday": "birthday",
        # Outlook in Chinese; its 标题 is Mr./Ms., 职务 the job title
        "标题": "ignore", "名": "given", "中间名": "middle", "姓": "family", "公司": "company",
        "职务": "title", "电子邮件地址": "email", "电子邮件 2 地址": "email",
        "电子邮件 3 地址": "email", "移动电话": "phone", "主要电话": "phone",
        "商务电话": "phone", "商务电话 2": "phone", "住宅电话": "phone", "住宅电话 2": "phone",
        "其他电话": "phone", "公司主要电话": "phone", "类别": "tags", "备注": "note",
        "生日": "birthday", "商务传真": "phone", "住宅传真": "phone", "其他传真": "phone",
        "business fax": "phone", "home fax": "phone", "other fax": "phone", "pager": "phone",
        "car phone": "phone", "assistant's phone": "phone", "寻呼机": "phone",
        "business country/region": "country", "home country/region": "country",
        "other country/region": "country", "business country": "country",
        "home country": "country", "other country": "country", "country": "country",
        "商务地址 国家/地区": "country", "住宅地址 国家/地区": "country",
        "其他地址 国家/地区": "country",
    },
    "thunderbird": {
        "first name": "given", "last name": "family", "display name": "name",
        "primary email": "email", "secondary email": "email", "mobile number": "phone",
        "work phone": "phone", "home phone": "phone", "organization": "company",
        "job title": "title", "notes": "note", "birth year": "birth_year",
        "birth month": "birth_month", "birth day": "birth_day",
        # Thunderbird in Chinese
        "名字": "given", "姓氏": "family", "显示名称": "name", "主要电子邮件": "email",
        "次要电子邮件": "email", "移动电话号码": "phone", "工作电话": "phone",
        "家庭电话": "phone", "单位": "company", "职位": "title", "备注": "note",
        "出生年份": "birth_year", "出生月份": "birth_month", "出生日": "birth_day",
        "传真号码": "phone", "fax number": "phone", "pager number": "phone", "寻呼机号码": "phone",
        "work country": "country", "home country": "country",
        "工作所在国家/地区": "country", "家庭所在国家/地区": "country",
    },
    "chinese": {
        "姓名": "name", "客户名称": "name", "客户姓名": "name", "联系人": "name", "姓": "family",
        "名": "given", "公司": "company", "公司名称": "company", "单位": "company",
        "职位": "title", "职务": "title", "手机": "phone", "手机号": "phone",
        "手机号码": "phone", "电话": "phone", "联系电话": "phone", "邮箱": "email",
        "电子邮件": "email", "电子邮箱": "email", "微信": "wechat", "微信号": "wechat",
        "行业": "industry", "地区": "region", "城市": "region", "客户级别": "tier",
        "客户等级": "tier", "客户来源": "source", "来源": "source", "备注": "note",
        "标签": "tags", "生日": "birthday", "公司规模": "company_size",
        "名称": "name", "联系人姓名": "name", "客户": "name", "移动电话": "phone",
        "座机": "phone", "固话": "phone", "固定电话": "phone", "办公电话": "phone",
        "传真": "phone", "传真号码": "phone", "单位传真": "phone", "区域": "region", "所在地区": "region",
        "省份": "region", "省": "region", "所在城市": "region", "客户行业": "industry",
        "所属行业": "industry", "规模": "company_size", "人数": "company_size",
        "企业规模": "company_size", "员工人数": "company_size", "地址": "in_note",
        "详细地址": "in_note", "联系地址": "in_note", "公司地址": "in_note",
        "通讯地址": "in_note", "qq": "in_note", "qq号": "in_note", "qq号码": "in_note",
        "性别": "in_note",
        "国家/地区": "country", "国家": "country", "国家或地区": "country",
        "农历生日": "birthday_lunar", "阴历生日": "birthday_lunar",
        # Traditional Chinese (Taiwan, Hong Kong; files in Big5)
        "手機": "phone", "手機號碼": "phone", "電話": "phone", "聯絡電話": "phone",
        "傳真": "phone", "電子郵件": "email", "郵箱": "email", "職稱": "title",
    },
    "vcard": {  # the rows vcard.py makes of vCards; "error" refuses a card vobject cannot read
        "fn": "name", "org": "company", "title": "title", "tel": "phone", "email": "email",
        "bday": "birthday", "note": "note", "categories": "tags", "x-wechat": "wechat",
        "card": "ignore", "error": "refusal", "tels": "phones", "emails": "emails",
    },
    "crmctl": {  # crmctl's own export; its id, stage and times are not imported
        **{c: c for c in COLUMNS}, "tags": "tags", "id": "ignore", "stage": "ignore",
        "created_at": "ignore", "updated_at": "ignore", "last_contact_at": "ignore",
        "referred_by": "ignore", "phones": "phones", "emails": "emails",
        "phone_type": "ignore", "email_type": "ignore",
    },
}
# The type of the numbers and addresses of a column, by its header; a phone column not named
# here (电话, Phone 1 - Value) has its type from a type column, else from the number.
COLUMN_TYPES = {
    **dict.fromkeys(("mobile phone", "mobile number", "手机", "手机号", "手机号码", "移动电话",
                     "移动电话号码", "手機", "手機號碼"), "mobile"),
    **dict.fromkeys(("business phone", "business phone 2", "company main phone", "work phone",
                     "商务电话", "商务电话 2", "公司主要电话", "工作电话", "座机", "固话",
                     "固定电话", "办公电话"), "work"),
    **dict.fromkeys(("home phone", "home phone 2", "住宅电话", "住宅电话 2", "家庭电话"), "home"),
    **dict.fromkeys(("business fax", "home fax", "other fax", "fax number", "商务传真",
                     "住宅传真", "其他传真", "传真", "传真号码", "傳真", "单位传真"), "fax"),
    **dict.fromkeys(("other phone", "pager", "pager number", "car phone", "assistant's phone",
                     "其他电话", "寻呼机", "寻呼机号码"), "other"),
}
# Among several phone columns mobiles come first (the best mobile is the primary).
_MOBILE_FIRST = tuple(h for h, t in COLUMN_TYPES.items() if t == "mobile")
# A Chinese CRM's customer (a company) beside its contact person: with a PERSON column
# present, these name the company and the person is the customer's name; alone, the name.
COMPANY_BESIDE_PERSON = ("客户名称", "名称", "客户")
PERSON = ("联系人", "联系人姓名")

TAG_SPLIT = re.compile(r"\s*:::\s*|\s*[;,，；、|]\s*")
GOOGLE_SYSTEM_LABELS = {"* mycontacts", "* starred"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def header_key(header: str) -> str:
    return " ".join(str(header).replace("\ufeff", "").split()).casefold()


def unprefix(cell: str) -> str:
    """Undo crmctl's spreadsheet safety (crmctl.spreadsheet.restore, the exact inverse of
    what every csv of crmctl does): a "'" before = + - @ tab CR or another "'" is dropped."""
    return restore(cell)


@dataclass
class Plan:
    """Which column feeds which field; ``columns[i]`` is the target of column i."""

    headers: list[str]
    columns: list[str]
    by_target: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        groups: dict[str, list[int]] = {}
        for i, target in enumerate(self.columns):
            if target != "ignore":
                groups.setdefault(target, []).append(i)
        if "phone" in groups:
            groups["phone"].sort(key=lambda i: header_key(self.headers[i]) not in _MOBILE_FIRST)
            groups["phone"].sort(key=lambda i: COLUMN_TYPES.get(header_key(self.headers[i])) == "fax")
        self.by_target = {k: tuple(v) for k, v in groups.items()}

    def has_name(self) -> bool:
        return any(t in self.by_target for t in ("name", "given", "family"))

    def rows(self) -> list[dict]:
        return [{"column": h, "field": t} for h, t in zip(self.headers, self.columns)]

    def ignored(self) -> list[str]:
        """The named columns no field takes (--show-mapping says "ignore" for each)."""
        return [h for h, t in zip(self.headers, self.columns) if t == "ignore" and h.strip()]

    def fields(self) -> list[str]:
        """The customer fields this plan can fill (for the audit entry)."""
        out = {"name" if t in ("given", "middle", "family") else "note" if t == "in_note" else
               "birthday" if t.startswith("birth_") else t for t in self.by_target
               if t not in ("refusal", "country", "phone_type", "email_type", "phones",
                            "emails")}
        return sorted(out)


def make_plan(headers: list[str], mapping: str = "auto") -> Plan:
    """The plan for these headers under ``--mapping auto|NAME|FILE.toml``."""
    if mapping in ("auto", "", None):
        table = _auto_table(headers)
        columns = [table.get(header_key(h), "ignore") for h in headers]
    elif mapping in SOURCES:
        table = SOURCES[mapping]
        columns = [table.get(header_key(h), "ignore") for h in headers]
    else:
        columns = _toml_columns(headers, mapping)
    return Plan(list(headers), columns)


def _auto_table(headers: list[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for name in ("crmctl", "chinese", "thunderbird", "outlook", "google"):
        table.update(SOURCES[name])
    keys = {header_key(h) for h in headers}
    # Outlook's "Title" is Mr./Ms. beside its "Job Title"; crmctl's "title" is the job title.
    table["title"] = "ignore" if "job title" in keys else "title"
    if keys.intersection(PERSON):
        table.update(dict.fromkeys(COMPANY_BESIDE_PERSON, "company"))
    return table


def _toml_columns(headers: list[str], mapping: str) -> list[str]:
    import tomllib

    path = Path(mapping)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name too long for a path, or with a NUL in it
        exists = False
    if not path.suffix == ".toml" and not exists:
        raise InvalidValue(_("unknown mapping {mapping}: use auto, {sources} or a FILE.toml"
                             ).format(mapping=repr(mapping), sources=", ".join(SOURCES)))
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(_("no mapping file {mapping}").format(mapping=mapping)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidValue(_("cannot read mapping file {mapping}: {error}").format(
            mapping=mapping, error=exc)) from None
    table = doc.get("columns", doc)
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise InvalidValue(_('mapping file {mapping}: expected [columns] "Header" = "field"'
                             ).format(mapping=mapping))
    given = {header_key(k): v.strip().lower() for k, v in table.items()}
    for header, target in given.items():
        if target not in TARGETS:
            raise InvalidValue(_("mapping file {mapping}: unknown field {field} for column "
                                 "{column}; fields: {fields}").format(
                mapping=mapping, field=repr(target), column=repr(header),
                fields=", ".join(TARGETS)))
    auto = _auto_table(headers) if doc.get("auto", True) is not False else {}
    return [given.get(header_key(h), auto.get(header_key(h), "ignore")) for h in headers]


def tier_word(value: str) -> str | None:
    """diamond/gold/silver/regular for a tier word (钻石, 金牌, A, Gold…), else None: the
    command line's words (core/words.py)."""
    return TIERS.find(value)


def split_tags(value: str) -> list[str]:
    out = []
    for part in TAG_SPLIT.split(value):
        part = part.strip()
        if not part or part.casefold() in GOOGLE_SYSTEM_LABELS:
            continue
        out.append(part[2:] if part.startswith("* ") else part)
    return out


def compose_name(given: str, middle: str, family: str) -> str:
    """王 + 明 → 王明 (family first, no space); Anna + Schmidt → Anna Schmidt."""
    if _CJK.search(family) or _CJK.search(given):
        return family + middle + given
    return " ".join(p for p in (given, middle, family) if p)


def first_value(cell: str) -> str:
    """Google puts several values in one cell with ' ::: '; the first is the primary."""
    if ":::" in cell:
        for part in cell.split(":::"):
            if part.strip():
                return part.strip()
        return ""
    return cell
