"""Duplicate candidates (issue 17.4): who is probably the same person, with a score, so
`audit data` can name the `merge` to run and `add` can warn.

A pair is a candidate when (scores in core/rules.py, DUPLICATE_SCORES):

- ``email``: the same email (case-insensitive); ``phone``: the same phone;
- ``name+company``: the same name and the same company once legal forms and regions are
  set aside (华为 = 华为技术有限公司 = 深圳华为; "Acme Co., Ltd." = "ACME GmbH");
- ``pinyin``: names equal in pinyin (王明 = 汪明 = "Wang Ming" = "Ming Wang"), beside a
  shared company, phone tail (the last DUPLICATE_PHONE_TAIL digits) or email domain (not a
  free-mail one);
- ``similar-name``: Latin names within a small edit distance (rapidfuzz ratio at least
  DUPLICATE_NAME_SIMILARITY, word order ignored: Jon Smith = John Smith), beside the same
  kinds of shared evidence. Two known, different companies rule the last two out. Chinese names are not compared by edit distance: 王明 and 王敏
  are two people.

Blocking keeps it fast: pairs are only looked for among customers sharing an email, a
phone, a company key, a phone tail or an email domain; inside a block names are compared by
rapidfuzz's ``cdist`` (in C), a block larger than DUPLICATE_BLOCK_MAX by neighbours in name
order. pypinyin and rapidfuzz are imported on first use.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import lru_cache

from crmctl.core import customers, rules, search
from crmctl.i18n import _

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PARENS = re.compile(r"[(（][^)）]*[)）]")
_WORDS = re.compile(r"[^\W_]+")
CN_LEGAL = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "总公司", "集团", "控股",
            "股份", "公司", "科技", "技术", "实业", "贸易", "网络", "信息", "电子", "软件")
CN_REGIONS = ("中国", "北京", "上海", "天津", "重庆", "深圳", "广州", "杭州", "南京", "苏州",
              "成都", "武汉", "西安", "长沙", "郑州", "青岛", "厦门", "宁波", "无锡", "东莞",
              "佛山", "合肥", "济南", "大连", "沈阳", "哈尔滨", "长春", "福州", "昆明", "香港",
              "澳门", "台湾", "广东", "浙江", "江苏", "山东", "福建", "四川", "湖北", "湖南",
              "河南", "河北", "安徽", "江西", "辽宁", "吉林", "黑龙江", "陕西", "山西", "云南",
              "贵州", "广西", "海南", "甘肃", "内蒙古", "新疆", "西藏", "宁夏", "青海", "珠海")
LATIN_LEGAL = frozenset(
    "co company corp corporation inc incorporated ltd limited llc llp plc gmbh ag kg se sa "
    "sas sarl srl spa bv nv oy ab as aps pte pty kk group holding holdings international "
    "intl technologies technology tech the".split())
LATIN_REGIONS = frozenset(
    "china deutschland germany usa us uk america europe asia japan france hk hongkong "
    "beijing shanghai shenzhen guangzhou hangzhou".split())
_REGION_WORDS = "|".join(sorted(CN_REGIONS, key=len, reverse=True))
_CN_LEADING = re.compile(f"^(?:{_REGION_WORDS})[市省]?")
_CN_TRAILING = re.compile(f"(?:{'|'.join(CN_LEGAL)}|(?:{_REGION_WORDS})[市省]?)$")
FREE_MAIL = frozenset(
    "qq.com 163.com 126.com sina.com sina.cn sohu.com foxmail.com yeah.net 139.com aliyun.com "
    "gmail.com googlemail.com hotmail.com outlook.com live.com msn.com yahoo.com icloud.com "
    "me.com gmx.de gmx.net web.de t-online.de proton.me protonmail.com".split())


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    company: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class Candidate:
    keep: int
    drop: int
    keep_name: str
    drop_name: str
    score: float
    reasons: list[str]

    @property
    def command(self) -> str:
        return f"crmctl merge {self.keep} {self.drop}"

    def to_dict(self) -> dict:
        return asdict(self) | {"command": self.command}


def _fold(text: str) -> str:
    """Case, accents and apostrophes set aside (Müller = Muller, O'Connor = OConnor)."""
    text = re.sub(r"['’`]", "", text)
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def company_key(company: str | None) -> str | None:
    """A company's name without legal form, regions, punctuation: 深圳华为技术有限公司 → 华为."""
    if not company or not company.strip():
        return None
    text = _PARENS.sub(" ", _fold(company))
    if _CJK.search(text):
        text = "".join(_WORDS.findall(text))
        previous = None
        while previous != text:  # 深圳市华为技术有限公司 → 华为技术有限公司 → 华为技术 → 华为
            previous = text
            stripped = _CN_TRAILING.sub("", text)
            text = stripped if stripped else text
            stripped = _CN_LEADING.sub("", text)
            text = stripped if stripped else text
        return text or None
    words = [w for w in _WORDS.findall(text) if w not in LATIN_LEGAL and w not in LATIN_REGIONS]
    return " ".join(words) or " ".join(_WORDS.findall(text)) or None


@lru_cache(maxsize=262144)
def name_key(name: str) -> str:
    """A name as written, without case, accents, spaces between CJK or word order."""
    folded = _fold(name)
    if _CJK.search(folded):
        return "".join(_WORDS.findall(folded))
    return " ".join(sorted(_WORDS.findall(folded)))


@lru_cache(maxsize=262144)
def sound_key(name: str) -> str:
    """A name as it sounds: pinyin without tones for Chinese characters, the words of the
    rest, in sorted order (王明, 汪明, Wang Ming and Ming Wang are all "ming wang")."""
    folded = _fold(name)
    if not _CJK.search(folded):
        return " ".join(sorted(_WORDS.findall(folded)))
    spaced = _CJK.sub(lambda m: f" {_char_pinyin(m.group(0))} ", folded)
    return " ".join(sorted(_WORDS.findall(spaced)))


@lru_cache(maxsize=32768)
def _char_pinyin(char: str) -> str:
    """One character's most common reading (names are read character by character: a few
    thousand characters cover a million names)."""
    from pypinyin import lazy_pinyin  # ~0.15 s to import: only when a Chinese name is met

    return lazy_pinyin(char)[0]


def is_latin(name: str) -> bool:
    return not _CJK.search(name)


_NOT_DIGIT = re.compile(r"\D")


def phone_tail(phone: str | None) -> str | None:
    digits = _NOT_DIGIT.sub("", phone or "")
    return digits[-rules.DUPLICATE_PHONE_TAIL:] if len(digits) >= 7 else None


def email_domain(email: str | None) -> str | None:
    domain = (email or "").rpartition("@")[2].lower()
    return domain if domain and domain not in FREE_MAIL else None


def _shared(what: str) -> str:
    """What two records share, as a reason says it (only once a pair is a candidate)."""
    return {"company": _("company"), "phone tail": _("phone tail"),
            "email domain": _("email domain")}[what]


def score(a: Person, b: Person) -> tuple[float, list[str]] | None:
    """The score of a pair and its reasons, or None when not a candidate."""
    scores = rules.DUPLICATE_SCORES
    found: list[tuple[float, str]] = []
    if a.email and b.email and a.email.lower() == b.email.lower():
        found.append((scores["email"], _("same email")))
    if a.phone and b.phone and a.phone == b.phone:
        found.append((scores["phone"], _("same phone")))
    same_company = company_key(a.company) is not None and \
        company_key(a.company) == company_key(b.company)
    named = same_company and name_key(a.name) == name_key(b.name)
    if named:
        found.append((scores["name+company"], _("same name and company")))
    shared = [what for what, same in (
        ("company", same_company),
        ("phone tail", phone_tail(a.phone) is not None and phone_tail(a.phone) == phone_tail(b.phone)),
        ("email domain", email_domain(a.email) is not None
         and email_domain(a.email) == email_domain(b.email))) if same]
    other_firms = None not in (company_key(a.company), company_key(b.company)) \
        and not same_company  # two known, different companies speak against the rest
    if shared and not named and not other_firms:
        evidence = _(", same {things}").format(things=_(" and ").join(map(_shared, shared)))
        if sound_key(a.name) == sound_key(b.name):
            same = _("same name") if is_latin(a.name + b.name) else _("name equal in pinyin")
            found.append((scores["pinyin"], same + evidence))
        elif is_latin(a.name) and is_latin(b.name):
            similarity = _similarity(sound_key(a.name), sound_key(b.name))
            if similarity >= rules.DUPLICATE_NAME_SIMILARITY:
                found.append((scores["similar-name"],
                              _("similar name ({percent:.0f}%)").format(percent=similarity)
                              + evidence))
    if not found:
        return None
    best = max(s for s, _ in found)
    if best < rules.DUPLICATE_MIN_SCORE:
        return None
    return best, [r for _, r in sorted(found, reverse=True)]


def _similarity(x: str, y: str) -> float:
    from rapidfuzz.fuzz import ratio

    return ratio(x, y)


# --- every candidate pair of the database (audit data) ------------------------------------

LIVE_PEOPLE = ("SELECT id, name, company, email, phone FROM customers "
               "WHERE forgotten_at IS NULL ORDER BY id")


def find(conn) -> list[Candidate]:
    """Every candidate pair among live customers, best score first; KEEP is the older."""
    people = [Person(*row) for row in conn.execute(LIVE_PEOPLE)]
    return candidates(people)


def candidates(people: list[Person]) -> list[Candidate]:
    """The pairs of ``people`` worth a merge (see the module docstring), by blocks."""
    pairs: set[tuple[int, int]] = set()
    exact: dict[tuple, list[int]] = defaultdict(list)
    evidence: dict[tuple, list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        company = company_key(p.company)
        for key in (("email", p.email.lower() if p.email else None), ("phone", p.phone),
                    ("name+company", company and (name_key(p.name), company))):
            if key[1]:
                exact[key].append(i)
        for key in (("company", company), ("tail", phone_tail(p.phone)),
                    ("domain", email_domain(p.email))):
            if key[1]:
                evidence[key].append(i)
    for members in exact.values():  # everyone to the oldest: one merge each
        pairs.update((members[0], other) for other in members[1:])
    for members in evidence.values():
        if len(members) > 1:
            pairs.update(_similar_in_block(people, members))
    out = []
    for i, j in sorted(pairs):
        a, b = people[i], people[j]
        if a.id > b.id:
            a, b = b, a
        found = score(a, b)
        if found:
            out.append(Candidate(a.id, b.id, a.name, b.name, found[0], found[1]))
    return sorted(out, key=lambda c: (-c.score, c.keep, c.drop))


def _similar_in_block(people: list[Person], members: list[int]) -> set[tuple[int, int]]:
    """Pairs of a block whose names sound alike or are close (rapidfuzz cdist in C);
    a block past DUPLICATE_BLOCK_MAX compares each name with its neighbours in order."""
    from rapidfuzz.fuzz import ratio
    from rapidfuzz.process import cdist

    keys = [sound_key(people[m].name) for m in members]
    order = sorted(range(len(members)), key=keys.__getitem__)
    window = rules.DUPLICATE_BLOCK_MAX
    found = set()
    for start in range(0, len(order), window // 2 if len(order) > window else window):
        chunk = order[start:start + window]
        names = [keys[k] for k in chunk]
        matrix = cdist(names, names, scorer=ratio, dtype="uint8", workers=1,
                       score_cutoff=rules.DUPLICATE_NAME_SIMILARITY)
        rows, cols = matrix.nonzero()
        found.update((min(members[chunk[r]], members[chunk[c]]),
                      max(members[chunk[r]], members[chunk[c]]))
                     for r, c in zip(rows.tolist(), cols.tolist()) if r < c)
    return found


# --- one customer against the rest (add's warning) -----------------------------------------

def for_customer(conn, customer_id: int, limit: int = 3) -> list[Candidate]:
    """The best candidates for one customer, found through the search index (customers
    sharing the company key, phone tail, email domain or name words), not a scan."""
    row = conn.execute("SELECT id, name, company, email, phone FROM customers WHERE id = ?",
                       (customer_id,)).fetchone()
    if row is None:
        return []
    me = Person(*row)
    queries = [q for q in (company_key(me.company), phone_tail(me.phone),
                           email_domain(me.email), me.email, me.name) if q and len(q) > 1]
    ids: set[int] = set()
    for query in queries:
        clause, params = search.match_clause(query)
        ids.update(r[0] for r in conn.execute(
            f"SELECT id FROM customers WHERE {clause} AND forgotten_at IS NULL AND id != ? "
            "LIMIT 500", [*params, customer_id]))
    if me.phone:
        ids.update(r[0] for r in conn.execute(
            "SELECT id FROM customers WHERE phone = ? AND forgotten_at IS NULL AND id != ?",
            (me.phone, customer_id)))
    out = []
    for cid in sorted(ids):
        other = Person(*conn.execute("SELECT id, name, company, email, phone FROM customers "
                                     "WHERE id = ?", (cid,)).fetchone())
        found = score(other, me)
        if found:
            out.append(Candidate(other.id, me.id, other.name, me.name, found[0], found[1]))
    return sorted(out, key=lambda c: (-c.score, c.keep))[:limit]


def add_checked(conn, raw: dict, **options) -> tuple[int, list[Candidate]]:
    """``customers.add``, then the likely duplicates of the new customer (for a warning;
    the exact email/phone duplicates ``add`` refuses unless allowed)."""
    cid = customers.add(conn, raw, **options)
    return cid, for_customer(conn, cid)
