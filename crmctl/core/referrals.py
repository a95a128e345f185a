"""Referrals (推荐): who brought in whom, and what it was worth.

``customers.referred_by`` links a customer to the one who referred them (``add
--referred-by`` refuses an id that does not exist). The ranking counts, per referrer, the
customers they brought in, how many of those have bought, and those customers' revenue in
the default currency (exact, integer minor units; shown as a decimal string).
"""

from __future__ import annotations

from crmctl.core import settings
from crmctl.core.money import check_currency, money_text
from crmctl.core.privacy import FORGOTTEN_LABEL
from crmctl.core.validate import sql_limit
from crmctl.errors import InvalidValue
from crmctl.i18n import _


def ranking(conn, *, limit: int | None = None, currency: str | None = None) -> list[dict]:
    """Referrers, most customers brought in first (then most revenue, then id)."""

    if limit is not None and limit < 0:
        raise InvalidValue(_("--limit must be 0 or more"))
    currency = check_currency(currency or settings.get(conn, "currency"))
    rows = conn.execute(
        """
        SELECT r.id, r.name, r.tier, r.forgotten_at IS NOT NULL,
               count(*) AS referred,
               sum(c.purchase_count > 0 OR EXISTS (SELECT 1 FROM purchases p
                                                   WHERE p.customer_id = c.id
                                                   AND p.voided_at IS NULL)) AS buying,
               -- net of refunds, voided purchases out (purchase_ledger's rule, written
               -- out: a view in a correlated subquery is rescanned for every customer)
               coalesce(sum((SELECT sum(p.amount_minor - coalesce((SELECT sum(rf.amount_minor)
                                 FROM refunds rf WHERE rf.purchase_id = p.id), 0))
                             FROM purchases p WHERE p.customer_id = c.id
                             AND p.currency = :currency AND p.voided_at IS NULL)), 0)
                   AS revenue,
               max(c.created_at) AS last_referred_at
        FROM customers c JOIN customers r ON r.id = c.referred_by
        GROUP BY r.id
        ORDER BY referred DESC, revenue DESC, r.id
        """ + sql_limit(limit),
        {"currency": currency}).fetchall()
    return [{"rank": rank, "id": rid, "name": FORGOTTEN_LABEL if forgotten else name,
             "tier": None if forgotten else tier, "referred": referred, "buying": buying,
             "revenue": money_text(revenue, currency), "currency": currency,
             "last_referred_at": last}
            for rank, (rid, name, tier, forgotten, referred, buying, revenue, last)
            in enumerate(rows, start=1)]
