"""Every phone and email of a customer: the primary in ``customers.phone``/``email`` (what
the follow-ups report, campaigns and every older reader use), the others in
``contact_points`` (migration 14), each with a type.

A person's list is the primary first, then the others in the order they were added. A
type not known (a plain "phone" column, ``add --phone``) is read from the number: a mobile
number is "mobile", anything else "other".
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from crmctl.core.words import noun
from crmctl.errors import Duplicate, InvalidValue, NotFound
from crmctl.i18n import _

PHONE_TYPES = ("mobile", "work", "home", "fax", "other")
EMAIL_TYPES = ("work", "home", "other")
KINDS = ("phone", "email")
# The words other programs write for a type (Google, Outlook, vCard TYPE, Chinese headers).
_TYPE_WORDS = {
    "mobile": "mobile", "cell": "mobile", "cellular": "mobile", "iphone": "mobile",
    "手机": "mobile", "移动电话": "mobile", "移动": "mobile",
    "work": "work", "business": "work", "main": "work", "company main": "work",
    "office": "work", "工作": "work", "单位": "work", "商务": "work", "办公": "work",
    "座机": "work", "公司": "work",
    "home": "home", "personal": "home", "住宅": "home", "家庭": "home", "家": "home",
    "internet": None, "pref": None, "voice": None, "x400": None,
    "fax": "fax", "work fax": "fax", "home fax": "fax", "other fax": "fax", "传真": "fax",
    "other": "other", "pager": "other", "其他": "other", "寻呼机": "other",
}


def type_word(word: str | None, kind: str = "phone") -> str | None:
    """mobile/work/home/fax/other for a type word ("* Mobile", "Work Fax", "CELL", "住宅"),
    None when it says nothing (empty, INTERNET, VOICE); unknown words are "other"."""
    if not word:
        return None
    key = " ".join(word.replace("*", " ").split()).casefold()
    if not key:
        return None
    found = _TYPE_WORDS.get(key)
    if found is None and key not in _TYPE_WORDS:  # 工作传真, 住宅传真, Business Fax: a fax
        found = "fax" if any(w in key for w in ("传真", "傳真", "fax")) else "other"
    if kind == "email" and found in ("mobile", "fax"):
        return "other"
    return found


def check_type(value: str, kind: str) -> str:
    """A type a person typed (``--phone work:+86…``, ``手机``): one of the kind's types."""
    allowed = PHONE_TYPES if kind == "phone" else EMAIL_TYPES
    key = " ".join(value.split()).casefold()
    found = key if key in allowed else _TYPE_WORDS.get(key)
    if found is None or found not in allowed:
        raise InvalidValue(_("unknown {kind} type {value} (use {types})").format(
            kind=noun(kind), value=repr(value), types=", ".join(allowed)))
    return found


_CN_MOBILE = re.compile(r"\+861[3-9]\d{9}")


@lru_cache(maxsize=4096)
def guessed_phone_type(e164: str) -> str:
    """What a number is when nobody said (phonenumbers' metadata): "mobile" for a mobile
    (or a number that may be either, as in the US), "work" for a fixed line (vCard writes
    WORK,VOICE for it), else "other"."""
    if _CN_MOBILE.fullmatch(e164):
        return "mobile"
    import phonenumbers

    try:
        kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return "other"
    types = phonenumbers.PhoneNumberType
    if kind in (types.MOBILE, types.FIXED_LINE_OR_MOBILE):
        return "mobile"
    return "work" if kind == types.FIXED_LINE else "other"


def primary_type(kind: str, value: str, stored: str | None) -> str:
    if stored:
        return stored
    return guessed_phone_type(value) if kind == "phone" else "other"


def of_customers(conn, ids) -> dict[int, dict[str, list[dict]]]:
    """{id: {"phones": [{value, type}…], "emails": […]}} for these customers, the primary
    first (none for a customer with neither)."""
    ids = list(ids)
    out: dict[int, dict[str, list[dict]]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        for cid, phone, phone_type, email, email_type in conn.execute(
                f"SELECT id, phone, phone_type, email, email_type FROM customers "
                f"WHERE id IN ({marks})", part):
            entry = out.setdefault(cid, {"phones": [], "emails": []})
            if phone:
                entry["phones"].append({"value": phone,
                                        "type": primary_type("phone", phone, phone_type)})
            if email:
                entry["emails"].append({"value": email,
                                        "type": primary_type("email", email, email_type)})
        for cid, kind, value, type_ in conn.execute(
                f"SELECT customer_id, kind, value, type FROM contact_points "
                f"WHERE customer_id IN ({marks}) ORDER BY id", part):
            entry = out.setdefault(cid, {"phones": [], "emails": []})
            entry[kind + "s"].append({"value": value, "type": type_})
    return out


def attach(conn, rows: list[dict]) -> None:
    """Give each customer dict (id, phone, email) its ``phones`` and ``emails`` lists as
    of_customers makes them (the primary first): one query for the stored types and one for
    the others, for the whole page; none when nobody has another value or a stored type."""
    types, others = {}, {}
    if rows and stored_anywhere(conn):
        ids = json.dumps([row["id"] for row in rows])
        types = {cid: (pt, et) for cid, pt, et in conn.execute(
            "SELECT id, phone_type, email_type FROM customers WHERE id IN (SELECT value FROM "
            "json_each(?)) AND (phone_type IS NOT NULL OR email_type IS NOT NULL)", (ids,))}
        for cid, kind, value, type_ in conn.execute(
                "SELECT customer_id, kind, value, type FROM contact_points WHERE customer_id "
                "IN (SELECT value FROM json_each(?)) ORDER BY id", (ids,)):
            others.setdefault(cid, {"phones": [], "emails": []})[kind + "s"].append(
                {"value": value, "type": type_})
    for row in rows:
        phone_type, email_type = types.get(row["id"], (None, None))
        mine = others.get(row["id"], {"phones": [], "emails": []})
        phone, email = row.get("phone"), row.get("email")
        row["phones"] = ([{"value": phone, "type": primary_type("phone", phone, phone_type)}]
                         if phone else []) + mine["phones"]
        row["emails"] = ([{"value": email, "type": primary_type("email", email, email_type)}]
                         if email else []) + mine["emails"]


def of_customer(conn, cid: int) -> dict[str, list[dict]]:
    return of_customers(conn, [cid]).get(cid, {"phones": [], "emails": []})


def has_any(conn) -> bool:
    """Whether any customer has a phone or email beyond the primary (exports skip the
    per-customer look-up when none has)."""
    return conn.execute("SELECT 1 FROM contact_points LIMIT 1").fetchone() is not None


def searched_texts(conn, ids: list[int]) -> dict[int, str]:
    """{id: the other numbers and addresses}, for the search index."""
    marks = ",".join("?" * len(ids))
    return dict(conn.execute(f"SELECT customer_id, group_concat(value, ' ') FROM contact_points "
                             f"WHERE customer_id IN ({marks}) GROUP BY customer_id", ids))


def add(conn, cid: int, points) -> list[str]:
    """Add (kind, value, type) points (values normalized); the primary and values the
    customer already has are left as they are. Return the values added."""
    row = conn.execute("SELECT phone, lower(email) FROM customers WHERE id = ?",
                       (cid,)).fetchone()
    added = []
    for kind, value, type_ in points:
        if value == row[0] or (kind == "email" and value.lower() == row[1]):
            continue
        cur = conn.execute("INSERT OR IGNORE INTO contact_points (customer_id, kind, value, "
                           "type) VALUES (?, ?, ?, ?)", (cid, kind, value, type_))
        if cur.rowcount:
            added.append(value)
    return added


def remove(conn, cid: int, kind: str, value: str) -> bool:
    """Remove one of the other phones/emails; False when the customer has no such one."""
    cur = conn.execute("DELETE FROM contact_points WHERE customer_id = ? AND kind = ? AND "
                       + ("lower(value) = lower(?)" if kind == "email" else "value = ?"),
                       (cid, kind, value))
    return cur.rowcount > 0


def erase(conn, ids: list[int]) -> None:
    """Every other phone and email of these customers gone (rm, forget)."""
    conn.executemany("DELETE FROM contact_points WHERE customer_id = ?", [(i,) for i in ids])


def owner(conn, kind: str, value: str, exclude: int | None = None) -> int | None:
    """The live customer holding this phone/email among the others, for dedupe."""
    condition = "lower(p.value) = lower(?)" if kind == "email" else "p.value = ?"
    row = conn.execute(f"SELECT p.customer_id FROM contact_points p JOIN customers c "
                       f"ON c.id = p.customer_id WHERE p.kind = ? AND {condition} "
                       f"AND c.forgotten_at IS NULL AND p.customer_id IS NOT ? LIMIT 1",
                       (kind, value, exclude)).fetchone()
    return row[0] if row else None


_TYPED_INPUT = re.compile(r"\s*([^\W\d_][^:：]{0,15}?)\s*[:：]\s*(.+)", re.S)


def parse_input(kind: str, given: str) -> tuple[str | None, str]:
    """``work:+86 10 8888 6666``, ``手机:138…``, ``home:wang@example.cn`` or a bare value →
    (type or None, value). A prefix that names no type is refused (not read as a value)."""
    m = _TYPED_INPUT.fullmatch(given)
    if m and (kind == "phone" or "@" not in m.group(1)):
        return check_type(m.group(1), kind), m.group(2).strip()
    return None, given.strip()


def normalize_points(kind: str, given: list[str], region: str) -> list[tuple[str, str, str]]:
    """Typed values a person gave (``--add-phone work:…``) as (kind, value, type)."""
    from crmctl.core.validate import normalize_email, normalize_phone

    out = []
    for text in given:
        typ, raw = parse_input(kind, text)
        if kind == "phone":
            value = normalize_phone(raw, region, "is it foreign? use --phone-region")
            typ = typ or guessed_phone_type(value)
        else:
            value = normalize_email(raw)
            typ = typ or "other"
        if value is None:
            raise InvalidValue(_("--add-{kind} needs a value").format(kind=kind))
        out.append((kind, value, typ))
    return out


def change(conn, cid: int, added: list, removed: list[tuple[str, str]],
           allow_duplicate: bool, find_duplicate) -> list[str]:
    """Add (kind, value, type) points and remove (kind, value) ones, inside the caller's
    transaction; return the fields changed ("phones", "emails"). A value another customer
    holds (``find_duplicate``: customers.find_duplicate) is refused unless
    ``allow_duplicate``; removing one the customer lacks is refused."""

    changed = set()
    for kind, value in removed:
        if not remove(conn, cid, kind, value):
            raise NotFound(_("customer {id} has no other {kind} {value}").format(
                id=cid, kind=noun(kind), value=value))
        changed.add(kind + "s")
    for kind, value, _type in added:
        if not allow_duplicate:
            dup = find_duplicate(conn, value if kind == "email" else None,
                                 value if kind == "phone" else None, exclude=cid)
            if dup:
                raise duplicate(dup[0], kind, value)
    if add(conn, cid, added):
        changed.update(kind + "s" for kind, _value, _type in added)
    return sorted(changed)


# --- exports: every value of a kind in one cell, "mobile:+86…; work:+86…" ---------------------

def cell(points: list[dict], kind: str) -> str | None:
    """The phones/emails cell of crmctl's csv/xlsx: empty when it would say no more than the
    phone/email column (one value, of the type read from it), else every value with its type,
    the primary first (import reads it back: importing/multi.py)."""
    if not points or (len(points) == 1 and points[0]["type"] == primary_type(
            kind, points[0]["value"], None)):
        return None
    return "; ".join(f"{p['type']}:{p['value']}" for p in points)


def from_cell(text: str | None, primary: str | None, kind: str) -> list[dict]:
    """cell()'s inverse: the list of {value, type}; an empty cell is the primary alone."""
    if not text:
        return [{"value": primary, "type": primary_type(kind, primary, None)}] if primary else []
    out = []
    for part in text.split("; "):
        typ, _sep, value = part.partition(":")
        out.append({"value": value, "type": typ})
    return out


def stored_anywhere(conn) -> bool:
    """Whether any customer has another phone/email or a stored type (else every export
    cell is empty, and no per-customer look-up is needed)."""
    return has_any(conn) or conn.execute(
        "SELECT 1 FROM customers WHERE phone_type IS NOT NULL OR email_type IS NOT NULL "
        "LIMIT 1").fetchone() is not None


def with_cells(conn, rows, batch: int = 500):
    """Each customer row (id first) with its phones and emails cells appended."""
    if not stored_anywhere(conn):
        for row in rows:
            yield (*row, None, None)
        return
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            yield from _with_cells(conn, chunk)
            chunk = []
    yield from _with_cells(conn, chunk)


def _with_cells(conn, chunk):
    points = of_customers(conn, [row[0] for row in chunk])
    for row in chunk:
        mine = points.get(row[0], {"phones": [], "emails": []})
        yield (*row, cell(mine["phones"], "phone"), cell(mine["emails"], "email"))


def refuse_duplicate(conn, fields: dict, find_duplicate, exclude: int | None = None) -> None:
    """Refuse ``fields`` when another live customer (not ``exclude``) has their email or
    phone (``find_duplicate``: customers.find_duplicate)."""
    dup = find_duplicate(conn, fields.get("email"), fields.get("phone"), exclude=exclude)
    if dup:
        raise duplicate(dup[0], dup[1], fields[dup[1]])


def duplicate(cid: int, kind: str, value: str) -> Duplicate:
    """The one-line refusal of an email or phone customer ``cid`` already has."""
    return Duplicate(_("customer {id} already has this {field} ({value}); use "
                       "--allow-duplicate to add anyway").format(id=cid, field=noun(kind),
                                                                 value=value))
