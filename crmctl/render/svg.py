"""SVG bar charts for the HTML report, drawn by pygal (a maintained SVG charting library).

pygal is imported here only, inside ``bar_chart`` (`crmctl --help`, `followups` and the
terminal reports never load it). It writes SVG text directly, so a chart costs ~4 ms
against ~45 ms through matplotlib's figure machinery, and its import ~40 ms against
~270 ms (issue 18: `report html` at 100,000 customers under 3 s). Text stays text, so the
browser draws Chinese labels with its own fonts. No script (``js=[]``: pygal's tooltips
would fetch one; the config script it still writes is dropped with its comments, which
name web addresses and the date); each chart's id is ours (``<figure id>-svg``), so the
page is the same for the same data.
"""

from __future__ import annotations

import re

COLOUR = "#3b6ea8"
ALERT = "#c0392b"
FONTS = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
# pygal's comments (web addresses, the date) and the script it always adds (its config,
# for tooltips that need its JavaScript): the page holds no script
_DROP = re.compile(r"<!--.*?-->|<script\b.*?</script>", re.S)


def bar_chart(chart_id: str, labels: list[str], values: list[float], *, title: str,
              unit: str = "", horizontal: bool = False, alerts: list[bool] | None = None) -> str:
    """One bar chart as inline SVG text (``<svg …>…</svg>``)."""
    import pygal
    from pygal.style import Style

    style = Style(background="white", plot_background="white", colors=(COLOUR,),
                  font_family=FONTS, title_font_family=FONTS, label_font_family=FONTS,
                  value_font_family=FONTS, major_label_font_family=FONTS)
    height = max(260, 26 * len(labels) + 110) if horizontal else 300
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(js=[], disable_xml_declaration=True, style=style, width=750, height=height,
                 title=title, show_legend=False, truncate_label=-1, explicit_size=True,
                 x_label_rotation=0 if horizontal or len(labels) <= 6 else 45,
                 **({"x_title": unit} if horizontal else {"y_title": unit}))
    flags = alerts or [False] * len(labels)
    bars = [{"value": v, "color": ALERT} if a else v for v, a in zip(values, flags)]
    if horizontal:  # pygal draws the first label at the bottom: the first on top instead
        labels, bars = labels[::-1], bars[::-1]
    chart.x_labels = labels
    chart.add(title, bars)
    return _inline(chart.render(is_unicode=True), chart_id, chart.uuid)


def _inline(text: str, chart_id: str, uuid: str) -> str:
    svg = _DROP.sub("", text[text.index("<svg"):]).replace(f"chart-{uuid}", f"{chart_id}-svg")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(chart_id)}" ', 1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
