"""Is `crmctl followups --format json` slower than in another checkout (issue 16: "no slower
than before"), row for row?

Takes turns, in one run, between: the floor (python + sqlcipher3 + key + a count, as in
followups_bench.py); this checkout's crmctl on its bench database; the same on a copy of it
whose repurchase windows are longer than the data's three years (no purchase churn-risk
rows: the report of a book where those new rows do not occur); and the other checkout's
crmctl on the database its own followups_bench.py built (same generator, same seed, its own
schema). Prints median CPU and wall times, the rows of each report, and what each costs
above the floor per row. The rows the other checkout lists must all be in this one's.

    .venv/bin/python bench/followups_bench.py --repeat 1           # builds bench/out/…db
    (cd OTHER && .venv/bin/python bench/followups_bench.py --repeat 1)
    .venv/bin/python bench/followups_compare.py --other OTHER [--repeat 9]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from followups_bench import FLOOR, KEY, NOW, OUT, ROOT, run  # noqa: F401 - sets TZ, NOW

from crmctl.core import rules, settings
from crmctl.store import open_database

NAME = "followups-100000-1000000.db"


def without_purchase_churn(path: Path) -> Path:
    """A copy of the bench database whose repurchase windows (3,000 days) outlast its
    purchases (three years): no purchase churn risk."""
    copy = OUT / NAME.replace(".db", "-nochurn.db")
    if not copy.exists():
        shutil.copyfile(path, copy)
        conn = open_database(copy, KEY, command="bench")
        settings.put(conn, "repurchase_window", {t: {"multiple": 2, "min_days": 3000,
                                                     "max_days": 3000, "single_days": 3000}
                                                 for t in rules.TIERS})
        conn.close()
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--other", type=Path, action="append", required=True,
                        help="another checkout (repeat: several); its bench database, or "
                        "this one's when it has none (the same schema)")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    here = OUT / NAME
    if not here.exists():
        sys.exit(f"{here} is missing: run bench/followups_bench.py first")
    others = {f"other ({o.name})": (o.resolve(), o.resolve() / "bench/out" / NAME)
              for o in args.other}
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "CRMCTL_PASSPHRASE": KEY.decode(),
           "CRMCTL_NOW": NOW, "TZ": "Asia/Shanghai"}

    def report(checkout: Path, db: Path) -> list[str]:
        return [str(checkout / ".venv/bin/crmctl"), "--db", str(db), "followups", "--format",
                "json"]

    runs = run({"floor": [str(ROOT / ".venv/bin/python"), "-c", FLOOR, str(here)],
                "this": report(ROOT, here),
                "this, no purchase churn": report(ROOT, without_purchase_churn(here)),
                **{name: report(checkout, db if db.exists() else here)
                   for name, (checkout, db) in others.items()}},
               env, args.repeat)
    _, floor_cpu, _ = runs.pop("floor")
    print(f"median of {args.repeat}, taking turns; floor {floor_cpu:.0f} ms CPU")
    rows = {}
    for name, (wall, cpu, out) in runs.items():
        rows[name] = json.loads(out)
        n = len(rows[name])
        print(f"  {name:<28} {n:>6,} rows  {cpu:4.0f} ms CPU = {cpu / floor_cpu:.2f}x the floor"
              f" ({wall:.0f} ms wall); above the floor {(cpu - floor_cpu) / n * 1000:.1f} µs "
              "CPU a row")
    keys = {name: {(r["customer_id"], r["reason"], r["due"]) for r in found}
            for name, found in rows.items()}
    plain = keys["this, no purchase churn"]
    for name in others:
        print(f"  rows of {name} not in 'this, no purchase churn': {len(keys[name] - plain)};"
              f" reasons of the rows it adds: {sorted({k[1] for k in plain - keys[name]})}")


if __name__ == "__main__":
    main()
