"""log-contact and purchase: recording what happened with a customer."""

from __future__ import annotations

from typing import Optional

import typer

from crmctl.cli.context import CUSTOMER_HELP, new_app, session
from crmctl.core import dates, followups, interactions, purchases
from crmctl.i18n import _
from crmctl.render import message

app = new_app()


@app.command("log-contact")
def log_contact(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., metavar="ID", help=CUSTOMER_HELP),
    channel: str = typer.Option(..., help="phone, email, meeting, visit, wechat, chat, social "
                                          "or other (电话, 邮件, 会议, 拜访, 微信, 聊天…)."),
    summary: str = typer.Option(..., help="What was said or done (沟通内容)."),
    outcome: Optional[str] = typer.Option(None, help="What came of it."),
    at: Optional[str] = typer.Option(None, metavar="WHEN", help="When it happened (default now; never in the "
                                     "future): " + dates.HELP_PAST_TIME + "."),
    direction: Optional[str] = typer.Option(None, help="in (they reached out; 呼入, 来电) "
                                           "or out (呼出, 去电)."),
    satisfaction: Optional[str] = typer.Option(None, metavar="1-5",
                                               help="How satisfied they were, 1 to 5."),
    complaint: bool = typer.Option(False, "--complaint", help="This contact is a complaint; "
                                   "it stays open until resolved."),
    category: Optional[str] = typer.Option(None, help="Complaint category: product, service, "
                                           "delivery, billing or other (default other; 产品, 服务, "
                                           "物流, 账单, 其他)."),
    resolves_complaint: Optional[str] = typer.Option(
        None, "--resolves-complaint", metavar="COMPLAINT_ID|all",
        help="This contact resolves that complaint (its interaction id), or 'all' open ones."),
    next_: Optional[str] = typer.Option(None, "--next", metavar="WHEN",
                                        help="Schedule the next follow-up: " + dates.HELP + "."),
    purpose: Optional[str] = typer.Option(None, help="Purpose of the --next follow-up."),
    campaign: Optional[str] = typer.Option(None, metavar="CAMPAIGN_ID",
                                           help="The campaign this contact belongs to."),
    done: Optional[str] = typer.Option(None, "--done", "--closes", metavar="FID",
                                       help="The customer's open follow-up this contact "
                                            "answers: marked done with it."),
) -> None:
    """Record an interaction and print its id alone on stdout.

    Says on stderr when a follow-up of the customer due by today is still open.

    Example: crmctl log-contact 12 --channel phone --summary 询价 --satisfaction 4 --next +2w

    Example: crmctl log-contact 12 --channel visit --summary 上门处理 --resolves-complaint all
    """
    next_due = dates.parse_when(next_) if next_ is not None else None
    with session(ctx) as conn:
        logged = interactions.log(
            conn, customer_id, channel=channel, summary=summary, outcome=outcome, at=at,
            direction=direction, satisfaction=satisfaction, complaint=complaint,
            category=category, resolves=resolves_complaint, next_due=next_due,
            purpose=purpose, campaign_id=campaign, done=done)
    typer.echo(logged.id)
    if logged.resolved:
        message(_("resolved complaint {ids}").format(ids=", ".join(f"#{i}" for i in logged.resolved)))
    if logged.done_followup is not None:
        message(_("follow-up {id} done").format(id=logged.done_followup))
    if logged.followup_id is not None:
        message(_("follow-up #{id} due {day}").format(id=logged.followup_id, day=next_due.isoformat()))
    if logged.same_day:
        message(followups.same_day_warning(logged.customer_id, next_due, logged.same_day))
    for fid, due in logged.still_open:
        message(followups.still_open_notice(fid, due))
    if logged.closed:
        message(_("warning: customer #{id} is closed: its follow-ups and complaints stay "
                  "hidden until crmctl reopen {id}").format(id=logged.customer_id))


@app.command(context_settings={"ignore_unknown_options": True})
def purchase(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., metavar="ID", help=CUSTOMER_HELP),
    amount: str = typer.Argument(..., help="Exact amount, e.g. 1234.50 or 1,234.50."),
    date: Optional[str] = typer.Option(None, "--date", metavar="WHEN",
                                       help="The day of the purchase (default today): "
                                       + dates.HELP_PAST + "."),
    currency: Optional[str] = typer.Option(None, help="CNY, USD, EUR, GBP, HKD, JPY or KRW "
                                                      "(default: the currency setting)."),
    note: Optional[str] = typer.Option(None, help="What was bought."),
    campaign: Optional[str] = typer.Option(None, metavar="CAMPAIGN_ID",
                                           help="The campaign this purchase came from."),
) -> None:
    """Record a purchase and print its id alone on stdout.

    Example: crmctl purchase 12 12800.00 --date yesterday --note 年度服务合同
    """
    day = dates.parse_when(date, past=True) if date is not None else None
    with session(ctx) as conn:
        pid = purchases.record(conn, customer_id, amount, when=day, currency=currency,
                               note=note, campaign_id=campaign)
    typer.echo(pid)
