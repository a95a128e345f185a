"""Everything of the HTML report (`report html FILE`) in one dict: the overview, sales
by month and by tier, satisfaction by month and by tier, complaints by category and by
month, and the top customers by value. Each table is read once (purchases, ratings,
complaints) for both its groupings, and churn risk once for the overview and the value
section."""

from __future__ import annotations

from datetime import date

from crmctl import clock
from crmctl.core import reports
from crmctl.core.analysis import sales, service, value
from crmctl.core.analysis.common import currency_of


def book(conn, *, today: date | None = None, currency: str | None = None,
         top: int | None = None) -> dict:
    today = today or clock.today()
    churn = value.churn_reasons(conn, today)
    bought = sales.purchases_frame(conn, currency_of(conn, currency))
    ratings = service.ratings_frame(conn, today)
    complained = service.complaints_frame(conn)
    return {
        "date": today.isoformat(),
        "overview": reports.overview(conn, today, churn_risk=len(churn)),
        "sales_by_month": sales.sales(conn, "month", currency=currency, frame=bought),
        "sales_by_tier": sales.sales(conn, "tier", currency=currency, frame=bought),
        "satisfaction_by_month": service.satisfaction(conn, "month", today, frame=ratings),
        "satisfaction_by_tier": service.satisfaction(conn, "tier", today, frame=ratings),
        "complaints_by_category": service.complaints(conn, "category", frame=complained),
        "complaints_by_month": service.complaints(conn, "month", frame=complained),
        "value": value.top(conn, top, today=today, currency=currency, churn=churn),
    }
