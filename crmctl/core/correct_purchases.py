"""Correcting purchases (issue 17): list a customer's, void one recorded by mistake, refund.

Void: the purchase (and any refund of it) leaves every total, count and date it fed, as if
never recorded; it stays listed and in the timeline, marked voided. Refund: real money given
back, whole or part, on its own day: spend, tier, RFM, referral and campaign totals read
the ``purchase_ledger`` view (m012), where a refund is a negative movement on that day, so
the trailing-12-month spend drops from the refund's date. Counts and purchase dates (stage,
recency) keep the refunded purchase: it happened.
"""

from __future__ import annotations

from datetime import date

from crmctl import clock
from crmctl.core import audit
from crmctl.core.money import minor_to_text, parse_amount
from crmctl.core.references import no_customer, resolve
from crmctl.core.validate import check_not_voided, clean_multiline, parse_positive_id
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _
from crmctl.store import atomic


def for_customer(conn, customer_id) -> list[dict]:
    """Every purchase of a customer, newest first, with what was refunded and what is left
    (exact decimal text); voided ones included and marked."""
    cid = resolve(conn, customer_id)
    if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                        (cid,)).fetchone():
        raise no_customer(cid)
    rows = conn.execute(
        "SELECT p.id, p.date, p.amount_minor, p.currency, p.note, p.campaign_id, p.voided_at, "
        "p.void_reason, (SELECT coalesce(sum(amount_minor), 0) FROM refunds r "
        "WHERE r.purchase_id = p.id) FROM purchases p WHERE p.customer_id = ? "
        "ORDER BY p.date DESC, p.id DESC", (cid,)).fetchall()
    out = []
    for pid, day, minor, cur, note, camp, voided_at, why, refunded in rows:
        out.append({"id": pid, "customer_id": cid, "date": day,
                    "amount": minor_to_text(minor, cur), "currency": cur,
                    "refunded": minor_to_text(refunded, cur),
                    "net": minor_to_text(0 if voided_at else minor - refunded, cur),
                    "note": note, "campaign_id": camp, "voided_at": voided_at,
                    "void_reason": why})
    return out


def _live(conn, purchase_id, doing: str) -> dict:
    """The purchase (of a live customer, not voided) with what is left to refund."""
    pid = parse_positive_id(purchase_id, "purchase")
    row = conn.execute(
        "SELECT p.id, p.customer_id, p.date, p.amount_minor, p.currency, p.voided_at, "
        "(SELECT coalesce(sum(amount_minor), 0) FROM refunds r WHERE r.purchase_id = p.id) "
        "FROM purchases p JOIN customers c ON c.id = p.customer_id "
        "WHERE p.id = ? AND c.forgotten_at IS NULL", (pid,)).fetchone()
    if row is None:
        raise NotFound(_("no purchase {id}").format(id=pid))
    check_not_voided("purchase", pid, row[5], doing)
    keys = ("id", "customer_id", "date", "amount_minor", "currency", "voided_at", "refunded")
    return dict(zip(keys, row))


def _reason(reason: str) -> str:
    reason = clean_multiline(reason)
    if not reason:
        raise InvalidValue(_("--reason cannot be empty"))
    return reason


def void(conn, purchase_id, reason: str) -> dict:
    """Void a purchase recorded by mistake; return {id, customer_id}. The customer's
    purchase count and first/last purchase days are recomputed from the live ones."""
    reason = _reason(reason)
    with atomic(conn):
        row = _live(conn, purchase_id, "void")
        pid, cid = row["id"], row["customer_id"]
        conn.execute("UPDATE purchases SET voided_at = ?, void_reason = ? WHERE id = ?",
                     (clock.now_text(), reason, pid))
        conn.execute(
            "UPDATE customers SET "
            "purchase_count = (SELECT count(*) FROM purchases WHERE customer_id = :id "
            "  AND voided_at IS NULL), "
            "first_purchase_at = (SELECT min(date) FROM purchases WHERE customer_id = :id "
            "  AND voided_at IS NULL), "
            "last_purchase_at = (SELECT max(date) FROM purchases WHERE customer_id = :id "
            "  AND voided_at IS NULL) WHERE id = :id", {"id": cid})
        audit.record(conn, "void", "purchase", pid, ["voided_at", "void_reason"])
    return {"id": pid, "customer_id": cid}


def refund(conn, purchase_id, amount=None, *, reason: str, when: date | None = None) -> dict:
    """Refund a purchase, whole (``amount`` None: all that is left) or part, dated ``when``
    (default today; not before the purchase, not in the future); return {id, purchase_id,
    customer_id, amount, currency, left}."""
    reason = _reason(reason)
    today = clock.today()
    day = when or today
    if day > today:
        raise InvalidValue(_("a refund cannot be dated in the future ({day})").format(
            day=day.isoformat()))
    with atomic(conn):
        row = _live(conn, purchase_id, "refunded")
        pid, cur = row["id"], row["currency"]
        left = row["amount_minor"] - row["refunded"]
        if left <= 0:
            raise InvalidValue(_("purchase {id} is already refunded in full").format(id=pid))
        minor = left if amount is None else parse_amount(amount, cur)
        if minor > left:
            raise InvalidValue(_("refund of {amount} {currency} is more than the {left} "
                                 "{currency} left of purchase {id}").format(
                amount=minor_to_text(minor, cur), currency=cur,
                left=minor_to_text(left, cur), id=pid))
        if day.isoformat() < row["date"]:
            raise InvalidValue(_("a refund cannot be dated before its purchase ({day})").format(
                day=row["date"]))
        cursor = conn.execute(
            "INSERT INTO refunds (purchase_id, date, amount_minor, reason, created_at) "
            "VALUES (?, ?, ?, ?, ?)", (pid, day.isoformat(), minor, reason, clock.now_text()))
        audit.record(conn, "refund", "purchase", pid, ["amount_minor", "date", "reason"])
    return {"id": cursor.lastrowid, "purchase_id": pid, "customer_id": row["customer_id"],
            "amount": minor_to_text(minor, cur), "currency": cur,
            "left": minor_to_text(left - minor, cur)}
