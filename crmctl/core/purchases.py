"""Purchases: exact money (crmctl.core.money), stored as integer minor units; never a float.

Recording a purchase keeps the customer's ``first_purchase_at``, ``last_purchase_at``
(local dates, YYYY-MM-DD) and ``purchase_count`` up to date in the same transaction, so
stages, tiers and reports need no join over purchases.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from crmctl import clock
from crmctl.core import audit, campaigns, settings
from crmctl.core.dates import spend_window  # noqa: F401 - its home before core/segments
from crmctl.core.money import check_currency, minor_to_text, parse_amount
from crmctl.core.references import no_customer, resolve
from crmctl.core.validate import clean_multiline
from crmctl.errors import InvalidValue
from crmctl.i18n import _
from crmctl.store import atomic


@dataclass
class Purchase:
    id: int
    customer_id: int
    date: str
    amount_minor: int
    currency: str
    note: str | None
    campaign_id: int | None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["amount"] = minor_to_text(self.amount_minor, self.currency)
        return data


def record(conn, customer_id, amount, *, when: date | None = None, currency: str | None = None,
           note: str | None = None, campaign_id=None) -> int:
    """Record a purchase (``amount`` as text or Decimal); return its id."""
    cid = resolve(conn, customer_id)
    currency = check_currency(currency or settings.get(conn, "currency"))
    minor = parse_amount(amount, currency)
    today = clock.today()
    day = when or today
    if day > today:
        raise InvalidValue(_("a purchase cannot be dated in the future ({day})").format(
            day=day.isoformat()))
    note = clean_multiline(note)
    if campaign_id is not None:
        campaign_id = campaigns.check_for_interaction(conn, campaign_id)
    with atomic(conn):
        if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                            (cid,)).fetchone():
            raise no_customer(cid)
        cur = conn.execute(
            "INSERT INTO purchases (customer_id, date, amount_minor, currency, note, campaign_id)"
            " VALUES (?, ?, ?, ?, ?, ?)", (cid, day.isoformat(), minor, currency, note,
                                           campaign_id))
        conn.execute(
            "UPDATE customers SET purchase_count = purchase_count + 1, "
            "first_purchase_at = CASE WHEN first_purchase_at IS NULL OR first_purchase_at > :d "
            "  THEN :d ELSE first_purchase_at END, "
            "last_purchase_at = CASE WHEN last_purchase_at IS NULL OR last_purchase_at < :d "
            "  THEN :d ELSE last_purchase_at END WHERE id = :id", {"d": day.isoformat(), "id": cid})
        fields = ["customer_id", "date", "amount_minor", "currency"]
        audit.record(conn, "purchase", "purchase", cur.lastrowid,
                     fields + (["note"] if note else []) + (["campaign_id"] if campaign_id else []))
    return cur.lastrowid


def trailing_spend(conn, customer_id: int, today: date | None = None, months: int = 12,
                   currency: str | None = None) -> int:
    """The customer's spend in minor units over the trailing window, in one currency
    (default: the ``currency`` setting; purchases in other currencies are not converted),
    net of refunds dated in the window; voided purchases do not count."""
    currency = check_currency(currency or settings.get(conn, "currency"))
    after, until = spend_window(today or clock.today(), months)
    return conn.execute(
        "SELECT coalesce(sum(amount_minor), 0) FROM purchase_ledger WHERE customer_id = ? "
        "AND currency = ? AND date > ? AND date <= ?",
        (customer_id, currency, after, until)).fetchone()[0]


def for_customer(conn, customer_id: int) -> list[Purchase]:
    """A customer's purchases, newest first."""
    rows = conn.execute(
        "SELECT id, customer_id, date, amount_minor, currency, note, campaign_id FROM purchases"
        " WHERE customer_id = ? ORDER BY date DESC, id DESC", (customer_id,)).fetchall()
    return [Purchase(*row) for row in rows]
