"""Erasure that lasts: `rm` leaves nothing in the search index or the tags (as `forget`),
and `restore` re-applies the erasures made after the backup it restores."""

from __future__ import annotations

import json

from conftest import inspect_db

NAME, COMPANY, PHONE = "Quuxley Zorbington", "Frobnicate Widgetworks", "13912345678"
TAG = "lonelytag"
NEEDLES = [b"quuxley", b"zorbington", b"frobnicate", b"widgetworks", b"13912345678"]


def index_bytes(conn) -> bytes:
    """The raw blocks of both search indexes (a contentless delete hides a row from MATCH
    and from fts5vocab, but its tokens stay in these blocks until a merge)."""
    blocks = []
    for table in ("search_trigram_data", "search_grams_data", "search_trigram_idx",
                  "search_grams_idx"):
        for row in conn.execute(f"SELECT * FROM {table}"):
            blocks.extend(v for v in row if isinstance(v, (bytes, str)))
    return b"".join(v if isinstance(v, bytes) else v.encode() for v in blocks).lower()


def tag_names(conn) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM tags ORDER BY name")]


def listed(cli, *args) -> list[str]:
    result = cli("list", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return [c["name"] for c in json.loads(result.stdout)]


# --- item 7: rm cleans the search index and orphan tags ------------------------------------

def test_rm_leaves_no_trace_in_the_search_index_or_the_tags(initialized):
    cli = initialized
    gone = cli("add", NAME, "--company", COMPANY, "--phone", PHONE, "--tag", TAG,
               "--tag", "vip").stdout.strip()
    cli("add", "李娜", "--company", "腾讯", "--tag", "vip")
    before = inspect_db(index_bytes)
    assert all(n in before for n in NEEDLES)  # the scan sees them while the person is there
    assert inspect_db(tag_names) == [TAG, "vip"]

    r = cli("rm", gone, "--yes")
    assert (r.exit_code, r.stderr) == (0, f"removed #{gone}\n")
    after = inspect_db(index_bytes)
    assert [n for n in NEEDLES if n in after] == []
    assert inspect_db(tag_names) == ["vip"]  # the orphan went, the shared tag stayed
    assert listed(cli, "--search", "Frobnicate") == []
    assert listed(cli, "--search", "912345") == []
    assert listed(cli, "--search", "腾讯") == ["李娜"]  # the others are still found
    assert listed(cli, "--tag", "vip") == ["李娜"]
    assert cli("audit", "verify").exit_code == 0


# --- item 6: an erasure outlives a restore -------------------------------------------------

def add(cli, name: str, *args) -> str:
    result = cli("add", name, *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def restored_from(tmp_path, backup) -> str:
    (kept,) = tmp_path.glob("crm.db.before-restore-*")
    return (f"restored {tmp_path / 'crm.db'} from {backup}; "
            f"the previous database is kept as {kept}\n")


def ledger(conn) -> list[tuple]:
    return conn.execute("SELECT customer_id, erased_at FROM erasures ORDER BY customer_id"
                        ).fetchall()


def test_restore_reapplies_an_erasure_made_after_the_backup(initialized, tmp_path):
    from test_forget import decrypted_pages

    from conftest import PASSPHRASE

    cli = initialized
    gone = add(cli, NAME, "--company", COMPANY, "--phone", PHONE, "--tag", TAG)
    kept = add(cli, "李娜", "--company", "腾讯")
    assert cli("backup", tmp_path / "b.db").exit_code == 0
    assert cli("forget", gone, "--yes").exit_code == 0
    after_forget = cli("show", gone)
    assert after_forget.exit_code == 1
    erased = inspect_db(ledger)
    assert [e[0] for e in erased] == [int(gone)]

    r = cli("restore", tmp_path / "b.db", "--yes")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == (restored_from(tmp_path, tmp_path / "b.db")
                        + "re-applied 1 erasure made after this backup\n")
    again = cli("show", gone)  # gone again, exactly as after the forget
    assert (again.exit_code, again.stdout, again.stderr) == (
        1, after_forget.stdout, after_forget.stderr)
    assert listed(cli) == ["李娜"] and listed(cli, "--search", "Frobnicate") == []
    assert add(cli, "张伟") == str(int(kept) + 1)  # and the restored file works on
    assert inspect_db(ledger) == erased  # the erasure keeps its first time
    tomb = inspect_db(lambda c: c.execute("SELECT name, company, phone, forgotten_at FROM "
                                          "customers WHERE id = ?", (int(gone),)).fetchone())
    assert tomb == ("(forgotten)", None, None, erased[0][1])
    assert [n for n in NEEDLES if n in inspect_db(index_bytes)] == []
    assert inspect_db(tag_names) == []
    plain = decrypted_pages(tmp_path / "crm.db", PASSPHRASE).lower()  # free pages too
    assert "李娜".encode() in plain and [n for n in NEEDLES if n in plain] == []
    verified = cli("audit", "verify", "--format", "json")
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True
    log = json.loads(cli("audit", "log", "--format", "json", "--limit", "3").stdout)
    assert [(e["action"], e["command"], e["entity_id"]) for e in log] == [
        ("add", "add", str(int(kept) + 1)), ("restore", "restore", None),
        ("forget", "restore", gone)]


def test_restore_of_a_backup_made_after_the_forget_reapplies_nothing(initialized, tmp_path):
    cli = initialized
    gone = add(cli, NAME, "--company", COMPANY)
    add(cli, "李娜")
    assert cli("forget", gone, "--yes").exit_code == 0
    erased = inspect_db(ledger)
    assert cli("backup", tmp_path / "b.db").exit_code == 0
    add(cli, "张伟")
    r = cli("restore", tmp_path / "b.db", "--yes")
    assert (r.exit_code, r.stderr) == (0, restored_from(tmp_path, tmp_path / "b.db"))
    assert listed(cli) == ["李娜"]
    assert inspect_db(ledger) == erased
    assert cli("audit", "verify").exit_code == 0


def test_restore_of_a_schema_7_backup_reapplies_the_later_erasures(initialized, tmp_path):
    """A backup made before the ledger existed: the restored copy is migrated (its own
    tombstones fill its ledger) and only the erasures it lacks are applied again."""
    from crmctl.store import open_database

    from conftest import PASSPHRASE

    cli = initialized
    early = add(cli, "王明")
    assert cli("forget", early, "--yes").exit_code == 0  # in the backup as a tombstone
    first = add(cli, NAME, "--company", COMPANY)
    second = add(cli, "Anna Schmidt", "--phone", "13800138000")
    add(cli, "李娜")
    backup = tmp_path / "old.db"
    assert cli("backup", backup).exit_code == 0
    old = open_database(backup, PASSPHRASE.encode())  # as the build of schema 7 wrote it
    old.execute("DROP TABLE erasures")
    old.execute("DROP TABLE close_events")  # m019's
    for index in ("interactions_live_at", "interactions_live_rated",
                  "interactions_live_complaints", "purchases_live"):
        old.execute(f"DROP INDEX {index}")
    old.execute("ALTER TABLE followups DROP COLUMN cancel_reason")  # m009's
    old.execute("ALTER TABLE customers DROP COLUMN name_key")  # m013's
    old.execute("ALTER TABLE consent_events DROP COLUMN purpose")  # m010's
    old.execute("DROP TABLE contact_points")  # m014's
    old.execute("ALTER TABLE customers DROP COLUMN phone_type")
    old.execute("ALTER TABLE customers DROP COLUMN email_type")
    old.execute("DROP INDEX customers_birthday_lunar")  # m011's
    old.execute("DROP INDEX customers_care")
    old.execute("ALTER TABLE customers DROP COLUMN birthday_lunar")
    old.execute("DROP INDEX customers_contact")  # m015's
    old.execute("ALTER TABLE interactions DROP COLUMN root_cause")  # m016's
    old.execute("ALTER TABLE interactions DROP COLUMN solution")
    old.execute("DROP INDEX customers_closed")  # m017's
    old.execute("ALTER TABLE customers DROP COLUMN closed_at")
    old.execute("ALTER TABLE customers DROP COLUMN close_reason")
    old.execute("PRAGMA user_version = 7")
    old.close()
    for cid in (first, second):
        assert cli("forget", cid, "--yes").exit_code == 0

    r = cli("restore", backup, "--yes")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == (restored_from(tmp_path, backup)
                        + "re-applied 2 erasures made after this backup\n")
    assert listed(cli) == ["李娜"]
    assert [e[0] for e in inspect_db(ledger)] == [int(early), int(first), int(second)]
    from crmctl.store.migrations import MIGRATIONS
    assert inspect_db(lambda c: c.execute("PRAGMA user_version").fetchone()[0]) == len(MIGRATIONS)
    assert cli("audit", "verify").exit_code == 0


def test_reapply_skips_a_later_customer_given_the_same_id(conn):
    """An id freed by `rm` may be given to someone else: the ledger names the erased
    customer by id and created_at, so the newcomer is not erased."""
    from crmctl.core import customers, privacy

    customers.add(conn, {"name": "王明"})
    newcomer = customers.add(conn, {"name": "李娜"})
    stale = privacy.Erasure(newcomer, "2020-01-01T00:00:00Z", "2020-02-01T00:00:00Z")
    assert privacy.reapply_erasures(conn, [stale]) == 0
    assert customers.get(conn, newcomer).name == "李娜"
    assert privacy.erasure_ledger(conn) == [stale]  # carried over all the same
