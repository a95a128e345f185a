"""How fast is `list --search` at a million customers?

Builds (once, cached in bench/out/) a 1,000,000-customer database with realistic Chinese and
Latin names, companies, emails and phones, indexed by crmctl's own ``search.document`` (the
texts ``search.index`` writes, inserted in bulk), then times the core query behind
``crmctl list --search Q`` (``customers.list_customers`` with a Filter) for a 1-character
surname, a 2-character name, a 3-character name, a phone tail, an email domain and pinyin
(initials wm and hw, full wangming, two words wang ming) — against
two floors measured in the same run: an indexed primary-key lookup, and a full LIKE scan.

    .venv/bin/python bench/search_bench.py            # N=1,000,000 (build takes minutes)
    .venv/bin/python bench/search_bench.py --n 100000 # smaller, for a quick look
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (BIG, CITY, FIRST, FREE_MAIL, LAST, LATIN_CO, TRADE,  # noqa: E402
                     cached_db, timed)
from crmctl import pinyin  # noqa: E402
from crmctl.core import customers, search  # noqa: E402
from crmctl.store import atomic, create_database, open_database  # noqa: E402

KEY = b"bench passphrase"
OUT = Path(__file__).resolve().parent / "out"

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史")
# Common surnames are far more common (王 and 李 are each about 7% of people).
SURNAME_WEIGHTS = [1 / (rank + 5) for rank in range(len(SURNAMES))]
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌亮波宁辉鹏飞"
         "海燕云雪梅琳晶晨欣怡婷浩宇轩子涵思睿博俊嘉雨泽瑞凯佳颖慧彤瑶琪昊然天佑晓东春")
PINYIN = ("wang", "li", "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu",
          "sun", "ming", "hua", "jun", "fang", "na", "wei", "lei", "tao", "jie", "yan")
NOTES = ("老客户，重视价格", "展会认识", "需要回访报价", "prefers email", "met at trade fair",
         "大客户，每季度采购", "对售后不满意", "referred by a partner")


def make_row(rng: random.Random, i: int) -> tuple:
    if rng.random() < 0.75:
        name = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0] + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        company = (rng.choice(BIG) if rng.random() < 0.1 else
                   rng.choice(CITY) + rng.choice(GIVEN) + rng.choice(GIVEN) + rng.choice(TRADE)
                   + "有限公司")
        local = rng.choice(PINYIN) + rng.choice(PINYIN) + str(rng.randrange(1000))
    else:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name, company = f"{first} {last}", f"{rng.choice(LATIN_CO)} {rng.choice(('GmbH', 'Inc', 'Ltd', 'SA'))}"
        local = f"{first}.{last}{rng.randrange(1000)}".lower()
    domain = (rng.choice(FREE_MAIL) if rng.random() < 0.6
              else f"{rng.choice(PINYIN)}{rng.choice(PINYIN)}-{rng.randrange(5000)}.cn")
    email = f"{local}@{domain}" if rng.random() < 0.8 else None
    phone = (f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.85
             else None)
    note = rng.choice(NOTES) if rng.random() < 0.2 else None
    return (i, name, company, email, phone, note)


def build(path: Path, n: int) -> None:
    print(f"building {path} with {n:,} customers (cached for the next run)…", flush=True)
    started = time.perf_counter()
    rng = random.Random(20261123)
    conn = create_database(path, KEY, command="bench")
    conn.execute("PRAGMA synchronous = OFF")
    chunk = 50_000
    for start in range(1, n + 1, chunk):
        rows = [make_row(rng, i) for i in range(start, min(start + chunk, n + 1))]
        with atomic(conn):
            conn.executemany(
                "INSERT INTO customers (id, name, company, email, phone, note, created_at, "
                "updated_at, name_key) VALUES (?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00Z', "
                "'2026-01-01T00:00:00Z', ?)", [(*r, pinyin.sort_key(r[1])) for r in rows])
            docs = [(r[0], *search.document(r[1:])) for r in rows]
            conn.executemany("INSERT INTO search_trigram(rowid, text) VALUES (?, ?)",
                             [(d[0], d[1]) for d in docs])
            conn.executemany("INSERT INTO search_grams(rowid, text, pinyin) VALUES (?, ?, ?)",
                             [(d[0], d[2], pinyin.search_tokens(r[1], r[2]))
                              for d, r in zip(docs, rows)])
        print(f"  {start + len(rows) - 1:>9,} rows  {time.perf_counter() - started:6.0f} s",
              flush=True)
    conn.execute("INSERT INTO search_trigram(search_trigram) VALUES ('optimize')")
    conn.execute("INSERT INTO search_grams(search_grams) VALUES ('optimize')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def pick_queries(conn, n: int) -> list[tuple[str, str]]:
    """Queries that exist in the data: a surname, a 2- and 3-char name, a phone tail, a domain."""
    two = conn.execute("SELECT name FROM customers WHERE length(name) = 2 AND id > ? "
                       "LIMIT 1", (n // 3,)).fetchone()[0]
    three = conn.execute("SELECT name FROM customers WHERE length(name) = 3 AND id > ? "
                         "LIMIT 1", (n // 3,)).fetchone()[0]
    phone = conn.execute("SELECT phone FROM customers WHERE phone IS NOT NULL AND id > ? "
                         "LIMIT 1", (n // 3,)).fetchone()[0]
    domain = conn.execute("SELECT substr(email, instr(email, '@') + 1) FROM customers WHERE "
                          "email LIKE '%.cn' AND id > ? LIMIT 1", (n // 3,)).fetchone()[0]
    return [("1-char surname", "王"), ("2-char name", two), ("3-char name", three),
            ("phone tail (6 digits)", phone[-6:]), ("free-mail domain", "163.com"),
            ("company domain", domain), ("Latin, 2 words", "anna schmidt"),
            ("pinyin initials", "wm"), ("full pinyin", "wangming"),
            ("pinyin, 2 words", "wang ming"), ("company initials", "hw")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"search-{args.n}.db"
    cached_db(path, lambda p: build(p, args.n))
    conn = open_database(path, KEY, command="bench")
    n = customers.count(conn)
    floor_pk, _ = timed(lambda: conn.execute("SELECT id FROM customers WHERE id = ?",
                                             (n // 2,)).fetchall(), 50)
    scan, _ = timed(lambda: conn.execute(
        "SELECT count(*) FROM customers WHERE name LIKE '%王%' OR company LIKE '%王%' "
        "OR email LIKE '%王%' OR phone LIKE '%王%' OR note LIKE '%王%'").fetchone(), 1)
    print(f"\n{n:,} customers in {path.name}  ({path.stat().st_size / 2**20:.0f} MiB)")
    print(f"floor: primary-key lookup {floor_pk:.3f} ms;  full LIKE scan of 5 columns "
          f"{scan:.0f} ms\n")
    print(f"{'query':<24}{'q':<16}{'matches':>9}{'--limit 20':>12}{'all rows':>11}"
          f"{'vs scan':>9}")
    # A tag on ten of the 王 people, in a transaction rolled back at the end (the cached
    # database stays as built): a common word beside a selective filter.
    conn.execute("BEGIN")
    conn.execute("INSERT INTO tags(name) VALUES ('bench-ten')")
    conn.execute("INSERT INTO customer_tags SELECT rowid, (SELECT id FROM tags WHERE name = "
                 "'bench-ten') FROM search_grams WHERE search_grams MATCH '\"王\"' "
                 "LIMIT 10 OFFSET 1000")
    cases = [(label, q, []) for label, q in pick_queries(conn, n)]
    cases.append(("王 + a tag of 10", "王", ["bench-ten"]))
    for label, q, tag in cases:
        limited, rows = timed(lambda: customers.list_customers(
            conn, customers.Filter(search=q, tag=tag, limit=20)), args.repeat)
        full, everything = timed(lambda: customers.list_customers(
            conn, customers.Filter(search=q, tag=tag)), max(1, args.repeat // 2))
        assert rows == everything[:20]
        print(f"{label:<24}{q:<16}{len(everything):>9,}{limited:>10.1f}ms{full:>9.0f}ms"
              f"{scan / limited:>8.0f}x")
    conn.rollback()
    conn.close()


if __name__ == "__main__":
    main()
