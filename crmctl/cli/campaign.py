"""campaign create / list / show / target / export / respond / report: consent-gated marketing."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from crmctl.cli.context import (
    CAMPAIGN_ID_HELP, CUSTOMER_HELP, FORCE_HELP, db_path, new_app, overwrite_prompt, session)
from crmctl.cli.segment_options import (IndustryOption, RegionOption, SegmentOption,
                                       SizeOption, SpendMaxOption, SpendMinOption)
from crmctl.core import campaigns, dates, exporting
from crmctl.core.customers import Filter
from crmctl.core.rules import CAMPAIGN_ATTRIBUTION_DAYS
from crmctl.i18n import _
from crmctl.render import (Format, emit_campaign_table, emit_campaigns, emit_record,
                           emit_targeting, message)
from crmctl.store.outputs import format_for, resolve_output

app = new_app("Marketing campaigns (营销活动): plan, target within consent, measure.")

FormatOption = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")


@app.command()
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The campaign's name, e.g. 双十一回馈."),
    channel: str = typer.Option(..., help="Consent channel: email, phone, sms or wechat "
                                          "(邮件, 电话, 短信, 微信)."),
    goal_responses: Optional[int] = typer.Option(None, metavar="N", help="Responses aimed for."),
    goal_revenue: Optional[str] = typer.Option(None, metavar="X", help="Revenue aimed for."),
    budget: Optional[str] = typer.Option(None, metavar="X", help="Budget, e.g. 5000 or 1234.50."),
    currency: Optional[str] = typer.Option(None, help="Currency code (default: setting)."),
    start: Optional[str] = typer.Option(None, metavar="WHEN", help="First day: " + dates.HELP + "."),
    end: Optional[str] = typer.Option(None, metavar="WHEN", help="Last day: " + dates.HELP + "."),
    note: Optional[str] = typer.Option(None, help="A note."),
) -> None:
    """Plan a campaign and print its id alone on stdout.

    Example: cid=$(crmctl campaign create 双十一回馈 --channel email --budget 5000 --start 2026-11-01 --end 2026-11-11 --goal-responses 20)
    """
    with session(ctx) as conn:
        cid = campaigns.create(conn, name, channel, goal_responses=goal_responses,
                               goal_revenue=goal_revenue, budget=budget, currency=currency,
                               start=start, end=end, note=note)
    typer.echo(cid)


@app.command("list")
def list_(ctx: typer.Context, fmt: Format = FormatOption) -> None:
    """Campaigns side by side: targeted, responded, response rate, revenue, budget, return.

    Example: crmctl campaign list --format json
    """
    with session(ctx) as conn:
        rows = campaigns.overview(conn)
    emit_campaigns(rows, fmt)


@app.command()
def show(ctx: typer.Context, campaign_id: str = typer.Argument(..., metavar="ID", help=CAMPAIGN_ID_HELP),
         fmt: Format = FormatOption) -> None:
    """Show a campaign: its plan and headline figures.

    Example: crmctl campaign show 3
    """
    with session(ctx) as conn:
        camp = campaigns.get(conn, campaign_id)
        figures = campaigns.report(conn, camp.id)
    data = {**camp.to_dict(), "status": figures["status"], "targeted": figures["targeted"],
            "excluded_no_consent": figures["excluded_no_consent"],
            "responded": figures["responded"], "revenue": figures["revenue"]}
    emit_record(data, fmt, _("campaign #{id} {name}").format(id=camp.id, name=camp.name),
                hidden=("id", "name"))


@app.command()
def target(
    ctx: typer.Context,
    campaign_id: str = typer.Argument(..., metavar="ID", help=CAMPAIGN_ID_HELP),
    tag: List[str] = typer.Option([], "--tag", help="Customers with this tag (repeat: all)."),
    tier: Optional[str] = typer.Option(None, help="Only this tier."),
    stage: Optional[str] = typer.Option(None, help="prospect, customer, repeat, loyal, churned "
                                          "(潜在客户, 新客户, 复购, 忠诚, 流失)."),
    search: Optional[str] = typer.Option(None, "--search", "-s", metavar="Q",
                                         help="As in list: name, company, email, phone, note."),
    region: Optional[str] = RegionOption,
    industry: Optional[str] = IndustryOption,
    size: Optional[str] = SizeOption,
    spend_min: Optional[str] = SpendMinOption,
    spend_max: Optional[str] = SpendMaxOption,
    segment: Optional[str] = SegmentOption,
    dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Only count; change nothing."),
    fmt: Format = FormatOption,
) -> None:
    """Add the matching customers who consent to the campaign's channel as targets.

    The filters are those of `list`. People without consent for the channel are never
    targeted; they are counted as excluded. --dry-run only counts (the research step).

    Example: crmctl campaign target 3 --region 广东 --segment loyal --dry-run
    """
    flt = Filter(tag=tag, tier=tier, stage=stage, search=search, region=region,
                 industry=industry, size=size, spend_min=spend_min, spend_max=spend_max,
                 segment=segment)
    with session(ctx) as conn:
        result = campaigns.target(conn, campaign_id, flt, dry_run=dry_run)
    emit_targeting(result, fmt, dry_run)


@app.command()
def export(
    ctx: typer.Context,
    campaign_id: str = typer.Argument(..., metavar="ID", help=CAMPAIGN_ID_HELP),
    out: Optional[str] = typer.Option(None, "--out", "-o", metavar="FILE|-",
                                      help="Write here (mode 0600); DIR/ puts "
                                           "campaign-ID-targets.FORMAT in it; - or none: stdout."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help="csv (default), json or xlsx; default: the --out "
                                           "extension."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Write the target list for the mailing or messaging tool, consent checked again now.

    Carries id, name, company and the channel's address only. Targets who withdrew
    consent since targeting (or were forgotten) are dropped. Cells that a spreadsheet
    would run as a formula (= + - @) get a leading '. The format follows the --out
    extension unless --format is given; an existing file is replaced only with --force.

    Example: crmctl campaign export 3 --out mailing.xlsx
    """
    kind = format_for(out, fmt, "csv")
    stem = f"campaign-{campaign_id}" if campaign_id.isdigit() else "campaign"
    path = resolve_output(out, db=db_path(ctx), default_name=f"{stem}-targets.{kind}",
                          force=force, ask=overwrite_prompt())
    with session(ctx) as conn:
        summary = exporting.export_campaign(conn, campaign_id, kind, path, sys.stdout)
    target, dropped = summary["path"], summary["dropped"]
    closed = (_("; left out {closed} closed customer(s)").format(closed=dropped["closed"])
              if dropped["closed"] else "")
    message((_("exported {n} target(s) to {path}; dropped {no_consent} without consent now, "
               "{no_address} without an address for the channel") if target else
             _("exported {n} target(s); dropped {no_consent} without consent now, "
               "{no_address} without an address for the channel")).format(
        n=summary["exported"], path=target, **dropped) + closed)


@app.command()
def respond(ctx: typer.Context, campaign_id: str = typer.Argument(..., metavar="ID", help=CAMPAIGN_ID_HELP),
            customer_id: str = typer.Argument(..., metavar="CUSTOMER", help=CUSTOMER_HELP),
            outcome: Optional[str] = typer.Option(None, help="What came of it.")) -> None:
    """Record that a target of the campaign responded.

    Example: crmctl campaign respond 3 12 --outcome 预约演示
    """
    with session(ctx) as conn:
        result = campaigns.respond(conn, campaign_id, customer_id, outcome)
    message((_("recorded the response of #{customer} to campaign #{campaign}")
             if result["first_response"] else
             _("recorded the response of #{customer} to campaign #{campaign} (had responded "
               "before; first time kept)")).format(customer=result["customer_id"],
                                                   campaign=result["campaign_id"]))


@app.command()
def report(ctx: typer.Context, campaign_id: str = typer.Argument(..., metavar="ID", help=CAMPAIGN_ID_HELP),
           fmt: Format = FormatOption) -> None:
    """How the campaign did: reach, responses, purchases, revenue, cost, return, goals.

    Money in JSON is a decimal string in the campaign's currency ("1234.50"); rates and
    return_on_budget are numbers (0.25 = 25 %, 2.5 = 2.5× the budget); null when unknown.

    Example: crmctl campaign report 3 --format json
    """
    with session(ctx) as conn:
        figures = campaigns.report(conn, campaign_id)
    if fmt == Format.table:
        emit_campaign_table(figures, CAMPAIGN_ATTRIBUTION_DAYS)
    else:
        emit_record(figures, fmt, "")
