"""audit log / verify / head: the operation log and its integrity."""

from __future__ import annotations

from typing import Optional

import typer

from crmctl.cli.context import new_app, session
from crmctl.core import audit, data_quality, dates
from crmctl.errors import CrmError, IntegrityFailure
from crmctl.i18n import _
from crmctl.render import Format, emit_json, emit_rows, message

app = new_app("The operation log (操作日志) and its integrity.")


@app.command("log")
def log(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(None, help="Entries from this day on: "
                                                   + dates.HELP_PAST + "."),
    action: Optional[str] = typer.Option(None, help="Only this action (add, edit, rm, tag…)."),
    entity: Optional[str] = typer.Option(None, help="Only this entity (customer, setting…)."),
    limit: Optional[int] = typer.Option(50, help="At most this many entries (newest first)."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Show the operation log, newest first.

    Example: crmctl audit log --since 2026-11-01 --action edit
    """
    since_text = dates.parse_since(since).isoformat() if since else None
    with session(ctx) as conn:
        rows = [e.to_dict() for e in audit.entries(conn, since=since_text, action=action,
                                                    entity=entity, limit=limit)]
    columns = ["id", "at", "os_user", "command", "action", "entity", "entity_id", "fields"]
    if fmt != Format.table:
        columns += ["prev_hash", "hash"]
    emit_rows(rows, columns, fmt, empty=_("the log is empty"))


@app.command("verify")
def verify(
    ctx: typer.Context,
    expect: Optional[str] = typer.Option(None, metavar="HEAD",
                                         help="A head printed earlier by `audit head` (12+ hex "
                                              "characters); fail unless the log still extends it."),
    fmt: Format = typer.Option(Format.table, "--format", "-f",
                               help="table (one line), json or csv (one row)."),
) -> None:
    """Check the hash chain; exit 4 and name the first bad entry on tampering.

    Example: crmctl audit verify --expect "$(cat ~/crm-head.txt)"
    """
    with session(ctx) as conn:
        result = audit.verify(conn, expect=expect)
    data = {k: v for k, v in result.to_dict().items() if k != "problem"} | {
        "problem": result.problem}
    if fmt == Format.json:
        emit_json(data)
    elif fmt == Format.csv:
        emit_rows([data], list(data), fmt)
    elif result.ok:
        typer.echo(_("ok: {n} entries, head {head}").format(n=result.entries,
                                                            head=result.head or "-"))
    if not result.ok:
        where = (_("audit log verification failed at entry {n}: {problem}") if
                 result.first_bad else _("audit log verification failed: {problem}"))
        raise IntegrityFailure(where.format(n=result.first_bad, problem=result.problem))


@app.command("head")
def head(ctx: typer.Context) -> None:
    """Print the newest entry's hash, to keep elsewhere (mail it from cron).

    Example: crmctl audit head > ~/crm-head.txt
    """
    with session(ctx) as conn:
        value = audit.head(conn)
    typer.echo(value or "")


@app.command("data")
def data(
    ctx: typer.Context,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any issue is found "
                                                        "(for cron)."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Check data quality: duplicates, invalid or missing contact details, no consent,
    never or long not contacted, tier not matching the rules.

    Duplicate candidates come with a score and the `crmctl merge` to run. The run is
    recorded: `followups` reminds of the next one after data_review_days (default 90).

    Example: crmctl audit data --strict --format json > quality.json
    """
    with session(ctx) as conn:
        result = data_quality.review(conn, people=fmt == Format.table)
    issues = result["issues"]
    if fmt == Format.json:
        emit_json(result)
    elif issues or fmt == Format.csv:
        emit_rows(issues, ["customer_id", "name", "check", "detail"], fmt)
    if not issues:
        message(_("no data quality issues in {n} customers").format(n=result["customers"]))
    elif strict:
        raise CrmError(_("{n} data quality issues found").format(n=len(issues)))
