"""tier set / review / history / rules: tiers by hand and by rule, always with a reason.

The rules themselves live in crmctl.core.tiers; the numbers in settings.
"""

from __future__ import annotations

import typer

from crmctl.cli.context import new_app, session
from crmctl.render import Format, emit_json, emit_rows, message

app = new_app("Customer tiers (客户分级): set by hand, review by rule, history, rules.")

FormatOption = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")
REVIEW_COLUMNS = ["customer_id", "name", "tier", "proposed", "rule", "reason"]
HISTORY_COLUMNS = ["at", "old_tier", "new_tier", "source", "reason"]


@app.command("set")
def set_(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., metavar="ID"),
    tier: str = typer.Argument(..., help="diamond, gold, silver or regular."),
    reason: str = typer.Option(..., help="Why the tier changes (kept in the history)."),
) -> None:
    """Set a customer's tier by hand; adds a "notify" follow-up to tell them.

    Example: crmctl tier set 12 gold --reason "年度合同续签"
    """
    from crmctl.core import tiers

    with session(ctx) as conn:
        done = tiers.set_tier(conn, customer_id, tier, reason)
    message(f"#{done['customer_id']}: {done['old_tier']} → {done['new_tier']}; "
            f"notify follow-up #{done['followup_id']} due today")


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
    from crmctl.core import tiers

    if fmt == Format.json and not apply:  # each row made JSON text by SQLite
        from crmctl.render import emit_json_objects, json_object_sql

        with session(ctx) as conn:
            objects = [text for (text,) in tiers.review_rows(
                conn, projection=json_object_sql(REVIEW_COLUMNS))]
        emit_json_objects(objects)
        _say_proposed(len(objects))
        return
    with session(ctx) as conn:
        proposals = tiers.apply(conn) if apply else tiers.review(conn)
    rows = [p.to_dict() for p in proposals]
    emit_rows(rows, REVIEW_COLUMNS, fmt,
              headers=["id", "name", "tier", "→", "rule", "reason"] if fmt == Format.table
              else None, empty="no tier changes proposed")
    if apply:
        message(f"applied {len(rows)} tier change{'s' if len(rows) != 1 else ''}"
                + (f", with {len(rows)} notify follow-up{'s' if len(rows) != 1 else ''}"
                   if rows else ""))
    else:
        _say_proposed(len(rows))


def _say_proposed(n: int) -> None:
    if n:
        message(f"{n} proposal{'s' if n != 1 else ''}; nothing changed "
                "(crmctl tier review --apply applies them)")


@app.command()
def history(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="ID"),
            fmt: Format = FormatOption) -> None:
    """A customer's tier changes with their reasons, newest first.

    Example: crmctl tier history 12
    """
    from crmctl.core import tiers

    with session(ctx) as conn:
        rows = tiers.history(conn, customer_id)
    emit_rows(rows, HISTORY_COLUMNS, fmt, empty="no tier changes recorded")


@app.command()
def rules(ctx: typer.Context, fmt: Format = FormatOption) -> None:
    """The tier thresholds, service levels and rules in force (from settings).

    Example: crmctl tier rules --format json
    """
    from crmctl.core import tiers

    with session(ctx) as conn:
        data = tiers.rules(conn)
    if fmt == Format.json:
        emit_json(data)
        return
    cur, months = data["currency"], data["spend_window_months"]
    rows = [{**t, "min_spend_12m": f"{t['min_spend_12m']:,}" if fmt == Format.table
             else t["min_spend_12m"]} for t in data["tiers"]]
    long_rel = data["long_relationship"]
    if fmt == Format.table:
        rows[0]["min_spend_12m"] += f" (or {long_rel['min_spend_12m']:,} with " \
                                    f"{long_rel['years']}+ years)"
    emit_rows(rows, ["tier", "min_spend_12m", "cadence_days", "response_hours"], fmt,
              headers=["tier", f"{months}-month spend ≥ ({cur})", "follow up every (days)",
                       "respond within (h)"] if fmt == Format.table else None)
    if fmt == Format.table:
        emit_rows(data["rules"], ["rule", "does"], fmt, title="tier review rules, in order")
