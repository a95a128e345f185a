"""The lazy root group: the COMMANDS table cannot drift from the real commands.

crmctl's root group imports a sub-app module only when one of its commands runs, and
prints root --help from the COMMANDS table, generated into crmctl/cli/_commands.py by
`python -m crmctl.cli.gen_commands`. These tests build the whole tree the eager way (every
SUB_APPS module registered with add_typer, as typer does it) and prove the lazy group shows
the same names, order, help and sub-help. If one fails after a command or a docstring
changed, its message names the command that regenerates the table. That the root builds
nothing it does not need (its start-up speed) is pinned in tests/contracts/test_startup.py.
"""

from __future__ import annotations

import copy

import pytest
import typer
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from crmctl.cli import COMMANDS, SUB_APPS, app, gen_commands
from crmctl.cli.gen_commands import register

WIDTHS = [50, 64, 80, 120, 200]


def eager_app() -> typer.Typer:
    """The root app with every sub-app registered up front (the pre-lazy crmctl)."""
    full = copy.copy(app)
    full.info = copy.copy(app.info)
    full.info.cls = TyperGroup
    full.registered_groups = []
    for module_name, group in SUB_APPS:
        register(full, module_name, group)
    return full


@pytest.fixture(scope="module")
def eager():
    return eager_app()


@pytest.fixture(scope="module")
def eager_group(eager):
    return get_command(eager)


def invoke_eager(eager, eager_group, args, **kwargs):
    """CliRunner().invoke(eager, args) on the module's one build of the eager tree (typer's
    runner would build all of it again for every call: ~40 ms each)."""
    import typer.testing

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", lambda given: eager_group)
        return CliRunner().invoke(eager, args, **kwargs)


def expected_table(eager_group) -> dict[str, tuple[str, str]]:
    owner = {}
    for module_name, group in SUB_APPS:
        alone = typer.Typer()
        register(alone, module_name, group)
        owner.update({name: module_name for name in get_command(alone).commands})
    return {name: (owner[name], command.get_short_help_str(10**6))
            for name, command in eager_group.commands.items()}


REGENERATE = f"run `{gen_commands.COMMAND}` to regenerate crmctl/cli/_commands.py"


def test_generated_table_is_up_to_date():
    current = gen_commands.TARGET.read_text(encoding="utf-8")
    assert current == gen_commands.source(), f"the command table drifted: {REGENERATE}"
    assert SUB_APPS == gen_commands.SUB_APPS, REGENERATE


def test_table_equals_full_registration(eager_group):
    expected = expected_table(eager_group)
    wrong = {name: entry for name, entry in expected.items() if COMMANDS.get(name) != entry}
    extra = [name for name in COMMANDS if name not in expected]
    assert not wrong and not extra, f"{REGENERATE} (set {wrong!r}, remove {extra!r})"
    assert list(COMMANDS) == list(expected), f"COMMANDS order: {list(expected)!r}; {REGENERATE}"


def test_every_sub_app_module_is_in_the_table():
    assert {module for module, _ in COMMANDS.values()} == {module for module, _ in SUB_APPS}
    groups = {group for _, group in SUB_APPS if group}
    for name, (module, _) in COMMANDS.items():
        if name in groups:
            assert dict(SUB_APPS)[module] == name


@pytest.mark.parametrize("width", WIDTHS)
def test_root_help_is_the_full_registrations_help(eager, eager_group, width):
    runner = CliRunner()
    lazy = runner.invoke(app, ["--help"], prog_name="crmctl", terminal_width=width)
    full = invoke_eager(eager, eager_group, ["--help"], prog_name="crmctl", terminal_width=width)
    assert lazy.exit_code == full.exit_code == 0
    assert "Commands:" in lazy.stdout
    assert lazy.stdout == full.stdout


def leaf_paths(group, prefix=()):
    """Every command path in the tree: ('tier',), ('tier', 'set'), ('add',)…"""
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, TyperGroup):
            yield from leaf_paths(command, (*prefix, name))


def test_every_sub_help_is_the_full_registrations_help(eager, eager_group):
    runner = CliRunner()
    paths = list(leaf_paths(eager_group))
    assert len(paths) >= 40
    for path in paths:
        lazy = runner.invoke(app, [*path, "--help"], prog_name="crmctl", terminal_width=100)
        full = invoke_eager(eager, eager_group, [*path, "--help"], prog_name="crmctl",
                            terminal_width=100)
        assert lazy.exit_code == full.exit_code == 0, path
        assert "Example:" in lazy.stdout or isinstance(
            eager_group.commands[path[0]], TyperGroup), path
        assert lazy.stdout == full.stdout, path


def test_unknown_command_is_one_line_with_a_suggestion(cli):
    result = cli("lst")
    assert result.exit_code == 2
    assert result.stderr == ("crmctl: No such command 'lst'. Did you mean 'list'? "
                             "(see 'crmctl --help')\n")
    result = cli("frobnicate")
    assert result.exit_code == 2
    assert result.stderr == "crmctl: No such command 'frobnicate'. (see 'crmctl --help')\n"
    assert result.stdout == ""


def test_unknown_sub_command_of_a_lazy_group(cli):
    result = cli("tier", "sett")
    assert result.exit_code == 2
    assert result.stderr == ("crmctl: No such command 'sett'. Did you mean 'set'? "
                             "(see 'crmctl tier --help')\n")


def test_version_and_short_help_option(cli):
    version = cli("--version")
    assert version.exit_code == 0 and version.stdout.startswith("crmctl ")
    short = cli("-h")
    assert short.exit_code == 0
    for name in COMMANDS:
        assert f"\n  {name} " in short.stdout


def test_global_db_option_reaches_a_lazily_built_command(cli, tmp_path):
    path = tmp_path / "elsewhere.db"
    missing = cli("--db", path, "show", "1")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("crmctl: ") and missing.stderr.count("\n") == 1
    assert not path.exists()
    made = cli("--db", path, "init")
    assert made.exit_code == 0, made.stderr
    assert path.exists()
    absent = cli("--db", path, "show", "42")
    assert absent.exit_code == 1
    assert absent.stderr.startswith("crmctl: ") and "42" in absent.stderr


def test_no_command_shows_the_help_on_stderr_exit_2(cli):
    bare = cli()
    assert bare.exit_code == 2 and bare.stdout == ""
    assert bare.stderr.startswith("Usage: crmctl [OPTIONS] COMMAND [ARGS]...\n")
    assert all(f"\n  {name} " in bare.stderr for name in COMMANDS)
    group = cli("tier")
    assert group.exit_code == 2
    assert group.stderr.startswith("Usage: crmctl tier [OPTIONS] COMMAND [ARGS]...\n")
    assert "crmctl: " not in group.stderr and "\n  set " in group.stderr


def test_every_command_is_thin():
    """A command parses, opens a session, makes one core call and renders: its code after
    the docstring stays within 30 lines (what is longer belongs in render or core)."""
    import ast
    from pathlib import Path

    too_long = []
    for path in sorted(Path(gen_commands.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef) or not any(
                    isinstance(d, ast.Call) and getattr(d.func, "attr", "") in
                    ("command", "callback") for d in node.decorator_list):
                continue
            body = node.body[1:] if ast.get_docstring(node) else node.body
            length = body[-1].end_lineno - body[0].lineno + 1
            if length > 30:
                too_long.append(f"{path.name}:{node.lineno} {node.name} ({length} lines)")
    assert not too_long, too_long
