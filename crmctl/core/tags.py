"""Tags: free labels for segmentation, many per customer, compared case-insensitively."""

from __future__ import annotations

from crmctl.core import audit
from crmctl.core.validate import normalize_tag, parse_customer_id
from crmctl.errors import NotFound
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
    parsed = [parse_customer_id(i) for i in ids]
    for cid in parsed:
        if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                            (cid,)).fetchone():
            raise NotFound(f"no customer {cid}")
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
        raise NotFound(f"no tag {name!r}")
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


def list_tags(conn) -> list[dict]:
    """Every tag with how many live customers carry it, most used first."""
    rows = conn.execute(
        "SELECT t.name, count(c.id) FROM tags t JOIN customer_tags ct ON ct.tag_id = t.id "
        "JOIN customers c ON c.id = ct.customer_id AND c.forgotten_at IS NULL "
        "GROUP BY t.id ORDER BY count(c.id) DESC, t.name")
    return [{"tag": name, "customers": n} for name, n in rows]
