"""The analysis reports' output: `report sales|satisfaction|complaints|value`.

A table with a bar per row (and a total line) on a terminal or in plain text; ``--format
json``: the whole result (what was asked, every row, the total); ``--format csv``: the
rows only, one per group. Internal sort keys (``*_minor``) never leave here.
"""

from __future__ import annotations

from crmctl.core.analysis.common import NONE_LABEL
from crmctl.render.charts import with_bars
from crmctl.i18n import _, is_english, pgettext
from crmctl.render.formats import Format, emit_csv, emit_json
from crmctl.render.tables import emit_rows

SALES = ("revenue", "orders", "customers", "average_order", "currency")
SATISFACTION = ("average", "ratings", "low_share", "trend")
COMPLAINTS = ("complaints", "open", "resolved", "median_hours", "over_response_time")
VALUE = ("rank", "id", "name", "tier", "segment", "at_risk", "churn_risk", "total_spend",
         "spend_12m", "purchases", "average_order", "last_purchase", "currency")
VALUE_TABLE = ("rank", "id", "name", "tier", "segment", "churn_risk", "total_spend", "bar",
               "spend_12m", "purchases", "average_order", "last_purchase")


def _only(row: dict, columns) -> dict:
    return {c: row.get(c) for c in columns}


def _emit(result: dict, fmt: Format, columns: tuple, bar_key: str, title: str,
          shown=lambda row: row, empty: str | None = None) -> None:
    by = result["by"]
    columns = (by, *columns)
    if fmt == Format.json:
        emit_json({**{k: v for k, v in result.items() if k not in ("rows", "total")},
                   "rows": [_only(r, columns) for r in result["rows"]],
                   "total": _only(result["total"], columns)})
    elif fmt == Format.csv:
        emit_csv(result["rows"], columns)
    else:
        rows = with_bars([{**r, "bar_value": r[bar_key] or 0} for r in result["rows"]],
                         "bar_value")
        if rows:
            rows.append({**result["total"], by: _("total"), "bar": ""})
        table = (by, columns[1], "bar", *columns[2:])
        none = _("(none)")  # the group of rows without the value; English in JSON and CSV
        rows = [{**r, by: none} if r[by] == NONE_LABEL else r for r in rows]
        emit_rows([shown(r) for r in rows], table, Format.table, title=title, empty=empty)


def emit_sales(result: dict, fmt: Format) -> None:
    span = (f"{result['since'] or _('the first')}..{result['until'] or _('the last')}"
            if result["since"] or result["until"] else _("all dates"))
    _emit(result, fmt, SALES, "revenue_minor",
          _("sales by {by} in {currency}, {span}").format(
              by=pgettext("by", result["by"]), currency=result["currency"], span=span),
          empty=_("no purchases in {currency} ({span})").format(currency=result["currency"],
                                                                span=span))


def emit_satisfaction(result: dict, fmt: Format) -> None:
    trend = (_("change from the month before") if result["by"] == "month" else
             _("last {days} days against the {days} before").format(days=result["trend_days"]))
    _emit(result, fmt, SATISFACTION, "average",
          _("satisfaction by {by} (1-5; low: {low} or less; trend: {trend})").format(
              by=pgettext("by", result["by"]), low=result["low_at_most"], trend=trend),
          shown=_satisfaction_cells, empty=_("no ratings yet"))


def _satisfaction_cells(row: dict) -> dict:
    low, trend = row["low_share"], row["trend"]
    return {**row, "average": None if row["average"] is None else f"{row['average']:.2f}",
            "low_share": None if low is None else f"{low * 100:.1f}%",
            "trend": None if trend is None else f"{trend:+.2f}"}


def emit_complaints(result: dict, fmt: Format) -> None:
    """By category a ``causes`` column too: {cause: n} in JSON, "cause n; …" as text."""
    hours = ", ".join(f"{pgettext('tier', t)} {h} h" for t, h in result["response_hours"].items())
    columns = COMPLAINTS
    if result["by"] == "category":
        columns = (*COMPLAINTS, "causes")
        if fmt != Format.json:
            result = {**result, "rows": [_causes_text(r) for r in result["rows"]],
                      "total": _causes_text(result["total"])}
    _emit(result, fmt, columns, "complaints",
          _("complaints by {by} (response time: {hours})").format(
              by=pgettext("by", result["by"]), hours=hours), empty=_("no complaints yet"))


def causes_text(causes: dict | None) -> str:
    """Root causes and their counts as one cell: "包装破损 2; 快递延误 1"."""
    return "; ".join(f"{cause} {n}" for cause, n in (causes or {}).items())


def _causes_text(row: dict) -> dict:
    return {**row, "causes": causes_text(row.get("causes"))}


def emit_value(result: dict, fmt: Format) -> None:
    rows = result["rows"]
    if fmt == Format.json:
        emit_json({"currency": result["currency"], "top": result["top"],
                   "rows": [_only(r, VALUE) for r in rows]})
    elif fmt == Format.csv:
        emit_csv(rows, VALUE)
    else:
        table = [{**r, "churn_risk": risk_text(r)} for r in with_bars(rows, "total_minor")]
        emit_rows(table, VALUE_TABLE, Format.table,
                  title=_("top {n} customers by spend in {currency}, the ones at risk first")
                  .format(n=result["top"], currency=result["currency"]),
                  empty=_("no purchases in {currency} yet").format(currency=result["currency"]))


def risk_text(row: dict) -> str:
    """A value row's risk for people: its churn-risk reasons in the interface language
    (core/purposes), else "RFM at risk" when its segment is, else nothing."""
    if row["churn_risk"]:
        if is_english() or not row.get("churn_args"):
            return row["churn_risk"]
        from crmctl.core.purposes import sentence
        return sentence("churn-risk", row["churn_risk"], row["churn_args"])
    return _("RFM at risk") if row["at_risk"] else ""
