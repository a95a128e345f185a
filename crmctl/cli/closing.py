"""close, reopen, retention: ending a relationship and the retention limit (保存期限)."""

from __future__ import annotations

from typing import Optional

import typer

from crmctl.cli.context import CUSTOMER_HELP, new_app, session
from crmctl.core import closing
from crmctl.errors import UsageError
from crmctl.i18n import _
from crmctl.render import Format, emit_retention, message
from crmctl.store import passphrase

app = new_app()


@app.command()
def close(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="ID",
                                                                help=CUSTOMER_HELP),
          reason: Optional[str] = typer.Option(None, "--reason", metavar="TEXT",
                                               help="Why the relationship ends.")) -> None:
    """End the relationship with a customer (客户终止): stage closed, records kept.

    A closed customer is left out of followups, campaign targets, exports and list (see
    list --closed / --all) until reopened, or forgotten by retention.

    Example: crmctl close 12 --reason "客户要求终止合作"
    """
    with session(ctx) as conn:
        done = closing.close(conn, customer_id, reason)
    message(_("closed #{id} {name}").format(**done))


@app.command()
def reopen(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="ID",
                                                                 help=CUSTOMER_HELP),
           reason: Optional[str] = typer.Option(None, "--reason", metavar="TEXT",
                                                help="Why (optional; shown in its timeline).")
           ) -> None:
    """Reopen a closed customer: back in followups, targets, exports and list. The close
    and the reopen stay in the customer's timeline (show), each with its reason.

    Example: crmctl reopen 12 --reason "客户恢复合作"
    """
    with session(ctx) as conn:
        done = closing.reopen(conn, customer_id, reason)
    message(_("reopened #{id} {name}").format(**done))


@app.command()
def retention(ctx: typer.Context,
              apply: bool = typer.Option(False, "--apply", help="Forget them (as forget)."),
              yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
              fmt: Format = typer.Option(Format.table, "--format", "-f",
                                         help="table, json or csv.")) -> None:
    """Customers past the retention limit: closed, or without contact or purchase, for more
    than retention_days (off until `crmctl config set retention_days N`).

    Example: crmctl retention --apply --yes
    """
    if apply and not yes and not passphrase.stdin_is_terminal():
        raise UsageError(_("{command} needs --yes when not run on a terminal").format(
            command="retention --apply"))
    with session(ctx, exclusive=apply) as conn:
        days, due = closing.due(conn)
        if apply and due and not yes:
            typer.confirm(_("Erase every personal value of {n} customer(s)? This cannot be "
                            "undone").format(n=len(due)), abort=True)
        forgotten = closing.apply(conn) if apply and due else []
    if not days:
        message(_("retention is off (crmctl config set retention_days N turns it on)"))
    elif apply:
        message(_("forgot {n} customer(s) past retention ({days} days)").format(
            n=len(forgotten), days=days))
    else:
        emit_retention([vars(d) for d in due], fmt, days)
