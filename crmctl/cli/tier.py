"""tier set / review / history / rules: tiers by hand and by rule, always with a reason.

The rules themselves live in crmctl.core.tiers; the numbers in settings.
"""

from __future__ import annotations

import typer

from crmctl.cli.context import CUSTOMER_HELP, new_app, session
from crmctl.core import tiers
from crmctl.i18n import _, pgettext
from crmctl.render import (REVIEW_JSON, Format, emit_json_objects,
                           emit_tier_changes, emit_tier_history, emit_tier_rules, message,
                           say_proposed)

app = new_app("Customer tiers (客户分级): set by hand, review by rule, history, rules.")

FormatOption = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")
HISTORY_COLUMNS = ["at", "old_tier", "new_tier", "source", "reason"]


@app.command("set")
def set_(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., metavar="ID", help=CUSTOMER_HELP),
    tier: str = typer.Argument(..., help="diamond, gold, silver or regular "
                                      "(钻石, 金牌, 银牌, 普通; A–D)."),
    reason: str = typer.Option(..., help="Why the tier changes (kept in the history)."),
) -> None:
    """Set a customer's tier by hand; adds a "notify" follow-up to tell them.

    Example: crmctl tier set 12 gold --reason "年度合同续签"
    """
    with session(ctx) as conn:
        done = tiers.set_tier(conn, customer_id, tier, reason)
    message(_("#{id}: {old} → {new}; notify follow-up #{followup} due today").format(
        id=done["customer_id"], old=pgettext("tier", done["old_tier"]),
        new=pgettext("tier", done["new_tier"]), followup=done["followup_id"]))


@app.command()
def review(
    ctx: typer.Context,
    apply: bool = typer.Option(False, "--apply", help="Apply every proposal (one "
                               "transaction), record each in the history, add notify "
                               "follow-ups."),
    fmt: Format = FormatOption,
) -> None:
    """Propose tier upgrades and downgrades by rule, each with the rule that fired.

    Changes nothing unless --apply is given. The rules: `crmctl tier rules`.

    Example: crmctl tier review && crmctl tier review --apply
    """
    if fmt == Format.json and not apply:  # each row made JSON text by SQLite
        with session(ctx) as conn:
            objects = [text for (text,) in tiers.review_rows(conn, projection=REVIEW_JSON)]
        emit_json_objects(objects)
        say_proposed(len(objects))
        return
    with session(ctx) as conn:
        proposals = tiers.apply(conn) if apply else tiers.review(conn)
    emit_tier_changes([p.to_dict() for p in proposals], fmt, applied=apply)


@app.command()
def history(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="ID",
                                                                  help=CUSTOMER_HELP),
            fmt: Format = FormatOption) -> None:
    """A customer's tier changes with their reasons, newest first.

    Example: crmctl tier history 12
    """
    with session(ctx) as conn:
        rows = tiers.history(conn, customer_id)
    emit_tier_history(rows, HISTORY_COLUMNS, fmt)


@app.command()
def rules(ctx: typer.Context, fmt: Format = FormatOption) -> None:
    """The tier thresholds, service levels and rules in force (from settings).

    Example: crmctl tier rules --format json
    """
    with session(ctx) as conn:
        data = tiers.rules(conn, people=fmt == Format.table)
    emit_tier_rules(data, fmt)
