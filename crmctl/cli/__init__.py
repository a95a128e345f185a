"""The crmctl command: one Typer sub-app per noun, joined here, with one exit point.

Every CrmError becomes one line on stderr and the contract's exit code (crmctl.errors);
anything unexpected says it is probably a bug, with the traceback only under --debug.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer
from typer.core import TyperGroup

from crmctl import __version__
from crmctl.errors import CrmError, ExitStatus


def _fail(message: str, status: int) -> None:
    sys.stderr.write(f"crmctl: {message}\n")
    raise typer.Exit(int(status))


class CrmGroup(TyperGroup):
    """The root group: maps errors to exit codes in one place."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from typer._click import exceptions as click_exceptions

        try:
            result = super().main(args=args, prog_name=prog_name or "crmctl",
                                  complete_var=complete_var, standalone_mode=False, **extra)
            # Not standalone, Typer returns a typer.Exit's code instead of exiting.
            code = result if isinstance(result, int) else ExitStatus.OK
        except click_exceptions.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            sys.stderr.write(f"crmctl: {exc.format_message()}{hint}\n")
            code = ExitStatus.USAGE
        except click_exceptions.ClickException as exc:
            sys.stderr.write(f"crmctl: {exc.format_message()}\n")
            code = exc.exit_code
        except typer.Abort:  # (typer._click.exceptions has no Abort: looking it up there
            # raised AttributeError whenever --debug let an error through)
            sys.stderr.write("crmctl: aborted\n")
            code = ExitStatus.FAILED
        except typer.Exit as exc:
            code = exc.exit_code
        if standalone_mode:
            sys.exit(int(code))
        return int(code)

    def invoke(self, ctx):
        from typer._click.exceptions import ClickException

        from crmctl.store import translate_sqlite_error

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
            _fail("interrupted; nothing was changed by the unfinished command", 130)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (| head): not an error worth a line
            raise typer.Exit(0)
        except Exception as exc:  # noqa: BLE001 - the one place that catches everything
            if debug:
                raise
            mapped = translate_sqlite_error(exc)
            if mapped is not None:
                _fail(str(mapped), mapped.exit_status)
            _fail(f"internal error: {type(exc).__name__}: {exc} (this is probably a bug; "
                  "run again with --debug for a traceback)", ExitStatus.FAILED)


app = typer.Typer(
    cls=CrmGroup,
    name="crmctl",
    help="A command-line CRM for one salesperson, over a local encrypted database.\n\n"
         "Start with `crmctl init`, then `crmctl add \"王明\" --company 华为 --phone 13800138000`.",
    no_args_is_help=True,
    add_completion=False,
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
    from crmctl.cli.context import Globals

    ctx.obj = Globals(db=db, debug=debug)


# (module, group name): a group name makes a sub-app (`crmctl tier set`); None adds the
# module's commands at the top level (`crmctl add`, `crmctl import`).
SUB_APPS = [
    ("customers", None), ("contacts", None), ("followups", "followups"), ("tier", "tier"),
    ("tags", "tag"), ("importing", None), ("exporting", None), ("privacy", None),
    ("campaign", "campaign"), ("report", "report"), ("audit", "audit"), ("backup", None),
    ("key", "key"), ("config", "config"),
]


def _register() -> None:
    from importlib import import_module

    for module_name, group in SUB_APPS:
        module = import_module(f"crmctl.cli.{module_name}")
        if group:
            app.add_typer(module.app, name=group)
        else:
            app.add_typer(module.app)


_register()


def main() -> None:
    os.umask(0o077)  # everything crmctl writes (db, exports, backups) is private to the user
    app(prog_name="crmctl")
