"""SVG bar charts for the HTML report, drawn by matplotlib's SVG backend.

matplotlib is imported here only, inside ``bar_chart`` (`crmctl --help`, `followups` and
the terminal reports never load it). Text stays text (``svg.fonttype: none``), so the
browser draws Chinese labels with its own fonts; no font with CJK glyphs is needed here
(matplotlib's warnings about glyphs its own font lacks are silenced). Each chart's ids are
prefixed so that several charts can share one HTML page; the XML header, the doctype and
the metadata block (which names web addresses) are dropped.
"""

from __future__ import annotations

import io
import re
import warnings

COLOUR = "#3b6ea8"
ALERT = "#c0392b"
_ID = re.compile(r'(id="|url\(#|href="#)')


def bar_chart(chart_id: str, labels: list[str], values: list[float], *, title: str,
              unit: str = "", horizontal: bool = False, alerts: list[bool] | None = None) -> str:
    """One bar chart as inline SVG text (``<svg …>…</svg>``)."""
    import matplotlib
    from matplotlib.figure import Figure

    height = max(2.6, 0.32 * len(labels) + 1.2) if horizontal else 3.0
    fig = Figure(figsize=(7.5, height))
    ax = fig.add_subplot()
    colours = [ALERT if a else COLOUR for a in (alerts or [False] * len(labels))]
    if horizontal:
        positions = list(range(len(labels)))[::-1]  # the first label on top
        ax.barh(positions, values, color=colours)
        ax.set_yticks(positions, labels)
        ax.set_xlabel(unit)
    else:
        ax.bar(range(len(labels)), values, color=colours)
        ax.set_xticks(range(len(labels)), labels,
                      rotation=45 if len(labels) > 6 else 0,
                      ha="right" if len(labels) > 6 else "center")
        ax.set_ylabel(unit)
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    # fixed margins: a "tight" bounding box draws every chart twice (~40 % of the time)
    fig.subplots_adjust(left=0.3 if horizontal else 0.1, right=0.97, top=0.88,
                        bottom=0.12 if horizontal else (0.3 if len(labels) > 6 else 0.14))
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart_id}), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return _inline(buf.getvalue(), chart_id)


def _inline(text: str, chart_id: str) -> str:
    svg = text[text.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = _ID.sub(lambda m: f"{m.group(1)}{chart_id}-", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(chart_id)}" ', 1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
