"""Crash tests: a large `crmctl import` and `crmctl tier review --apply` killed with
SIGKILL at random moments. After each kill the database opens, integrity_check,
cipher_integrity_check and the FTS5 indexes' own integrity-check are clean, `audit verify`
passes, and the data is all before or all after the operation (counted table by table).

backup / restore / rekey have their kill -9 tests in tests/test_backup.py (not repeated).
Seeds are printed so a failure can be replayed: CRMCTL_CRASH_SEED=… pytest -m slow -k crash
"""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from stress_helpers import crmctl_env, health, run, start

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

KILLS = int(os.environ.get("CRMCTL_CRASH_KILLS", "5"))
IMPORT_ROWS = 30_000
TIER_CUSTOMERS = 4_000
LATER = "2028-06-01T09:00:00Z"  # every customer of the tier base is inactive by then


def seed() -> int:
    value = int(os.environ.get("CRMCTL_CRASH_SEED", time.time_ns() % 1_000_000))
    print(f"CRMCTL_CRASH_SEED={value}")
    return value


def counts(db: Path) -> dict[str, int]:
    """Rows per table that an import or a tier review touches, after the checks."""
    from crmctl.store import open_database

    conn = open_database(db, PASSPHRASE.encode())
    try:
        for table in ("search_trigram", "search_grams"):  # raises if an index is damaged
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
               for t in ("customers", "customer_tags", "tier_history", "followups",
                         "audit_log")}
        for tier in ("gold", "silver", "regular"):
            out[tier] = conn.execute("SELECT count(*) FROM customers WHERE tier = ?",
                                     (tier,)).fetchone()[0]
        return out
    finally:
        conn.close()


def copy_db(source: Path, target: Path) -> Path:
    for side in ("", "-wal", "-shm"):
        Path(f"{target}{side}").unlink(missing_ok=True)
    shutil.copy2(source, target)
    return target


def kill_at_random_moments(base: Path, work: Path, args: list, env: dict, kills: int,
                           rng: random.Random) -> list[tuple[float, dict]]:
    """Time one full run, then kill -9 ``kills`` runs at random moments within it; after
    each, check the database and return (moment, counts) with the full run's counts last."""
    copy_db(base, work)
    started = time.monotonic()
    full = run(args, env, timeout=600)
    span = time.monotonic() - started
    assert full.returncode == 0, full.stderr
    after = counts(work)
    outcomes = []
    for _ in range(kills):
        copy_db(base, work)
        moment = rng.uniform(0.3, span * 1.1)
        proc = start(args, env)
        time.sleep(moment)
        proc.kill()
        proc.communicate()
        state = health(work)
        assert state.whole, (moment, state)
        outcomes.append((moment, counts(work)))
    outcomes.append((span, after))
    return outcomes


@pytest.fixture(scope="module")
def import_base(tmp_path_factory):
    directory = tmp_path_factory.mktemp("import-base")
    base = directory / "base.db"
    from stress_helpers import populate

    populate(base, 100)
    csv_file = directory / "big.csv"
    with csv_file.open("w", encoding="utf-8") as f:
        f.write("姓名,公司,手机,邮箱,备注,标签\n")
        for i in range(IMPORT_ROWS):
            f.write(f"导入{i},公司{i % 300},+86137{i:08d},user{i}@example.cn,"
                    f"展会名单 第{i}行,展会2026;vip{i % 7}\n")
    return base, csv_file


def test_kill_9_during_a_large_import(import_base, tmp_path):
    base, csv_file = import_base
    rng = random.Random(seed())
    work = tmp_path / "crm.db"
    before = counts(copy_db(base, work))
    outcomes = kill_at_random_moments(base, work, ["import", csv_file], crmctl_env(work),
                                      KILLS, rng)
    after = outcomes[-1][1]
    assert after["customers"] == before["customers"] + IMPORT_ROWS
    assert after["audit_log"] == before["audit_log"] + 1  # one entry for the import
    for moment, seen in outcomes:
        assert seen in (before, after), f"killed at {moment:.2f} s: {seen}, neither " \
                                        f"{before} nor {after}"
    print([("after" if seen == after else "before", round(m, 2)) for m, seen in outcomes])


@pytest.fixture(scope="module")
def tier_base(tmp_path_factory):
    from crmctl.core import customers
    from crmctl.store import atomic, create_database

    base = tmp_path_factory.mktemp("tier-base") / "base.db"
    conn = create_database(base, PASSPHRASE.encode())
    with atomic(conn):
        for i in range(TIER_CUSTOMERS):
            customers.add(conn, {"name": f"客户{i}", "company": f"公司{i % 50}"},
                          tier="gold" if i % 2 else "silver", allow_duplicate=True)
    conn.close()
    return base


def test_kill_9_during_tier_review_apply(tier_base, tmp_path):
    rng = random.Random(seed())
    work = tmp_path / "crm.db"
    before = counts(copy_db(tier_base, work))
    env = crmctl_env(work, CRMCTL_NOW=LATER)
    outcomes = kill_at_random_moments(tier_base, work, ["tier", "review", "--apply"], env,
                                      KILLS, rng)
    after = outcomes[-1][1]
    half = TIER_CUSTOMERS // 2  # inactive: gold -> silver, silver -> regular
    assert (before["gold"], before["silver"], before["regular"]) == (half, half, 0)
    assert (after["gold"], after["silver"], after["regular"]) == (0, half, half)
    assert after["tier_history"] == before["tier_history"] + TIER_CUSTOMERS
    assert after["followups"] == before["followups"] + TIER_CUSTOMERS  # one notify each
    for moment, seen in outcomes:
        assert seen in (before, after), f"killed at {moment:.2f} s: {seen}, neither " \
                                        f"{before} nor {after}"
    print([("after" if seen == after else "before", round(m, 2)) for m, seen in outcomes])
