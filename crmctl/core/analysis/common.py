"""Helpers shared by the analysis modules: the currency, the day range, exact averages."""

from __future__ import annotations

from datetime import date

from crmctl.core import settings
from crmctl.core.money import check_currency, minor_to_text
from crmctl.errors import InvalidValue
from crmctl.i18n import _

NONE_LABEL = "(none)"  # a purchase or customer without the grouped value


def currency_of(conn, currency: str | None) -> str:
    """--currency, else the ``currency`` setting: sums never mix currencies."""
    return check_currency(currency or settings.get(conn, "currency"))


def check_range(since: date | None, until: date | None) -> None:
    if since and until and since > until:
        raise InvalidValue(_("--since {since} is after --until {until}").format(
            since=since.isoformat(), until=until.isoformat()))


def average_minor(total_minor: int, count: int) -> int | None:
    """An exact average in minor units, half up (no float touches money); None of none."""
    if not count:
        return None
    return (2 * int(total_minor) + int(count)) // (2 * int(count))


def money(minor: int | None, currency: str) -> str | None:
    return None if minor is None else minor_to_text(int(minor), currency)


def choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    """One of ``allowed`` (case-insensitive), or one line naming them."""
    word = (value or "").strip().lower()
    if word not in allowed:
        raise InvalidValue(_("{option} must be one of {allowed}, not {value}").format(
            option=option, allowed=", ".join(allowed), value=repr(value)))
    return word


def customer_values(conn, column: str) -> dict:
    """{customer id: ``column``} of every customer: grouping by tier, region or industry
    maps ids through this in pandas rather than joining each row (a join drives the
    query from customers: an index search per customer, 40 s for the complaints of a
    million interactions)."""
    return dict(conn.execute(f"SELECT id, {column} FROM customers"))
