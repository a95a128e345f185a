"""followups: the reminder report (cron) and its upkeep — schedule, done, snooze, edit,
cancel."""

from __future__ import annotations

from typing import List, Optional

import typer

from crmctl.cli.context import CUSTOMER_HELP, FOLLOWUP_ID_HELP, new_app, session
from crmctl.cli.segment_options import (IndustryOption, RegionOption, SegmentOption,
                                       SizeOption, SpendMaxOption, SpendMinOption)
from crmctl.core import dates, followups, segment_followups
from crmctl.i18n import _
from crmctl.render import (Format, emit_followups_table, emit_json_body, emit_rows,
                           followup_cells, json_list_sql, json_object_sql, message)

app = new_app(invoke_without_command=True)


@app.callback(invoke_without_command=True)
def report(
    ctx: typer.Context,
    until: str = typer.Option("today", "--until", metavar="WHEN",
                              help="List what is due up to this day: " + dates.HELP + "."),
    overdue: bool = typer.Option(False, "--overdue", help="Only what is past its due day."),
    tier: Optional[str] = typer.Option(None, help="Only this tier."),
    tag: List[str] = typer.Option([], "--tag", help="Only customers with this tag (repeat: all)."),
    stage: Optional[str] = typer.Option(None, help="prospect, customer, repeat, loyal, churned "
                                          "(潜在客户, 新客户, 复购, 忠诚, 流失)."),
    region: Optional[str] = RegionOption,
    industry: Optional[str] = IndustryOption,
    size: Optional[str] = SizeOption,
    spend_min: Optional[str] = SpendMinOption,
    spend_max: Optional[str] = SpendMaxOption,
    segment: Optional[str] = SegmentOption,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Who to contact by --until (default today), overdue first: scheduled follow-ups,
    tier cadence since the last contact, churn risk, tier-change notices and care dates
    (birthdays, lunar birthdays, holidays, first-purchase anniversaries). Each row says
    why it is there.

    Made for cron: plain text off a terminal, nothing asked, --format json|csv for scripts.

    The filters are those of `list` (a data-review row only without any).

    Example: crmctl followups --until +1w --tier gold --region 广东
    """
    if ctx.invoked_subcommand is not None:
        return
    day = dates.parse_when(until)
    wanted = segment_followups.prepare(tier, tag, stage=stage, region=region, industry=industry,
                                       size=size, spend_min=spend_min, spend_max=spend_max,
                                       segment=segment)
    with session(ctx) as conn:
        query = {"overdue_only": overdue, **segment_followups.narrowing(conn, wanted)}
        if fmt == Format.json:  # the whole document made by SQLite: no Python per row
            [(body,)] = followups.due_rows(conn, day, **query, projection=json_object_sql(
                followups.COLUMNS, integers=followups.INTEGER_COLUMNS,
                words=followups.WORD_COLUMNS), aggregate=json_list_sql("row"))
        elif fmt == Format.csv:
            rows = followups.due(conn, day, **query)
        else:  # the cells as text, made by SQLite (22,000 rows under cron)
            cells = followups.due_rows(conn, day, **query, projection=followup_cells())
    if fmt == Format.json:
        emit_json_body(body)
    elif fmt == Format.csv:
        emit_rows(rows, list(followups.COLUMNS), fmt)
    else:
        emit_followups_table(cells, day)


@app.command("schedule")
def schedule_(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., metavar="ID", help=CUSTOMER_HELP),
    when: str = typer.Argument(..., metavar="WHEN", help=dates.HELP + "."),
    purpose: Optional[str] = typer.Option(None, "--purpose", "-p", metavar="P",
                                          help="What the follow-up is for."),
) -> None:
    """Schedule a follow-up and print its id (FID) alone on stdout; warns when the
    customer already has an open follow-up that day.

    Example: crmctl followups schedule 12 +2w --purpose "报价回访"
    """
    day = dates.parse_when(when)
    with session(ctx) as conn:
        fid, cid, same_day = followups.plan(conn, customer_id, day, purpose)
    typer.echo(fid)
    message(_("follow-up {id} scheduled for {day}").format(id=fid, day=day.isoformat()))
    if same_day:
        message(followups.same_day_warning(cid, day, same_day))


@app.command()
def done(
    ctx: typer.Context,
    followup_id: str = typer.Argument(..., metavar="FID", help=FOLLOWUP_ID_HELP),
    note: Optional[str] = typer.Option(None, "--note", help="What came of it."),
) -> None:
    """Mark a scheduled follow-up done (log the contact itself with log-contact).

    Example: crmctl followups done 7 --note "客户确认下单"
    """
    with session(ctx) as conn:
        fid = followups.done(conn, followup_id, note)
    message(_("follow-up {id} done").format(id=fid))


@app.command()
def snooze(
    ctx: typer.Context,
    followup_id: str = typer.Argument(..., metavar="FID", help=FOLLOWUP_ID_HELP),
    when: str = typer.Argument(..., metavar="WHEN", help="The new due day: " + dates.HELP + "."),
) -> None:
    """Move an open follow-up to a later day than it is due (never earlier).

    Example: crmctl followups snooze 7 monday
    """
    day = dates.parse_when(when)
    with session(ctx) as conn:
        fid, previous = followups.snooze(conn, followup_id, day)
    message(_("follow-up {id} moved from {old} to {day}").format(id=fid, old=previous,
                                                                  day=day.isoformat()))


@app.command()
def edit(
    ctx: typer.Context,
    followup_id: str = typer.Argument(..., metavar="FID", help=FOLLOWUP_ID_HELP),
    due: Optional[str] = typer.Option(None, "--due", metavar="WHEN",
                                      help="The new due day (earlier or later, not past)."),
    purpose: Optional[str] = typer.Option(None, "--purpose", "-p", metavar="P",
                                          help="The new purpose."),
) -> None:
    """Change an open follow-up's due day or purpose.

    Example: crmctl followups edit 7 --due friday --purpose "送样品"
    """
    day = dates.parse_when(due) if due is not None else None
    with session(ctx) as conn:
        fid, cid, changed = followups.edit(conn, followup_id, due=day, purpose=purpose)
        same_day = followups.open_on_day(conn, cid, day, besides=fid) if day else []
    message(_("follow-up {id}: {fields} changed").format(id=fid, fields=", ".join(changed)))
    if same_day:
        message(followups.same_day_warning(cid, day, same_day))


@app.command()
def cancel(
    ctx: typer.Context,
    followup_id: str = typer.Argument(..., metavar="FID", help=FOLLOWUP_ID_HELP),
    reason: str = typer.Option(..., "--reason", help="Why it is no longer wanted."),
) -> None:
    """Cancel an open follow-up scheduled by mistake: it leaves the report and stays in
    the customer's timeline as cancelled.

    Example: crmctl followups cancel 7 --reason "重复安排"
    """
    with session(ctx) as conn:
        fid = followups.cancel(conn, followup_id, reason)
    message(_("follow-up {id} cancelled").format(id=fid))
