"""How fast are `crmctl report` and its subcommands at 100,000 customers and 1,000,000
interactions (200,000 purchases: the follow-up bench's database, built once by
bench/followups_bench.py's builder and cached in bench/out/)?

For each subcommand, in the same run: the whole `crmctl report …` process (wall time,
median of --repeat, output to /dev/null; `html` writes bench/out/report.html), which pays
the key derivation, the imports (pandas; pygal for html) and the rendering, and the
core function alone on an open connection. Goal: every process under 3 s; on the shared
2-CPU machine the CPU time of the process stands for its idle wall time.

    .venv/bin/python bench/reports_bench.py
    .venv/bin/python bench/reports_bench.py --repeat 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import followups_bench as fb  # noqa: E402  (sets CRMCTL_NOW and TZ)
from _common import cached_db, timed  # noqa: E402
from crmctl.core import referrals, reports  # noqa: E402
from crmctl.core.analysis import book, sales, service, value  # noqa: E402
from crmctl.store import open_database  # noqa: E402

GOAL_S = 3.0
HTML = fb.OUT / "report.html"
COMMANDS = {
    "report (overview)": (["report", "--format", "json"], lambda c: reports.overview(c)),
    "report sales --by month": (["report", "sales", "--format", "json"],
                                lambda c: sales.sales(c, "month")),
    "report sales --by region": (["report", "sales", "--by", "region", "--format", "json"],
                                 lambda c: sales.sales(c, "region")),
    "report sales --by campaign": (["report", "sales", "--by", "campaign"],
                                   lambda c: sales.sales(c, "campaign")),
    "report satisfaction --by month": (["report", "satisfaction", "--format", "json"],
                                       lambda c: service.satisfaction(c, "month")),
    "report satisfaction --by tier": (["report", "satisfaction", "--by", "tier"],
                                      lambda c: service.satisfaction(c, "tier")),
    "report complaints": (["report", "complaints", "--format", "json"],
                          lambda c: service.complaints(c, "category")),
    "report satisfaction --by channel": (["report", "satisfaction", "--by", "channel"],
                                         lambda c: service.satisfaction(c, "channel")),
    "report complaints --by month": (["report", "complaints", "--by", "month"],
                                     lambda c: service.complaints(c, "month")),
    "report complaints --by cause": (["report", "complaints", "--by", "cause"],
                                     lambda c: service.complaints(c, "cause")),
    "report value": (["report", "value", "--format", "json"], lambda c: value.top(c)),
    "report referrals": (["report", "referrals"], lambda c: referrals.ranking(c)),
    "report --html FILE": (["report", "--html", str(HTML), "--force"], lambda c: book.book(c)),
}


def process_ms(args: list[str], env: dict, repeat: int) -> tuple[float, float]:
    """Median wall and median CPU (user + system of the child) in ms. On a machine shared
    with other work the wall time is mostly waiting for a CPU; the CPU time is what the
    command costs, and about its wall time on an idle machine."""
    crmctl = Path(sys.executable).parent / "crmctl"
    walls, cpus = [], []
    for _ in range(repeat + 1):  # the first run warms the page cache and is not counted
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([str(crmctl), *args], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        walls.append((time.perf_counter() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(walls[1:]), statistics.median(cpus[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="only the commands whose name has one of "
                                                  "these words (e.g. html value)")
    args = parser.parse_args()
    fb.OUT.mkdir(exist_ok=True)
    path = fb.OUT / f"followups-{args.customers}-{args.interactions}.db"
    cached_db(path, lambda p: fb.build(p, args.customers, args.interactions))
    env = {**os.environ, "CRMCTL_DB": str(path), "CRMCTL_PASSPHRASE": fb.KEY.decode(),
           "HOME": os.environ.get("HOME", "/root")}
    conn = open_database(path, fb.KEY)
    load = os.getloadavg()[0]
    print(f"{args.customers:,} customers, {args.interactions:,} interactions; load {load:.1f};"
          f" median of {args.repeat}; goal: each process under {GOAL_S:.0f} s")
    print(f"{'command':34} {'wall':>9} {'CPU':>9} {'core':>8}  goal (CPU)")
    wanted = [n for n in COMMANDS if not args.only or any(w in n for w in args.only)]
    worst = 0.0
    for name in wanted:
        argv, core = COMMANDS[name]
        core_ms, _ = timed(lambda: core(conn), args.repeat)
        wall, cpu = process_ms(argv, env, args.repeat)
        worst = max(worst, cpu)
        print(f"{name:34} {wall:6.0f} ms {cpu:6.0f} ms {core_ms:5.0f} ms  "
              f"{'ok' if cpu < GOAL_S * 1000 else 'OVER'}", flush=True)
    conn.close()
    print(f"slowest: {worst / 1000:.2f} s of CPU ({'within' if worst < GOAL_S * 1000 else 'over'}"
          f" the {GOAL_S:.0f} s goal); load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
