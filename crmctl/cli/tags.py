"""tag add / remove / list: segmentation labels."""

from __future__ import annotations

from typing import List

import typer

from crmctl.cli.context import new_app, session
from crmctl.core import tags
from crmctl.render import Format, emit_rows, message

app = new_app("Tag customers for segmentation.")


@app.command("add")
def add(ctx: typer.Context, tag: str = typer.Argument(..., help="The tag, e.g. vip or 展会2026."),
        ids: List[str] = typer.Argument(..., metavar="ID...")) -> None:
    """Tag one or more customers (all ids are checked first).

    Example: crmctl tag add vip 12 15 18
    """
    with session(ctx) as conn:
        added = tags.add(conn, tag, ids)
    message(f"tagged {added} customer(s) with {tag!r}")


@app.command("remove")
def remove(ctx: typer.Context, tag: str = typer.Argument(...),
           ids: List[str] = typer.Argument(..., metavar="ID...")) -> None:
    """Remove a tag from one or more customers.

    Example: crmctl tag remove vip 12
    """
    with session(ctx) as conn:
        removed = tags.remove(conn, tag, ids)
    message(f"removed {tag!r} from {removed} customer(s)")


@app.command("list")
def list_(ctx: typer.Context,
          fmt: Format = typer.Option(Format.table, "--format", "-f")) -> None:
    """List tags and how many customers carry each.

    Example: crmctl tag list --format json
    """
    with session(ctx) as conn:
        rows = tags.list_tags(conn)
    emit_rows(rows, ["tag", "customers"], fmt, empty="no tags yet")
