"""Which rows an export holds: one ``Table`` per ``--what``, from the same filter as ``list``.

Filters mean exactly what they mean for ``list``: the export runs the query
``customers.select_query`` builds for the same ``Filter`` (see ``list_query``). Closed
customers and their interactions and purchases are left out unless ``--all`` (a full
export) or ``--closed``, as in ``list``; a marketing list never holds them. For a
spreadsheet (``safe``) every text cell is neutralized (crmctl.spreadsheet); for the
million-row customer CSV the same rule runs inside the SELECT (``neutralize_sql``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Callable, Iterable

from crmctl import clock
from crmctl.i18n import is_english
from crmctl.core import consent, contact_points, customers, followups, rules, segments
from crmctl.core.customers import Filter
from crmctl.core.exporting.request import CUSTOMER_COLUMNS, Request
from crmctl.core.money import minor_to_text
from crmctl.core.validate import sql_limit
from crmctl.spreadsheet import neutralize, neutralize_phone_sql, neutralize_sql

# every phone/email of a customer, in one cell each ("mobile:+86…; work:+86…"), filled in
# Python after the SELECT (contact_points.with_cells); empty when phone/email say it all
_POINT_CELLS = ("phones", "emails")
INTERACTION_COLUMNS = ("id", "customer_id", "name", "at", "channel", "direction", "summary",
                       "outcome", "satisfaction", "complaint", "complaint_category",
                       "resolved_at", "campaign_id")
PURCHASE_COLUMNS = ("id", "customer_id", "name", "date", "amount", "currency", "note",
                    "campaign_id")
_NUMERIC = {"id", "customer_id", "referred_by", "campaign_id", "satisfaction", "complaint",
            "followup_id", "overdue_days", "overdue_hours"}


@dataclass
class Table:
    """Rows to write: ``entity`` names them (the audit entry, the xlsx sheet); ``to_json``
    turns one row's dict into its JSON object."""
    entity: str
    columns: tuple[str, ...]
    rows: Iterable[tuple]
    to_json: Callable[[dict], dict] = staticmethod(lambda d: d)
    origin: str = ""  # the database's id (settings.database_id): what makes ICS UIDs unique


def list_query(flt: Filter, marketing: str | None = None, conn=None) -> tuple[str, dict]:
    """The SQL and parameters of ``customers.select_query`` for this filter (and consent).

    Columns: id, name, company, title, email, phone, tier, stage, tags (joined with ;),
    created_at, last_contact_at, wechat, industry, region, company_size, source, note,
    birthday, referred_by, updated_at. Raises InvalidValue for a bad filter. ``marketing``
    (consent for the channel granted now) is one more condition, applied before --limit.
    ``conn``: needed by the spend and RFM segment criteria (core/segments.py).
    """
    if marketing:  # never a closed customer (Request.checked refuses to ask for one)
        flt = replace(flt, closed="open")
    both = bool(marketing and flt.consent and consent.check_channel(flt.consent) != marketing)
    if marketing and not both:  # the same condition as list --consent
        flt = replace(flt, consent=marketing)
    sql, params = customers.select_query(replace(flt, limit=None) if both else flt, conn)
    if both:  # a second channel: its condition outside, then the limit
        sql = (f"SELECT * FROM ({sql}) c WHERE {consent.granted_sql('c.id', marketing)}"
               f"{sql_limit(flt.limit)}")
    return sql, params


def _has_filter(flt: Filter, marketing: str | None) -> bool:
    return bool(flt.tag or flt.tier or flt.stage or flt.consent or flt.search or marketing
                or segments.active(flt))


def _ids_clause(conn, req: Request, column: str) -> tuple[str, dict]:
    """SQL restricting ``column`` to the customers the filter selects (any order, no limit)."""
    if not _has_filter(req.flt, req.marketing):
        return "", {}
    flt = replace(req.flt, limit=None, sort="id")
    sql, params = list_query(flt, req.marketing, conn)
    return f" AND {column} IN (SELECT id FROM ({sql}))", params


def _closed_sql(req: Request, alias: str = "c") -> str:
    """The open or closed customers' records only, unless --all."""
    return {"open": f" AND {alias}.closed_at IS NULL", "all": "",
            "closed": f" AND {alias}.closed_at IS NOT NULL"}[req.closed]


def _unchanged(value):
    return value


def customer_table(conn, req: Request, safe: bool) -> Table:
    sql, params = list_query(req.flt, req.marketing, conn)
    columns = req.fields or CUSTOMER_COLUMNS
    plain = [c for c in columns if c not in _POINT_CELLS]
    # a marketing list's phone column keeps its E.164 bare, as campaign export's does
    cols = [c if c in _NUMERIC or not safe else f"{neutralize_phone_sql(c)} AS {c}"
            if c == "phone" and req.marketing else f"{neutralize_sql(c)} AS {c}" for c in plain]
    if len(plain) == len(columns):
        rows = conn.execute(f"SELECT {', '.join(cols)} FROM ({sql})", params)
    else:  # the id first (with_cells looks the customers up by it), then each column's place
        cur = conn.execute(f"SELECT id, {', '.join(cols)} FROM ({sql})", params)
        at = [1 + plain.index(c) if c in plain else len(plain) + 1 + _POINT_CELLS.index(c)
              for c in columns]
        rows = (tuple(row[i] for i in at) for row in contact_points.with_cells(conn, cur))

    def to_json(d: dict) -> dict:
        if "tags" in d:
            d["tags"] = d["tags"].split(";") if d["tags"] else []
        for key, kind in (("phones", "phone"), ("emails", "email")):
            if key in d:
                d[key] = contact_points.from_cell(d[key], d.get(kind), kind)
        return d

    return Table("customer", tuple(columns), rows, to_json)


def interaction_table(conn, req: Request, safe: bool) -> Table:
    where, params = _ids_clause(conn, req, "i.customer_id")
    text = {"name": "c.name", "summary": "i.summary", "outcome": "i.outcome"}
    cols = [f"{neutralize_sql(text[c]) if safe else text[c]} AS {c}" if c in text
            else f"i.{c}" for c in INTERACTION_COLUMNS]
    cur = conn.execute(
        f"SELECT {', '.join(cols)} FROM interactions i JOIN customers c ON c.id = i.customer_id"
        f" WHERE c.forgotten_at IS NULL AND i.voided_at IS NULL{_closed_sql(req)}{where}"
        f" ORDER BY i.at, i.id{sql_limit(req.flt.limit)}",
        params)

    def to_json(d: dict) -> dict:
        d["complaint"] = bool(d["complaint"])
        return d

    return Table("interaction", INTERACTION_COLUMNS, cur, to_json)


def purchase_table(conn, req: Request, safe: bool) -> Table:
    where, params = _ids_clause(conn, req, "p.customer_id")
    cur = conn.execute(
        "SELECT p.id, p.customer_id, c.name, p.date, p.amount_minor, p.currency, p.note, "
        "p.campaign_id FROM purchases p JOIN customers c ON c.id = p.customer_id "
        f"WHERE c.forgotten_at IS NULL AND p.voided_at IS NULL{_closed_sql(req)}{where}"
        f" ORDER BY p.date, p.id{sql_limit(req.flt.limit)}",
        params)
    fix = neutralize if safe else _unchanged
    rows = ((pid, cid, fix(name), day, fix(minor_to_text(minor, cur_)), cur_, fix(note), camp)
            for pid, cid, name, day, minor, cur_, note, camp in cur)
    return Table("purchase", PURCHASE_COLUMNS, rows)


def followup_table(conn, req: Request, safe: bool) -> Table:
    """The follow-up report (``followups.due``) from today up to ``until``, overdue first."""
    limited = bool(sql_limit(req.flt.limit))  # validates --limit before the report is made
    until = req.until or clock.today() + timedelta(days=rules.EXPORT_FOLLOWUP_DAYS)
    words = req.fmt == "ics" and not is_english()  # a calendar is for people: args to word
    rows = followups.due(conn, until, args=words)  # its purposes with (exporting/ics.py)
    if _has_filter(req.flt, req.marketing):
        where, params = _ids_clause(conn, req, "c.id")
        wanted = {r[0] for r in conn.execute(f"SELECT c.id FROM customers c WHERE 1{where}",
                                             params)}
        rows = [r for r in rows if r["customer_id"] in wanted]
    if limited:
        rows = rows[:req.flt.limit]
    fix = neutralize if safe else _unchanged
    columns = tuple(followups.COLUMNS) + (("args",) if words else ())
    return Table("followup", columns, [tuple(fix(r[c]) for c in columns) for r in rows])


TABLES = {"customers": customer_table, "interactions": interaction_table,
          "purchases": purchase_table, "followups": followup_table}


def select_table(conn, req: Request) -> Table:
    """The rows of a checked request, neutralized for a spreadsheet format."""
    return TABLES[req.what](conn, req, req.spreadsheet)
