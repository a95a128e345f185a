"""interactions: list a customer's, edit one, void one logged by mistake (issue 17)."""

from __future__ import annotations

from typing import Optional

import typer

from crmctl.cli.context import CUSTOMER_HELP, INTERACTION_ID_HELP, new_app, session
from crmctl.core import correct_interactions, dates
from crmctl.i18n import _
from crmctl.render import Format, message
from crmctl.render.corrections import emit_interactions

app = new_app("Interactions (沟通记录): list a customer's, correct one, void one logged "
              "by mistake.")


@app.command("list")
def list_(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="CUSTOMER",
                                                                help=CUSTOMER_HELP),
          fmt: Format = typer.Option(Format.table, "--format", "-f",
                                     help="table, json or csv.")) -> None:
    """A customer's interactions, newest first, voided ones included and marked.

    Example: crmctl interactions list 王明 --format json
    """
    with session(ctx) as conn:
        rows = correct_interactions.for_customer(conn, customer_id)
    emit_interactions(rows, fmt)


@app.command()
def edit(
    ctx: typer.Context,
    interaction_id: str = typer.Argument(..., metavar="IID", help=INTERACTION_ID_HELP),
    summary: Optional[str] = typer.Option(None, help="What was said or done."),
    outcome: Optional[str] = typer.Option(None, help="What came of it."),
    channel: Optional[str] = typer.Option(None, help="phone, email, meeting, visit, wechat, "
                                                     "chat, social, other (or 电话, 微信…)."),
    at: Optional[str] = typer.Option(None, "--at", metavar="WHEN",
                                     help="When it happened (not in the future): "
                                          + dates.HELP_PAST_TIME + "."),
    satisfaction: Optional[str] = typer.Option(None, help="Rating 1-5."),
    complaint: Optional[bool] = typer.Option(None, "--complaint/--no-complaint",
                                             help="Mark or unmark it as a complaint."),
    category: Optional[str] = typer.Option(None, help="Complaint category: product, "
                                                      "service, delivery, billing, other."),
) -> None:
    """Correct an interaction's fields; last contact, the latest rating and complaints
    follow. A voided interaction cannot be edited.

    Example: crmctl interactions edit 31 --channel 微信 --satisfaction 4 --at 昨天
    """
    with session(ctx) as conn:
        done = correct_interactions.edit(
            conn, interaction_id, summary=summary, outcome=outcome, channel=channel, at=at,
            satisfaction=satisfaction, complaint=complaint, category=category)
    message(_("interaction {id} changed: {fields}").format(id=done["id"],
                                                            fields=", ".join(done["fields"])))


@app.command()
def void(ctx: typer.Context, interaction_id: str = typer.Argument(..., metavar="IID", help=INTERACTION_ID_HELP),
         reason: str = typer.Option(..., "--reason", help="Why it was a mistake.")) -> None:
    """Void an interaction logged by mistake: it counts in no rule any more (last contact,
    satisfaction, churn, complaints, campaign responses) and stays in `show` as voided.

    Example: crmctl interactions void 31 --reason "记错客户"
    """
    with session(ctx) as conn:
        done = correct_interactions.void(conn, interaction_id, reason)
    message(_("interaction {id} voided").format(id=done["id"]))
    if done["reopened"]:
        message(_("complaint {ids} open again").format(
            ids=", ".join(f"#{i}" for i in done["reopened"])))
