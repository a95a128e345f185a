"""Export: customers, interactions, purchases and follow-ups as csv, json, xlsx, vcf or ics.

- Spreadsheet safety (OWASP CSV injection): in csv and xlsx a cell that starts with
  ``= + - @``, tab or carriage return gets a leading ``'`` (``crmctl.spreadsheet``, the
  rule every csv of crmctl follows); E.164 phones start with ``+``, so they too. For the
  million-row customer CSV the same rule runs inside the SELECT (``neutralize_sql``).
- Filters mean exactly what they mean for ``list``: the export runs the query
  ``customers.select_query`` builds for the same ``Filter`` (see ``list_query``).
- Files are written mode 0600 through a private file in the destination directory
  (crmctl.store.outputs.private_output: unnamed until complete, nothing left by a kill) and
  renamed into place together with the audit entry; ``None`` as the
  destination writes to the stream given (stdout). Every export appends one audit entry
  (action ``export``; the columns exported, never values).

Nothing here prints: the caller renders the returned summary.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable

from crmctl.core import audit, clock, rules
from crmctl.core.customers import Filter
from crmctl.errors import InvalidValue, UsageError
# the one rule of every csv crmctl writes; importing and campaigns take it from here too
from crmctl.spreadsheet import FORMULA_START, neutralize, neutralize_sql, restore  # noqa: F401
from crmctl.store import atomic

FORMATS = ("csv", "json", "xlsx", "vcf", "ics")
WHATS = ("customers", "interactions", "purchases", "followups")
ENTITY = {"customers": "customer", "interactions": "interaction", "purchases": "purchase",
          "followups": "followup"}
XLSX_MAX_ROWS = 1_048_575  # a sheet has 1,048,576 rows, one is the header

# The contract's customer columns in order, then the rest of the record.
CUSTOMER_COLUMNS = ("id", "name", "company", "title", "email", "phone", "tier", "stage", "tags",
                    "created_at", "last_contact_at", "wechat", "industry", "region",
                    "company_size", "source", "note", "birthday", "referred_by")
INTERACTION_COLUMNS = ("id", "customer_id", "name", "at", "channel", "direction", "summary",
                       "outcome", "satisfaction", "complaint", "complaint_category",
                       "resolved_at", "campaign_id")
PURCHASE_COLUMNS = ("id", "customer_id", "name", "date", "amount", "currency", "note",
                    "campaign_id")
_NUMERIC = {"id", "customer_id", "referred_by", "campaign_id", "satisfaction", "complaint",
            "followup_id", "overdue_days"}

# --- what to export -----------------------------------------------------------------------
@dataclass
class Request:
    what: str | None = None
    fmt: str = "csv"
    flt: Filter = field(default_factory=Filter)
    marketing: str | None = None
    excel: bool = False  # csv: a UTF-8 BOM, so Excel does not read the file as ANSI/GBK
    until: date | None = None  # follow-ups up to this day

    def checked(self) -> "Request":
        """Validate the words and their combination; fill in the defaults."""
        fmt = (self.fmt or "").strip().lower()
        if fmt not in FORMATS:
            raise InvalidValue(f"unknown export format {self.fmt!r}; formats: {', '.join(FORMATS)}")
        what = (self.what or ("followups" if fmt == "ics" else "customers")).strip().lower()
        if what not in WHATS:
            raise InvalidValue(f"unknown --what {self.what!r}; choose: {', '.join(WHATS)}")
        if fmt == "vcf" and what != "customers":
            raise InvalidValue("vcf exports customers (an address book); use --what customers")
        if fmt == "ics" and what != "followups":
            raise InvalidValue("ics exports follow-ups (a calendar); use --what followups")
        if self.excel and fmt != "csv":
            raise InvalidValue("--excel applies to csv only (it adds a UTF-8 BOM)")
        if what != "customers" and self.flt.sort != "id":
            raise InvalidValue("--sort applies to --what customers only")
        if what != "followups" and self.until is not None:
            raise InvalidValue("--until applies to follow-ups only")
        marketing = None
        if self.marketing:
            from crmctl.core.consent import check_channel

            marketing = check_channel(self.marketing)
        return Request(what, fmt, self.flt, marketing, self.excel, self.until)


@dataclass
class Table:
    entity: str
    columns: tuple[str, ...]
    rows: Iterable[tuple]
    to_json: Callable[[dict], dict] = staticmethod(lambda d: d)


def list_query(flt: Filter, marketing: str | None = None) -> tuple[str, dict]:
    """The SQL and parameters of ``customers.select_query`` for this filter (and consent).

    Columns: id, name, company, title, email, phone, tier, stage, tags (joined with ;),
    created_at, last_contact_at, wechat, industry, region, company_size, source, note,
    birthday, referred_by, updated_at. Raises InvalidValue for a bad filter. ``marketing``
    (consent for the channel granted now) is one more condition, applied before --limit.
    """
    from dataclasses import replace

    from crmctl.core import consent, customers

    both = bool(marketing and flt.consent and consent.check_channel(flt.consent) != marketing)
    if marketing and not both:  # the same condition as list --consent
        flt = replace(flt, consent=marketing)
    sql, params = customers.select_query(replace(flt, limit=None) if both else flt)
    if both:  # a second channel: its condition outside, then the limit
        sql = (f"SELECT * FROM ({sql}) c WHERE {consent.granted_sql('c.id', marketing)}"
               f"{_limit(flt)}")
    return sql, params


def _has_filter(flt: Filter, marketing: str | None) -> bool:
    return bool(flt.tag or flt.tier or flt.stage or flt.consent or flt.search or marketing)


def _limit(flt: Filter) -> str:
    from crmctl.core.validate import sql_limit

    return sql_limit(flt.limit)


def _ids_clause(req: Request, column: str) -> tuple[str, dict]:
    """SQL restricting ``column`` to the customers the filter selects (any order, no limit)."""
    if not _has_filter(req.flt, req.marketing):
        return "", {}
    flt = Filter(tag=req.flt.tag, tier=req.flt.tier, stage=req.flt.stage,
                 consent=req.flt.consent, search=req.flt.search)
    sql, params = list_query(flt, req.marketing)
    return f" AND {column} IN (SELECT id FROM ({sql}))", params


def customer_table(conn, req: Request, safe: bool) -> Table:
    sql, params = list_query(req.flt, req.marketing)
    cols = [c if c in _NUMERIC or not safe else f"{neutralize_sql(c)} AS {c}"
            for c in CUSTOMER_COLUMNS]
    cur = conn.execute(f"SELECT {', '.join(cols)} FROM ({sql})", params)

    def to_json(d: dict) -> dict:
        d["tags"] = d["tags"].split(";") if d["tags"] else []
        return d

    return Table("customer", CUSTOMER_COLUMNS, cur, to_json)


def interaction_table(conn, req: Request, safe: bool) -> Table:
    where, params = _ids_clause(req, "i.customer_id")
    text = {"name": "c.name", "summary": "i.summary", "outcome": "i.outcome"}
    cols = [f"{neutralize_sql(text[c]) if safe else text[c]} AS {c}" if c in text
            else f"i.{c}" for c in INTERACTION_COLUMNS]
    cur = conn.execute(
        f"SELECT {', '.join(cols)} FROM interactions i JOIN customers c ON c.id = i.customer_id"
        f" WHERE c.forgotten_at IS NULL{where} ORDER BY i.at, i.id{_limit(req.flt)}", params)

    def to_json(d: dict) -> dict:
        d["complaint"] = bool(d["complaint"])
        return d

    return Table("interaction", INTERACTION_COLUMNS, cur, to_json)


def purchase_table(conn, req: Request, safe: bool) -> Table:
    from crmctl.core.purchases import minor_to_text

    where, params = _ids_clause(req, "p.customer_id")
    cur = conn.execute(
        "SELECT p.id, p.customer_id, c.name, p.date, p.amount_minor, p.currency, p.note, "
        "p.campaign_id FROM purchases p JOIN customers c ON c.id = p.customer_id "
        f"WHERE c.forgotten_at IS NULL{where} ORDER BY p.date, p.id{_limit(req.flt)}", params)
    fix = neutralize if safe else (lambda v: v)
    rows = ((pid, cid, fix(name), day, fix(minor_to_text(minor, cur_)), cur_, fix(note), camp)
            for pid, cid, name, day, minor, cur_, note, camp in cur)
    return Table("purchase", PURCHASE_COLUMNS, rows)


def followup_table(conn, req: Request, safe: bool) -> Table:
    """The follow-up report (``followups.due``) from today up to ``until``, overdue first."""
    from crmctl.core import followups

    limited = bool(_limit(req.flt))  # validates --limit before the report is made
    until = req.until or clock.today() + timedelta(days=rules.EXPORT_FOLLOWUP_DAYS)
    rows = followups.due(conn, until)
    if _has_filter(req.flt, req.marketing):
        where, params = _ids_clause(req, "c.id")
        wanted = {r[0] for r in conn.execute(f"SELECT c.id FROM customers c WHERE 1{where}",
                                             params)}
        rows = [r for r in rows if r["customer_id"] in wanted]
    if limited:
        rows = rows[:req.flt.limit]
    fix = neutralize if safe else (lambda v: v)
    return Table("followup", tuple(followups.COLUMNS),
                 [tuple(fix(r[c]) for c in followups.COLUMNS) for r in rows])


TABLES = {"customers": customer_table, "interactions": interaction_table,
          "purchases": purchase_table, "followups": followup_table}


# --- writers ------------------------------------------------------------------------------
def write_csv(stream, table: Table) -> int:
    """Rows as CSV (RFC 4180, CRLF line ends); return how many."""
    writer = csv.writer(stream)
    writer.writerow(table.columns)
    counter = itertools.count()
    # zip/map/itemgetter keep the loop in C: csv.writer pulls rows, the counter ticks along
    writer.writerows(map(itemgetter(0), zip(table.rows, counter)))
    return next(counter)


def write_json(stream, table: Table) -> int:
    """A JSON list of objects, one per line (streams: never the whole list in memory)."""
    n = 0
    stream.write("[")
    for row in table.rows:
        item = table.to_json(dict(zip(table.columns, row)))
        stream.write(("\n" if n == 0 else ",\n") + json.dumps(item, ensure_ascii=False,
                                                                default=str))
        n += 1
    stream.write("\n]\n" if n else "]\n")
    return n


def write_xlsx(stream, table: Table) -> int:
    """One sheet, streamed into the zip on ``stream`` (constant memory, no temp file
    anywhere: see crmctl.core.xlsxwrite); characters XML cannot hold are dropped."""
    from crmctl.core import xlsxwrite

    try:
        return xlsxwrite.write(stream, table.entity + "s", table.columns, table.rows,
                               XLSX_MAX_ROWS)
    except xlsxwrite.TooManyRows:
        raise InvalidValue(f"xlsx holds at most {XLSX_MAX_ROWS:,} rows under its header; "
                           "export csv, or narrow with a filter or --limit") from None


# --- destination: 0600, never a world-readable temp file ---------------------------------
def check_destination(out: str | os.PathLike | None, db=None) -> Path | None:
    """The file to write (None: the stream); refuses a directory, a missing directory and
    the database's own files (the full policy, with --force and DIR/, is the command's:
    crmctl.store.outputs.resolve_output)."""
    from crmctl.store.outputs import is_stream, refuse_database_files

    if is_stream(out):
        return None
    path = Path(out).expanduser()
    if path.is_dir():
        raise InvalidValue(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        raise InvalidValue(f"cannot write {path}: directory {path.parent} does not exist")
    refuse_database_files(path, db)
    return path


def _deliver(conn, path: Path | None, stream, binary: bool, encoding: str,
             write: Callable, record: Callable[[], None]):
    """Write through ``write(stream)`` to ``path`` (0600, atomic) or to ``stream``; audit."""
    if path is None:
        with atomic(conn):
            record()  # the data starts to leave now
        target = stream.buffer if binary else stream
        if not binary and encoding == "utf-8-sig":
            target.write("\ufeff")
        result = write(target)
        target.flush()
        return result
    from crmctl.store.outputs import private_output

    with private_output(path) as out:
        result = write(out.open(binary, encoding))
        with atomic(conn):  # the entry and the file arrive together, or neither does
            record()
            out.publish()
    return result


# --- the two exports ------------------------------------------------------------------------
def export(conn, request: Request, out=None, stream=None) -> dict:
    """Export what the request asks for to ``out`` (a path; None or '-': ``stream``).

    Returns a summary: what, format, rows, columns, path (None for the stream).
    """
    req = request.checked()
    path = check_destination(out, getattr(conn, "path", None))
    if path is None and stream is None:
        raise UsageError("export to a stream needs the stream")
    safe = req.fmt in ("csv", "xlsx")
    table = TABLES[req.what](conn, req, safe)
    columns = list(table.columns)
    if req.fmt == "vcf":
        from crmctl.core import vcard

        write, columns = (lambda s: vcard.write(s, table)), list(vcard.FIELDS)
    elif req.fmt == "ics":
        from crmctl.core import ics

        write, columns = (lambda s: ics.write(s, table)), list(ics.FIELDS)
    else:
        write = {"csv": lambda s: write_csv(s, table), "json": lambda s: write_json(s, table),
                 "xlsx": lambda s: write_xlsx(s, table)}[req.fmt]
    if req.fmt == "xlsx" and path is None and _is_terminal(stream):
        raise InvalidValue("xlsx is binary: give --out FILE or redirect the output")

    def record() -> None:
        audit.record(conn, "export", table.entity, None, columns)

    n = _deliver(conn, path, stream, req.fmt == "xlsx", "utf-8-sig" if req.excel else "utf-8",
                 write, record)
    return {"what": req.what, "format": req.fmt, "rows": n, "columns": columns,
            "path": str(path) if path else None}


def export_customer(conn, customer_id, out=None, stream=None) -> dict:
    """Everything held about one person (``privacy.subject_access``) as one JSON document."""
    from crmctl.core import privacy

    path = check_destination(out, getattr(conn, "path", None))
    document = privacy.subject_access(conn, customer_id)
    sections = [k for k in document if k not in ("format", "generated_at")]

    def write(s) -> int:
        s.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
        return 1

    def record() -> None:
        audit.record(conn, "export", "customer", document["id"], sections)

    _deliver(conn, path, stream, False, "utf-8", write, record)
    return {"what": "customer", "format": "json", "rows": 1, "columns": sections,
            "id": document["id"], "path": str(path) if path else None}


def _is_terminal(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, AttributeError):
        return False
