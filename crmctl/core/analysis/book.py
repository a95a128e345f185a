"""Everything of the HTML report (`report html FILE`) in one dict: the overview, sales
by month and by tier, satisfaction by month and by tier, complaints by category, root
cause and month, and the top customers by value. Each table is read once (purchases,
ratings, complaints) for all its groupings, the customers' tiers once, and churn risk once
for the overview and the value section."""

from __future__ import annotations

from datetime import date

from crmctl import clock
from crmctl.core import reports
from crmctl.core.analysis import sales, service, value
from crmctl.core.analysis.common import currency_of, customer_values


def book(conn, *, today: date | None = None, currency: str | None = None,
         top: int | None = None) -> dict:
    today = today or clock.today()
    churn = value.churn_reasons(conn, today)
    bought = sales.purchases_frame(conn, currency_of(conn, currency))
    ratings = service.ratings_frame(conn, today)
    complained = service.complaints_frame(conn)
    tiers = customer_values(conn, "tier")
    return {
        "date": today.isoformat(),
        "overview": reports.overview(conn, today, churn_risk=len(churn)),
        "sales_by_month": sales.sales(conn, "month", currency=currency, frame=bought),
        "sales_by_tier": sales.sales(conn, "tier", currency=currency, frame=bought,
                                     tiers=tiers),
        "satisfaction_by_month": service.satisfaction(conn, "month", today, frame=ratings),
        "satisfaction_by_tier": service.satisfaction(conn, "tier", today, frame=ratings,
                                                     tiers=tiers),
        "complaints_by_category": service.complaints(conn, "category", frame=complained,
                                                     tiers=tiers),
        "complaints_by_cause": service.complaints(conn, "cause", frame=complained,
                                                  tiers=tiers),
        "complaints_by_month": service.complaints(conn, "month", frame=complained,
                                                  tiers=tiers),
        "value": value.top(conn, top, today=today, currency=currency, churn=churn),
    }
