"""Pinyin keys of names and companies: the search tokens and the sort key (issue 16).

Readings come from pypinyin's dictionaries (imported on the first call, ~0.5 s: never on
`--help`, `list` or `followups`, only when a name or company is written). A Han run is read
the way pypinyin's ``lazy_pinyin`` reads it — forward maximum matching over its phrase
dictionary, else each character's first reading (银行 yin hang, 重庆 chong qing) — but from
the dictionaries directly, with each distinct run memoized: pypinyin's own call costs
~60 µs for a name and ~150 µs for a company, which a million-row import cannot afford.

A person's name is read in name mode: its first character (or two, for a compound
surname) takes the surname reading from ``SURNAMES`` where that differs from the common one
(单 Shan, not Dan); the common reading is indexed too, so either finds the person.

Search tokens (``search_tokens``), for each Han run of the name and of the company (its
legal form cut), from each of its first syllables (6 of a name, 4 of a company): the full
pinyin to the run's end and its initials (王明华 → wangminghua wmh minghua mh hua; a lone
initial is a prefix of the full token beside it). A query is matched against them as a
word prefix, so ``wm``, ``wangming``, ``wang ming`` and ``minghua`` find 王明华, while a
substring inside a syllable (``ang``) does not. ü is written v (吕 lv), as typed.

Sort key (``sort_key``): each Han character as its pinyin and tone digit, other characters
case-folded: 陈伟 → chen2wei3, Anna → anna, so Latin names fall between by their letters
and a digit (the tone) ends each syllable (李 li3 < Lily < 刘 liu2).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# runs of Han characters (the pattern's text: compiled on first use, not at every start-up,
# ~1 ms; as render/cells.py's _simple_wide)
_HAN_TEXT = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
_HAN = None


def _compile_han() -> re.Pattern:
    global _HAN
    _HAN = re.compile(_HAN_TEXT)
    return _HAN


# Full pinyin and initials tokens start at each of a run's first syllables, not beyond:
# each start adds two tokens to the index (an import's cost). A name has at most 4; in a
# company the city and the brand come first (深圳华为… hw), and its legal form is left out.
SUFFIX_STARTS = 6
COMPANY_STARTS = 4
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "公司")

# Surname readings that differ from a character's common reading. Source: GB/T 28039-2011
# 《中国人名汉语拼音字母拼写规则》 and the 姓 entries of 《现代汉语词典》 (7th ed.).
SURNAMES = {
    "单": "shan4", "曾": "zeng1", "解": "xie4", "区": "ou1", "仇": "qiu2", "朴": "piao2",
    "查": "zha1", "盖": "ge3", "缪": "miao4", "翟": "zhai2", "覃": "qin2", "召": "shao4",
    "种": "chong2", "秘": "bi4", "繁": "po2", "句": "gou1", "员": "yun4", "华": "hua4",
    "任": "ren2", "纪": "ji3", "宁": "ning4", "乐": "yue4", "隗": "wei3", "谌": "chen2",
    "黑": "he4", "折": "she2", "薄": "bo2", "乜": "nie4", "过": "guo1", "燕": "yan1",
    "尉迟": "yu4 chi2", "万俟": "mo4 qi2", "单于": "chan2 yu2", "长孙": "zhang3 sun1",
    "澹台": "tan2 tai2",
}
_TONES = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}


@lru_cache(maxsize=4096)
def _syllable(marked: str) -> str:
    """pypinyin's tone-marked syllable → plain letters and tone digit: lǚ → lv3, de → de5."""
    letters, tone = [], "5"
    for ch in unicodedata.normalize("NFD", marked):
        if ch in _TONES:
            tone = _TONES[ch]
        elif ch == "\u0308":  # the diaeresis of ü
            letters[-1] = "v"
        elif not unicodedata.combining(ch):
            letters.append(ch)
    return "".join(letters) + tone


@lru_cache(maxsize=1)
def _dicts():
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict
    prefixes = {phrase[:size] for phrase in phrases_dict for size in range(2, len(phrase))}
    return pinyin_dict, phrases_dict, prefixes | phrases_dict.keys()


_CHARS: dict[str, str] = {}  # each character's reading, once read (_char)
_PHRASES: dict[str, list[str]] = {}  # each phrase's toned syllables, once read


def _char(ch: str) -> str:
    """A character's common reading (pypinyin's first), or the character itself."""
    reading = _dicts()[0].get(ord(ch))
    _CHARS[ch] = _syllable(reading.split(",")[0]) if reading else ch
    return _CHARS[ch]


@lru_cache(maxsize=65536)
def _run(run: str) -> tuple[str, ...]:
    """The toned syllables of a Han run (lazy_pinyin's reading, TONE3 style)."""
    _, phrases, starts = _dicts()  # starts: every phrase and every prefix of one (2+ chars)
    chars, known = _CHARS, _PHRASES
    out, i, n = [], 0, len(run)
    while i < n:
        found, end = 0, i + 2
        while end <= n and run[i:end] in starts:  # the longest phrase starting at i
            if run[i:end] in phrases:
                found = end
            end += 1
        if found:
            phrase = run[i:found]
            if phrase not in known:
                known[phrase] = [_syllable(r[0]) for r in phrases[phrase]]
            out += known[phrase]
            i = found
        else:
            out.append(chars.get(run[i]) or _char(run[i]))
            i += 1
    return tuple(out)


def _person(run: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """A name's first run in name mode, and its common reading where the surname differs."""
    common = _run(run)
    for size in (2, 1):
        surname = SURNAMES.get(run[:size])
        if surname and len(run) >= size:
            named = (*surname.split(), *_run(run[size:])) if size < len(run) else tuple(
                surname.split())
            return named, (common if named != common else None)
    return common, None


def _tokens(syllables: tuple[str, ...], out: dict, starts: int = SUFFIX_STARTS) -> None:
    plain = [s[:-1] for s in syllables if s[-1] in "12345"]
    full, initials = "".join(plain), "".join([p[0] for p in plain])
    last, at = len(plain) - 1, 0
    for k, syllable in enumerate(plain[:starts]):
        out[full[at:]] = None
        if k < last:  # one initial is a prefix of the full token beside it
            out[initials[k:]] = None
        at += len(syllable)


@lru_cache(maxsize=65536)
def name_tokens(name: str | None) -> str:
    """The pinyin search tokens of a person's name ("" when it has no Han character)."""
    out: dict[str, None] = {}
    for i, match in enumerate((_HAN or _compile_han()).finditer(name or "")):
        if i == 0 and match.start() == 0:
            named, common = _person(match.group())
            _tokens(named, out)
            if common:
                _tokens(common, out, 1)
        else:
            _tokens(_run(match.group()), out)
    return " ".join(out)


@lru_cache(maxsize=65536)
def company_tokens(company: str | None) -> str:
    """The pinyin search tokens of a company ("" when it has no Han character)."""
    out: dict[str, None] = {}
    for match in (_HAN or _compile_han()).finditer(company or ""):
        run = match.group()
        for form in LEGAL_FORMS:
            if run.endswith(form) and len(run) > len(form):
                run = run[:-len(form)]
                break
        _tokens(_run(run), out, COMPANY_STARTS)
    return " ".join(out)


def search_tokens(name: str | None, company: str | None) -> str:
    """What the search index's pinyin column holds for a customer."""
    return f"{name_tokens(name)} {company_tokens(company)}".strip()


@lru_cache(maxsize=65536)
def sort_key(name: str | None) -> str | None:
    """The ``--sort name`` key: Han characters as pinyin with tone digits, the rest folded."""
    if name is None:
        return None
    parts, last = [], 0
    for i, match in enumerate((_HAN or _compile_han()).finditer(name)):
        parts.append(unicodedata.normalize("NFKC", name[last:match.start()]).casefold())
        person = i == 0 and match.start() == 0
        parts.append("".join(_person(match.group())[0] if person else _run(match.group())))
        last = match.end()
    parts.append(unicodedata.normalize("NFKC", name[last:]).casefold())
    return "".join(parts)
