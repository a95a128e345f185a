"""Bar charts: ``report`` (counts per tier, stage, segment…) and ``campaign report``
(progress towards goals). Block characters on a terminal; '#' and '.' in plain text
(cron, pipes)."""

from __future__ import annotations

from crmctl.i18n import _, pgettext
from crmctl.render import terminal
from crmctl.render.cells import grouped
from crmctl.render.terminal import print_renderable

BAR_WIDTH = 40
EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, top: int, on_terminal: bool) -> str:
    """A bar of block characters (eighths on a terminal, '#' in plain text)."""
    if top <= 0 or value <= 0:
        return ""
    if not on_terminal:
        return "#" * max(1, round(BAR_WIDTH * value / top))
    eighths = max(1, round(BAR_WIDTH * 8 * value / top))
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def with_bars(rows: list[dict], key: str) -> list[dict]:
    """Each row with a "bar" of its ``key`` against the largest (a ranking's table)."""
    top = max((row[key] for row in rows), default=0)
    on_terminal = terminal.stdout_is_terminal()
    return [{**row, "bar": bar(row[key], top, on_terminal)} for row in rows]


def chart(title: str, pairs: list[tuple[str, int]], on_terminal: bool):
    """A titled bar chart; the title is its own line, never wrapped to the width of the
    bars (a section whose values are all zero is narrow)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True, style="cyan" if on_terminal else "")
    top = max((value for _, value in pairs), default=0)
    for label, value in pairs:
        grid.add_row(label, str(value), bar(value, top, on_terminal))
    return Group(Text(title, style="bold" if on_terminal else "", no_wrap=True,
                      overflow="ellipsis"), grid)


def charts(data: dict):
    """``report``'s page: a headline, then one chart per breakdown of reports.overview."""
    from rich.console import Group
    from rich.text import Text

    tty = terminal.stdout_is_terminal()
    weeks = [(_("from {week}").format(week=w["week"]), w["interactions"])
             for w in data["interactions_per_week"]]
    parts = [
        Text(_("crmctl report {date}: {n} customers, {risk} at churn risk").format(
            date=data["date"], n=data["customers"], risk=data["churn_risk"]),
            style="bold" if tty else ""),
        chart(_("Tiers"), _words("tier", data["tiers"]), tty),
        chart(_("Lifecycle stages"), _words("stage", data["stages"]), tty),
        chart(_("Value segments (RFM)"), _words("segment", data["segments"]), tty),
        chart(_("Open complaints by category"), _words("category", data["open_complaints"]),
              tty),
        chart(_("Interactions per week"), weeks, tty),
    ]
    spaced = [parts[0]]
    for part in parts[1:]:
        spaced += [Text(""), part]
    return Group(*spaced)


def _words(kind: str, counts: dict) -> list[tuple[str, int]]:
    """A breakdown's (word, count) pairs, each word in the interface language."""
    return [(pgettext(kind, word), n) for word, n in counts.items()]


def emit_charts(data: dict) -> None:
    print_renderable(charts(data))


REPORT_CSV_COLUMNS = ["section", "key", "value"]


def report_rows(data: dict) -> list[dict]:
    """``report --format csv``: each figure of the overview one row (section, key, value):
    the headline figures under "summary", then each breakdown's counts in its order."""
    rows = [{"section": "summary", "key": k, "value": data[k]}
            for k in ("date", "customers", "churn_risk")]
    for section in ("tiers", "stages", "segments", "open_complaints"):
        rows += [{"section": section, "key": k, "value": v} for k, v in data[section].items()]
    rows += [{"section": "interactions_per_week", "key": w["week"], "value": w["interactions"]}
             for w in data["interactions_per_week"]]
    return rows


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def progress_bar(fraction: float | None, width: int = 24) -> str:
    """A share of a whole as a bar; ' ▶' (' >') past the end."""
    if fraction is None:
        return ""
    full, empty, over = ("█", "░", " ▶") if terminal.stdout_is_terminal() else ("#", ".", " >")
    filled = round(min(max(fraction, 0.0), 1.0) * width)
    return full * filled + empty * (width - filled) + (over if fraction > 1 else "")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def campaign_table(f: dict, attribution_days: int):
    """``campaign report``'s table: each measure, its value, a bar and what it is of."""
    from rich.table import Table

    t = Table(title=_("campaign #{id} {name} · {channel} · {status} · {start}..{end} (+{days} d "
                      "to {until})").format(
                  id=f["id"], name=f["name"], channel=pgettext("channel", f["channel"]),
                  status=pgettext("status", f["status"]), start=f["window_start"],
                  end=f["window_end"], days=attribution_days, until=f["counted_until"]),
              title_justify="left", show_header=True, box=None, pad_edge=False,
              header_style="bold" if terminal.stdout_is_terminal() else "")
    for header in (_("measure"), _("value"), "", _("of")):
        t.add_column(header)
    for row in _campaign_rows(f):
        t.add_row(*row)
    return t


def _campaign_rows(f: dict) -> list[tuple[str, str, str, str]]:
    f = {**f, **{k: grouped(f[k]) for k in ("revenue", "budget", "cost_per_response",
                                            "goal_revenue") if k in f}}
    cur = f["currency"]
    goal = _("goal {goal} ({progress})")
    rows = [
        (_("targeted"), str(f["targeted"]), "", ""),
        (_("excluded (no consent)"), str(f["excluded_no_consent"]), "", ""),
        (_("reached"), str(f["reached"]), progress_bar(_share(f["reached"], f["targeted"])),
         _("{n} targeted").format(n=f["targeted"])),
        (_("responded"), str(f["responded"]), progress_bar(f["response_rate"]),
         _("{rate} of targeted").format(rate=percent(f["response_rate"]))),
    ]
    if f["goal_responses"] is not None:
        rows.append((_("  responses vs goal"), str(f["responded"]),
                     progress_bar(f["goal_responses_progress"]),
                     goal.format(goal=f["goal_responses"],
                                 progress=percent(f["goal_responses_progress"]))))
    rows += [
        (_("purchases"), f"{f['purchases']}", "",
         _("{n} in window, {after} after").format(n=f["purchases_in_window"],
                                                  after=f["purchases_after_end"])),
        (_("revenue"), f"{f['revenue']} {cur}", progress_bar(f["goal_revenue_progress"]),
         "" if f["goal_revenue"] is None else
         goal.format(goal=f["goal_revenue"], progress=percent(f["goal_revenue_progress"]))),
        (_("budget"), "—" if f["budget"] is None else f"{f['budget']} {cur}", "", ""),
        (_("cost per response"),
         "—" if f["cost_per_response"] is None else f"{f['cost_per_response']} {cur}", "", ""),
        (_("return on budget"), times(f["return_on_budget"]),
         progress_bar(f["return_on_budget"]), _("revenue / budget")),
    ]
    return rows


def emit_campaign_table(figures: dict, attribution_days: int) -> None:
    print_renderable(campaign_table(figures, attribution_days))
