"""complaints: the complaints, each due at its tier's response time, and their resolution
(issue 18.1)."""

from __future__ import annotations

from typing import Optional

import typer

from crmctl.cli.context import new_app, session
from crmctl.core import complaints
from crmctl.i18n import _
from crmctl.render import Format, message
from crmctl.render.complaints import emit_complaints

app = new_app(invoke_without_command=True)


@app.callback(invoke_without_command=True)
def listing(
    ctx: typer.Context,
    open_only: bool = typer.Option(False, "--open", help="Only those not resolved yet."),
    category: Optional[str] = typer.Option(
        None, "--category", help="product, service, delivery, billing or other (or 产品…)."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Complaints, oldest first, with age in hours, tier, category, due (the tier's
    response time after logging: diamond 24 h, gold 48, silver 72, regular 120; `config
    set response_hours`) and status: open, overdue or resolved.

    Example: crmctl complaints --open --category delivery
    """
    if ctx.invoked_subcommand is not None:
        return
    with session(ctx) as conn:
        rows = complaints.listing(conn, open_only=open_only, category=category)
    emit_complaints(rows, complaints.COLUMNS, fmt)


@app.command()
def resolve(
    ctx: typer.Context,
    interaction_id: str = typer.Argument(..., metavar="IID", help="The complaint's interaction id (complaints lists it)."),
    cause: str = typer.Option(..., "--cause", help="The root cause (根本原因)."),
    solution: str = typer.Option(..., "--solution", help="What was done about it."),
) -> None:
    """Resolve an open complaint (its interaction id) now, recording the root cause and the
    solution; it leaves `followups` and `complaints --open`.

    Example: crmctl complaints resolve 31 --cause "物流延误" --solution "补发并致歉"
    """
    with session(ctx) as conn:
        done = complaints.resolve(conn, interaction_id, cause, solution)
    message(_("complaint {id} resolved").format(id=done["id"]))
