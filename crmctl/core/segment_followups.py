"""The follow-up report for a ``customers.Filter``: ``followups --region 广东 --segment loyal``
means the customers ``list`` shows for the same options.

A tier and at most one tag go into the report's statement as before (its index scans use
them); any other criterion (stage, more tags, region, industry, size, spend, RFM segment)
selects the customers' ids first, as ``list`` would, and the statement keeps only their
rows. Without a filter nothing is added: the report runs exactly as it did.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from crmctl.core import followups, segments
from crmctl.core.customers import Filter, matching_ids


def narrowing(conn, flt: Filter | None) -> dict:
    """The keyword arguments of ``followups.due_rows`` for this filter: tier, tag, ids."""
    if flt is None:
        return {}
    simple = len(flt.tag) <= 1 and not (flt.stage or flt.consent or flt.search
                                        or segments.active(flt))
    if simple:
        return {"tier": flt.tier, "tag": flt.tag[0] if flt.tag else None}
    ids = matching_ids(conn, replace(flt, limit=None, sort="id"))
    return {"tier": flt.tier, "ids": ids}


def due_rows(conn, until: date, flt: Filter | None = None, **kwargs) -> list[tuple]:
    """``followups.due_rows`` (same keywords) for the customers ``flt`` selects."""
    return followups.due_rows(conn, until, **narrowing(conn, flt), **kwargs)


def due(conn, until: date, flt: Filter | None = None, **kwargs) -> list[dict]:
    """``followups.due`` (rows as dicts) for the customers ``flt`` selects."""
    return followups.due(conn, until, **narrowing(conn, flt), **kwargs)
