"""Helpers shared by the bench scripts (run as `python bench/NAME.py`, so bench/ is on
sys.path)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Callable

# Made-up people and companies for the generated books (search and duplicate benches).
FIRST = ("Anna", "John", "Maria", "David", "Sarah", "Michael", "Laura", "Peter", "Emma",
         "Lukas", "Sofia", "James", "Olivia", "Thomas", "Julia", "Daniel", "Chloe", "Max")
LAST = ("Schmidt", "Smith", "Müller", "Johnson", "Garcia", "Brown", "Martin", "Rossi",
        "Dubois", "Nguyen", "Kowalski", "Tanaka", "Silva", "Andersen", "Novak", "Weber")
BIG = ("华为", "腾讯", "阿里巴巴", "小米", "比亚迪", "京东", "美团", "百度", "联想", "海尔")
CITY = ("北京", "上海", "深圳", "杭州", "广州", "成都", "南京", "武汉", "苏州", "西安")
TRADE = ("科技", "贸易", "机械", "电子", "食品", "物流", "医药", "建材", "服饰", "咨询")
LATIN_CO = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
            "Tyrell", "Cyberdyne", "Soylent", "Aperture")
FREE_MAIL = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com")


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
