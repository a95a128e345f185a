"""report: the book of business as terminal bar charts (plain text off a terminal) or JSON."""

from __future__ import annotations

import typer

from crmctl.cli.context import new_app, session
from crmctl.core import referrals as core_referrals
from crmctl.core import reports
from crmctl.render import (REPORT_CSV_COLUMNS, Format, emit_charts, emit_json, emit_rows,
                           report_rows, with_bars)

app = new_app(invoke_without_command=True)

REFERRAL_COLUMNS = ["rank", "id", "name", "tier", "referred", "buying", "revenue", "currency",
                    "last_referred_at"]
REFERRAL_TABLE = ["rank", "id", "name", "referred", "bar", "buying", "revenue", "currency"]


@app.callback(invoke_without_command=True)
def report(
    ctx: typer.Context,
    fmt: Format = typer.Option(Format.table, "--format", "-f",
                               help="table, json or csv (csv: section,key,value rows)."),
) -> None:
    """Tiers, lifecycle stages, value (RFM) segments, churn risk, open complaints by
    category and interactions per week (last 12), as bar charts, JSON or CSV.

    Example: crmctl report --format csv > report.csv
    """
    if ctx.invoked_subcommand is not None:
        return
    with session(ctx) as conn:
        data = reports.overview(conn)
    if fmt == Format.json:
        emit_json(data)
    elif fmt == Format.csv:
        emit_rows(report_rows(data), REPORT_CSV_COLUMNS, fmt)
    else:
        emit_charts(data)


@app.command("referrals")
def referrals(
    ctx: typer.Context,
    limit: int = typer.Option(None, help="Only the top N referrers."),
    currency: str = typer.Option(None, help="Revenue in this currency (default: setting)."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Referrers (推荐) ranked by customers brought in, then by those customers' revenue.

    Example: crmctl report referrals --limit 10
    """
    with session(ctx) as conn:
        rows = core_referrals.ranking(conn, limit=limit, currency=currency)
    table = fmt == Format.table
    emit_rows(with_bars(rows, "referred") if table else rows,
              REFERRAL_TABLE if table else REFERRAL_COLUMNS, fmt,
              empty="no referrals yet (add --referred-by ID links them)")
