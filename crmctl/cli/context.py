"""What every command shares: the global options and opening the store.

Commands stay thin: ``with session(ctx) as conn:`` gives an open, keyed, migrated
connection that knows the command name (for the audit log), then the command calls one
core function and renders the result.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import typer

from crmctl.errors import PassphraseError
from crmctl.i18n import _
from crmctl.render import message
from crmctl.store import exclusive_lock, open_database
from crmctl.store import passphrase as passphrases
from crmctl.store.paths import resolve_db_path

PROMPT_TRIES = 3


def new_app(help: str | None = None, **settings) -> typer.Typer:
    """A sub-app with crmctl's settings: plain help (rich help costs ~130 ms at start-up),
    -h as well as --help, and no locals in tracebacks (they may hold a passphrase)."""
    settings.setdefault("no_args_is_help", help is not None)
    if help is not None:  # an explicit help=None would hide a callback's docstring
        settings["help"] = help
    return typer.Typer(rich_markup_mode=None, add_completion=False,
                       pretty_exceptions_show_locals=False,
                       context_settings={"help_option_names": ["-h", "--help"]}, **settings)


@dataclass
class Globals:
    db: str | None = None
    debug: bool = False

    def __post_init__(self) -> None:
        if self.db == "":  # --db "$UNSET": refused by every command, db or not
            resolve_db_path(self.db)

    @property
    def db_path(self) -> Path:
        return resolve_db_path(self.db)


def globals_of(ctx: typer.Context) -> Globals:
    root = ctx.find_root()
    if not isinstance(root.obj, Globals):
        root.obj = Globals()
    return root.obj


def command_name(ctx: typer.Context) -> str:
    """'tag add', 'followups done'…: the command path without the program name."""
    return " ".join(ctx.command_path.split()[1:]) or "crmctl"


@contextmanager
def keyed_session(ctx: typer.Context, *, exclusive: bool = False) -> Iterator[tuple]:
    """Open the database named by --db / CRMCTL_DB; yield (conn, passphrase).

    A wrong passphrase typed at the prompt may be typed again; from any other source it
    is final (exit 3). Commands that write keyed copies (backup, rekey) need the
    passphrase itself; every other command uses ``session``. ``exclusive``: no other
    crmctl has the database open until the block ends (rekey, restore, forget).
    """
    path = globals_of(ctx).db_path
    if not path.exists():
        open_database(path, b"")  # raises the clear "no database" error
    with exclusive_lock(path) if exclusive else nullcontext():
        with _opened(ctx, path) as opened:
            yield opened


@contextmanager
def _opened(ctx: typer.Context, path: Path) -> Iterator[tuple]:
    for attempt in range(PROMPT_TRIES):
        passphrase = passphrases.get_passphrase(path)
        try:
            conn = open_database(path, passphrase.secret, command=command_name(ctx),
                                 on_upgrade=lambda old, new: message(_(
                                     "upgrading {path} from schema version {old} to {new} "
                                     "(once; up to a minute at a million customers)").format(
                                     path=path, old=old, new=new)))
            break
        except PassphraseError:
            if passphrase.source != "prompt" or attempt == PROMPT_TRIES - 1:
                raise
            typer.echo(_("wrong passphrase, try again"), err=True)
    try:
        yield conn, passphrase
    finally:
        conn.close()


@contextmanager
def session(ctx: typer.Context, *, exclusive: bool = False) -> Iterator:
    """Open the database for one command: ``with session(ctx) as conn:``."""
    with keyed_session(ctx, exclusive=exclusive) as (conn, _passphrase):
        yield conn


def several_ids(ids: list[str]) -> list[str]:
    """The ids of a command that takes several (`rm`, `consent`, `tag add`), with ``-``
    replaced by the ids on stdin (numbers, or `crmctl list --format json`)."""
    from crmctl.core import bulk  # not at start-up: the report does not need it

    return bulk.expand(ids, sys.stdin.read)


def db_path(ctx: typer.Context) -> Path:
    return globals_of(ctx).db_path


def overwrite_prompt():
    """For resolve_output's ``ask``: a yes/no question on a terminal; None elsewhere
    (cron, pipes), where an existing file then needs --force."""
    if not passphrases.stdin_is_terminal():
        return None
    return lambda question: typer.confirm(question, default=False, err=True)


FORCE_HELP = "Replace an existing file (on a terminal you are asked instead)."
# every argument naming a customer has this help (issue 16: names are discoverable)
CUSTOMER_HELP = "The customer: 12, #12, or a name/company/phone prefix."
INTERACTION_ID_HELP = "The interaction's id (IID), as `interactions list` shows it."
PURCHASE_ID_HELP = "The purchase's id (PID), as `purchases list` shows it."
FOLLOWUP_ID_HELP = "The follow-up's id (FID), as `followups` and `schedule` print it."
CAMPAIGN_ID_HELP = "The campaign's id, as `campaign list` shows it."
CUSTOMERS_HELP = ("Customers: 12, #12, or a name/company/phone prefix each "
                  "(- reads them from stdin).")
