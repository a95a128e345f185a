"""Migration 7: the grams index written again with the run-end rule.

It carries its own copy of the indexing it needs (as crmctl.core.search had it when this
migration shipped), so that a later change to search never changes a shipped migration."""

from __future__ import annotations

import re
import unicodedata

_FIELDS = ("name", "company", "email", "phone", "note")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")


def _expand_cjk(match: re.Match) -> str:
    run = match.group(0)
    pairs = [run[i:i + 2] for i in range(len(run) - 1)]
    return " " + " ".join([*run, *pairs, *run[-1:] * (len(run) > 1)]) + " "


def _grams(values) -> str:
    folded = unicodedata.normalize("NFKC", "\n".join(filter(None, values))).casefold()
    return _CJK_RUN.sub(_expand_cjk, folded)


def m007_search_grams_run_ends(conn) -> None:
    # The grams text repeats the last character of a CJK run after its pairs, so that a
    # two-character query such as 股a (the phrase 股 a*) finds 中国股app: before, the run's
    # pairs stood between its last character and the text after it. Every live customer's
    # grams text is written again (~3 s at 100,000 customers); the trigram index is unchanged.
    conn.execute("INSERT INTO search_grams(search_grams) VALUES ('delete-all')")
    last = 0
    while True:
        rows = conn.execute(f"SELECT id, {', '.join(_FIELDS)} FROM customers "
                            "WHERE id > ? AND forgotten_at IS NULL ORDER BY id LIMIT 20000",
                            (last,)).fetchall()
        if not rows:
            return
        conn.executemany("INSERT INTO search_grams(rowid, text) VALUES (?, ?)",
                         [(row[0], _grams(row[1:])) for row in rows])
        last = rows[-1][0]
