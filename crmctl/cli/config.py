"""config list / set: settings kept in the database, so cron and the terminal agree."""

from __future__ import annotations

import json

import typer

from crmctl.cli.context import new_app, session
from crmctl.core import care, settings
from crmctl.i18n import _
from crmctl.render import Format, emit_rows, message

app = new_app("Settings stored in the database.")


@app.command("list")
def list_(ctx: typer.Context, fmt: Format = typer.Option(Format.table, "--format", "-f",
                                                 help="table, json or csv.")) -> None:
    """Show every setting and its value.

    Example: crmctl config list
    """
    with session(ctx) as conn:
        values = settings.all_settings(conn)
    rows = [{"key": k, "value": json.dumps(v, ensure_ascii=False)} for k, v in values.items()]
    emit_rows(rows, ["key", "value"], fmt)


@app.command("set", context_settings={"ignore_unknown_options": True})
def set_(ctx: typer.Context,
         key: str = typer.Argument(..., metavar="KEY", help="The setting's name, as `config list` shows it."),
         value: str = typer.Argument(
        ..., metavar="VALUE", help="A JSON value (7, \"US\", [1,2]) or a bare word taken as text.")) -> None:
    """Change a setting.

    Example: crmctl config set default_region US
    """
    try:
        parsed = json.loads(value)
    except ValueError:  # not JSON, or a number too long for int() (4,300 digits): text
        parsed = value
    with session(ctx) as conn:
        stored = settings.put(conn, key, parsed)
        unknown = care.unknown_holidays(conn, stored) if key == "care_holidays" else []
    message(f"{key} = {json.dumps(stored, ensure_ascii=False)}")
    if unknown:
        message(_("warning: no region crmctl knows has a holiday named {names}; care "
                  "follow-ups come only for names that begin a holiday's name").format(
            names=", ".join(unknown)))
