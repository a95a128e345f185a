"""The crmctl command: one Typer sub-app per noun, joined here, with one exit point.

Every CrmError becomes one line on stderr and the contract's exit code (crmctl.errors);
anything unexpected says it is probably a bug, with the traceback only under --debug.
"""

from __future__ import annotations

import errno
import gc
import io
import os
import sys
from collections.abc import MutableMapping
from typing import Optional

import typer
from typer.core import TyperGroup

from crmctl import __version__, i18n
from crmctl.cli._commands import COMMANDS, SUB_APPS
from crmctl.cli.helptext import HelpContext, one_line, tr, use_help_context
from crmctl.errors import CrmError, ExitStatus
from crmctl.i18n import _, is_english


def _fail(message: str, status: int) -> None:
    sys.stderr.write(f"crmctl: {message}\n")
    raise typer.Exit(int(status))


# errno values of a write that found no room: the disk, the file-size limit (ulimit -f,
# prlimit --fsize) or the user's quota. Reported as one line, never as a bug.
DISK_FULL = frozenset(getattr(errno, name) for name in ("ENOSPC", "EFBIG", "EDQUOT")
                      if hasattr(errno, name))


def _cannot_write(exc: OSError) -> str:
    """The one line for a write that failed: which file, why, and whether the database
    changed (a write command may have committed before its output failed)."""
    name = exc.filename if exc.filename not in (None, "") else _("the output file")
    reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
    store = sys.modules.get("crmctl.store.transactions")
    if getattr(store, "commits", 0):
        return _("cannot write {name}: {reason} (the command's changes to the database were "
                 "saved)").format(name=name, reason=reason)
    return _("cannot write {name}: {reason}; nothing was changed").format(name=name,
                                                                           reason=reason)


def _flush_stdout(code: int) -> int:
    """Flush stdout while a failure can still be one line and an exit status: at
    interpreter exit it would be an "Exception ignored" traceback and status 120."""
    try:
        sys.stdout.flush()
        return code
    except OSError as exc:
        try:  # what stays buffered goes nowhere, so the exit-time flush cannot fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        if isinstance(exc, BrokenPipeError) or code != ExitStatus.OK:
            return code  # the reader went away (| head), or the command's error was said
        sys.stderr.write(f"crmctl: {_cannot_write(exc)}\n")
        return ExitStatus.FAILED


# Options given where they do not belong, and where they do: (command path, option) -> hint
ROOT_OPTIONS = ("--db", "--debug")
MISPLACED = {("crmctl edit", "--tier"):
             lambda: _("the tier has its own command: crmctl tier set ID TIER")}


def _usage_line(exc) -> str:
    """A usage error's line: click's message and where to look, or, for an option that
    belongs elsewhere (``list --db X``, ``edit --tier``), where it goes."""
    path = exc.ctx.command_path if exc.ctx else "crmctl"
    option = getattr(exc, "option_name", None)
    if option in ROOT_OPTIONS and path != "crmctl":
        command = path.split(" ", 1)[1]
        return _("{option} goes before the command: crmctl {option}{value} {command} …").format(
            option=option, value=" PATH" if option == "--db" else "", command=command)
    if (path, option) in MISPLACED:
        return _("{command} has no {option}; {hint}").format(
            command=path.split(" ", 1)[1], option=option, hint=MISPLACED[path, option]())
    message = exc.format_message()
    if not is_english():  # click words its own errors in English only
        from crmctl.cli.usage_words import worded

        message = worded(message)
    return _("{message} (see '{command} --help')").format(
        message=message, command=path) if exc.ctx else message


class _StandardOutput(io.FileIO):
    """File descriptor 1, whose write errors name it (an OSError from a write names no
    file, and the exit point's "cannot write …" line needs one)."""

    def write(self, data):
        try:
            return super().write(data)
        except OSError as exc:
            exc.filename = exc.filename or _("standard output")
            raise


def _buffered_stdout() -> None:
    """sys.stdout over _StandardOutput, buffered even under PYTHONUNBUFFERED=1 or -u:
    unbuffered, a write cut short by a full disk loses the rest without an error (the text
    layer ignores the count); a buffer writes the rest again and gets the error."""
    old = sys.stdout
    try:
        fd = old.fileno()
        terminal = old.isatty()
    except (AttributeError, ValueError, OSError):
        return
    old.flush()
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_StandardOutput(fd, "wb", closefd=False)), encoding=old.encoding,
        errors=old.errors, line_buffering=old.line_buffering or terminal)


class CrmGroup(TyperGroup):
    """The root group: maps errors to exit codes in one place, and builds lazily.

    Only the sub-app that runs is imported and turned into click (``LazyCommands``);
    root --help lists every command from the COMMANDS table, generated from the sub-apps
    into crmctl/cli/_commands.py by ``python -m crmctl.cli.gen_commands`` (a new or renamed
    command: run it; tests/test_cli_lazy.py fails until the table matches).
    """

    context_class = HelpContext  # --help in the interface language (cli/helptext.py)

    def __init__(self, **attrs) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx, formatter) -> None:
        """TyperGroup.format_commands, with the short help of a command not built yet
        taken from COMMANDS instead of building it."""
        from gettext import gettext

        from typer._click.utils import make_default_short_help

        names = [name for name in self.list_commands(ctx)
                 if name not in self.commands.built or not self.commands[name].hidden]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows, chinese = [], not i18n.is_english()
        for name in names:
            if chinese and name in COMMANDS:
                rows.append((name, one_line(tr(COMMANDS[name][1]), limit)))
            elif name in self.commands.built:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
            else:
                rows.append((name, make_default_short_help(COMMANDS[name][1], limit).strip()))
        with formatter.section(gettext("Commands")):
            formatter.write_dl(rows)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from typer._click import exceptions as click_exceptions

        try:
            result = super().main(args=args, prog_name=prog_name or "crmctl",
                                  complete_var=complete_var, standalone_mode=False, **extra)
            # Not standalone, Typer returns a typer.Exit's code instead of exiting.
            code = result if isinstance(result, int) else ExitStatus.OK
        except click_exceptions.NoArgsIsHelpError as exc:  # `crmctl`, `crmctl tier`: the
            sys.stderr.write(f"{exc.format_message()}\n")  # help itself, not "crmctl: Usage…"
            code = ExitStatus.USAGE
        except click_exceptions.UsageError as exc:
            sys.stderr.write(f"crmctl: {_usage_line(exc)}\n")
            code = ExitStatus.USAGE
        except click_exceptions.ClickException as exc:
            sys.stderr.write(f"crmctl: {exc.format_message()}\n")
            code = exc.exit_code
        except typer.Abort:  # (typer._click.exceptions has no Abort: looking it up there
            # raised AttributeError whenever --debug let an error through)
            sys.stderr.write(f"crmctl: {_('aborted')}\n")
            code = ExitStatus.FAILED
        except typer.Exit as exc:
            code = exc.exit_code
        code = _flush_stdout(code)
        if standalone_mode:
            sys.exit(int(code))
        return int(code)

    def invoke(self, ctx):
        from typer._click.exceptions import ClickException

        debug = "--debug" in sys.argv or os.environ.get("CRMCTL_DEBUG") == "1"
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, ClickException):
            raise
        except CrmError as exc:
            if debug:
                raise
            _fail(str(exc), exc.exit_status)
        except KeyboardInterrupt:
            _fail(_("interrupted; nothing was changed by the unfinished command"), 130)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (| head): not an error worth a line
            raise typer.Exit(0)
        except Exception as exc:  # noqa: BLE001 - the one place that catches everything
            if debug:
                raise
            if isinstance(exc, OSError) and exc.errno in DISK_FULL:
                _fail(_cannot_write(exc), ExitStatus.FAILED)
            from crmctl.store import translate_sqlite_error  # local: root --help loads no store

            mapped = translate_sqlite_error(exc)
            if mapped is not None:
                _fail(str(mapped), mapped.exit_status)
            _fail(_("internal error: {kind}: {error} (this is probably a bug; run again with "
                    "--debug for a traceback)").format(kind=type(exc).__name__, error=exc),
                  ExitStatus.FAILED)


app = typer.Typer(
    cls=CrmGroup,
    name="crmctl",
    help="A command-line CRM for one salesperson, over a local encrypted database.\n\n"
         "Start with `crmctl init`, then `crmctl add \"王明\" --company 华为 --phone 13800138000`.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,  # plain help: rich help costs ~130 ms at start-up
    pretty_exceptions_show_locals=False,  # locals may hold a passphrase
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crmctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(
        None, "--db", metavar="PATH", envvar="CRMCTL_DB", show_envvar=True,
        help="Database file (default: crm.db in the platform user-data dir)."),
    debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    from crmctl.cli.context import Globals  # local: context opens the store (sqlcipher3)

    ctx.obj = Globals(db=db, debug=debug)


def load_sub_app(module_name: str) -> dict:
    """Import one sub-app module and turn it into click: {command name: click command}.

    Exactly what ``app.add_typer(module.app[, name=group])`` makes when typer builds the
    whole tree, for this one module only.
    """
    from importlib import import_module

    from typer.main import get_group_from_info
    from typer.models import TyperInfo

    group = dict(SUB_APPS)[module_name]
    module = import_module(f"crmctl.cli.{module_name}")
    info = TyperInfo(module.app, name=group) if group else TyperInfo(module.app)
    built = get_group_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                rich_markup_mode=app.rich_markup_mode,
                                suggest_commands=app.suggest_commands)
    use_help_context(built)
    if not gc.isenabled():  # start-up is over (crmctl.__main__ turned the collector off
        gc.freeze()  # for it): what it made is never walked, the command's garbage is
        gc.enable()
    return {group: built} if group else dict(built.commands)


class LazyCommands(MutableMapping):
    """The root group's commands: every name in COMMANDS, built on first look-up.

    Iterating gives the names without importing anything (unknown-command suggestions use
    them); looking one up imports its module and builds all of that module's commands.
    """

    def __init__(self, built: Optional[dict] = None) -> None:
        self.built = dict(built or {})

    def __getitem__(self, name: str):
        if name not in self.built and name in COMMANDS:
            self.built.update(load_sub_app(COMMANDS[name][0]))
        return self.built[name]

    def __setitem__(self, name: str, command) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("crmctl's commands are fixed by COMMANDS")

    def __iter__(self):
        yield from COMMANDS
        yield from (name for name in self.built if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(name not in COMMANDS for name in self.built)


def main() -> None:
    os.umask(0o077)  # everything crmctl writes (db, exports, backups) is private to the user
    _buffered_stdout()
    app(prog_name="crmctl")
