"""report: the book of business as terminal bar charts (plain text off a terminal) or JSON;
sales, satisfaction, complaints and customer value; one HTML page for a manager."""

from __future__ import annotations

from typing import Optional

import typer

from crmctl.cli.context import FORCE_HELP, db_path, new_app, overwrite_prompt, session
from crmctl.core import dates
from crmctl.core import referrals as core_referrals
from crmctl.core import reports
from crmctl.core.analysis import book, sales as core_sales, service, value as core_value
from crmctl.core.analysis.common import choice
from crmctl.errors import UsageError
from crmctl.i18n import _
from crmctl.render import (REPORT_CSV_COLUMNS, Format, emit_charts, emit_json, emit_rows,
                           message, report_rows, with_bars)
from crmctl.render.analysis import emit_complaints, emit_sales, emit_satisfaction, emit_value
from crmctl.render.html import write_html
from crmctl.store.outputs import resolve_output

app = new_app(invoke_without_command=True)

REFERRAL_COLUMNS = ["rank", "id", "name", "tier", "referred", "buying", "revenue", "currency",
                    "last_referred_at"]
REFERRAL_TABLE = ["rank", "id", "name", "referred", "bar", "buying", "revenue", "currency"]


@app.callback(invoke_without_command=True)
def report(
    ctx: typer.Context,
    fmt: Format = typer.Option(Format.table, "--format", "-f",
                               help="table, json or csv (csv: section,key,value rows)."),
    html_file: Optional[str] = typer.Option(None, "--html", metavar="FILE",
                                            help="Write the HTML page instead (as report "
                                                 "html FILE)."),
    force: bool = typer.Option(False, "--force", help="With --html: " + FORCE_HELP),
) -> None:
    """Tiers, lifecycle stages, value (RFM) segments, churn risk, open complaints by
    category and interactions per week (last 12), as bar charts, JSON or CSV; with --html
    FILE, the whole book as one HTML page (see report html).

    Example: crmctl report --format csv > report.csv
    """
    if html_file is not None and (ctx.invoked_subcommand or fmt != Format.table):
        raise UsageError(_("--html writes the whole book as one page: no subcommand, "
                           "no --format"))
    if ctx.invoked_subcommand is not None:
        return
    if html_file is not None:
        _write_page(ctx, html_file, None, None, force)
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
              empty=_("no referrals yet (add --referred-by ID links them)"))


FormatOption = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")
CurrencyOption = typer.Option(None, help="Money in this currency (default: the currency "
                                         "setting); other currencies are not counted.")


@app.command("sales")
def sales(
    ctx: typer.Context,
    by: str = typer.Option("month", help="month, quarter, tier, region, industry or campaign."),
    since: Optional[str] = typer.Option(None, help="Purchases from this day on: "
                                                   + dates.HELP_PAST + "."),
    until: Optional[str] = typer.Option(None, help="Purchases up to this day (included): "
                                                   + dates.HELP_PAST + "."),
    currency: Optional[str] = CurrencyOption,
    fmt: Format = FormatOption,
) -> None:
    """Revenue, orders, customers and average order by month, quarter, tier, region,
    industry or campaign, with a total.

    Example: crmctl report sales --by quarter --since 2026-01-01
    """
    by = choice(by, core_sales.BY, "--by")  # refused before the passphrase is asked
    first = dates.parse_since(since) if since else None
    last = dates.parse_since(until) if until else None
    with session(ctx) as conn:
        result = core_sales.sales(conn, by, since=first, until=last, currency=currency)
    emit_sales(result, fmt)


@app.command("satisfaction")
def satisfaction(
    ctx: typer.Context,
    by: str = typer.Option("month", help="month, tier or channel."),
    fmt: Format = FormatOption,
) -> None:
    """Satisfaction ratings (1-5): average, count, share of low ratings (2 or less) and the
    trend, by month, tier or channel.

    Example: crmctl report satisfaction --by tier
    """
    by = choice(by, service.SATISFACTION_BY, "--by")
    with session(ctx) as conn:
        result = service.satisfaction(conn, by)
    emit_satisfaction(result, fmt)


@app.command("complaints")
def complaints(
    ctx: typer.Context,
    by: str = typer.Option("category", help="category, cause or month."),
    fmt: Format = FormatOption,
) -> None:
    """Complaints by category, root cause (the --cause of `complaints resolve`) or month:
    open and resolved, the median hours to resolve, and how many went over the tier's
    response time (diamond 24 h …); by category, each one's root causes with counts.

    Example: crmctl report complaints --by cause --format csv
    """
    by = choice(by, service.COMPLAINTS_BY, "--by")
    with session(ctx) as conn:
        result = service.complaints(conn, by)
    emit_complaints(result, fmt)


@app.command("value")
def value(
    ctx: typer.Context,
    top: Optional[int] = typer.Option(None, help="How many customers (default 20)."),
    currency: Optional[str] = CurrencyOption,
    all_: bool = typer.Option(False, "--all", help="Open and closed customers."),
    fmt: Format = FormatOption,
) -> None:
    """The top customers by lifetime spend with 12-month spend, RFM segment and churn
    risk; the high-value ones at risk first.

    Example: crmctl report value --top 10
    """
    with session(ctx) as conn:
        result = core_value.top(conn, top, currency=currency, closed=all_)
    emit_value(result, fmt)


@app.command("html")
def html(
    ctx: typer.Context,
    out: str = typer.Argument(..., metavar="FILE", help="The HTML file to write."),
    top: Optional[int] = typer.Option(None, help="Customers in the value section (default 20)."),
    currency: Optional[str] = CurrencyOption,
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Write one self-contained HTML page (SVG charts and tables; no script, nothing
    fetched) with the overview, sales, satisfaction, complaints and value; mode 0600.

    Example: crmctl report html book.html
    """
    _write_page(ctx, out, top, currency, force)


def _write_page(ctx: typer.Context, out: str, top: Optional[int], currency: Optional[str],
                force: bool) -> None:
    path = resolve_output(out, db=db_path(ctx), default_name="report.html", force=force,
                          ask=overwrite_prompt())
    if path is None:
        raise UsageError(_("report html needs a FILE to write (not -)"))
    with session(ctx) as conn:
        data = book.book(conn, top=top, currency=currency)
    write_html(data, path)
    message(_("wrote {path}").format(path=path))
