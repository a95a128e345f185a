"""tag add / remove / rename / rm / list: segmentation labels."""

from __future__ import annotations

from typing import List

import typer

from crmctl.cli.context import CUSTOMERS_HELP, new_app, session, several_ids
from crmctl.core import tags
from crmctl.errors import UsageError
from crmctl.i18n import _
from crmctl.render import Format, emit_rows, message
from crmctl.store import passphrase

app = new_app("Tag customers for segmentation.")


@app.command("add")
def add(ctx: typer.Context, tag: str = typer.Argument(..., help="The tag, e.g. vip or 展会2026."),
        ids: List[str] = typer.Argument(..., metavar="ID...", help=CUSTOMERS_HELP)) -> None:
    """Tag one or more customers (all ids are checked first; - reads ids from stdin).

    Example: crmctl tag add vip 12 15 18
    """
    ids = several_ids(ids)
    with session(ctx) as conn:
        added = tags.add(conn, tag, ids)
    message(_("tagged {n} customer(s) with {tag}").format(n=added, tag=repr(tag)))


@app.command("remove")
def remove(ctx: typer.Context,
           tag: str = typer.Argument(..., help="The tag, e.g. vip or 展会2026."),
           ids: List[str] = typer.Argument(..., metavar="ID...", help=CUSTOMERS_HELP)) -> None:
    """Remove a tag from one or more customers (- reads ids from stdin).

    Example: crmctl tag remove vip 12
    """
    ids = several_ids(ids)
    with session(ctx) as conn:
        removed = tags.remove(conn, tag, ids)
    message(_("removed {tag} from {n} customer(s)").format(tag=repr(tag), n=removed))


@app.command("rename")
def rename(ctx: typer.Context, old: str = typer.Argument(..., metavar="OLD", help="The tag's current name."),
           new: str = typer.Argument(..., metavar="NEW", help="Its new name.")) -> None:
    """Rename a tag on everyone who carries it; if NEW exists already, merge OLD into it.

    Example: crmctl tag rename 展会 展会2026
    """
    with session(ctx) as conn:
        count, merged = tags.rename(conn, old, new)
    how = (_("{old} merged into {new} on {n} customer(s)") if merged else
           _("{old} renamed to {new} on {n} customer(s)"))
    message(how.format(old=repr(old.strip()), new=repr(new.strip()), n=count))


@app.command("rm")
def rm(ctx: typer.Context, tag: str = typer.Argument(..., metavar="TAG", help="The tag to delete."),
       yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")) -> None:
    """Remove a tag from everyone who carries it, and the tag itself.

    Asks on a terminal; scripts pass --yes.

    Example: crmctl tag rm 旧活动 --yes
    """
    if not yes and not passphrase.stdin_is_terminal():
        raise UsageError(_("{command} needs --yes when not run on a terminal").format(
            command="tag rm"))
    with session(ctx) as conn:
        if not yes:
            typer.confirm(_("Remove {tag} from {n} customer(s)?").format(
                tag=repr(tag.strip()), n=tags.carriers(conn, tag)), abort=True)
        count = tags.drop(conn, tag)
    message(_("removed {tag} from {n} customer(s) and deleted the tag").format(
        tag=repr(tag.strip()), n=count))


@app.command("list")
def list_(ctx: typer.Context,
          fmt: Format = typer.Option(Format.table, "--format", "-f",
                                                 help="table, json or csv.")) -> None:
    """List tags and how many customers carry each.

    Example: crmctl tag list --format json
    """
    with session(ctx) as conn:
        rows = tags.list_tags(conn)
    emit_rows(rows, ["tag", "customers"], fmt, empty=_("no tags yet"))
