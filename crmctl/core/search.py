"""Full-text search over name, company, email, phone and note.

Two contentless FTS5 indexes keyed by customer id:
- ``search_trigram``: case-insensitive substring match for queries of 3+ characters
  (a phone's last digits, part of an email, a company's middle word);
- ``search_grams``: for 1- and 2-character queries, which trigrams cannot answer. CJK runs
  are expanded into their single characters and pairs (王明 → 王 明 王明), so a two-character
  Chinese name or a single surname is a whole token; other text is matched by word prefix.
``search_grams`` has a second column, ``pinyin``: the pinyin tokens of the name and company
(crmctl.pinyin: 王明 → wangming wm ming m, 华为 → huawei hw wei w), matched as word prefixes.
A short word (wm, hw) is matched in either column; a query whose words are all Latin
letters is also tried as pinyin alone (``pinyin_plan``), and a customer matches if either
reading of the query does. Both hold no copy of the text; ``rm`` and ``forget`` delete a person's rows and merge
the indexes (privacy.erase_traces), so no old segment keeps the words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from crmctl import pinyin
from crmctl.core.rules import PHONE_LIKE_ID_DIGITS
from crmctl.core.validate import read_phone
from crmctl.errors import InvalidValue

SEARCHED_FIELDS = ("name", "company", "email", "phone", "note")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")


_RECORD = "\x1e"  # between documents in a batch; validated text never holds it


def _expand_cjk(match: re.Match) -> str:
    """王明华 → 王 明 华 王明 明华 华: the characters, the pairs, and the last character
    again, so that both ends of the run stay beside the text around it (a query 股a is the
    phrase 股 a*, which must find 中国股app as a* finds A股票)."""
    run = match.group(0)
    pairs = [run[i:i + 2] for i in range(len(run) - 1)]
    return " " + " ".join([*run, *pairs, *run[-1:] * (len(run) > 1)]) + " "


def _present(values):
    return filter(None, values)


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def document(values: Iterable[str | None]) -> tuple[str, str]:
    """The texts indexed for one customer: (trigram text, grams text)."""
    return documents([values])[0]


def documents(rows: Iterable[Iterable[str | None]]) -> list[tuple[str, str]]:
    """document() for many customers, folded and expanded in one pass over their texts.

    NFKC and case folding act character by character between the newlines that separate
    the fields, so folding the joined texts equals joining the folded ones.
    """
    texts = list(map("\n".join, map(_present, rows)))
    joined = _RECORD.join(texts)
    if joined.count(_RECORD) != len(texts) - 1:
        return [_single(t) for t in texts]
    folded = fold(joined)
    grams = _CJK_RUN.sub(_expand_cjk, folded)
    return list(zip(folded.split(_RECORD), grams.split(_RECORD)))


def _single(text: str) -> tuple[str, str]:
    folded = fold(text)
    return folded, _CJK_RUN.sub(_expand_cjk, folded)


def index(conn, rows: Iterable[tuple]) -> None:
    """(Re)index customers; each row is (id, name, company, email, phone, note)."""
    rows = list(rows)
    if not rows:
        return
    remove(conn, [row[0] for row in rows])
    docs = [(row[0], *doc) for row, doc in zip(rows, documents(row[1:] for row in rows))]
    conn.executemany("INSERT INTO search_trigram(rowid, text) VALUES (?, ?)",
                     [(d[0], d[1]) for d in docs])
    conn.executemany("INSERT INTO search_grams(rowid, text, pinyin) VALUES (?, ?, ?)",
                     [(d[0], d[2], pinyin.search_tokens(row[1], row[2]))
                      for row, d in zip(rows, docs)])


def remove(conn, ids: Iterable[int]) -> None:
    params = [(i,) for i in ids]
    conn.executemany("DELETE FROM search_trigram WHERE rowid = ?", params)
    conn.executemany("DELETE FROM search_grams WHERE rowid = ?", params)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _gram_query(word: str) -> str:
    """A 1-2 character word for ``search_grams``.

    Every CJK character and pair is a whole token there, so an all-CJK word is matched
    exactly (a prefix query would merge the doclists of every pair starting with it: 王 →
    王明, 王华…, which is slow at a million rows). Other words match a word's start. A mixed
    word (A股, T恤) is the phrase of its pieces, as the document splits them.
    """
    if _CJK_RUN.fullmatch(word):
        return _quoted(word)
    if _CJK_RUN.search(word):
        pieces = [p for p in re.split(f"({_CJK_RUN.pattern[:-1]})", word) if p]
        last_is_cjk = bool(_CJK_RUN.fullmatch(pieces[-1]))
        return _quoted(" ".join(pieces)) + ("" if last_is_cjk else "*")
    return _quoted(word) + "*"


_PHONE_LIKE = re.compile(r"\+?[\d\s().\-]+")


def _trigram_query(word: str, region: str = "CN") -> str:
    """A 3+ character word for ``search_trigram``: a substring anywhere. A phone number
    typed with separators (138-0013-8000) also matches as bare digits, the way it is
    stored (E.164); one typed with its trunk prefix (010-88886666, 0755-28780809) also
    matches as the E.164 digits it reads as in the default region (861088886666)."""
    if not _PHONE_LIKE.fullmatch(word):
        return _quoted(word)
    digits = re.sub(r"\D", "", word)
    alternatives = [word]
    if len(digits) >= 3 and digits != word.lstrip("+"):
        alternatives.append(digits)
    e164 = _e164_digits(word, digits, region)
    if e164 and e164 not in alternatives and digits not in e164:
        alternatives.append(e164)
    if len(alternatives) == 1:
        return _quoted(word)
    return "(" + " OR ".join(map(_quoted, alternatives)) + ")"


def _e164_digits(word: str, digits: str, region: str) -> str | None:
    """The digits of the E.164 number a query reads as in ``region`` (no +), or None for a
    query that is no valid number there (phonenumbers is loaded only for a number with a
    trunk prefix: 7+ digits starting with 0)."""
    if len(digits) < 7 or not digits.startswith("0") or word.startswith("+"):
        return None
    try:
        read = read_phone(word, region)
    except InvalidValue:
        return None
    return read[0].lstrip("+") if read else None


_PHONE_PIECE = re.compile(r"\+?[\d().\-]*\d[\d().\-]*")


def _words(query: str) -> list[str]:
    """The query's words, folded, quotes dropped; a phone number typed in groups
    (138 0013 8000, +86 138 0013 8000) is one word, not three words each matched alone."""
    # NUL would end the FTS5 query string early ("unterminated string"): treat it as a space
    words = [w.strip('"') for w in fold(query).replace("\x00", " ").split()]
    out: list[str] = []
    run: list[str] = []
    for word in [*filter(None, words), ""]:
        if word and _PHONE_PIECE.fullmatch(word):
            run.append(word)
            continue
        digits = sum(map(str.isdigit, "".join(run)))
        out.extend(["".join(run)] if len(run) > 1 and digits >= PHONE_LIKE_ID_DIGITS else run)
        run = []
        if word:
            out.append(word)
    return out


def plan(query: str, region: str | None = "CN") -> list[tuple[str, str]]:
    """The FTS5 tables to consult for a query, each with one MATCH expression.

    Every word of the query must match (AND): words of 3+ characters in ``search_trigram``,
    shorter ones in ``search_grams``; the words for one table are AND-ed in one expression,
    which FTS5 evaluates by skipping through the doclists. Double quotes around a word are
    ignored. An empty list means: no condition. ``region`` is the default phone region
    (a number typed with its trunk prefix is read there; None: CN).
    """
    words = _words(query)
    trigram = [_trigram_query(w, region or "CN") for w in words if len(w) >= 3]
    grams = [_gram_query(w) for w in words if len(w) < 3]
    out = []
    if trigram:
        out.append(("search_trigram", " AND ".join(trigram)))
    if grams:
        out.append(("search_grams", " AND ".join(grams)))
    return out


_PINYIN_WORD = re.compile(r"[a-z]+")


def pinyin_plan(query: str) -> str | None:
    """The query read as pinyin alone, a MATCH expression for ``search_grams``: its words
    joined are the prefix of a pinyin token (wangming, wang ming, WangMing all mean
    wangming…; joined rather than each a prefix of its own, which at a million customers
    would merge the doclists of every token starting wang). None when ``plan`` already
    covers it (no word of 3+ characters: short words are matched in both columns) or when
    a word is not Latin letters (a phone, an email, Chinese)."""
    words = _words(query)
    if not any(len(w) >= 3 for w in words) or not all(map(_PINYIN_WORD.fullmatch, words)):
        return None
    return f"pinyin : {_quoted(''.join(words))}*"


def union_sql(terms: list[tuple[str, str]], names: list[str], pinyin_name: str) -> str:
    """The ids matching ``terms`` (AND) or the pinyin reading, as one compound SELECT of
    rowids (each side comes out of FTS5 in rowid order, so ORDER BY rowid LIMIT n merges
    the two and stops early). ``names`` are the parameters of the terms."""
    (table, _), *rest = terms
    first = f"SELECT rowid FROM {table} WHERE {table} MATCH {names[0]}"
    more = "".join(f" AND rowid IN (SELECT rowid FROM {t} WHERE {t} MATCH {name})"
                   for (t, _), name in zip(rest, names[1:]))
    return (f"{first}{more} UNION "
            f"SELECT rowid FROM search_grams WHERE search_grams MATCH {pinyin_name}")


def match_clause(query: str) -> tuple[str, list[str]]:
    """An SQL condition on ``customers.id`` for the query, and its parameters.

    Every word of the query must match (AND), each by the index that suits its length; or
    every word as pinyin.
    """
    terms = plan(query)
    if not terms:
        return "1", []
    alternative = pinyin_plan(query)
    if alternative:
        return (f"id IN ({union_sql(terms, ['?'] * len(terms), '?')})",
                [expr for _, expr in terms] + [alternative])
    clauses = [f"id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)" for table, _ in terms]
    return " AND ".join(clauses), [expr for _, expr in terms]
