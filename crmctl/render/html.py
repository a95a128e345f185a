"""`report html FILE`: one self-contained HTML page for a manager — the overview, sales,
satisfaction, complaints and value sections, each as SVG charts (render/svg.py) and
tables. No script, no stylesheet or font fetched, no image file: everything is in the page.
The page is in the interface language (issue 16.5): under a Chinese interface its language,
title, section names, captions, headers, chart titles and enumerated words (tiers, stages,
segments, categories, "(none)") are Chinese, from the catalog the terminal report uses;
an English page is the English text as written here.

Every chart is a ``<figure class="chart" id="chart-…">`` holding one ``<svg>``; every
table a ``<table id="table-…">`` (CHARTS and TABLES name them all: the test checks each is
there). The file is written 0600 through store/outputs.private_output, like `export --out`.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from crmctl.core.analysis.common import NONE_LABEL
from crmctl.i18n import _, is_english, pgettext
from crmctl.render import labels
from crmctl.render.analysis import causes_text, risk_text
from crmctl.render.svg import bar_chart
from crmctl.store.outputs import private_output

CHARTS = ("tiers", "stages", "segments", "open-complaints", "interactions-per-week",
          "sales-by-month", "sales-by-tier", "satisfaction-by-month", "satisfaction-by-tier",
          "complaints-by-category", "complaints-by-cause", "complaints-by-month", "value")
TABLES = ("overview", "sales-by-month", "sales-by-tier", "satisfaction-by-month",
          "satisfaction-by-tier", "complaints-by-category", "complaints-by-cause",
          "complaints-by-month", "value")
STYLE = """
body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
       sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
figure.chart { margin: 1em 0; } figure.chart svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25em 0.7em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; border-top: 2px solid #999; }
tr.risk td { color: #a02a1e; }
"""


def write_html(data: dict, path: Path) -> None:
    """The page, written 0600 and put in place only when complete."""
    text = page(data)
    with private_output(path) as out:
        out.open(False).write(text)
        out.publish()


def page(data: dict) -> str:
    o = data["overview"]
    head = _("{n} customers, {risk} at churn risk, {open} open complaints").format(
        n=o["customers"], risk=o["churn_risk"], open=sum(o["open_complaints"].values()))
    title = escape(_("crmctl report {date}").format(date=data["date"]))
    body = [f"<h1>{title}</h1>", f"<p>{escape(head)}</p>",
            _overview(o), _sales(data), _satisfaction(data), _complaints(data),
            _value(data["value"])]
    lang = "en" if is_english() else "zh-CN"
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>{STYLE}</style>\n"
            "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def _word(kind: str, value):
    """An enumerated word (tier, stage, segment, category…) or the reports' "(none)" in the
    interface language; any other value (a month, a root cause typed by a person) as is."""
    if value == NONE_LABEL:
        return _("(none)")
    return pgettext(kind, value) if isinstance(value, str) and value else value


def _section(name: str, title: str, parts: list[str]) -> str:
    return f'<section id="{name}">\n<h2>{escape(title)}</h2>\n' + "\n".join(parts) + \
        "\n</section>"


def _chart(name: str, pairs: list[tuple[str, float]], title: str, unit: str = "",
           horizontal: bool = False, alerts: list[bool] | None = None) -> str:
    svg = bar_chart(f"chart-{name}", [str(k) for k, _ in pairs],
                    [float(v or 0) for _, v in pairs], title=title, unit=unit,
                    horizontal=horizontal, alerts=alerts)
    return f'<figure class="chart" id="chart-{name}">\n{svg}\n</figure>'


def _table(name: str, caption: str, headers: list[str], rows: list[list],
           total: list | None = None, risky: list[bool] | None = None) -> str:
    out = [f'<table id="table-{name}">', f"<caption>{escape(caption)}</caption>",
           "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in labels.headers(headers))
           + "</tr></thead>",
           "<tbody>"]
    for i, row in enumerate(rows):
        risk = ' class="risk"' if risky and risky[i] else ""
        out.append(f"<tr{risk}>" + "".join(_td(v) for v in row) + "</tr>")
    if total is not None:
        out.append('<tr class="total">' + "".join(_td(v) for v in total) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _td(value) -> str:
    if value is None:
        return "<td>—</td>"
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'<td class="n">{escape(str(value))}</td>' if numeric else \
        f"<td>{escape(str(value))}</td>"


def _words(kind: str, counts: dict) -> list[tuple[str, int]]:
    return [(_word(kind, k), v) for k, v in counts.items()]


def _overview(o: dict) -> str:
    weeks = [(w["week"][5:], w["interactions"]) for w in o["interactions_per_week"]]
    counts = [[pgettext("breakdown", breakdown), group, n]
              for breakdown, kind, key in (("tier", "tier", "tiers"),
                                           ("stage", "stage", "stages"),
                                           ("segment (RFM)", "segment", "segments"),
                                           ("open complaints", "category", "open_complaints"))
              for group, n in _words(kind, o[key])]
    return _section("overview", _("Overview"), [
        _chart("tiers", _words("tier", o["tiers"]), _("Customers by tier")),
        _chart("stages", _words("stage", o["stages"]), _("Lifecycle stages")),
        _chart("segments", _words("segment", o["segments"]), _("Value segments (RFM)")),
        _chart("open-complaints", _words("category", o["open_complaints"]),
               _("Open complaints")),
        _chart("interactions-per-week", weeks, _("Interactions per week (from Monday)")),
        _table("overview", _("Counts"), ["breakdown", "group", "customers"], counts)])


def _sales(data: dict) -> str:
    parts = []
    for by in ("month", "tier"):
        s, word = data[f"sales_by_{by}"], pgettext("by", by)
        rows = [[_word(by, r[by]), r["revenue"], r["orders"], r["customers"],
                 r["average_order"]] for r in s["rows"]]
        t = s["total"]
        parts += [_chart(f"sales-by-{by}", [(row[0], float(row[1])) for row in rows],
                         _("Revenue by {by}").format(by=word), s["currency"]),
                  _table(f"sales-by-{by}", _("Sales by {by} ({currency})").format(
                      by=word, currency=s["currency"]),
                         [by, "revenue", "orders", "customers", "average order"], rows,
                         [_("total"), t["revenue"], t["orders"], t["customers"],
                          t["average_order"]])]
    return _section("sales", _("Sales"), parts)


def _satisfaction(data: dict) -> str:
    parts = []
    for by in ("month", "tier"):
        s, word = data[f"satisfaction_by_{by}"], pgettext("by", by)
        rows = [[_word(by, r[by]), r["average"], r["ratings"], _pct(r["low_share"]),
                 r["trend"]] for r in s["rows"]]
        t = s["total"]
        parts += [_chart(f"satisfaction-by-{by}", [(row[0], row[1]) for row in rows],
                         _("Average satisfaction by {by} (1-5)").format(by=word)),
                  _table(f"satisfaction-by-{by}", _("Satisfaction by {by}").format(by=word),
                         [by, "average", "ratings", f"≤ {s['low_at_most']}", "trend"], rows,
                         [_("total"), t["average"], t["ratings"], _pct(t["low_share"]), None])]
    return _section("satisfaction", _("Satisfaction"), parts)


def _complaints(data: dict) -> str:
    parts = []
    for by in ("category", "cause", "month"):
        c = data[f"complaints_by_{by}"]
        word = pgettext("by", "root cause") if by == "cause" else pgettext("by", by)
        causes = by == "category"  # each category's root causes beside it
        rows = [[_word(by, r[by]), r["complaints"], r["open"], r["resolved"],
                 r["median_hours"], r["over_response_time"],
                 *([causes_text(r["causes"])] if causes else [])] for r in c["rows"]]
        t = c["total"]
        parts += [_chart(f"complaints-by-{by}", [(row[0], row[1]) for row in rows],
                         _("Complaints by {by}").format(by=word)),
                  _table(f"complaints-by-{by}", _("Complaints by {by}").format(by=word),
                         [by, "complaints", "open", "resolved", "median hours to resolve",
                          "over response time", *(["root causes"] if causes else [])], rows,
                         [_("total"), t["complaints"], t["open"], t["resolved"],
                          t["median_hours"], t["over_response_time"],
                          *([causes_text(t["causes"])] if causes else [])])]
    return _section("complaints", _("Complaints"), parts)


def _value(v: dict) -> str:
    rows = v["rows"]
    table = [[r["rank"], r["id"], r["name"], _word("tier", r["tier"]),
              _word("segment", r["segment"]), risk_text(r), r["total_spend"], r["spend_12m"],
              r["purchases"], r["average_order"], r["last_purchase"]] for r in rows]
    return _section("value", _("Customer value"), [
        _chart("value", [(f"#{r['id']} {r['name']}", float(r["total_spend"])) for r in rows],
               _("Top {n} by lifetime spend (red: at risk)").format(n=v["top"]),
               v["currency"], horizontal=True, alerts=[r["at_risk"] for r in rows]),
        _table("value", _("Top {n} customers by spend ({currency}), at risk first").format(
            n=v["top"], currency=v["currency"]),
               ["rank", "id", "name", "tier", "segment", "risk", "total spend", "12-month spend",
                "purchases", "average order", "last purchase"], table,
               risky=[r["at_risk"] for r in rows])])


def _pct(share: float | None) -> str | None:
    return None if share is None else f"{share * 100:.1f}%"
