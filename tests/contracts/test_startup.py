"""What start-up imports: `crmctl --help` and a cron run of `crmctl followups` must start in
well under a second, so the root group builds a sub-app only when one of its commands runs
(crmctl/cli/__init__.py's COMMANDS table answers --help) and the heavy libraries load inside
the functions that need them. These tests read sys.modules, -X importtime and the lazy
group's private state, so they pin the how; tests/test_cli_lazy.py holds the behaviour (the
help texts equal the eagerly registered app's)."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
import typer
from typer.main import get_command

from crmctl.cli import COMMANDS, SUB_APPS, CrmGroup, app

BIN = Path(sys.executable).parent


# Listing the commands must build no sub-app: building all of them imports every core
# module (~0.3 s of the ~0.7 s a cold `crmctl --help` is allowed).
def test_root_group_is_lazy_and_has_no_sub_app_built():
    group = get_command(app)
    assert isinstance(group, CrmGroup)
    assert group.commands.built == {}
    assert group.list_commands(None) == list(COMMANDS)
    assert group.commands.built == {}  # listing names built nothing


# A command pays only for its own sub-app module's imports, not its neighbours'.
@pytest.mark.parametrize("args, built", [
    (["tier", "--help"], {"tier"}),
    (["tier", "set", "--help"], {"tier"}),
    (["add", "--help"], {"init", "add", "list", "show", "edit", "rm"}),
    (["import", "--help"], {"import"}),
])
def test_a_command_builds_only_its_own_module(args, built):
    group = get_command(app)
    with pytest.raises(SystemExit) as done:
        group.main(args, prog_name="crmctl")
    assert done.value.code == 0
    assert set(group.commands.built) == built


# `crmctl --help` imports crmctl.cli and nothing below it: no store, core or render module.
def test_root_help_imports_no_sub_app_module():
    code = ("import sys; sys.argv = ['crmctl', '--help']\n"
            "from crmctl.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('crmctl'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    imported = done.stdout.splitlines()[-1].split()
    assert "crmctl.cli" in imported
    sub_apps = {f"crmctl.cli.{module}" for module, _ in SUB_APPS}
    assert not sub_apps & set(imported)
    assert not any(m.startswith(("crmctl.store", "crmctl.core", "crmctl.render"))
                   for m in imported), imported


# The lazy mapping behaves as click's dict of commands (len, order, get, add_command) while
# building a command only when it is looked up.
def test_lazy_commands_mapping():
    group = get_command(app)
    commands = group.commands
    assert len(commands) == len(COMMANDS) and list(commands) == list(COMMANDS)
    assert commands.get("no-such-command") is None
    assert commands.built == {}
    assert commands["tag"].name == "tag"
    assert set(commands.built) == {"tag"}
    extra = typer.main.get_command(import_module("crmctl.cli.config").app)
    group.add_command(extra, "extra")
    assert list(commands)[-1] == "extra" and len(commands) == len(COMMANDS) + 1


# A listing off a terminal (cron, a pipe) is printed without rich's console (~60 ms to import).
def test_plain_tables_do_not_import_rich_console():
    code = ("import sys; from crmctl.render import emit_rows, Format;"
            "emit_rows([{'name': '王明'}], ['name'], Format.table);"
            "print(sorted(m for m in sys.modules if m.startswith('rich.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[0] == "name"
    assert done.stdout.splitlines()[1] == "王明"
    loaded = done.stdout.splitlines()[2]
    assert "rich.console" not in loaded and "rich.table" not in loaded


# `python -m crmctl --help`, started as cron starts it, imports no heavy library at all.
@pytest.mark.e2e
def test_help_imports_nothing_heavy(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "crmctl", "--help"],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                          env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home)})
    assert done.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0]
                for line in done.stderr.decode("utf-8").splitlines() if "|" in line}
    assert "crmctl" in imported
    heavy = {"pandas", "numpy", "openpyxl", "vobject", "icalendar", "rich", "phonenumbers",
             "email_validator", "keyring", "dateutil", "charset_normalizer", "pypinyin"}
    assert not imported & heavy


# The cron report (`followups --format json`) loads no module it does not run: resolving a
# customer by name (core.search and its pinyin keys), the ids read from stdin (core.bulk),
# forgetting and closing (core.privacy, whose contact points and consent) are elsewhere.
@pytest.mark.real_kdf
def test_the_json_report_imports_no_lookup_bulk_or_privacy_module(initialized, pin_clock):
    pin_clock("2026-06-01T09:00:00+08:00")
    assert initialized("add", "王明", "--tier", "gold", "--company", "华为").exit_code == 0
    assert initialized("close", "1", "--reason", "已迁往海外").exit_code == 0
    assert initialized("add", "李娜", "--tier", "gold").exit_code == 0
    pin_clock("2026-11-23T09:00:00+08:00")  # (the process inherits the clock) churn risk
    code = ("import sys\nsys.argv = ['crmctl', 'followups', '--format', 'json']\n"
            "from crmctl.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m in ('crmctl.core.search', "
            "'crmctl.core.bulk', 'crmctl.core.privacy', 'crmctl.core.contact_points', "
            "'crmctl.core.consent'))) or '-', file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    import json

    assert [r["name"] for r in json.loads(done.stdout) if r["customer_id"]] == ["李娜"]
    assert done.stderr.split() == ["-"]


# The console script (crmctl.__main__:main) starts with the cyclic collector off: start-up
# makes tens of thousands of objects and no garbage worth walking (~4 ms). Building the
# command's sub-app turns it back on, with start-up's objects frozen out of its walks, so a
# long command (a million-row import) collects as usual.
def test_start_up_runs_without_the_collector_and_the_command_with_it(tmp_path):
    code = ("import gc, sys\n"
            f"sys.argv = ['crmctl', '--db', {str(tmp_path / 'none.db')!r}, 'followups']\n"
            "import crmctl.__main__ as entry\n"
            "off = not gc.isenabled()\n"
            "try:\n    entry.main()\nexcept SystemExit as done:\n    code = done.code\n"
            "print(off, code, gc.isenabled(), gc.get_freeze_count() > 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.stdout.split() == ["True", "1", "True", "True"], done.stderr
    assert done.stderr == (f"crmctl: no database at {tmp_path / 'none.db'}; create one with: "
                           "crmctl init\n")


def test_the_console_script_is_the_entry_point_that_turns_the_collector_off():
    script = (BIN / "crmctl").read_text(encoding="utf-8")
    assert "from crmctl.__main__ import main" in script
