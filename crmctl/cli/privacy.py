"""consent, forget: a person's privacy rights (GDPR / PIPL / CCPA)."""

from __future__ import annotations

from typing import Optional

import typer

from crmctl import clock
from crmctl.cli.context import new_app, session
from crmctl.core import consent as ledger
from crmctl.core import dates, privacy
from crmctl.errors import UsageError
from crmctl.render import Format, emit_rows, message
from crmctl.store import passphrase

app = new_app()

ACTIONS = ("grant", "withdraw")


@app.command()
def consent(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., metavar="ID"),
    action: Optional[str] = typer.Argument(None, metavar="[grant|withdraw]",
                                           help="Leave out to show the consent ledger."),
    channel: Optional[str] = typer.Argument(None, metavar="[CHANNEL]",
                                            help="email, phone, sms or wechat "
                                            "(邮件, 电话, 短信, 微信)."),
    source: Optional[str] = typer.Option(None, metavar="S",
                                         help="Where consent was given, e.g. 'web form'."),
    at: Optional[str] = typer.Option(None, metavar="WHEN",
                                     help="When it was given or withdrawn (default: "
                                     "now): " + dates.HELP_TIME + "."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="For the ledger."),
) -> None:
    """Record a grant or withdrawal of consent per channel, or show the ledger.

    Every change is kept (who recorded it, when, from what source); the current state is
    the latest event per channel.

    Example: crmctl consent 12 grant email --source "展会签到表" --at 2026-11-20
    """
    if action is None:
        with session(ctx) as conn:
            rows = ledger.history(conn, customer_id)
        columns = ["id", "channel", "granted", "at", "source", "recorded_by"]
        emit_rows(rows, columns, fmt, empty="no consent on record")
        return
    if action not in ACTIONS:
        raise UsageError(f"consent takes grant or withdraw, not {action!r}")
    if channel is None:
        raise UsageError(f"consent {action} needs a CHANNEL: {', '.join(ledger.CHANNELS)}")
    channel = ledger.check_channel(channel)
    when = clock.to_utc_text(dates.parse_moment(at)) if at else None
    with session(ctx) as conn:
        ledger.record(conn, customer_id, channel, action == "grant", source=source, at=when)
    message(f"{channel}: consent {'granted' if action == 'grant' else 'withdrawn'} "
            f"for #{int(customer_id)}")


@app.command()
def forget(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="ID"),
           yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")) -> None:
    """Erase a person (right to be forgotten): every personal value removed, a tombstone kept.

    Interactions, follow-ups and tags go; purchases keep date and amount only; consent
    events keep channel, state and time as evidence. Asks on a terminal; scripts pass --yes.

    Example: crmctl forget 12 --yes
    """
    if not yes and not passphrase.stdin_is_terminal():
        raise UsageError("forget needs --yes when not run on a terminal")
    with session(ctx, exclusive=True) as conn:  # no reader's snapshot keeps the old pages
        current = privacy.live_record(conn, customer_id)
        if not yes:
            typer.confirm(f"Erase every personal value of #{current['id']} {current['name']}? "
                          "This cannot be undone", abort=True)
        tomb = privacy.forget(conn, current["id"])
    message(f"forgot #{tomb['id']}: personal data erased, tombstone and audit entry kept")
