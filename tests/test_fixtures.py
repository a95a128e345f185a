"""The shared fixtures copy one database per worker instead of making each (conftest.py):
the copy must be what `crmctl init` and create_database make, or every test built on it
would test something else."""

from __future__ import annotations

import os
import stat

from conftest import PASSPHRASE, inspect_db


def _everything(conn) -> dict:
    """Schema, version, persistent settings and every row of every table."""
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name")]
    return {
        "schema": sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"
                                      " WHERE name NOT LIKE 'sqlite_autoindex%'")),
        "pragmas": [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in
                    ("user_version", "application_id", "page_size", "auto_vacuum",
                     "journal_mode")],
        "rows": {t: sorted(map(tuple, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables},
    }


def test_the_initialized_copy_is_what_crmctl_init_makes(initialized, cli, tmp_path,
                                                        monkeypatch):
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("crm.db")] == ["crm.db"]
    assert stat.S_IMODE(os.stat(os.environ["CRMCTL_DB"]).st_mode) == 0o600
    copied = inspect_db(_everything)

    made = tmp_path / "by-init" / "crm.db"
    monkeypatch.setenv("CRMCTL_DB", str(made))
    result = cli("init")
    assert (result.exit_code, result.stderr) == (0, f"created {made}\n")
    assert [p.name for p in made.parent.iterdir()] == ["crm.db"]  # as the copy: no -wal
    assert inspect_db(_everything) == copied
    assert copied["pragmas"][0] > 0 and "customers" in copied["rows"]


def test_the_conn_copy_is_what_create_database_returns(conn, tmp_path):
    from crmctl.store import create_database

    made = create_database(tmp_path / "made.db", PASSPHRASE.encode())
    try:
        assert _everything(conn) == _everything(made)
        assert (conn.command, conn.lock_handle, conn.path) == ("init", None,
                                                              tmp_path / "crm.db")
        from crmctl.core import customers

        cid = customers.add(conn, {"name": "王明", "company": "华为"})  # a usable connection
        assert customers.get(conn, cid).company == "华为"
    finally:
        made.close()


def test_a_copy_opens_only_with_the_test_passphrase(initialized):
    result = initialized("list", env={"CRMCTL_PASSPHRASE": "wrong horse 电池 staple"})
    assert result.exit_code == 3
    assert result.stderr.startswith("crmctl: wrong passphrase for ")
