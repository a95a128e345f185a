"""purchases: list a customer's, void one recorded by mistake, refund one (issue 17)."""

from __future__ import annotations

from typing import Optional

import typer

from crmctl.cli.context import CUSTOMER_HELP, PURCHASE_ID_HELP, new_app, session
from crmctl.core import correct_purchases, dates
from crmctl.i18n import _
from crmctl.render import Format, message
from crmctl.render.corrections import emit_purchases

app = new_app("Purchases: list a customer's, void one recorded by mistake, refund one.")


@app.command("list")
def list_(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="CUSTOMER",
                                                                help=CUSTOMER_HELP),
          fmt: Format = typer.Option(Format.table, "--format", "-f",
                                     help="table, json or csv.")) -> None:
    """A customer's purchases, newest first, with refunds and what is left; voided ones
    included and marked.

    Example: crmctl purchases list 王明
    """
    with session(ctx) as conn:
        rows = correct_purchases.for_customer(conn, customer_id)
    emit_purchases(rows, fmt)


@app.command()
def void(ctx: typer.Context, purchase_id: str = typer.Argument(..., metavar="PID", help=PURCHASE_ID_HELP),
         reason: str = typer.Option(..., "--reason", help="Why it was a mistake.")) -> None:
    """Void a purchase recorded by mistake: out of every total (spend, tier, stage, RFM,
    campaign revenue); it stays listed as voided.

    Example: crmctl purchases void 9 --reason "金额录错"
    """
    with session(ctx) as conn:
        done = correct_purchases.void(conn, purchase_id, reason)
    message(_("purchase {id} voided").format(id=done["id"]))


@app.command(context_settings={"ignore_unknown_options": True})
def refund(
    ctx: typer.Context,
    purchase_id: str = typer.Argument(..., metavar="PID", help=PURCHASE_ID_HELP),
    amount: Optional[str] = typer.Argument(None, help="Part to refund (default: all left)."),
    reason: str = typer.Option(..., "--reason", help="Why the money went back."),
    date: Optional[str] = typer.Option(None, "--date", metavar="WHEN",
                                       help="The day of the refund (default today): "
                                       + dates.HELP_PAST + "."),
) -> None:
    """Record a real refund, whole or part: spend, tier and RFM totals and campaign
    revenue drop from its day.

    Example: crmctl purchases refund 9 500.00 --reason 退货
    """
    day = dates.parse_when(date, past=True) if date is not None else None
    with session(ctx) as conn:
        done = correct_purchases.refund(conn, purchase_id, amount, reason=reason, when=day)
    message(_("refunded {amount} {currency} of purchase {purchase_id} ({left} {currency} "
              "left)").format(**done))
