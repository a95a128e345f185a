"""Customers: add, read, list, edit, remove — validated, de-duplicated, indexed, audited."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from crmctl import clock, pinyin
from crmctl.core import (audit, bulk, care, consent, contact_points, dates, lifecycle, privacy,
                         search, segments, settings)
from crmctl.core import tags as tag_ops
from crmctl.core.references import resolve
from crmctl.core.validate import (SQL_INT_MAX, check_region, check_tier, clean_field, clean_text,
                                  normalize_email, normalize_name, normalize_phone, normalize_tag,
                                  sql_limit)
from crmctl.core.words import STAGES
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _
from crmctl.store import atomic

# Fields a person may set with add / edit (tier has its own command, with a history).
EDITABLE = ("name", "company", "title", "email", "phone", "wechat", "industry", "region",
            "company_size", "source", "note", "birthday", "referred_by", "birthday_lunar")
CONTRACT_KEYS = ("id", "name", "company", "title", "email", "phone", "tier", "stage", "tags",
                 "created_at", "last_contact_at")


@dataclass
class Customer:
    id: int
    name: str
    company: str | None
    title: str | None
    email: str | None
    phone: str | None
    tier: str
    stage: str
    tags: list[str]
    created_at: str
    last_contact_at: str | None
    wechat: str | None = None
    industry: str | None = None
    region: str | None = None
    company_size: str | None = None
    source: str | None = None
    note: str | None = None
    birthday: str | None = None
    referred_by: int | None = None
    updated_at: str | None = None
    birthday_lunar: str | None = None
    extra: dict = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        """The contract's keys first, then the rest of the record. Made by hand, not by
        dataclasses.asdict, which deep-copies every value: 4 s of `crmctl list` at
        100,000 customers. The tags list is the only mutable value, and it is copied."""
        data = {key: getattr(self, key) for key in _DICT_KEYS}
        data["tags"] = list(self.tags)
        return data


_DICT_KEYS = (*CONTRACT_KEYS, *(f.name for f in fields(Customer)
                               if f.name not in CONTRACT_KEYS and f.name != "extra"))


@dataclass
class Filter:
    tag: list[str] = field(default_factory=list)
    tier: str | None = None
    stage: str | None = None
    consent: str | None = None
    search: str | None = None
    limit: int | None = None
    sort: str = "id"
    region: str | None = None  # segments (core/segments.py): region, industry by prefix
    industry: str | None = None
    size: str | None = None
    spend_min: object = None  # 12-month spend, major units: "10000" or a Decimal
    spend_max: object = None
    segment: str | None = None  # RFM segment (reports.customer_segment)
    closed: str = "open"  # or closed (--closed, --stage closed), all; not counted in `drive`

    def __post_init__(self) -> None:
        segments.check(self)


def normalize_birthday(value: str | None) -> str | None:
    """YYYY-MM-DD, or MM-DD when the year is not known (stored as --MM-DD)."""
    value = clean_text(value)
    if value is None:
        return None
    parts = dates.calendar_parts(value.removeprefix("--"))  # 1985-03-12, 1985/3/12, 3月12日…
    try:
        if parts is None:
            raise ValueError(value)
        year, month, day = parts
        if year is None:
            date(2000, month, day)  # a leap year allows 02-29
            return f"--{month:02d}-{day:02d}"
        return date(year, month, day).isoformat()
    except ValueError:
        raise InvalidValue(_("invalid birthday {value}: use YYYY-MM-DD or MM-DD (1985/3/12, "
                             "1985年3月12日, 3月12日)").format(value=repr(value))) from None


def normalize_fields(conn, raw: dict, phone_region: str | None = None) -> dict:
    """Validate and normalize the given fields (only those present in ``raw``); a phone
    without a country code is read in ``phone_region``, else the default_region setting."""
    out = {}
    for key, value in raw.items():
        if key not in EDITABLE:
            raise InvalidValue(_("unknown field {key}").format(key=repr(key)))
        if key == "name":
            out[key] = normalize_name(value)
        elif key == "email":
            out[key] = normalize_email(value)
        elif key == "phone":
            region = check_region(phone_region) if phone_region else settings.get(
                conn, "default_region")
            out[key] = normalize_phone(value, region, "is it foreign? use --phone-region")
        elif key == "birthday":
            out[key] = normalize_birthday(value)
        elif key == "birthday_lunar":
            out[key] = care.normalize_birthday_lunar(value)
        elif key == "referred_by":
            out[key] = None if value in (None, "") else _existing_referrer(conn, value)
        else:
            out[key] = clean_field(key, value)
    return out


def _existing_referrer(conn, value) -> int:
    """The referrer named by an id, #id, or a name/company/phone prefix (references)."""
    try:
        ref = resolve(conn, value)
    except (InvalidValue, NotFound) as exc:
        raise type(exc)(_("{error} (given as --referred-by)").format(error=exc)) from None
    if not 0 < ref <= SQL_INT_MAX or not conn.execute(
            "SELECT 1 FROM customers WHERE id = ?", (ref,)).fetchone():
        raise NotFound(_("no customer {id} (given as --referred-by)").format(id=ref))
    return ref


def find_duplicate(conn, email: str | None, phone: str | None, *, exclude: int | None = None):
    """(id, field) of a live customer with the same email (case-insensitive) or phone."""
    checks = [("email", "lower(email) = lower(?)", email), ("phone", "phone = ?", phone)]
    for name, condition, value in checks:
        if value is None:
            continue
        row = conn.execute(
            f"SELECT id FROM customers WHERE {condition} AND forgotten_at IS NULL"
            " AND id IS NOT ? LIMIT 1", (value, exclude)).fetchone()
        if row:
            return row[0], name
        other = contact_points.owner(conn, name, value, exclude)  # among their other ones
        if other:
            return other, name
    return None


def add(conn, raw: dict, *, tier: str = "regular", tags: list[str] = (),
        allow_duplicate: bool = False, phone_region: str | None = None,
        more: dict | None = None) -> int:
    """Add a customer; return its id. ``raw`` holds EDITABLE fields, ``name`` required;
    ``more``: {"phone": ["work:+86…"…], "email": […]}, their other phones and emails."""

    fields = normalize_fields(conn, {**raw, "name": raw.get("name")}, phone_region)
    points = _points(conn, more, phone_region)
    promoted = {}
    for kind in ("phone", "email"):  # no primary given: the first other one (not a fax) is
        if not fields.get(kind):
            first = next((p for p in points if p[0] == kind and p[2] != "fax"), None)
            if first:
                fields[kind], promoted[f"{kind}_type"] = first[1], first[2]
                points.remove(first)
    tier = check_tier(tier)
    tag_names = [normalize_tag(t) for t in tags]
    with atomic(conn):
        if not allow_duplicate:
            contact_points.refuse_duplicate(conn, fields, find_duplicate)
        now = clock.now_text()
        columns = [*fields, "tier", "created_at", "updated_at"]
        cur = conn.execute(
            f"INSERT INTO customers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [*fields.values(), tier, now, now])
        cid = cur.lastrowid
        if tier != "regular":
            conn.execute("INSERT INTO tier_history (customer_id, at, old_tier, new_tier, reason)"
                         " VALUES (?, ?, NULL, ?, 'initial tier')", (cid, now, tier))
        tag_ops.attach(conn, tag_names, [cid])
        more_fields = contact_points.change(conn, cid, points, [], allow_duplicate,
                                            find_duplicate)
        for column, typ in promoted.items():
            conn.execute(f"UPDATE customers SET {column} = ? WHERE id = ?", (typ, cid))
        reindex(conn, [cid])
        audit.record(conn, "add", "customer", cid, [k for k, v in fields.items() if v is not None]
                     + (["tier"] if tier != "regular" else []) + (["tags"] if tag_names else [])
                     + more_fields)
    return cid


def _points(conn, more: dict | None, phone_region: str | None) -> list:
    if not more:
        return []
    region = check_region(phone_region) if phone_region else settings.get(conn, "default_region")
    return [p for kind in ("phone", "email")
            for p in contact_points.normalize_points(kind, more.get(kind, []), region)]


def reindex(conn, ids: list[int]) -> None:
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT id, {', '.join(search.SEARCHED_FIELDS)} FROM customers "
                        f"WHERE id IN ({marks}) AND forgotten_at IS NULL", ids).fetchall()
    conn.executemany("UPDATE customers SET name_key = ? WHERE id = ?",
                     [(pinyin.sort_key(row[1]), row[0]) for row in rows])
    others = contact_points.searched_texts(conn, ids)  # every other number and address too
    search.index(conn, [(*row, others.get(row[0])) for row in rows])


def _select(where: str = "1", order: str = "c.id", limit: str = "",
            source: str = "customers c") -> str:
    return f"""
        SELECT c.id, c.name, c.company, c.title, c.email, c.phone, c.tier,
               {lifecycle.stage_sql('c')} AS stage,
               (SELECT group_concat(name, ';') FROM (SELECT t.name FROM customer_tags ct
                    JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = c.id
                    ORDER BY t.name)) AS tags,
               c.created_at, c.last_contact_at, c.wechat, c.industry, c.region,
               c.company_size, c.source, c.note, c.birthday, c.referred_by, c.updated_at,
               c.birthday_lunar
        FROM {source} WHERE c.forgotten_at IS NULL AND ({where}) ORDER BY {order} {limit}"""


def _customer(row) -> Customer:
    values = list(row)
    values[8] = values[8].split(";") if values[8] else []
    return Customer(*values)


def get(conn, customer_id) -> Customer:
    cid = resolve(conn, customer_id)
    params = {"id": cid, **lifecycle.stage_params(clock.today())}
    row = conn.execute(_select("c.id = :id"), params).fetchone()
    if row is None:
        raise NotFound(_("no customer {id}").format(id=cid))
    return _customer(row)


def list_customers(conn, flt: Filter | None = None) -> list[Customer]:
    return list(iter_customers(conn, flt))


def list_rows(conn, flt: Filter | None = None, *, points: bool = False) -> list[dict]:
    """``list``'s customers as dicts; with ``points``, each with its ``phones`` and
    ``emails`` as ``show`` gives them (the JSON listing)."""
    rows = [c.to_dict() for c in iter_customers(conn, flt)]
    if points:
        contact_points.attach(conn, rows)
    return rows


def iter_customers(conn, flt: Filter | None = None):
    """Customers matching the filter, streamed (exports use this at a million rows)."""
    sql, params = select_query(flt, conn)
    for row in conn.execute(sql, params):
        yield _customer(row)


def matching_ids(conn, flt: Filter | None = None) -> list[int]:
    """Only the ids of the customers ``list`` would show for this filter, in its order."""
    sql, params = select_query(flt, conn)
    return [row[0] for row in conn.execute(f"SELECT id FROM ({sql})", params)]


def select_query(flt: Filter | None = None, conn=None) -> tuple[str, dict]:
    """The SQL and named parameters behind ``list`` for a filter (columns as in _select).

    One place builds it, so list, export and campaign targeting mean the same by a filter.
    """

    flt = flt or Filter()
    where, params = ["1"], dict(lifecycle.stage_params(clock.today()))
    for i, tag in enumerate(flt.tag):
        where.append(f"c.id IN (SELECT ct.customer_id FROM customer_tags ct JOIN tags t "
                     f"ON t.id = ct.tag_id WHERE t.name = :tag{i})")
        params[f"tag{i}"] = normalize_tag(tag)
    if flt.tier:
        where.append("c.tier = :tier")
        params["tier"] = check_tier(flt.tier)
    if flt.stage:
        where.append(f"({lifecycle.stage_sql('c')}) = :stage")
        params["stage"] = STAGES.check(flt.stage)
    if flt.consent:
        where.append(consent.granted_sql("c.id", consent.check_channel(flt.consent)))
    where += segments.conditions(conn, flt, params)  # conn: for spend and RFM segment
    source, rowid = "customers c", "c.id"
    terms = search.plan(flt.search, conn and settings.get(conn, "default_region")) if flt.search else []
    alternative = search.pinyin_plan(flt.search) if terms else None
    # With the search as the only filter, drive the query from the index (rowids come out
    # in order), so a common word with --limit stops after a page instead of reading every
    # match first. Beside another filter (a tag of ten people) that could read thousands
    # of rows to find a few, so then the matches are looked up as a set instead.
    drive = len(where) == 1
    for i, (table, expression) in enumerate(terms):
        params[f"q{i}"] = expression
        if alternative:
            continue
        if i == 0 and drive:
            source, rowid = f"{table} s CROSS JOIN customers c ON c.id = s.rowid", "s.rowid"
            where.append(f"s.{table} MATCH :q0")
        else:
            where.append(f"c.id IN (SELECT rowid FROM {table} WHERE {table} MATCH :q{i})")
    if alternative:  # also read as pinyin: the ids of either reading, merged in id order
        params["pinyin"] = alternative
        where.append(f"c.id IN ({_either(terms, flt, drive)})")
    if (closed := "closed" if params.get("stage") == "closed" else flt.closed) != "all":
        where.append(f"c.closed_at IS {'NULL' if closed == 'open' else 'NOT NULL'}")
    order = segments.order_sql(flt.sort, rowid)
    params.update(segments.spend_params(conn) if flt.sort.lstrip("-") == "spend" else {})
    limit = sql_limit(flt.limit)
    return _select(" AND ".join(where), order, limit, source), params


def _either(terms, flt: Filter, drive: bool) -> str:
    union = search.union_sql(terms, [f":q{i}" for i in range(len(terms))], ":pinyin")
    if drive and flt.limit is not None and flt.sort in ("id", "-id"):
        # only a page of ids is needed: the merge of the two sides stops after it
        union += f" ORDER BY 1 {'DESC' if flt.sort == '-id' else 'ASC'}{sql_limit(flt.limit)}"
    return union


def edit(conn, customer_id, raw: dict, *, allow_duplicate: bool = False,
         phone_region: str | None = None, more: dict | None = None,
         fewer: list[tuple[str, str]] = ()) -> list[str]:
    """Change fields; return the names of those that changed (empty: nothing to do).
    ``more`` adds other phones/emails (as for add), ``fewer`` removes (kind, value) ones."""
    current = get(conn, customer_id)
    fields = normalize_fields(conn, raw, phone_region)
    points = _points(conn, more, phone_region)
    fewer = [(k, normalize_fields(conn, {k: v}, phone_region)[k] or v) for k, v in fewer]
    if "name" in fields and fields["name"] is None:
        raise InvalidValue(_("a customer needs a name"))
    if fields.get("referred_by") == current.id:
        raise InvalidValue(_("a customer cannot be referred by themselves"))
    changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
    if not changed and not points and not fewer:
        return []
    with atomic(conn):
        more_fields = contact_points.change(conn, current.id, points, fewer, allow_duplicate,
                                            find_duplicate)
        if not changed:
            if more_fields:
                reindex(conn, [current.id])
                audit.record(conn, "edit", "customer", current.id, more_fields)
            return more_fields
        if not allow_duplicate and ({"email", "phone"} & changed.keys()):
            contact_points.refuse_duplicate(conn, {k: changed.get(k) for k in ("email", "phone")},
                                            find_duplicate, exclude=current.id)
        sets = ", ".join(f"{k} = ?" for k in changed)
        conn.execute(f"UPDATE customers SET {sets}, updated_at = ? WHERE id = ?",
                     [*changed.values(), clock.now_text(), current.id])
        for kind in ("phone", "email"):  # a new primary: its type unknown; not also another
            if kind in changed:
                conn.execute(f"UPDATE customers SET {kind}_type = NULL WHERE id = ?",
                             (current.id,))
                contact_points.remove(conn, current.id, kind, changed[kind] or "")
        if set(changed) & set(search.SEARCHED_FIELDS) or more_fields:
            reindex(conn, [current.id])
        audit.record(conn, "edit", "customer", current.id, list(changed) + more_fields)
    return sorted([*changed, *more_fields])


def remove(conn, customer_id) -> None:
    """Delete a customer and everything recorded about them (interactions, purchases…),
    their search-index entries and the tags only they carried, as `forget` does."""

    current = get(conn, customer_id)
    with atomic(conn):
        privacy.erase_traces(conn, [current.id])
        conn.execute("DELETE FROM customers WHERE id = ?", (current.id,))
        audit.record(conn, "rm", "customer", current.id)
    privacy.checkpoint(conn)  # no old page image of the row stays in the -wal file


def remove_many(conn, customer_ids) -> list[int]:
    """``remove`` for several customers in one transaction; every id is checked first, so
    one unknown id changes nothing. Return the ids removed."""

    ids = bulk.live_ids(conn, customer_ids)
    with atomic(conn):
        privacy.erase_traces(conn, ids)
        for cid in ids:
            conn.execute("DELETE FROM customers WHERE id = ?", (cid,))
            audit.record(conn, "rm", "customer", cid)
    privacy.checkpoint(conn)
    return ids


def count(conn) -> int:
    return conn.execute("SELECT count(*) FROM customers WHERE forgotten_at IS NULL").fetchone()[0]
