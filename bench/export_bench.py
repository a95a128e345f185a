"""How fast is `crmctl export` to CSV at a million customers?

Builds (once, cached in bench/out/) a database of N customers with realistic Chinese and
Latin names, companies, emails, E.164 phones (every one of them needs the spreadsheet-safety
prefix), titles, notes, birthdays and tags, through crmctl's create_database and bulk SQL.
Then times, alternating, best of --repeat runs each:

- floor: a bare ``csv.writer(f).writerows(conn.execute(SELECT))`` over the same SELECT
  that ``crmctl list`` runs (stage, tags joined with ;), into a file in bench/out/;
- export: ``exporting.export`` (what ``crmctl export --out FILE`` calls after opening the
  database): neutralized cells, a 0600 temp file, fsync, rename, and the audit entry.

    .venv/bin/python bench/export_bench.py                # N = 1,000,000 (build ~1 min)
    .venv/bin/python bench/export_bench.py --rows 100000  # a quick look
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _common import cached_db  # noqa: E402
from search_bench import make_row  # noqa: E402  realistic names, companies, emails, phones

from crmctl.core import exporting  # noqa: E402
from crmctl.core.customers import Filter  # noqa: E402
from crmctl.store import atomic, create_database, open_database  # noqa: E402

KEY = b"bench passphrase"
OUT = HERE / "out"
TAGS = ("vip", "展会2026", "老客户", "华东", "华南", "newsletter", "partner", "待回访",
        "大客户", "reseller", "双十一", "wholesale")
TITLES = ("采购经理", "总经理", "销售总监", "CTO", "Head of Purchasing", "工程师", "财务主管")


def build(path: Path, n: int) -> None:
    print(f"building {path.name} with {n:,} customers (cached for the next run)…", flush=True)
    started = time.perf_counter()
    rng = random.Random(20261123)
    conn = create_database(path, KEY, command="bench")
    conn.execute("PRAGMA synchronous = OFF")
    with atomic(conn):
        conn.executemany("INSERT INTO tags (id, name) VALUES (?, ?)", enumerate(TAGS, 1))
    chunk = 50_000
    for start in range(1, n + 1, chunk):
        rows, links = [], []
        for i in range(start, min(start + chunk, n + 1)):
            cid, name, company, email, phone, note = make_row(rng, i)
            title = rng.choice(TITLES) if rng.random() < 0.4 else None
            wechat = f"wx_{rng.randrange(10**8)}" if rng.random() < 0.3 else None
            birthday = (f"{rng.randrange(1960, 2000)}-{rng.randrange(1, 13):02d}-"
                        f"{rng.randrange(1, 29):02d}" if rng.random() < 0.2 else None)
            tier = rng.choices(("regular", "silver", "gold", "diamond"), (70, 20, 8, 2))[0]
            rows.append((cid, name, company, title, email, phone, wechat, note, tier, birthday))
            if rng.random() < 0.35:
                links += [(cid, t) for t in rng.sample(range(1, len(TAGS) + 1), rng.randint(1, 3))]
        with atomic(conn):
            conn.executemany(
                "INSERT INTO customers (id, name, company, title, email, phone, wechat, note, "
                "tier, birthday, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", rows)
            conn.executemany("INSERT INTO customer_tags (customer_id, tag_id) VALUES (?, ?)",
                             links)
        print(f"  {start + len(rows) - 1:>9,} rows  {time.perf_counter() - started:6.0f} s",
              flush=True)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def floor(conn, dest: Path) -> float:
    sql, params = exporting.list_query(Filter())
    t0 = time.perf_counter()
    with open(dest, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(conn.execute(sql, params))
    return time.perf_counter() - t0


def export(conn, dest: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    summary = exporting.export(conn, exporting.Request(fmt="csv"), dest)
    return time.perf_counter() - t0, summary["rows"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"export-{args.rows}.db"
    cached_db(path, lambda p: build(p, args.rows))
    conn = open_database(path, KEY, command="bench export")
    floors, exports, rows = [], [], 0
    floor_csv, export_csv = OUT / "export-floor.csv", OUT / "export-crmctl.csv"
    for _ in range(args.repeat):  # alternate, so both see the same noise
        floors.append(floor(conn, floor_csv))
        took, rows = export(conn, export_csv)
        exports.append(took)
    conn.close()
    with open(export_csv, encoding="utf-8", newline="") as f:
        lines = sum(1 for _ in csv.reader(f)) - 1
    assert lines == rows, (lines, rows)
    best_floor, best_export = min(floors), min(exports)
    print(f"\n{rows:,} customers -> CSV "
          f"({export_csv.stat().st_size / 2**20:.0f} MiB, mode {export_csv.stat().st_mode & 0o777:o})")
    print(f"floor  (csv.writer over the list SELECT): {best_floor:6.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in floors)})")
    print(f"export (exporting.export, csv):           {best_export:6.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in exports)})")
    print(f"ratio export / floor: {best_export / best_floor:.2f}  (goal: <= 2.00)")
    for f in (floor_csv, export_csv):
        f.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
