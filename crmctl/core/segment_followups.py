"""The follow-up report for the filters of ``list``: ``followups --region 广东 --segment
loyal`` keeps the rows of the customers ``list`` shows for the same options.

A tier and at most one tag go into the report's statement as they always did (its index
scans use them). Any other filter (stage, more tags, region, industry, size, spend, RFM
segment) makes a ``customers.Filter``, which selects the customers' ids first, as ``list``
would; the statement keeps only their rows. Without such a filter nothing is added, not
even an import: customers (and the segment rules) are imported only when one is given.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from crmctl.core import followups


def prepare(tier: str | None = None, tag=(), **more):
    """The filters, checked before the database is opened: {"tier", "tag"} when only those
    are given (the report as it always ran), else a ``customers.Filter``. ``more``: stage,
    region, industry, size, spend_min, spend_max, segment (None: not given)."""
    given = {key: value for key, value in more.items() if value is not None}
    if len(tag) <= 1 and not given:
        return {"tier": tier, "tag": tag[0] if tag else None}
    from crmctl.core.customers import Filter  # only for a segment filter: see above

    return Filter(tier=tier, tag=list(tag), **given)


def narrowing(conn, wanted) -> dict:
    """The keyword arguments of ``followups.due_rows`` for ``prepare``'s result."""
    if wanted is None or isinstance(wanted, dict):
        return dict(wanted or {})
    from crmctl.core.customers import matching_ids

    return {"tier": wanted.tier,
            "ids": matching_ids(conn, replace(wanted, limit=None, sort="id"))}


def due(conn, until: date, wanted=None, **kwargs) -> list[dict]:
    """``followups.due`` (rows as dicts) for the customers ``wanted`` (``prepare``) selects."""
    return followups.due(conn, until, **narrowing(conn, wanted), **kwargs)
