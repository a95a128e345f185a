"""Everything of the HTML report (`report html FILE`) in one dict: the overview, sales
by month and by tier, satisfaction by month and by tier, complaints by category and by
month, and the top customers by value. Churn risk is worked out once for both the
overview and the value section."""

from __future__ import annotations

from datetime import date

from crmctl import clock
from crmctl.core import reports
from crmctl.core.analysis import sales, service, value


def book(conn, *, today: date | None = None, currency: str | None = None,
         top: int | None = None) -> dict:
    today = today or clock.today()
    churn = value.churn_reasons(conn, today)
    return {
        "date": today.isoformat(),
        "overview": reports.overview(conn, today, churn_risk=len(churn)),
        "sales_by_month": sales.sales(conn, "month", currency=currency),
        "sales_by_tier": sales.sales(conn, "tier", currency=currency),
        "satisfaction_by_month": service.satisfaction(conn, "month", today),
        "satisfaction_by_tier": service.satisfaction(conn, "tier", today),
        "complaints_by_category": service.complaints(conn, "category"),
        "complaints_by_month": service.complaints(conn, "month"),
        "value": value.top(conn, top, today=today, currency=currency, churn=churn),
    }
