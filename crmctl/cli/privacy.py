"""consent, forget: a person's privacy rights (GDPR / PIPL / CCPA)."""

from __future__ import annotations

from typing import List, Optional

import typer

from crmctl import clock
from crmctl.cli.context import CUSTOMER_HELP, new_app, session, several_ids
from crmctl.core import consent as ledger
from crmctl.core import dates, privacy
from crmctl.errors import UsageError
from crmctl.i18n import _, pgettext
from crmctl.render import Format, emit_rows, message
from crmctl.store import passphrase

app = new_app()

ACTIONS = ("grant", "withdraw")


@app.command()
def consent(
    ctx: typer.Context,
    args: List[str] = typer.Argument(..., metavar="ID... [grant|withdraw CHANNEL]",
                                     help="Customer ids (- reads them from stdin), then grant "
                                          "or withdraw and email, phone, sms or wechat (邮件, "
                                          "电话, 短信, 微信); one ID alone shows its consent "
                                          "ledger."),
    source: Optional[str] = typer.Option(None, metavar="S",
                                         help="Where consent was given, e.g. 'web form'."),
    purpose: Optional[str] = typer.Option(None, metavar="P",
                                          help="What it was given for, e.g. '新品通知' "
                                               "(kept in the ledger and the subject-access "
                                               "export)."),
    at: Optional[str] = typer.Option(None, metavar="WHEN",
                                     help="When it was given or withdrawn (default: "
                                     "now): " + dates.HELP_PAST_TIME + "."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="For the ledger."),
) -> None:
    """Record a grant or withdrawal of consent per channel, or show the ledger.

    Every change is kept (who recorded it, when, from what source); the current state is
    the latest event per channel. Several ids are checked first: one unknown id changes
    nothing.

    Example: crmctl consent 12 grant email --source "展会签到表" --purpose 新品通知

    Example: crmctl list --tag 展会2026 --format json | crmctl consent - grant sms
    """
    ids, action, channel = split_consent_args(args)
    if action is None:
        given = [name for name, v in (("--source", source), ("--purpose", purpose),
                                      ("--at", at)) if v]
        if given:
            raise UsageError(_("{option} applies to grant or withdraw, not to the ledger").format(
                option=given[0]))
        with session(ctx) as conn:
            rows = ledger.history(conn, ids[0])
        columns = ["id", "channel", "granted", "at", "source", "purpose", "recorded_by"]
        emit_rows(rows, columns, fmt, empty=_("no consent on record"))
        return
    channel = ledger.check_channel(channel)
    when = clock.to_utc_text(dates.parse_moment(at)) if at else None
    ids = several_ids(ids)
    with session(ctx) as conn:
        done = ledger.record_many(conn, ids, channel, action == "grant", source=source,
                                  at=when, purpose=purpose)
    whom = f"#{done[0]}" if len(done) == 1 else _("{n} customers").format(n=len(done))
    said = (_("{channel}: consent granted for {whom}") if action == "grant" else
            _("{channel}: consent withdrawn for {whom}"))
    message(said.format(channel=pgettext("channel", channel), whom=whom))


def split_consent_args(args: list[str]) -> tuple[list[str], str | None, str | None]:
    """``ID... grant|withdraw CHANNEL`` or ``ID`` (the ledger) -> (ids, action, channel)."""
    found = [i for i, word in enumerate(args) if word in ACTIONS]
    if not found:
        if len(args) == 1 and args[0] != "-":
            return args, None, None
        word = next((w for w in args[1:] if not w.lstrip("#").isdigit() and w != "-"), None)
        if word is None:
            raise UsageError(_("consent with several ids needs grant or withdraw and a CHANNEL"))
        raise UsageError(_("consent takes grant or withdraw, not {word}").format(word=repr(word)))
    at = found[0]
    if at == 0:
        raise UsageError(_("consent {action} needs the customer ids first: consent ID... "
                           "{action} CHANNEL").format(action=args[0]))
    rest = args[at + 1:]
    if not rest:
        raise UsageError(_("consent {action} needs a CHANNEL: {channels}").format(
            action=args[at], channels=", ".join(ledger.CHANNELS)))
    if len(rest) > 1:
        raise UsageError(_("consent {action} takes one CHANNEL; put every id before "
                           "{action}: consent ID... {action} {channel}").format(
            action=args[at], channel=rest[0]))
    return args[:at], args[at], rest[0]


@app.command()
def forget(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="ID",
                                                                 help=CUSTOMER_HELP),
           yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")) -> None:
    """Erase a person (right to be forgotten): every personal value removed, a tombstone kept.

    Interactions, follow-ups and tags go; purchases keep date and amount only; consent
    events keep channel, state and time as evidence. Asks on a terminal; scripts pass --yes.

    Example: crmctl forget 12 --yes
    """
    if not yes and not passphrase.stdin_is_terminal():
        raise UsageError(_("{command} needs --yes when not run on a terminal").format(
            command="forget"))
    with session(ctx, exclusive=True) as conn:  # no reader's snapshot keeps the old pages
        current = privacy.live_record(conn, customer_id)
        if not yes:
            typer.confirm(_("Erase every personal value of #{id} {name}? This cannot be "
                            "undone").format(id=current["id"], name=current["name"]), abort=True)
        tomb = privacy.forget(conn, current["id"])
    message(_("forgot #{id}: personal data erased, tombstone and audit entry kept").format(
        id=tomb["id"]))
