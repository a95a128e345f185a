"""Tags: free labels for segmentation, many per customer, compared case-insensitively."""

from __future__ import annotations

from crmctl.core import audit
from crmctl.core.references import no_customer, resolve
from crmctl.core.validate import normalize_tag
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _
from crmctl.store import atomic


def _tag_ids(conn, names: list[str]) -> list[int]:
    ids = []
    for name in names:
        conn.execute("INSERT INTO tags(name) VALUES (?) ON CONFLICT(name) DO NOTHING", (name,))
        ids.append(conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0])
    return ids


def attach(conn, names: list[str], customer_ids: list[int]) -> int:
    """Tag customers (inside the caller's transaction); return how many links were new."""
    if not names:
        return 0
    before = conn.total_changes
    for tag_id in _tag_ids(conn, names):
        conn.executemany(
            "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) VALUES (?, ?)",
            [(cid, tag_id) for cid in customer_ids])
    return conn.total_changes - before


def _check_customers(conn, ids) -> list[int]:
    parsed = [resolve(conn, i) for i in ids]
    for cid in parsed:
        if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                            (cid,)).fetchone():
            raise no_customer(cid)
    return parsed


def add(conn, tag: str, customer_ids) -> int:
    """Tag each customer; all ids are checked first, so a bad one changes nothing."""
    name = normalize_tag(tag)
    ids = _check_customers(conn, customer_ids)
    with atomic(conn):
        tag_id = _tag_ids(conn, [name])[0]
        added = 0
        for cid in ids:
            cur = conn.execute("INSERT OR IGNORE INTO customer_tags VALUES (?, ?)", (cid, tag_id))
            if cur.rowcount:
                added += 1
                audit.record(conn, "tag", "customer", cid, ["tags"])
    return added


def remove(conn, tag: str, customer_ids) -> int:
    name = normalize_tag(tag)
    ids = _check_customers(conn, customer_ids)
    row = conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(_("no tag {name}").format(name=repr(name)))
    removed = 0
    with atomic(conn):
        for cid in ids:
            cur = conn.execute("DELETE FROM customer_tags WHERE customer_id = ? AND tag_id = ?",
                               (cid, row[0]))
            if cur.rowcount:
                removed += 1
                audit.record(conn, "untag", "customer", cid, ["tags"])
        conn.execute("DELETE FROM tags WHERE id = ? AND NOT EXISTS "
                     "(SELECT 1 FROM customer_tags WHERE tag_id = ?)", (row[0], row[0]))
    return removed


def _existing(conn, name: str) -> tuple[int, str]:
    row = conn.execute("SELECT id, name FROM tags WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(_("no tag {name}").format(name=repr(name)))
    return row


def _carriers(conn, tag_id: int) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT customer_id FROM customer_tags WHERE tag_id = ? ORDER BY customer_id",
        (tag_id,))]


def carriers(conn, tag: str) -> int:
    """How many customers carry a tag (for the question `tag rm` asks first)."""
    return len(_carriers(conn, _existing(conn, normalize_tag(tag))[0]))


def rename(conn, old: str, new: str) -> tuple[int, bool]:
    """Rename a tag on everyone who carries it; when ``new`` exists already (compared
    case-insensitively), merge into it. Each customer whose tags change is audited.
    Return (customers carrying it, whether it was merged)."""
    old_name, new_name = normalize_tag(old), normalize_tag(new)
    with atomic(conn):
        old_id, current = _existing(conn, old_name)
        target = conn.execute("SELECT id FROM tags WHERE name = ?", (new_name,)).fetchone()
        merged = target is not None and target[0] != old_id
        if not merged and current == new_name:
            raise InvalidValue(_("tag {tag} is already called {name}").format(
                tag=repr(current), name=repr(new_name)))
        ids = _carriers(conn, old_id)
        if merged:
            conn.execute("INSERT OR IGNORE INTO customer_tags (customer_id, tag_id) "
                         "SELECT customer_id, ? FROM customer_tags WHERE tag_id = ?",
                         (target[0], old_id))
            conn.execute("DELETE FROM customer_tags WHERE tag_id = ?", (old_id,))
            conn.execute("DELETE FROM tags WHERE id = ?", (old_id,))
        else:  # a new name, or the same in other letter case
            conn.execute("UPDATE tags SET name = ? WHERE id = ?", (new_name, old_id))
        for cid in ids:
            audit.record(conn, "retag", "customer", cid, ["tags"])
    return len(ids), merged


def drop(conn, tag: str) -> int:
    """Remove a tag from everyone who carries it (each audited) and the tag itself;
    return how many customers carried it."""
    name = normalize_tag(tag)
    with atomic(conn):
        tag_id, _name = _existing(conn, name)
        ids = _carriers(conn, tag_id)
        conn.execute("DELETE FROM customer_tags WHERE tag_id = ?", (tag_id,))
        conn.execute("DELETE FROM tags WHERE id = ?", (tag_id,))
        for cid in ids:
            audit.record(conn, "untag", "customer", cid, ["tags"])
    return len(ids)


def list_tags(conn) -> list[dict]:
    """Every tag with how many live customers carry it, most used first."""
    rows = conn.execute(
        "SELECT t.name, count(c.id) FROM tags t JOIN customer_tags ct ON ct.tag_id = t.id "
        "JOIN customers c ON c.id = ct.customer_id AND c.forgotten_at IS NULL "
        "GROUP BY t.id ORDER BY count(c.id) DESC, t.name")
    return [{"tag": name, "customers": n} for name, n in rows]
