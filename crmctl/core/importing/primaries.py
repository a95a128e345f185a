"""``import --on-duplicate update``: a new primary phone or email keeps the old one.

When a row updates a customer and brings another primary phone (or email), the customer's
old primary becomes one of their other phones (emails), its type kept (the stored type, else
the one shown for it: mobile/work guessed from the number, ``other`` for an email), unless
it equals the new one (an email compared case-insensitively, as everywhere). A primary that
an earlier row of the same file set and a later one replaced is kept the same way. The new
primary is no longer one of the others, and takes the type it had there (else none is
stored, so it is guessed, until the row's own type column says it: write._write_points).
"""

from __future__ import annotations

import json

from crmctl.core.contact_points import primary_type
from crmctl.core.importing.fields import AT

KINDS = (("phone", AT.phone), ("email", AT.email))
# (id, tier, phone, phone_type, email, email_type) of the customers an update touches
_OLD = ("SELECT id, tier, phone, phone_type, email, email_type FROM customers "
        "WHERE id IN (SELECT value FROM json_each(?))")
_SAME = {"phone": "value = ?3", "email": "lower(value) = lower(?3)"}


def same(kind: str, a: str | None, b: str | None) -> bool:
    if kind == "email" and a and b:
        return a.lower() == b.lower()
    return a == b


def old_rows(conn, ids: list[int]) -> dict[int, tuple]:
    """{id: (tier, phone, phone_type, email, email_type)} before the update."""
    return {row[0]: row[1:] for row in conn.execute(_OLD, (json.dumps(ids),))}


def replaced(old: dict[int, tuple], updates: dict, earlier: dict[int, list], given=()):
    """([(id, kind, new primary)…], [(id, kind, value, type)…]): the primaries that change
    and the values they leave behind (the old primary, then those of earlier rows). A value
    the rows also list among the customer's others (``given``: (id, extra)…, crmctl's own
    phones cell) is left to them, with the type they give it."""
    listed: dict[int, list] = {}
    for cid, extra in given:
        listed.setdefault(cid, []).extend(extra[2])
    promoted, demoted = [], []
    for cid, (values, _tags) in updates.items():
        _tier, phone, phone_type, email, email_type = old[cid]
        stored = {"phone": (phone, phone_type), "email": (email, email_type)}
        for kind, at in KINDS:
            new = values[at]
            value, typ = stored[kind]
            if not new or same(kind, value, new):
                continue
            promoted.append((cid, kind, new))
            left = [(value, typ)] if value else []
            left += [(v, t) for k, v, t in earlier.get(cid, ()) if k == kind]
            seen = [new, *(v for k, v, _ in listed.get(cid, ()) if k == kind)]
            for v, t in left:
                if not any(same(kind, v, s) for s in seen):
                    seen.append(v)
                    demoted.append((cid, kind, v, primary_type(kind, v, t)))
    return promoted, demoted


def apply(conn, promoted: list, demoted: list) -> None:
    """After the UPDATE of the primaries: the new ones out of the others (their type kept),
    the old ones in."""
    for kind in ("phone", "email"):
        rows = [(cid, kind, value) for cid, k, value in promoted if k == kind]
        if rows:
            conn.executemany(
                f"UPDATE customers SET {kind}_type = (SELECT type FROM contact_points "
                f"WHERE customer_id = ?1 AND kind = ?2 AND {_SAME[kind]}) WHERE id = ?1", rows)
            conn.executemany(f"DELETE FROM contact_points WHERE customer_id = ?1 AND "
                             f"kind = ?2 AND {_SAME[kind]}", rows)
        points = [row for row in demoted if row[1] == kind]
        if points:
            conn.executemany(
                f"INSERT INTO contact_points (customer_id, kind, value, type) "
                f"SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM contact_points "
                f"WHERE customer_id = ?1 AND kind = ?2 AND {_SAME[kind]})", points)
