"""How fast is the follow-up report (`crmctl followups`) at 100,000 customers and
1,000,000 interactions?

Builds (once, cached in bench/out/) a database with crmctl's own schema (create_database):
customers over five tiers' worth of cadences with birthdays and the denormalized columns
(last_contact_at, first/last_purchase_at, purchase_count) filled as the writers keep them,
1,000,000 interactions (70% in the last half year, the rest over three years; 30% rated, 1% complaints, most resolved), 200,000
purchases and 10,000 stored follow-ups. The day is pinned (CRMCTL_NOW) so runs agree.

Then measures, in the same run:
  (a) query time of the core function behind the report, ``followups.due(conn)``, and of
      each of its parts; the latest-rating rule from the m004 table against grouping the
      rated interactions (what it would cost without it);
  (b) the whole `crmctl followups --format json` process against two floors, taking turns:
      a bare python that opens the same database with the key and runs one query (a count
      of the customers: the strict floor), and the same bare python running crmctl's own
      report statement and writing its output (what crmctl adds around its query). Both
      pay the key derivation. As ratios (goal: at most 2x);
  (c) the report's statement alone and its parts (the risk sources, without phone and
      company, without sort and JSON), each with a cold page cache, as a new process has.

    .venv/bin/python bench/followups_bench.py
    .venv/bin/python bench/followups_bench.py --customers 20000 --interactions 200000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = "2026-11-23T09:00:00+08:00"
os.environ["CRMCTL_NOW"] = NOW
os.environ.setdefault("TZ", "Asia/Shanghai")
time.tzset()

from _common import cached_db, timed  # noqa: E402
from crmctl.core import followups, followups_report  # noqa: E402
from crmctl.render import json_list_sql, json_object_sql  # noqa: E402
from crmctl.store import atomic, create_database, open_database  # noqa: E402

KEY = b"bench passphrase"
OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent
END = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
SPAN = 3 * 365 * 86400  # three years of history
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌亮波宁辉鹏飞"
TIERS = ("diamond", "gold", "silver", "regular")
TIER_WEIGHTS = (1, 5, 20, 74)
CHANNELS = ("phone", "email", "meeting", "visit", "wechat", "chat", "social", "other")
CATEGORIES = ("product", "service", "delivery", "billing", "other")


def stamp(seconds_before_end: float) -> str:
    return (END - timedelta(seconds=seconds_before_end)).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(path: Path, n_customers: int, n_interactions: int) -> None:
    print(f"building {path.name}: {n_customers:,} customers, {n_interactions:,} interactions "
          "(cached for the next run)…", flush=True)
    started = time.perf_counter()
    rng = random.Random(20261123)
    conn = create_database(path, KEY, command="bench")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")  # 400 MB while building
    # Bulk load without the interaction indexes, then recreate them from their own SQL.
    indexes = [sql for (sql,) in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interactions' "
        "AND sql IS NOT NULL")]
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                "tbl_name = 'interactions' AND sql IS NOT NULL").fetchall():
        conn.execute(f"DROP INDEX {name}")
    rows = []
    for i in range(1, n_customers + 1):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        tier = rng.choices(TIERS, TIER_WEIGHTS)[0]
        birthday = (f"{rng.randrange(1950, 2003)}-{rng.randrange(1, 13):02d}-"
                    f"{rng.randrange(1, 29):02d}" if rng.random() < 0.5 else None)
        created = stamp(SPAN + rng.random() * 86400 * 365)
        rows.append((i, name, tier, birthday, created, created))
    with atomic(conn):
        conn.executemany("INSERT INTO customers (id, name, tier, birthday, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)", rows)
    # Activity is skewed: a fifth of the customers get half of the interactions.
    busy = max(1, n_customers // 5)
    chunk = 100_000
    for start in range(0, n_interactions, chunk):
        batch = []
        for _ in range(min(chunk, n_interactions - start)):
            cid = rng.randrange(1, busy + 1) if rng.random() < 0.5 else rng.randrange(1, n_customers + 1)
            complaint = rng.random() < 0.01
            # contact is ongoing: 70% of it in the last half year, the rest over three years
            when = rng.random() * (SPAN if rng.random() < 0.3 else 182 * 86400)
            batch.append((cid, stamp(when), rng.choice(CHANNELS), "回访：确认需求",
                          rng.choices((1, 2, 3, 4, 5), (1, 2, 4, 8, 6))[0]
                          if rng.random() < 0.3 else None, int(complaint),
                          rng.choice(CATEGORIES) if complaint else None,
                          stamp(0) if complaint and rng.random() < 0.8 else None))
        with atomic(conn):
            conn.executemany(
                "INSERT INTO interactions (customer_id, at, channel, summary, satisfaction, "
                "complaint, complaint_category, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                batch)
        print(f"  {start + len(batch):>9,} interactions  {time.perf_counter() - started:5.0f} s",
              flush=True)
    for sql in indexes:
        conn.execute(sql)
    print(f"  indexes rebuilt  {time.perf_counter() - started:5.0f} s", flush=True)
    purchases = [(rng.randrange(1, busy + 1), (END - timedelta(days=rng.random() * 1095)).date()
                  .isoformat(), rng.randrange(1000, 5_000_000)) for _ in range(n_customers * 2)]
    followup_rows = [(rng.randrange(1, n_customers + 1),
                      (END + timedelta(days=rng.randrange(-60, 30))).date().isoformat(),
                      "scheduled", "报价回访", stamp(86400 * 90),
                      stamp(0) if rng.random() < 0.7 else None) for _ in range(n_customers // 10)]
    with atomic(conn):
        conn.executemany("INSERT INTO purchases (customer_id, date, amount_minor) VALUES (?, ?, ?)",
                         purchases)
        conn.executemany("INSERT INTO followups (customer_id, due, kind, purpose, created_at, "
                         "done_at) VALUES (?, ?, ?, ?, ?, ?)", followup_rows)
        # the denormalized columns, as the interaction and purchase writers keep them
        conn.execute("UPDATE customers SET last_contact_at = (SELECT max(at) FROM interactions i "
                     "WHERE i.customer_id = customers.id)")
        conn.execute("""UPDATE customers SET (first_purchase_at, last_purchase_at, purchase_count)
                        = (SELECT min(date), max(date), count(*) FROM purchases p
                           WHERE p.customer_id = customers.id)""")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def run(commands: dict[str, list[str]], env: dict, repeat: int) -> dict[str, tuple]:
    """Median wall time and median CPU time (user + system) in ms of each whole process,
    and its output. The commands take turns (after one warm-up round), so a change in the
    machine's speed during the run falls on all of them alike."""
    walls = {name: [] for name in commands}
    cpus = {name: [] for name in commands}
    outputs = {}
    for round_ in range(repeat + 1):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True)
            wall = (time.perf_counter() - t0) * 1000
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode:
                sys.exit(f"{argv} failed: {done.stderr.decode()}")
            outputs[name] = done.stdout
            if round_:
                walls[name].append(wall)
                cpus[name].append(after.ru_utime + after.ru_stime - before.ru_utime
                                  - before.ru_stime)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name]) * 1000,
                   outputs[name]) for name in commands}


FLOOR = """
import os, sys
from sqlcipher3 import dbapi2
conn = dbapi2.connect(sys.argv[1])
conn.set_key(os.environ["CRMCTL_PASSPHRASE"].encode())
conn.execute("SELECT count(*) FROM customers WHERE forgotten_at IS NULL").fetchone()
"""

# The same bare python running the report's own statement (crmctl's SQL text and
# parameters, saved by this script) and writing its result, the JSON document, to stdout:
# the floor for what crmctl adds around its query (start-up, Typer, opening, rendering).
REPORT_FLOOR = """
import json, os, sys
from sqlcipher3 import dbapi2
conn = dbapi2.connect(sys.argv[1])
conn.set_key(os.environ["CRMCTL_PASSPHRASE"].encode())
with open(sys.argv[2], encoding="utf-8") as f:
    sql, params = json.load(f)
conn.execute("PRAGMA cache_size = -65536")
body = conn.execute(sql, params).fetchone()[0]
out = sys.stdout.buffer
if body is None:
    out.write(b"[]\\n")
else:
    out.write(b"[\\n"); out.write(body); out.write(b"\\n]\\n")
"""

LATEST_RATING = ("SELECT count(*) FROM (SELECT customer_id, satisfaction AS s, max(at) "
                 "FROM interactions WHERE satisfaction IS NOT NULL GROUP BY customer_id) "
                 "WHERE s <= 2")
LOW_RATED = "SELECT count(*) FROM latest_ratings WHERE satisfaction <= 2"


def parts(conn, repeat: int) -> None:
    print("  parts of it:")
    for label, fn in [
        ("rows as tuples (due_rows)", lambda: followups.due_rows(conn)),
        ("rows as JSON text (the CLI)", lambda: followups.due_rows(
            conn, projection=json_object_sql(followups.COLUMNS))),
        ("rows as dicts (due)", lambda: followups.due(conn))]:
        ms, _ = timed(fn, repeat)
        print(f"    {label:<30}{ms:8.1f} ms")
    kept, low = timed(lambda: conn.execute(LOW_RATED).fetchone()[0], repeat)
    grouped, again = timed(lambda: conn.execute(LATEST_RATING).fetchone()[0], repeat)
    assert low == again, (low, again)
    print(f"  latest rating <= 2 ({low:,} customers): {kept:.1f} ms from latest_ratings "
          f"(m004, kept by triggers) vs {grouped:.0f} ms grouping the rated interactions "
          f"through the m003 index ({grouped / kept:.0f}x)")
    today = date(2026, 11, 23)
    sql, params = followups.statement(conn, today, today)
    plans = sorted({r[-1] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                    if r[-1].startswith(("SEARCH", "SCAN"))})
    print(f"  plan of the report: {' / '.join(plans)}")


def statement_parts(conn, repeat: int) -> None:
    """The report's statement alone and its parts (CPU, median), each run with a cold page
    cache (PRAGMA shrink_memory: every page read is decrypted again, as in a new process)."""
    today, cols = date(2026, 11, 23), followups.COLUMNS

    def statement(columns):
        return followups.statement(conn, today, today, aggregate=json_list_sql("row"),
                                   projection=json_object_sql(
                                       columns, integers=followups.INTEGER_COLUMNS,
                                       words=followups.WORD_COLUMNS))
    sql, params = statement(cols)
    ctes = sql[:sql.index("\n)\nSELECT ", sql.index("shaped AS (")) + 3]  # up to its SELECT
    without, _ = statement(cols[:-2])  # and no look-up in customers_contact (m015)
    assert followups_report._CONTACT in without
    without = without.replace(followups_report._CONTACT, "")
    parts = {"the whole statement (JSON document)": sql,
             "the same without phone and company": without,
             "its rows counted (no sort, no JSON)": ctes + "SELECT count(*) FROM shaped",
             "quiet: customers_due ranges": ctes + "SELECT count(*) FROM quiet",
             "open complaints": ctes + "SELECT count(*) FROM complaints",
             "buyers past their window": ctes + "SELECT count(*) FROM buyers",
             "risks (4 sources)": ctes + "SELECT count(*) FROM risks",
             "risks grouped by customer": ctes + "SELECT count(*) FROM (SELECT id, min(start) "
                                                 "FROM risks GROUP BY id)"}
    times = {name: [] for name in parts}
    rows = {name: conn.execute(q, params).fetchone()[0] for name, q in parts.items()}
    for _ in range(repeat):
        for name, q in parts.items():
            conn.execute("PRAGMA shrink_memory")
            t0 = time.process_time()
            conn.execute(q, params).fetchall()
            times[name].append((time.process_time() - t0) * 1000)
    print(f"  the statement alone, cold page cache, CPU median of {repeat}:")
    for name, t in times.items():
        n = rows[name]
        what = f"{n:,} rows" if isinstance(n, int) else f"{len(n or b''):,} B"
        print(f"    {name:<38}{statistics.median(t):7.1f} ms  ({what})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"followups-{args.customers}-{args.interactions}.db"
    cached_db(path, lambda p: build(p, args.customers, args.interactions))
    conn = open_database(path, KEY, command="bench")
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("customers", "interactions")]
    print(f"\n{counts[0]:,} customers, {counts[1]:,} interactions in {path.name} "
          f"({path.stat().st_size / 2**20:.0f} MiB); today pinned to {NOW[:10]}")
    scan, _ = timed(lambda: conn.execute("PRAGMA cache_size = -8000").fetchall() and None
                    or conn.execute("SELECT count(name) FROM customers NOT INDEXED").fetchone(),
                    args.repeat)
    print(f"floor: reading the customers table once (count(name), cold cache) {scan:.0f} ms")
    ms, rows = timed(lambda: followups.due(conn), args.repeat)
    by_reason: dict[str, int] = {}
    for row in rows:
        by_reason[row["reason"]] = by_reason.get(row["reason"], 0) + 1
    print(f"(a) followups.due(conn): {ms:.0f} ms query time (median of {args.repeat}), "
          f"{len(rows):,} rows {by_reason}; goal < 500 ms; {ms / scan:.1f}x the table read")
    week, _ = timed(lambda: followups.due(conn, date(2026, 11, 30)), args.repeat)
    print(f"    --until +1w: {week:.0f} ms")
    parts(conn, args.repeat)
    statement_parts(conn, args.repeat)
    conn.close()

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
           "CRMCTL_DB": str(path), "CRMCTL_PASSPHRASE": KEY.decode(), "CRMCTL_NOW": NOW,
           "TZ": os.environ["TZ"]}
    python, crmctl = ROOT / ".venv/bin/python", ROOT / ".venv/bin/crmctl"
    statement_file = OUT / "followups-report-statement.json"
    conn = open_database(path, KEY, command="bench")
    sql, params = followups.statement(conn, date(2026, 11, 23), date(2026, 11, 23),
                                      projection=json_object_sql(
                                          followups.COLUMNS, integers=followups.INTEGER_COLUMNS,
                                          words=followups.WORD_COLUMNS),
                                      aggregate=json_list_sql("row"))
    conn.close()
    statement_file.write_text(json.dumps([sql, params], ensure_ascii=False), encoding="utf-8")
    runs = run({"floor": [str(python), "-c", FLOOR, str(path)],
                "report floor": [str(python), "-c", REPORT_FLOOR, str(path), str(statement_file)],
                "crmctl": [str(crmctl), "followups", "--format", "json"],
                "table": [str(crmctl), "followups"],  # what cron mails: plain text
                "help": [str(crmctl), "--help"]}, env, args.repeat)
    (floor, floor_cpu, _), (whole, whole_cpu, report) = runs["floor"], runs["crmctl"]
    report_floor, report_floor_cpu, same = runs["report floor"]
    if same != report:
        sys.exit("the report floor's output differs from crmctl's")
    print(f"(b) process, median of {args.repeat} (taking turns): floor (python + sqlcipher3 + key "
          f"+ one query) {floor:.0f} ms wall, {floor_cpu:.0f} ms CPU;  crmctl followups "
          f"--format json {whole:.0f} ms wall, {whole_cpu:.0f} ms CPU = {whole / floor:.2f}x "
          f"the floor (CPU {whole_cpu / floor_cpu:.2f}x; goal <= 2x);  crmctl --help "
          f"{runs['help'][0]:.0f} ms")
    print(f"    report floor (the same bare python running crmctl's own report statement and "
          f"writing its output, byte for byte crmctl's): {report_floor:.0f} ms wall, "
          f"{report_floor_cpu:.0f} ms CPU; crmctl = {whole / report_floor:.2f}x it "
          f"(CPU {whole_cpu / report_floor_cpu:.2f}x)")
    table, table_cpu, text = runs["table"]
    print(f"    crmctl followups (the table cron mails, {len(text.splitlines()):,} lines): "
          f"{table:.0f} ms wall, {table_cpu:.0f} ms CPU = {table / floor:.2f}x the floor "
          f"(CPU {table_cpu / floor_cpu:.2f}x)")


if __name__ == "__main__":
    main()
