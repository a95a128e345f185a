"""How fast does crmctl start, as a whole process, against a bare interpreter?

Runs each command 10 times (after one warm-up; the commands take turns) and prints the
medians in ms — wall time and the child's CPU time (user + sys), which waiting for other
processes does not inflate — and their ratio to the floor `python -c pass` measured in the
same run.

Also in the same run:
- "eager": the start-up crmctl had before its root group became lazy (every sub-app module
  imported and all 41 commands built by typer, the store imported), emulated by
  registering SUB_APPS with add_typer before running `--help`;
- a real command, `crmctl list` on an empty database, against its own floor: python that
  imports sqlcipher3, keys the same database and runs one query (key derivation, ~0.2 s,
  dominates both).

    .venv/bin/python bench/startup_bench.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
PASSPHRASE = "startup-bench-passphrase"

EAGER = """
import sys
from importlib import import_module
import crmctl.store.passphrase  # the old cli/context imported the store at its top
import crmctl.cli as cli
for module_name, group in cli.SUB_APPS:
    module = import_module(f"crmctl.cli.{module_name}")
    if group:
        cli.app.add_typer(module.app, name=group)
    else:
        cli.app.add_typer(module.app)
sys.argv[0] = "crmctl"
cli.main()
"""

FLOOR_QUERY = """
import os, sys
from sqlcipher3 import dbapi2
conn = dbapi2.connect(sys.argv[1])
conn.set_key(os.environ["CRMCTL_PASSPHRASE"].encode())
conn.execute("SELECT count(*) FROM customers WHERE forgotten_at IS NULL").fetchone()
"""


def run_once(argv: list[str], env: dict | None) -> tuple[float, float]:
    """Wall time and CPU time (user + sys of the child) of one run, in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=env)
    wall = (time.perf_counter() - t0) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def medians(cases: list[tuple[str, list[str]]], runs: int,
            env: dict | None = None) -> list[tuple[str, float, float]]:
    """(label, median wall, median CPU) per case, after one warm-up each.

    The cases take turns (one run of each per round), so a change in the machine's load
    during the measurement falls on all of them alike. On a shared machine the wall time
    waits for other processes; the CPU time does not.
    """
    for _, argv in cases:
        run_once(argv, env)
    times: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in cases}
    for _ in range(runs):
        for label, argv in cases:
            times[label].append(run_once(argv, env))
    return [(label, statistics.median(w for w, _ in times[label]),
             statistics.median(c for _, c in times[label])) for label, _ in cases]


def table(title: str, results: list[tuple[str, float, float]]) -> None:
    floor_wall, floor_cpu = results[0][1], results[0][2]
    print(title)
    print(f"  {'command':<44}{'wall':>9}{'x floor':>9}{'cpu':>10}{'x floor':>9}")
    for label, wall, cpu in results:
        print(f"  {label:<44}{wall:6.0f} ms{wall / floor_wall:8.1f}x{cpu:7.0f} ms"
              f"{cpu / floor_cpu:8.1f}x")


def help_cases() -> list[tuple[str, list[str]]]:
    crmctl = str(BIN / "crmctl")
    return [
        ("python -c pass (floor)", [sys.executable, "-c", "pass"]),
        ("python -c 'import typer'", [sys.executable, "-c", "import typer"]),
        ("crmctl --help", [crmctl, "--help"]),
        ("crmctl --help, eager (before)", [sys.executable, "-c", EAGER, "--help"]),
        ("crmctl list --help", [crmctl, "list", "--help"]),
        ("crmctl tier set --help", [crmctl, "tier", "set", "--help"]),
        ("crmctl --help in Chinese (CRMCTL_LANG)",
         ["env", "CRMCTL_LANG=zh_CN", crmctl, "--help"]),
        ("crmctl list --help in Chinese", ["env", "CRMCTL_LANG=zh_CN", crmctl, "list", "--help"]),
        ("crmctl --version", [crmctl, "--version"]),
        ("python -m crmctl --help", [sys.executable, "-m", "crmctl", "--help"]),
    ]


def real_command(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="crmctl-startup-") as tmp:
        db = Path(tmp) / "crm.db"
        env = {**os.environ, "CRMCTL_DB": str(db), "CRMCTL_PASSPHRASE": PASSPHRASE}
        env.pop("CRMCTL_PASSPHRASE_FILE", None)
        env.pop("CRMCTL_PASSPHRASE_CMD", None)
        subprocess.run([str(BIN / "crmctl"), "init"], env=env, check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        crmctl = str(BIN / "crmctl")
        cases = [
            ("python + sqlcipher3 + key + query (floor)",
             [sys.executable, "-c", FLOOR_QUERY, str(db)]),
            ("crmctl list --format json", [crmctl, "list", "--format", "json"]),
            ("crmctl list --format json, eager", [sys.executable, "-c", EAGER, "list",
                                                   "--format", "json"]),
        ]
        table("a real command on an empty database (key derivation included):",
              medians(cases, runs, env))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"median of {args.runs} runs each; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs")
    table("start-up, floor = bare `python -c pass`:", medians(help_cases(), args.runs))
    real_command(args.runs)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
