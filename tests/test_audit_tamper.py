"""Playing the insider: with the key, change the audit log directly; verify must notice."""

from __future__ import annotations

import json

import pytest

from crmctl.core import audit, customers
from crmctl.errors import UsageError

COLUMNS = "id, at, os_user, command, action, entity, entity_id, fields, prev_hash, hash"


@pytest.fixture
def logged(conn):
    """Five entries: three adds and two edits."""
    ids = [customers.add(conn, {"name": n}) for n in ("王明", "李娜", "张伟")]
    customers.edit(conn, ids[0], {"company": "华为"})
    customers.edit(conn, ids[1], {"company": "腾讯"})
    assert audit.verify(conn).ok and audit.verify(conn).entries == 5
    return conn


def rows(conn) -> list[tuple]:
    return conn.execute(f"SELECT {COLUMNS} FROM audit_log ORDER BY id").fetchall()


def put(conn, entries) -> None:
    conn.execute("DELETE FROM audit_log")
    conn.executemany(f"INSERT INTO audit_log ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", entries)


def test_edit_is_caught(logged):
    logged.execute("UPDATE audit_log SET action = 'add' WHERE id = 4")
    result = audit.verify(logged)
    assert (result.ok, result.first_bad) == (False, 4)


def test_edit_of_fields_is_caught(logged):
    logged.execute("""UPDATE audit_log SET fields = '["note"]' WHERE id = 2""")
    assert audit.verify(logged).first_bad == 2


@pytest.mark.parametrize("victim, first_bad", [(3, 4), (1, 2)])
def test_delete_middle_or_first_is_caught(logged, victim, first_bad):
    logged.execute("DELETE FROM audit_log WHERE id = ?", (victim,))
    result = audit.verify(logged)
    assert (result.ok, result.first_bad) == (False, first_bad)
    assert result.entries == 4 and result.head == rows(logged)[-1][9]


def test_delete_first_and_renumber_is_caught(logged):
    entries = rows(logged)[1:]
    put(logged, [(i + 1, *e[1:]) for i, e in enumerate(entries)])
    assert audit.verify(logged).first_bad == 1


def test_insert_is_caught(logged):
    entries = rows(logged)
    forged = list(entries[2])
    forged[4] = "rm"
    # slot a forged entry in after #2, with a hash that is right for its contents
    forged[0] = 3
    forged[8] = entries[1][9]
    forged[9] = audit.entry_hash(*forged[:9])
    put(logged, [*entries[:2], tuple(forged), *[(e[0] + 1, *e[1:]) for e in entries[2:]]])
    assert audit.verify(logged).first_bad == 4


def test_insert_at_the_end_with_a_wrong_link_is_caught(logged):
    last = rows(logged)[-1]
    fake = [6, last[1], "mallory", "rm", "rm", "customer", "1", "[]", "0" * 64]
    logged.execute(f"INSERT INTO audit_log ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (*fake, audit.entry_hash(*fake)))
    assert audit.verify(logged).first_bad == 6


def test_reorder_is_caught(logged):
    entries = rows(logged)
    swapped = [entries[0], entries[2], entries[1], *entries[3:]]
    put(logged, [(i + 1, *e[1:]) for i, e in enumerate(swapped)])  # ids kept in order
    assert audit.verify(logged).first_bad == 2
    put(logged, swapped)  # rows kept whole, only their order in the table changed
    assert audit.verify(logged).ok  # the id order is the log order: nothing was changed


def rewrite_consistently(conn, entries) -> None:
    """What an insider with the key can do: rebuild every hash from the start."""
    prev, out = audit.GENESIS, []
    for i, e in enumerate(entries, start=1):
        row = [i, *e[1:8], prev]
        prev = audit.entry_hash(*row)
        out.append((*row, prev))
    put(conn, out)


def test_consistent_rewrite_passes_plain_verify_but_not_expect(logged):
    old_head = audit.head(logged)
    entries = rows(logged)
    rewrite_consistently(logged, [entries[0], *entries[2:]])  # drop #2, rebuild the chain
    assert audit.verify(logged).ok
    result = audit.verify(logged, expect=old_head[:12])
    assert (result.ok, result.first_bad) == (False, None)
    assert "expected head" in result.problem


def test_deleting_the_last_entry_is_caught_by_expect_only(logged):
    old_head = audit.head(logged)
    assert audit.verify(logged, expect=old_head.upper()).ok
    logged.execute("DELETE FROM audit_log WHERE id = 5")
    assert audit.verify(logged).ok
    assert not audit.verify(logged, expect=old_head).ok


def test_an_older_head_is_still_extended(logged):
    older = rows(logged)[2][9]
    customers.add(logged, {"name": "赵敏"})
    assert audit.verify(logged, expect=older[:16]).ok


@pytest.mark.parametrize("bad", ["abc123", "xyz" * 6, ""])
def test_expect_must_be_12_hex_characters(logged, bad):
    with pytest.raises(UsageError, match="--expect takes 12 or more hex characters"):
        audit.verify(logged, expect=bad)


def test_cli_verify_json_and_exit_codes(initialized, db_path):
    from conftest import PASSPHRASE

    from crmctl.store import open_database

    cli = initialized
    for name in ("王明", "李娜", "张伟"):
        assert cli("add", name).exit_code == 0
    good = cli("audit", "verify", "--format", "json")
    data = json.loads(good.stdout)
    head = cli("audit", "head").stdout.strip()
    assert good.exit_code == 0
    assert {k: data[k] for k in ("ok", "entries", "head", "first_bad")} == {
        "ok": True, "entries": 3, "head": head, "first_bad": None}
    conn = open_database(db_path, PASSPHRASE.encode())
    conn.execute("UPDATE audit_log SET entity_id = '9' WHERE id = 2")
    conn.close()
    bad = cli("audit", "verify", "--format", "json")
    data = json.loads(bad.stdout)
    assert bad.exit_code == 4 and (data["ok"], data["first_bad"], data["entries"]) == (False, 2, 3)
    assert bad.stderr == ("crmctl: audit log verification failed at entry 2: "
                          "contents do not match hash\n")
    r = cli("audit", "verify", "--expect", "1234")
    assert r.exit_code == 2 and "12 or more hex" in r.stderr
