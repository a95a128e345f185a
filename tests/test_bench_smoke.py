"""Bench smoke (make check): every bench script runs end to end at a small size and
prints its ratio against the floor it measured. Figures are not asserted: timings are not
tests (bench/README.md holds them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SMALL = [
    ("startup_bench.py", ["--runs", "2"]),
    ("search_bench.py", ["--n", "2000", "--repeat", "1"]),
    ("followups_bench.py", ["--customers", "1000", "--interactions", "5000", "--repeat", "1"]),
    ("export_bench.py", ["--rows", "2000", "--repeat", "1"]),
    ("import_bench.py", ["--rows", "2000", "--repeat", "1"]),
    ("duplicates_bench.py", ["--customers", "2000", "--repeat", "1"]),
]


@pytest.mark.slow
@pytest.mark.parametrize("script, args", SMALL, ids=[s for s, _ in SMALL])
def test_bench_runs_and_prints_a_ratio(script, args):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    # a ratio: "4.1x", "1.0×" or "ratio export / floor: 1.73"
    assert re.search(r"\d+(\.\d+)? ?[x×]|ratio[^\n]*: \d+(\.\d+)?", done.stdout), \
        done.stdout[-2000:]
    assert "Traceback" not in done.stderr
