"""`report html FILE`: one self-contained HTML page for a manager — the overview, sales,
satisfaction, complaints and value sections, each as SVG charts (render/svg.py) and
tables. No script, no stylesheet or font fetched, no image file: everything is in the page.

Every chart is a ``<figure class="chart" id="chart-…">`` holding one ``<svg>``; every
table a ``<table id="table-…">`` (CHARTS and TABLES name them all: the test checks each is
there). The file is written 0600 through store/outputs.private_output, like `export --out`.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from crmctl.render.analysis import causes_text
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
    head = (f"{o['customers']} customers, {o['churn_risk']} at churn risk, "
            f"{sum(o['open_complaints'].values())} open complaints")
    body = [f"<h1>crmctl report {escape(data['date'])}</h1>", f"<p>{escape(head)}</p>",
            _overview(o), _sales(data), _satisfaction(data), _complaints(data),
            _value(data["value"])]
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>crmctl report {escape(data['date'])}</title>\n<style>{STYLE}</style>\n"
            "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


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
           "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>",
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


def _overview(o: dict) -> str:
    weeks = [(w["week"][5:], w["interactions"]) for w in o["interactions_per_week"]]
    counts = ([["tier", k, v] for k, v in o["tiers"].items()]
              + [["stage", k, v] for k, v in o["stages"].items()]
              + [["segment (RFM)", k, v] for k, v in o["segments"].items()]
              + [["open complaints", k, v] for k, v in o["open_complaints"].items()])
    return _section("overview", "Overview", [
        _chart("tiers", list(o["tiers"].items()), "Customers by tier"),
        _chart("stages", list(o["stages"].items()), "Lifecycle stages"),
        _chart("segments", list(o["segments"].items()), "Value segments (RFM)"),
        _chart("open-complaints", list(o["open_complaints"].items()), "Open complaints"),
        _chart("interactions-per-week", weeks, "Interactions per week (from Monday)"),
        _table("overview", "Counts", ["breakdown", "group", "customers"], counts)])


def _sales(data: dict) -> str:
    parts = []
    for by in ("month", "tier"):
        s = data[f"sales_by_{by}"]
        rows = [[r[by], r["revenue"], r["orders"], r["customers"], r["average_order"]]
                for r in s["rows"]]
        t = s["total"]
        parts += [_chart(f"sales-by-{by}", [(r[by], float(r["revenue"]))
                                            for r in s["rows"]],
                         f"Revenue by {by}", s["currency"]),
                  _table(f"sales-by-{by}", f"Sales by {by} ({s['currency']})",
                         [by, "revenue", "orders", "customers", "average order"], rows,
                         ["total", t["revenue"], t["orders"], t["customers"],
                          t["average_order"]])]
    return _section("sales", "Sales", parts)


def _satisfaction(data: dict) -> str:
    parts = []
    for by in ("month", "tier"):
        s = data[f"satisfaction_by_{by}"]
        rows = [[r[by], r["average"], r["ratings"], _pct(r["low_share"]), r["trend"]]
                for r in s["rows"]]
        t = s["total"]
        parts += [_chart(f"satisfaction-by-{by}", [(r[by], r["average"]) for r in s["rows"]],
                         f"Average satisfaction by {by} (1-5)"),
                  _table(f"satisfaction-by-{by}", f"Satisfaction by {by}",
                         [by, "average", "ratings", f"≤ {s['low_at_most']}", "trend"], rows,
                         ["total", t["average"], t["ratings"], _pct(t["low_share"]), None])]
    return _section("satisfaction", "Satisfaction", parts)


def _complaints(data: dict) -> str:
    parts = []
    for by in ("category", "cause", "month"):
        c = data[f"complaints_by_{by}"]
        causes = by == "category"  # each category's root causes beside it
        rows = [[r[by], r["complaints"], r["open"], r["resolved"], r["median_hours"],
                 r["over_response_time"], *([causes_text(r["causes"])] if causes else [])]
                for r in c["rows"]]
        t = c["total"]
        parts += [_chart(f"complaints-by-{by}", [(r[by], r["complaints"]) for r in c["rows"]],
                         f"Complaints by {'root cause' if by == 'cause' else by}"),
                  _table(f"complaints-by-{by}", f"Complaints by "
                         f"{'root cause' if by == 'cause' else by}",
                         [by, "complaints", "open", "resolved", "median hours to resolve",
                          "over response time", *(["root causes"] if causes else [])], rows,
                         ["total", t["complaints"], t["open"], t["resolved"],
                          t["median_hours"], t["over_response_time"],
                          *([causes_text(t["causes"])] if causes else [])])]
    return _section("complaints", "Complaints", parts)


def _value(v: dict) -> str:
    rows = v["rows"]
    table = [[r["rank"], r["id"], r["name"], r["tier"], r["segment"],
              r["churn_risk"] or ("RFM at risk" if r["at_risk"] else ""), r["total_spend"],
              r["spend_12m"], r["purchases"], r["average_order"], r["last_purchase"]]
             for r in rows]
    return _section("value", "Customer value", [
        _chart("value", [(f"#{r['id']} {r['name']}", float(r["total_spend"])) for r in rows],
               f"Top {v['top']} by lifetime spend (red: at risk)", v["currency"],
               horizontal=True, alerts=[r["at_risk"] for r in rows]),
        _table("value", f"Top {v['top']} customers by spend ({v['currency']}), at risk first",
               ["rank", "id", "name", "tier", "segment", "risk", "total spend", "12-month spend",
                "purchases", "average order", "last purchase"], table,
               risky=[r["at_risk"] for r in rows])])


def _pct(share: float | None) -> str | None:
    return None if share is None else f"{share * 100:.1f}%"
