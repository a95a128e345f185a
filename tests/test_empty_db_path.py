"""An empty --db or CRMCTL_DB (an unset variable in a script): --db "" is a usage error
that touches no database, an empty CRMCTL_DB is treated as unset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_explicit_empty_db_option_is_a_usage_error(initialized, tmp_path):
    cli = initialized
    default = tmp_path / "xdg" / "crmctl" / "crm.db"
    for args in [("--db", "", "list"), ("--db=", "init"), ("--db", "", "add", "王明")]:
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (2, ""), args
        assert result.stderr == (
            "crmctl: --db is empty (an unset variable in --db \"$VAR\"?); give the database "
            "path, or leave --db out to use CRMCTL_DB or the default\n")
    assert not default.exists()  # nothing fell back to the default database
    assert json.loads(cli("list", "--format", "json").stdout) == []  # CRMCTL_DB's db untouched


def test_empty_crmctl_db_env_is_unset(cli, tmp_path):
    """An empty CRMCTL_DB is treated as unset (as most tools do): the default database."""
    default = tmp_path / "xdg" / "crmctl" / "crm.db"
    made = cli("init", env={"CRMCTL_DB": ""})
    assert made.exit_code == 0, made.stderr
    assert default.exists() and not (tmp_path / "crm.db").exists()
    added = cli("add", "李娜", env={"CRMCTL_DB": ""})
    assert added.exit_code == 0 and added.stdout.strip() == "1"


def test_resolve_db_path():
    from crmctl.errors import UsageError
    from crmctl.store.paths import default_db_path, resolve_db_path

    with pytest.raises(UsageError, match="--db is empty"):
        resolve_db_path("")
    assert resolve_db_path(None) == Path(__import__("os").environ["CRMCTL_DB"])
    assert resolve_db_path("~/x.db") == Path.home() / "x.db"
    assert default_db_path().name == "crm.db"
