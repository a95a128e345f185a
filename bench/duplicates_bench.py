"""How good and how fast is the duplicate finder (`audit data`, `add`'s warning)?

1. Quality: the labelled pairs of tests/data/duplicate_pairs.csv (Chinese and Latin, true
   and false duplicates), all put through the blocked finder at once: precision (goal 0.9)
   and recall (goal 0.8), and the pairs it gets wrong.
2. Speed: a database of N customers (default 100,000; built once, cached in bench/out/)
   with realistic names, company spellings (华为 / 华为技术有限公司 / 深圳华为, "Acme Co.,
   Ltd."), free-mail and company emails and phones, 2% of them planted duplicates (same
   phone, a homophone name at a company variant, a retyped Latin name at the same domain).
   Times ``duplicates.find`` (what `audit data` adds; goal: under 30 s at 100,000) against
   the floor of reading the same rows, prints how many planted pairs it found, and times
   the warning of one `add` (``duplicates.for_customer``, through the search index).

    .venv/bin/python bench/duplicates_bench.py                  # N=100,000
    .venv/bin/python bench/duplicates_bench.py --customers 2000 # a quick look
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (BIG, CITY, FIRST, FREE_MAIL, LAST, LATIN_CO, TRADE,  # noqa: E402
                     cached_db, timed)
from crmctl.core import duplicates, search  # noqa: E402
from crmctl.store import atomic, create_database, open_database  # noqa: E402

KEY = b"bench passphrase"
OUT = Path(__file__).resolve().parent / "out"
PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "duplicate_pairs.csv"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌亮波宁辉鹏飞海燕云雪"
HOMOPHONE = {"明": "铭", "伟": "玮", "磊": "雷", "杰": "洁", "华": "桦", "军": "君", "敏": "民",
             "静": "婧", "丽": "莉", "涛": "韬", "强": "墙", "芳": "方", "娜": "纳", "鹏": "朋"}


def quality() -> None:
    with PAIRS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    people = []
    for n, row in enumerate(rows):
        for side, offset in (("a", 1), ("b", 2)):
            people.append(duplicates.Person(2 * n + offset, row[f"{side}_name"],
                                            row[f"{side}_company"] or None,
                                            row[f"{side}_email"] or None,
                                            row[f"{side}_phone"] or None))
    hits = {(c.keep, c.drop) for c in duplicates.candidates(people)}
    found = {n for n in range(len(rows)) if (2 * n + 1, 2 * n + 2) in hits}
    truth = {n for n, row in enumerate(rows) if row["duplicate"] == "1"}
    precision = len(found & truth) / len(found) if found else 0.0
    recall = len(found & truth) / len(truth)
    print(f"labelled pairs: {len(rows)} ({len(truth)} true, {len(rows) - len(truth)} false)")
    print(f"precision {precision:.2f} (goal 0.90)   recall {recall:.2f} (goal 0.80)")
    for n in sorted(found ^ truth):
        r = rows[n]
        kind = "missed" if n in truth else "false alarm"
        print(f"  {kind}: {r['a_name']} / {r['b_name']}: {r['why']}")


def person(rng: random.Random, i: int) -> tuple:
    if rng.random() < 0.75:
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        if rng.random() < 0.3:
            big = rng.choice(BIG)
            company = rng.choice((big, big + "技术有限公司", rng.choice(CITY) + big))
        else:
            company = f"{rng.choice(CITY)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}" \
                      f"{rng.choice(TRADE)}有限公司"
        domain = rng.choice(FREE_MAIL)
    else:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        co = rng.choice(LATIN_CO) + rng.choice(("", " Labs", " Systems", " Foods"))
        company = co + rng.choice(("", " GmbH", " Inc.", " Co., Ltd."))
        domain = (co.lower().replace(" ", "") + ".com" if rng.random() < 0.6
                  else rng.choice(FREE_MAIL))
    email = f"u{i}@{domain}" if rng.random() < 0.7 else None
    phone = f"+86{rng.randrange(13000000000, 19999999999)}" if rng.random() < 0.8 else None
    return name, (company if rng.random() < 0.8 else None), email, phone


def planted(rng: random.Random, original: tuple, i: int) -> tuple:
    name, company, email, phone = original
    way = rng.randrange(3)
    if way == 0 and phone:
        return name + " ", None, None, phone  # the same phone, typed again
    if name[0] in SURNAMES:
        twin = name[0] + "".join(HOMOPHONE.get(ch, ch) for ch in name[1:])
        return twin, company and "深圳" + company, None, phone and phone[:-4] + "0000"
    retyped = name.replace("a", "e", 1) if "a" in name else name + "e"
    return retyped, company, email and f"x{i}@{email.split('@')[1]}", None


def build(path: Path, n: int) -> None:
    rng = random.Random(17)
    conn = create_database(path, KEY)
    rows = []
    while len(rows) < n:
        rows.append(person(rng, len(rows)))
        if rng.random() < 0.02 and len(rows) < n:
            rows.append(planted(rng, rows[-1], len(rows)))
    with atomic(conn):
        conn.executemany("INSERT INTO customers (id, name, company, email, phone, created_at, "
                         "updated_at) VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00Z', "
                         "'2026-01-01T00:00:00Z')",
                         [(i + 1, *row) for i, row in enumerate(rows)])
        search.index(conn, [(i + 1, r[0], r[1], r[2], r[3], None) for i, r in enumerate(rows)])
    conn.close()


def speed(n: int, repeat: int) -> None:
    OUT.mkdir(exist_ok=True)
    path = cached_db(OUT / f"duplicates-{n}.db", lambda p: build(p, n))
    conn = open_database(path, KEY)
    floor, people = timed(lambda: conn.execute(duplicates.LIVE_PEOPLE).fetchall(), repeat)
    duplicates.company_key.cache_clear()
    duplicates.sound_key.cache_clear()
    duplicates.name_key.cache_clear()
    t0 = time.perf_counter()
    found = duplicates.find(conn)
    cold = (time.perf_counter() - t0) * 1000
    print(f"customers: {len(people):,}   candidate pairs: {len(found):,}")
    by_reason: dict[str, int] = {}
    for c in found:
        key = c.reasons[0].split(",")[0].split(" (")[0]
        by_reason[key] = by_reason.get(key, 0) + 1
    print("  by first reason: " + ", ".join(f"{k} {v}" for k, v in sorted(by_reason.items())))
    print(f"find (cold: pinyin of every name): {cold / 1000:.2f} s (goal < 30 s); "
          f"floor (reading the rows): {floor / 1000:.3f} s; {cold / floor:.1f}x the floor")
    sample = [c.drop for c in found[:: max(1, len(found) // 20)]][:20] or [1]
    per_add, _ = timed(lambda: [duplicates.for_customer(conn, cid) for cid in sample], repeat)
    print(f"add's warning (for_customer): {per_add / len(sample):.1f} ms per new customer")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    quality()
    speed(args.customers, args.repeat)


if __name__ == "__main__":
    main()
