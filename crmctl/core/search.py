"""Full-text search over name, company, email, phone and note.

Two contentless FTS5 indexes keyed by customer id:
- ``search_trigram``: case-insensitive substring match for queries of 3+ characters
  (a phone's last digits, part of an email, a company's middle word);
- ``search_grams``: for 1- and 2-character queries, which trigrams cannot answer. CJK runs
  are expanded into their single characters and pairs (王明 → 王 明 王明), so a two-character
  Chinese name or a single surname is a whole token; other text is matched by word prefix.
Both hold no copy of the text, and rows are deleted from them on ``rm`` and ``forget``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

SEARCHED_FIELDS = ("name", "company", "email", "phone", "note")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")


def _expand_cjk(match: re.Match) -> str:
    run = match.group(0)
    pairs = [run[i:i + 2] for i in range(len(run) - 1)]
    return " " + " ".join([*run, *pairs]) + " "


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def document(values: Iterable[str | None]) -> tuple[str, str]:
    """The texts indexed for one customer: (trigram text, grams text)."""
    text = "\n".join(fold(v) for v in values if v)
    return text, _CJK_RUN.sub(_expand_cjk, text)


def index(conn, rows: Iterable[tuple]) -> None:
    """(Re)index customers; each row is (id, name, company, email, phone, note)."""
    rows = list(rows)
    if not rows:
        return
    remove(conn, [row[0] for row in rows])
    docs = [(row[0], *document(row[1:])) for row in rows]
    conn.executemany("INSERT INTO search_trigram(rowid, text) VALUES (?, ?)",
                     [(d[0], d[1]) for d in docs])
    conn.executemany("INSERT INTO search_grams(rowid, text) VALUES (?, ?)",
                     [(d[0], d[2]) for d in docs])


def remove(conn, ids: Iterable[int]) -> None:
    params = [(i,) for i in ids]
    conn.executemany("DELETE FROM search_trigram WHERE rowid = ?", params)
    conn.executemany("DELETE FROM search_grams WHERE rowid = ?", params)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_clause(query: str) -> tuple[str, list[str]]:
    """An SQL condition on ``customers.id`` for the query, and its parameters.

    Every word of the query must match (AND), each by the index that suits its length.
    """
    words = fold(query).split()
    clauses, params = [], []
    for word in words:
        if len(word) >= 3:
            clauses.append("id IN (SELECT rowid FROM search_trigram WHERE search_trigram MATCH ?)")
            params.append(_quoted(word))
        else:
            clauses.append("id IN (SELECT rowid FROM search_grams WHERE search_grams MATCH ?)")
            params.append(_quoted(word) + "*")
    if not clauses:
        return "1", []
    return " AND ".join(clauses), params
