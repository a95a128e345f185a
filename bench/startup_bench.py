"""How fast does `crmctl --help` start, as a whole process, against a bare interpreter?

Runs each command 10 times (after one warm-up) and prints the medians in ms — wall time
and the child's CPU time (user + sys), which waiting for other processes does not inflate —
and their ratio to the floor `python -c pass` measured in the same run.

    .venv/bin/python bench/startup_bench.py [--runs 10]
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

BIN = Path(sys.executable).parent


def median_ms(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys of the child) in ms.

    On a shared machine the wall time waits for other processes; the CPU time does not.
    """
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall.append((time.perf_counter() - t0) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    cases = [
        ("python -c pass (floor)", [sys.executable, "-c", "pass"]),
        ("python -c 'import typer'", [sys.executable, "-c", "import typer"]),
        ("crmctl --help", [str(BIN / "crmctl"), "--help"]),
        ("crmctl list --help", [str(BIN / "crmctl"), "list", "--help"]),
        ("python -m crmctl --help", [sys.executable, "-m", "crmctl", "--help"]),
    ]
    results = [(label, *median_ms(argv, args.runs)) for label, argv in cases]
    floor_wall, floor_cpu = results[0][1], results[0][2]
    print(f"median of {args.runs} runs each; floor = bare `python -c pass`; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'command':<28}{'wall':>9}{'x floor':>9}{'cpu':>10}{'x floor':>9}")
    for label, wall, cpu in results:
        print(f"  {label:<28}{wall:6.0f} ms{wall / floor_wall:8.1f}x{cpu:7.0f} ms"
              f"{cpu / floor_cpu:8.1f}x")


if __name__ == "__main__":
    main()
