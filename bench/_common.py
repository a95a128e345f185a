"""Helpers shared by the bench scripts (run as `python bench/NAME.py`, so bench/ is on
sys.path)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Callable


def remove_db(path: Path) -> Path:
    """Delete a database with its -wal and -shm files; return the path."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def cached_db(path: Path, build: Callable[[Path], None]) -> Path:
    """Build the database at ``path`` once (later runs reuse it); a build that fails or is
    interrupted leaves nothing behind, so the next run starts over."""
    if not path.exists():
        try:
            build(path)
        except BaseException:
            remove_db(path)
            raise
    return path


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall time in ms over ``repeat`` runs (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result
