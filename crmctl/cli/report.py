"""report: the book of business as terminal bar charts (plain text off a terminal) or JSON."""

from __future__ import annotations

import typer

from crmctl.cli.context import new_app, session
from crmctl.render import Format

app = new_app(invoke_without_command=True)

BAR_WIDTH = 40
EIGHTHS = " ▏▎▍▌▋▊▉"


@app.callback(invoke_without_command=True)
def report(
    ctx: typer.Context,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
) -> None:
    """Tiers, lifecycle stages, value (RFM) segments, churn risk, open complaints by
    category and interactions per week (last 12), as bar charts or JSON.

    Example: crmctl report --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from crmctl.core import reports
    from crmctl.errors import UsageError
    from crmctl.render import emit_json, print_renderable

    if fmt == Format.csv:
        raise UsageError("report takes --format table or json")
    with session(ctx) as conn:
        data = reports.overview(conn)
    if fmt == Format.json:
        emit_json(data)
        return
    print_renderable(charts(data))


def bar(value: int, top: int, terminal: bool) -> str:
    """A bar of block characters (eighths on a terminal, '#' in plain text)."""
    if top <= 0 or value <= 0:
        return ""
    if not terminal:
        return "#" * max(1, round(BAR_WIDTH * value / top))
    eighths = max(1, round(BAR_WIDTH * 8 * value / top))
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def chart(title: str, pairs: list[tuple[str, int]], terminal: bool):
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.title, grid.title_justify = title, "left"
    grid.title_style = "bold" if terminal else ""
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True, style="cyan" if terminal else "")
    top = max((value for _, value in pairs), default=0)
    for label, value in pairs:
        grid.add_row(label, str(value), bar(value, top, terminal))
    return grid


def charts(data: dict):
    from rich.console import Group
    from rich.text import Text

    from crmctl.render import stdout_is_terminal

    tty = stdout_is_terminal()
    weeks = [(f"from {w['week']}", w["interactions"]) for w in data["interactions_per_week"]]
    parts = [
        Text(f"crmctl report {data['date']}: {data['customers']} customers, "
             f"{data['churn_risk']} at churn risk", style="bold" if tty else ""),
        chart("Tiers", list(data["tiers"].items()), tty),
        chart("Lifecycle stages", list(data["stages"].items()), tty),
        chart("Value segments (RFM)", list(data["segments"].items()), tty),
        chart("Open complaints by category", list(data["open_complaints"].items()), tty),
        chart("Interactions per week", weeks, tty),
    ]
    spaced = [parts[0]]
    for part in parts[1:]:
        spaced += [Text(""), part]
    return Group(*spaced)


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
    from crmctl.core import referrals as core_referrals
    from crmctl.render import emit_rows, stdout_is_terminal

    with session(ctx) as conn:
        rows = core_referrals.ranking(conn, limit=limit, currency=currency)
    columns = ["rank", "id", "name", "tier", "referred", "buying", "revenue", "currency",
               "last_referred_at"]
    if fmt == Format.table:
        top = max((r["referred"] for r in rows), default=0)
        rows = [{**r, "bar": bar(r["referred"], top, stdout_is_terminal())} for r in rows]
        columns = ["rank", "id", "name", "referred", "bar", "buying", "revenue", "currency"]
    emit_rows(rows, columns, fmt, empty="no referrals yet (add --referred-by ID links them)")
