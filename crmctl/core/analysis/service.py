"""`report satisfaction` and `report complaints`: how customers rate the service and how
complaints are handled.

Satisfaction, over every rated interaction (1-5; voided ones count nowhere), grouped by
the customer's tier today, the interaction's local month or its channel: the average, the
number of ratings, the share of low ratings (at most the churn-risk threshold, 2: settings
``churn_risk``) and a trend — by month, the change from the month before; by tier or
channel, the average of the last 90 local days (rules.SATISFACTION_TREND_DAYS) minus that
of the 90 before (none where either has no rating).

Complaints, grouped by category, local month of the complaint or root cause: how many,
open, resolved, the median hours from complaint to resolution (resolved ones) and how many
went over the response time of the customer's tier (settings ``response_hours``, diamond
24 h): resolved after more than that many hours, or open for more than that now.

The root cause is the ``--cause`` of `complaints resolve`, normalized so that the same
words count once (NFKC: full-width letters and digits as half-width; spaces collapsed;
case folded): "包装 破损" and "包装  破损" are one cause. An open complaint, or one resolved
without a cause, has none ("(none)"). By category, each row also counts its causes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from crmctl import clock
from crmctl.core import rules, settings
from crmctl.core.analysis.common import NONE_LABEL, choice, customer_values
from crmctl.core.followups_report import day_start_utc

SATISFACTION_BY = ("month", "tier", "channel")
COMPLAINTS_BY = ("category", "month", "cause")
CATEGORIES = ("product", "service", "delivery", "billing", "other")
LOCAL_MONTH = "strftime('%Y-%m', i.at, 'localtime')"


def satisfaction(conn, by: str = "month", today: date | None = None, *, frame=None,
                 tiers: dict | None = None) -> dict:
    """{"by", "low_at_most", "trend_days", "rows": [...], "total": {...}}. ``frame``:
    ratings_frame's (with the channel for --by channel), ``tiers``: customer_values(conn,
    "tier"), when groupings share one read."""
    import pandas as pd

    by = choice(by, SATISFACTION_BY, "--by")
    today = today or clock.today()
    if frame is None:
        frame = ratings_frame(conn, today, channel=by == "channel")
    key = {"month": frame["month"], "channel": frame.get("channel"),
           "tier": frame["customer"].map(tiers or customer_values(conn, "tier"))
           if by == "tier" else None}[by]
    low = settings.get(conn, "churn_risk")["low_satisfaction"]
    frame = frame.assign(key=key, low=frame["score"] <= low)
    grouped = frame.groupby("key", sort=True).agg(
        average=("score", "mean"), ratings=("score", "size"), low=("low", "mean"))
    if by == "month":
        trend = grouped["average"].diff()
    else:
        periods = frame.groupby(["key", "period"])["score"].mean().unstack()
        trend = (periods.get(1.0) - periods.get(0.0)) if {0.0, 1.0} <= set(periods.columns) \
            else pd.Series(dtype=float)
    out = [{by: k, "average": round(float(g.average), 2), "ratings": int(g.ratings),
            "low_share": round(float(g.low), 4), "trend": _number(trend.get(k))}
           for k, g in grouped.iterrows()]
    if by == "tier":
        out.sort(key=lambda r: rules.TIER_RANK.get(r[by], len(rules.TIERS)))
    total = {by: "total", "average": _number(frame["score"].mean()), "ratings": len(frame),
             "low_share": _number(frame["low"].mean(), 4), "trend": None}
    return {"by": by, "low_at_most": low, "trend_days": rules.SATISFACTION_TREND_DAYS,
            "rows": out, "total": total}


def ratings_frame(conn, today: date, channel: bool = False):
    """Every rating: local month, customer, score, period (1: the last trend window, 0:
    the one before, else none), and the channel if asked. From the index of live ratings
    alone (m019; the older interactions_rated lacks voided_at), in the order of ``at``: so
    each local month and trend window is a run of rows, cut where its first instant (UTC)
    falls, rather than a local date worked out per rating (0.48 -> 0.3 s at 300,000)."""
    import numpy as np
    import pandas as pd

    days = rules.SATISFACTION_TREND_DAYS
    rows = conn.execute(
        f"SELECT i.at, i.customer_id, i.satisfaction{', i.channel' if channel else ''} "
        "FROM interactions i INDEXED BY interactions_live_rated "
        "WHERE i.satisfaction IS NOT NULL AND i.voided_at IS NULL ORDER BY i.at").fetchall()
    frame = pd.DataFrame(rows, columns=["at", "customer", "score"]
                         + (["channel"] if channel else []))
    at = frame.pop("at").to_numpy()
    months = _local_months(at[0], at[-1]) if len(at) else []
    cuts = np.searchsorted(at, [start for _, start in months[1:]])
    frame.insert(0, "month", np.repeat([label for label, _ in months],
                                       np.diff([0, *cuts, len(at)])) if months else [])
    recent, before = np.searchsorted(at, [day_start_utc(today - timedelta(days=days - 1)),
                                          day_start_utc(today - timedelta(days=2 * days - 1))])
    period = np.full(len(at), np.nan)
    period[before:recent], period[recent:] = 0.0, 1.0
    frame["period"] = period
    return frame


def _local_months(first: str, last: str) -> list[tuple[str, str]]:
    """("YYYY-MM", its first instant in UTC) of each local month from that of ``first``
    to that of ``last`` (stored UTC instants)."""
    day, end = clock.local_date_of(first).replace(day=1), clock.local_date_of(last)
    months = []
    while day <= end:
        months.append((day.strftime("%Y-%m"), day_start_utc(day)))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def complaints(conn, by: str = "category", now: datetime | None = None, *,
               frame=None, tiers: dict | None = None) -> dict:
    """{"by", "response_hours", "rows": [...], "total": {...}}: per group complaints,
    open, resolved, median_hours (to resolve) and over_response_time. ``frame``:
    complaints_frame's, ``tiers``: customer_values(conn, "tier"), when groupings share
    one read."""
    import pandas as pd

    by = choice(by, COMPLAINTS_BY, "--by")
    now = now or clock.now()
    hours = settings.get(conn, "response_hours")
    frame = complaints_frame(conn) if frame is None else frame
    frame = frame.assign(key=frame[by].fillna(NONE_LABEL),
                         tier=frame["customer"].map(tiers or customer_values(conn, "tier")))
    start = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    end = pd.to_datetime(frame["resolved"], utc=True, format="ISO8601")
    frame["open"] = end.isna()
    frame["hours"] = (end - start).dt.total_seconds() / 3600
    still_open = pd.Timestamp(now).tz_convert("UTC").as_unit(end.dt.unit)  # same unit: pandas 3
    age = (end.fillna(still_open) - start).dt.total_seconds() / 3600
    frame["over"] = age > frame["tier"].map(hours).fillna(hours.get("regular", 0))
    grouped = frame.groupby("key", sort=True).agg(
        complaints=("at", "size"), open=("open", "sum"), median_hours=("hours", "median"),
        over=("over", "sum"))
    out = {k: _complaint_row(by, k, g) for k, g in grouped.iterrows()}
    if by == "category":
        out = {c: out.get(c) or _complaint_row(by, c, None) for c in CATEGORIES} | out
    total = _complaint_row(by, "total", pd.Series({
        "complaints": len(frame), "open": frame["open"].sum(),
        "median_hours": frame["hours"].median(), "over": frame["over"].sum()}))
    rows = list(out.values())
    if by == "cause":  # the most frequent first; "(none)" last
        rows.sort(key=lambda r: (r[by] == NONE_LABEL, -r["complaints"], r[by]))
    elif by == "category":
        for row in [*rows, total]:
            row["causes"] = _cause_counts(frame if row is total else
                                          frame[frame["key"] == row[by]])
    return {"by": by, "response_hours": hours, "rows": rows, "total": total}


def _cause_counts(frame) -> dict[str, int]:
    """{cause: complaints} of the complaints with a cause, the most frequent first."""
    counts = frame["cause"].value_counts()
    return {k: int(n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def normalized_cause(series):
    """The causes as counted (see the module's note); None where there is none."""
    text = (series.astype("object").where(series.notna(), "").astype(str)
            .str.normalize("NFKC").str.split().str.join(" ").str.casefold())
    return text.where(text != "", None)


def complaints_frame(conn):
    """Every complaint: local month, category, at, resolved (UTC texts), customer, cause
    (normalized). From the index of live complaints alone (m019)."""
    import pandas as pd

    rows = conn.execute(f"SELECT {LOCAL_MONTH}, coalesce(i.complaint_category, 'other'), "
                        "i.at, i.resolved_at, i.customer_id, i.root_cause FROM interactions i "
                        "INDEXED BY interactions_live_complaints "
                        "WHERE i.complaint = 1 AND i.voided_at IS NULL").fetchall()
    frame = pd.DataFrame(rows, columns=["month", "category", "at", "resolved", "customer",
                                        "cause"])
    return frame.assign(cause=normalized_cause(frame["cause"]))


def _complaint_row(by: str, key: str, g) -> dict:
    if g is None:
        return {by: key, "complaints": 0, "open": 0, "resolved": 0, "median_hours": None,
                "over_response_time": 0}
    n, still_open = int(g["complaints"]), int(g["open"])
    return {by: key, "complaints": n, "open": still_open, "resolved": n - still_open,
            "median_hours": _number(g["median_hours"], 1), "over_response_time": int(g["over"])}


def _number(value, places: int = 2) -> float | None:
    """A float rounded for people and JSON; NaN (no data) as None."""
    if value is None or value != value:
        return None
    return round(float(value), places)
