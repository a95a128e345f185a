"""merge: two records of one person made one."""

from __future__ import annotations

from typing import List

import typer

from crmctl.cli.context import new_app, session
from crmctl.core import merge as merging
from crmctl.errors import UsageError
from crmctl.i18n import _
from crmctl.render import Format, emit_json
from crmctl.render.merging import emit_merge
from crmctl.store import passphrase

app = new_app()


@app.command()
def merge(
    ctx: typer.Context,
    keep: str = typer.Argument(..., metavar="KEEP", help="The customer who stays: 12, #12, or "
                                                         "a name/company/phone prefix."),
    drop: str = typer.Argument(..., metavar="DROP",
                               help="The duplicate, erased afterwards (named the same way)."),
    take: List[str] = typer.Option([], "--take", metavar="FIELD",
                                   help="Where both have a value, take DROP's (repeat)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
    dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Say what would happen only."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
) -> None:
    """Merge a duplicate into a customer: DROP's interactions, purchases, follow-ups,
    consent, tags, tiers, campaigns and referrals move to KEEP, KEEP's empty fields take
    DROP's values (conflicts listed; KEEP's win unless --take FIELD), then DROP is erased as
    `forget` erases. Asks on a terminal; scripts pass --yes.

    Example: crmctl merge 1 13 --take phone --yes
    """
    if not (yes or dry_run) and not passphrase.stdin_is_terminal():
        raise UsageError(_("merge needs --yes (or --dry-run) when not run on a terminal"))
    with session(ctx, exclusive=True) as conn:
        if dry_run or not yes:  # the plan: shown before asking
            result = merging.merge(conn, keep, drop, take=take, dry_run=True).to_dict()
        if not dry_run:
            if not yes:
                emit_merge(result)
                typer.confirm(_("Merge #{drop} into #{keep}? This cannot be undone").format(
                    **result), abort=True)
            result = merging.merge(conn, keep, drop, take=take).to_dict()
    if fmt == Format.json:
        emit_json(result)
    else:
        emit_merge(result)
