"""How fast is `crmctl import` on a big CSV, against a floor measured in the same run?

Writes (once, cached in bench/out/) a CSV of N real-shaped rows with Chinese headers
(姓名, 公司, 职位, 手机, 邮箱, 行业, 地区, 客户级别, 标签, 备注; 0.5% of rows carry an invalid
email or phone, 0.2% repeat an earlier email), then, each in its own child process:

- floor: a bare sqlcipher3 ``executemany`` of the same rows, streamed from ``csv.reader``,
  into one plain table of the same columns, in a new database with crmctl's key and
  pragmas, in one transaction;
- sqlite-utils: ``sqlite-utils insert DB customers FILE --csv`` (the bench extra), the
  yardstick issue 15 names: how a user loads a CSV into SQLite without crmctl (a plain,
  unencrypted file; its defaults: types detected, a commit every 100 rows);
- import: ``crmctl import FILE --format json`` into a new crmctl database.

For each: wall time, CPU time (user + system of the process and its workers: what a shared
machine's contention does not inflate) and peak RSS (os.wait4, the process's own); the
import's as a ratio of sqlite-utils' and of the floor's. Then (unless --no-schema-floors)
two "schema floors": the SQLite work alone of writing the same rows into crmctl's own tables
and two search indexes, and the same without the search indexes, so the gap between the
bare floor and the import splits into what the schema costs and what the pipeline adds.

    .venv/bin/python bench/import_bench.py                  # N = 1,000,000
    .venv/bin/python bench/import_bench.py --rows 100000 --repeat 3
    .venv/bin/python bench/import_bench.py --rows 100000 --no-schema-floors
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import remove_db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
KEY = "bench passphrase"
HEADER = ["姓名", "公司", "职位", "手机", "邮箱", "行业", "地区", "客户级别", "标签", "备注"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌亮波宁辉鹏飞"
FIRST = ("Anna", "John", "Maria", "David", "Sarah", "Michael", "Laura", "Peter", "Emma")
LAST = ("Schmidt", "Smith", "Müller", "Johnson", "Garcia", "Brown", "Martin", "Rossi")
CITY = ("北京", "上海", "深圳", "杭州", "广州", "成都", "南京", "武汉", "苏州", "西安")
TRADE = ("科技", "贸易", "机械", "电子", "食品", "物流", "医药", "建材", "服饰", "咨询")
TITLES = ("采购经理", "总经理", "销售总监", "工程师", "财务", "Buyer", "CTO", "")
TIERS = ("钻石", "金牌", "银牌", "普通", "", "", "A", "B")
TAGS = ("VIP", "展会2026", "老客户", "VIP、展会2026", "", "", "")
MAIL = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "Example.CN")
PREFIX = ("134", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186",
          "187", "188", "189", "131", "132", "155", "156", "176", "177", "180", "181", "199")
NOTES = ("老客户，重视价格", "展会认识", "需要回访报价", "prefers email", "", "", "")


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(4)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            if rng.random() < 0.8:
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                local = f"user{i}"
            else:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                name, local = f"{first} {last}", f"{first}.{last}{i}"
            email = f"{local}@{rng.choice(MAIL)}"
            phone = rng.choice(PREFIX) + f"{i:08d}"
            if rng.random() < 0.3:
                phone = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
            r = rng.random()
            if r < 0.0025:
                email = email.replace("@", "@@")
            elif r < 0.005:
                phone = "12345"
            elif r < 0.007 and i > 10:
                email = f"user{i // 2}@qq.com"
            company = rng.choice(CITY) + rng.choice(GIVEN) + rng.choice(GIVEN) + rng.choice(TRADE) + "有限公司"
            w.writerow([name, company, rng.choice(TITLES), phone, email, rng.choice(TRADE),
                        rng.choice(CITY), rng.choice(TIERS), rng.choice(TAGS), rng.choice(NOTES)])
    tmp.replace(path)


FLOOR = """
import csv, sys, time
sys.path.insert(0, {root!r})
from crmctl.store.connection import _apply_pragmas, _connect
from pathlib import Path
conn = _connect(Path({db!r}), {key!r}.encode())
_apply_pragmas(conn)
conn.execute("CREATE TABLE t ({cols})")
start = time.perf_counter()
with open({csv!r}, encoding="utf-8", newline="") as f:
    reader = csv.reader(f)
    next(reader)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO t VALUES ({marks})", reader)
    conn.execute("COMMIT")
print(time.perf_counter() - start)
"""


# The SQLite work alone of writing the same rows into crmctl's own schema: the file's cells
# as they are into `customers` (its indexes, the import's bulk settings) and the two search
# indexes (texts made before the clock starts). No reading, mapping or validation is timed.
SCHEMA_FLOOR = """
import csv, itertools, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from crmctl.core import search
from crmctl.core.importing.indexes import bulk_mode
from crmctl.store import create_database
conn = create_database(Path({db!r}), {key!r}.encode())
now = "2026-11-24T00:00:00Z"
timed = 0.0
next_id = 1
with open({csv!r}, encoding="utf-8", newline="") as f:
    reader = csv.reader(f)
    next(reader)
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    with bulk_mode(conn, True):
        timed += time.perf_counter() - start
        while True:
            rows = list(itertools.islice(reader, 20_000))  # made while the clock is stopped
            if not rows:
                break
            # 姓名 公司 职位 手机 邮箱 行业 地区 客户级别 标签 备注
            values = [(r[0], r[1], r[2], r[4], r[3], r[5], r[6], r[9], now, now) for r in rows]
            docs = search.documents((v[0], v[1], v[3], v[4], v[7]) for v in values)
            ids = range(next_id, next_id + len(rows))
            next_id += len(rows)
            tri = list(zip(ids, (d[0] for d in docs)))
            grams = list(zip(ids, (d[1] for d in docs)))
            start = time.perf_counter()
            conn.executemany("INSERT INTO customers (name, company, title, email, phone, "
                             "industry, region, note, created_at, updated_at) VALUES (?, ?, ?, "
                             "?, ?, ?, ?, ?, ?, ?)", values)
            if {search}:
                conn.executemany("INSERT INTO search_trigram(rowid, text) VALUES (?, ?)", tri)
                conn.executemany("INSERT INTO search_grams(rowid, text) VALUES (?, ?)", grams)
            timed += time.perf_counter() - start
        start = time.perf_counter()
    conn.execute("COMMIT")
    timed += time.perf_counter() - start
print(timed)
"""


def child(argv: list[str], env: dict | None = None) -> tuple[float, str, float, float]:
    """(wall seconds, stdout, peak RSS MB of this child and its children, CPU seconds).

    os.wait4 gives this child's own usage (its waited-for workers included), so each
    figure is the child's, not the largest of the run so far. The CPU time (user + system)
    is what contention on a shared machine does not inflate."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"child failed ({proc.returncode}): {err.read().decode().strip()}")
        return wall, out.read().decode(), usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None,
                        help="validating processes (CRMCTL_IMPORT_WORKERS); default: crmctl's")
    parser.add_argument("--no-schema-floors", dest="schema_floors", action="store_false",
                        help="skip the two schema floors (SQLite alone into crmctl's tables)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    data = OUT / f"import-{args.rows}.csv"
    if not data.exists():
        print(f"writing {data} …", file=sys.stderr)
        make_csv(data, args.rows)
    python = sys.executable
    crmctl = str(Path(python).with_name("crmctl"))
    sqlite_utils = str(Path(python).with_name("sqlite-utils"))
    if not Path(sqlite_utils).exists():
        sys.exit("sqlite-utils is not in this venv: make install-bench (the bench extra)")
    env = {**os.environ, "CRMCTL_PASSPHRASE": KEY}
    env.pop("CRMCTL_PASSPHRASE_FILE", None)
    env.pop("CRMCTL_PASSPHRASE_CMD", None)
    if args.workers is not None:
        env["CRMCTL_IMPORT_WORKERS"] = str(args.workers)
    print(f"rows={args.rows:,}  file={data.stat().st_size / 1e6:.0f} MB  cores={os.cpu_count()}"
          f"  workers={'default' if args.workers is None else args.workers}  "
          "(wall, CPU = user + system of the process and its workers, peak RSS)")
    for attempt in range(args.repeat):
        print(f"run {attempt + 1}  load={os.getloadavg()[0]:.1f}")
        floor_db = remove_db(OUT / "import-floor.db")
        script = FLOOR.format(root=str(ROOT), db=str(floor_db), key=KEY, csv=str(data),
                              cols=", ".join(f"c{i} TEXT" for i in range(len(HEADER))),
                              marks=", ".join("?" * len(HEADER)))
        floor_wall, floor_out, floor_rss, floor_cpu = child([python, "-c", script])
        floor = float(floor_out.strip())
        show("floor: executemany, one table", floor_wall, floor_cpu, floor_rss,
             f"(its statement {floor:.2f} s)")
        # the yardstick issue 15 names: the same file, the same way a user would load it
        utils_db = remove_db(OUT / "import-sqlite-utils.db")
        utils = child([sqlite_utils, "insert", str(utils_db), "customers", str(data), "--csv"])
        show("sqlite-utils insert --csv", *utils[:1], utils[3], utils[2], "")
        db = remove_db(OUT / "import-crm.db")
        subprocess.run([crmctl, "--db", str(db), "init"], env=env, check=True,
                       capture_output=True)
        wall, out, rss, cpu = child([crmctl, "--db", str(db), "import", str(data), "--format",
                                     "json"], env)
        show("crmctl import", wall, cpu, rss,
             f"= {wall / utils[0]:.2f}x sqlite-utils (CPU {cpu / utils[3]:.2f}x); "
             f"{wall / floor_wall:.1f}x the floor (CPU {cpu / floor_cpu:.1f}x)")
        summary = json.loads(out)
        print(f"    inserted={summary['inserted']:,} skipped={summary['skipped']:,} "
              f"rejected={summary['rejected']:,}")
        if args.schema_floors:
            for search in (True, False):
                timed = child([python, "-c", SCHEMA_FLOOR.format(
                    root=str(ROOT), db=str(remove_db(OUT / "import-schema.db")), key=KEY,
                    csv=str(data), search=search)])
                show("schema floor" + ("" if search else " without search indexes"),
                     float(timed[1].strip()), None, None,
                     f"(SQLite alone) = {float(timed[1]) / floor:.1f}x the floor's statement")


def show(what: str, wall: float, cpu: float | None, rss: float | None, note: str) -> None:
    cpu_text = f"CPU {cpu:6.2f} s" if cpu is not None else " " * 12
    rss_text = f"{rss:4.0f} MB" if rss is not None else " " * 7
    print(f"  {what:<40} {wall:7.2f} s  {cpu_text}  {rss_text}  {note}".rstrip())


if __name__ == "__main__":
    main()
