"""Segments: the criteria beyond tag, tier and stage that ``list``, ``export``, ``campaign
target`` and ``followups`` share through ``customers.Filter`` (issue 18), and the spend sort.

- ``region`` and ``industry`` match by prefix, case-insensitively for Latin letters
  (SQLite LIKE): ``广东`` finds 广东, 广东省 and 广东深圳 but not 深圳; ``tech`` finds
  Technology. ``size`` (company_size) is compared whole, case-insensitively: ``50-200``
  does not find ``500+``.
- ``spend_min`` / ``spend_max``: the 12-month spend in the ``currency`` setting, in major
  units (10000 = ¥10,000), both ends included, net of refunds (the ``purchase_ledger``
  view, the tier rules' window ``purchases.spend_window``); a customer without purchases
  has spent 0.
- ``segment``: the RFM segment of ``reports.customer_segment`` (the `show` card's and the
  `report`'s), worked out in Python for every live customer and joined as a JSON list.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from crmctl import clock
from crmctl.core import reports, settings, words
from crmctl.core.money import CURRENCY_EXPONENTS
from crmctl.core.dates import spend_window
from crmctl.core.rules import tier_rank_sql
from crmctl.errors import InvalidValue
from crmctl.i18n import _

SEGMENTS = reports.SEGMENTS
# the 12-month spend of customer c, for --sort spend (parameters: spend_params)
SPEND_SQL = ("(SELECT coalesce(sum(p.amount_minor), 0) FROM purchase_ledger p WHERE "
             "p.customer_id = c.id AND p.currency = :spend_currency AND p.date > :spend_after "
             "AND p.date <= :spend_until)")
# list's sorts; name: pinyin order (crmctl.pinyin.sort_key: 陈 chen2 < 李 li3 < Lily < 刘 liu2)
SORTS = {"id": "c.id", "name": "c.name_key", "company": "c.company", "created": "c.created_at",
         "updated": "c.updated_at", "last-contact": "c.last_contact_at",
         "tier": tier_rank_sql("c.tier"), "spend": SPEND_SQL}


def order_sql(sort: str, rowid: str = "c.id") -> str:
    """ORDER BY of a --sort word (prefix - to reverse); ties by id."""
    key, direction = (sort[1:], "DESC") if sort.startswith("-") else (sort, "ASC")
    if key not in SORTS:
        raise InvalidValue(_("unknown sort {sort}; sorts: {sorts} (prefix - to reverse)").format(
            sort=repr(sort), sorts=", ".join(SORTS)))
    if key == "id":  # ids are never NULL; a bare rowid order lets LIMIT stop early
        return f"{rowid} {direction}"
    return f"{SORTS[key]} {direction} NULLS LAST, c.id {direction}"


def check(flt) -> None:
    """Validate and normalize a Filter's segment criteria in place (refused before any
    passphrase is asked: one line each)."""
    for name in ("region", "industry", "size"):
        value = getattr(flt, name)
        if value is not None:
            value = value.strip()
            if not value:
                raise InvalidValue(_("--{name} must not be empty").format(name=name))
            setattr(flt, name, value)
    flt.spend_min = _amount(flt.spend_min, "--spend-min")
    flt.spend_max = _amount(flt.spend_max, "--spend-max")
    if flt.spend_min is not None and flt.spend_max is not None and flt.spend_min > flt.spend_max:
        raise InvalidValue(_("--spend-min {min} is more than --spend-max {max}").format(
            min=flt.spend_min, max=flt.spend_max))
    if flt.segment is not None:  # English or Chinese (core/words.py): at-risk, 沉睡客户…
        flt.segment = words.SEGMENTS.check(flt.segment)


def _amount(value, option: str) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    raw = str(value).strip()
    try:
        amount = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise InvalidValue(_("{option} must be an amount like 10000, not {value}").format(
            option=option, value=repr(raw))) from None
    if not amount.is_finite():
        raise InvalidValue(_("{option} must be an amount like 10000, not {value}").format(
            option=option, value=repr(raw)))
    if amount < 0:
        raise InvalidValue(_("{option} cannot be negative ({value})").format(option=option,
                                                                             value=raw))
    return amount


def active(flt) -> bool:
    """Whether any segment criterion is given."""
    return any(v is not None for v in (flt.region, flt.industry, flt.size, flt.spend_min,
                                       flt.spend_max, flt.segment))


def spend_params(conn) -> dict:
    currency = settings.get(conn, "currency")
    after, until = spend_window(clock.today())
    return {"spend_currency": currency, "spend_after": after, "spend_until": until}


def conditions(conn, flt, params: dict) -> list[str]:
    """SQL conditions on customers ``c`` for the segment criteria; their parameters are
    added to ``params``. ``conn`` is needed only for spend and segment."""
    where = []
    for name, column in (("region", "c.region"), ("industry", "c.industry")):
        value = getattr(flt, name)
        if value is not None:
            where.append(f"{column} LIKE :seg_{name} ESCAPE '\\'")
            params[f"seg_{name}"] = _escape_like(value) + "%"
    if flt.size is not None:
        where.append("c.company_size = :seg_size COLLATE NOCASE")
        params["seg_size"] = flt.size
    if flt.spend_min is not None or flt.spend_max is not None:
        where.append(_spend_condition(conn, flt, params))
    if flt.segment is not None:
        where.append("c.id IN (SELECT value FROM json_each(:seg_ids))")
        params["seg_ids"] = json.dumps(segment_ids(conn, flt.segment))
    return where


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _spend_condition(conn, flt, params: dict) -> str:
    """Customers whose 12-month spend is in [min, max]: one pass over the ledger grouped by
    customer; when 0 is in the range, those without a ledger row qualify too."""
    params.update(spend_params(conn))
    places = CURRENCY_EXPONENTS.get(params["spend_currency"], 2)
    bounds = []
    for key, op, value in (("spend_lo", ">=", flt.spend_min), ("spend_hi", "<=", flt.spend_max)):
        if value is not None:
            minor = value.scaleb(places)
            params[key] = int(minor) if minor == minor.to_integral_value() else float(minor)
            bounds.append(f"total {op} :{key}")
    inside = " AND ".join(bounds)
    totals = ("SELECT customer_id, sum(amount_minor) AS total FROM purchase_ledger "
              "WHERE currency = :spend_currency AND date > :spend_after AND date <= :spend_until "
              "GROUP BY customer_id")
    if flt.spend_min is None or flt.spend_min <= 0:  # 0 inside: leave out those outside
        return f"c.id NOT IN (SELECT customer_id FROM ({totals}) WHERE NOT ({inside}))"
    return f"c.id IN (SELECT customer_id FROM ({totals}) WHERE {inside})"


def segment_ids(conn, segment: str) -> list[int]:
    """The ids of the live customers in this RFM segment today."""
    today = clock.today()
    return [cid for cid, name in reports.each_segment(conn, today) if name == segment]
