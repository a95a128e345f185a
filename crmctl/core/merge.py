"""Merge two customers (issue 17.4): `crmctl merge KEEP DROP`.

Everything that points at DROP moves to KEEP, then DROP is erased as `forget` erases.

- Related rows: every table with a foreign key to ``customers(id)`` is found through
  ``PRAGMA foreign_key_list`` (so a table added later, the extra phones/emails or refunds,
  moves too) and its rows are re-pointed at KEEP. A row that would clash with KEEP's on a
  unique key (a tag both carry, a campaign both were targeted by) is merged into KEEP's
  one: KEEP's row stays, a campaign response only DROP had is copied onto it, and DROP's
  row goes. Other customers referred by DROP are then referred by KEEP.
- Fields: a field empty on KEEP takes DROP's value; a field set on both to different values
  is a conflict, listed, and KEEP's value wins unless the field is named in ``take``. A
  phone or email that loses stays with KEEP as an extra one when the database keeps extra
  contact points (the ``contact_points`` table).
- The purchase and contact aggregates on ``customers`` are combined (count summed, first
  the earlier, last the later), which is right whatever rules made each of them.
- DROP becomes a tombstone as `forget` leaves one (every personal value NULL, search index
  entries removed and the index optimized, so no table keeps DROP's values), with one
  audit entry ``merge`` whose entity id names both (``KEEP<-DROP``). Unlike `forget`, the
  erasure ledger is not written: a restore of an older backup brings both back unmerged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crmctl import clock
from crmctl.core import audit, customers, privacy
from crmctl.errors import InvalidValue
from crmctl.i18n import _
from crmctl.store import atomic

FIELDS = customers.EDITABLE  # what a person sets; each may be filled or taken
TAKEABLE = (*FIELDS, "tier")
# When a phone or email loses a conflict it is kept as an extra one here, if the table exists.
CONTACT_POINTS = "contact_points"


@dataclass
class MergeResult:
    keep: int
    drop: int
    keep_name: str
    drop_name: str
    filled: list[str] = field(default_factory=list)     # empty on KEEP, DROP's taken
    conflicts: list[dict] = field(default_factory=list)  # {field, keep, drop, winner}
    moved: dict[str, int] = field(default_factory=dict)  # table -> rows of DROP's moved
    merged: dict[str, int] = field(default_factory=dict)  # table -> clashing rows merged
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {"keep": self.keep, "drop": self.drop, "keep_name": self.keep_name,
                "drop_name": self.drop_name, "filled": self.filled,
                "conflicts": self.conflicts, "moved": self.moved, "merged": self.merged,
                "dry_run": self.dry_run}


def check_take(take) -> list[str]:
    fields = [f.strip().replace("-", "_") for f in take or ()]
    for name in fields:
        if name not in TAKEABLE:
            raise InvalidValue(_("--take takes a field ({fields}), not {name}").format(
                fields=", ".join(TAKEABLE), name=repr(name)))
    return fields


def merge(conn, keep_ref, drop_ref, *, take=(), dry_run: bool = False) -> MergeResult:
    """Merge DROP into KEEP (see the module docstring); with ``dry_run`` everything is done
    and rolled back, so the figures are the real ones. One transaction: a failure changes
    nothing."""
    take = check_take(take)
    keep, drop = privacy.live_record(conn, keep_ref), privacy.live_record(conn, drop_ref)
    if keep["id"] == drop["id"]:
        raise InvalidValue(_("cannot merge customer {id} with itself").format(id=keep["id"]))
    result = MergeResult(keep["id"], drop["id"], keep["name"], drop["name"], dry_run=dry_run)
    changes = _fields(keep, drop, take, result)
    try:
        with atomic(conn):
            for table, column in referencing_columns(conn):
                _move(conn, table, column, keep["id"], drop["id"], result)
            _write(conn, keep, drop, changes, result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    else:
        privacy.checkpoint(conn)  # no old page image of DROP's values stays in the -wal
    return result


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, to roll it back."""


def referencing_columns(conn) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to customers(id), customers' own included."""
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
        "ORDER BY name")]
    out = []
    for table in tables:
        for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
            # (id, seq, table, from, to, on_update, on_delete, match)
            if row[2] == "customers" and (row[4] in (None, "id")):
                out.append((table, row[3]))
    return out


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fields(keep: dict, drop: dict, take: list[str], result: MergeResult) -> dict:
    """The new values of KEEP's fields; fills ``result.filled`` and ``result.conflicts``."""
    changes = {}
    # a referral between the two of them means nothing once they are one person
    if keep["referred_by"] == drop["id"]:
        changes["referred_by"] = None
    keep, drop = dict(keep), dict(drop)
    for record, other in ((keep, drop), (drop, keep)):
        if record["referred_by"] == other["id"]:
            record["referred_by"] = None
    for name in TAKEABLE:
        mine, theirs = keep[name], drop[name]
        if _empty(theirs) or mine == theirs:
            continue
        if _empty(mine):
            changes[name] = theirs
            result.filled.append(name)
            continue
        winner = "drop" if name in take else "keep"
        result.conflicts.append({"field": name, "keep": mine, "drop": theirs, "winner": winner})
        if winner == "drop":
            changes[name] = theirs
    return changes


def _move(conn, table: str, column: str, keep: int, drop: int, result: MergeResult) -> None:
    """Re-point ``table.column`` from DROP to KEEP; rows clashing with KEEP's on a unique
    key are merged into KEEP's (campaign targets: DROP's response kept) and deleted."""
    if table == "customers":
        cur = conn.execute(f'UPDATE customers SET "{column}" = ? WHERE "{column}" = ? '
                           "AND id NOT IN (?, ?)", (keep, drop, keep, drop))
        if cur.rowcount:
            result.moved["referrals"] = cur.rowcount
        return
    if table == "campaign_targets":
        conn.execute(
            "UPDATE campaign_targets AS k SET responded_at = coalesce(k.responded_at, "
            "d.responded_at), outcome = coalesce(k.outcome, d.outcome), added_at = "
            "min(k.added_at, d.added_at) FROM campaign_targets AS d WHERE k.customer_id = ? "
            "AND d.customer_id = ? AND d.campaign_id = k.campaign_id", (keep, drop))
    moved = conn.execute(f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE "{column}" = ?',
                         (keep, drop)).rowcount
    merged = conn.execute(f'DELETE FROM "{table}" WHERE "{column}" = ?', (drop,)).rowcount
    if moved:
        result.moved[table] = result.moved.get(table, 0) + moved
    if merged:
        result.merged[table] = result.merged.get(table, 0) + merged


def _write(conn, keep: dict, drop: dict, changes: dict, result: MergeResult) -> None:
    """KEEP's new fields and combined aggregates, the lost phone/email kept as extras,
    DROP's tombstone, the search index and the audit entry."""
    kid, did = keep["id"], drop["id"]
    if "tier" in changes:
        conn.execute("INSERT INTO tier_history (customer_id, at, old_tier, new_tier, reason) "
                     "VALUES (?, ?, ?, ?, ?)", (kid, clock.now_text(), keep["tier"],
                                                changes["tier"], f"merged with #{did}"))
    _keep_extra_contacts(conn, kid, keep, drop, changes)
    sets = ", ".join(f'"{name}" = ?' for name in changes)
    conn.execute(
        f"UPDATE customers SET {sets + ', ' if sets else ''}"
        "purchase_count = purchase_count + ?, "
        "first_purchase_at = min(coalesce(first_purchase_at, ?), coalesce(?, first_purchase_at)), "
        "last_purchase_at = max(coalesce(last_purchase_at, ?), coalesce(?, last_purchase_at)), "
        "last_contact_at = max(coalesce(last_contact_at, ?), coalesce(?, last_contact_at)), "
        "updated_at = ? WHERE id = ?",
        [*changes.values(), drop["purchase_count"],
         *[drop["first_purchase_at"]] * 2, *[drop["last_purchase_at"]] * 2,
         *[drop["last_contact_at"]] * 2, clock.now_text(), kid])
    privacy.erase_traces(conn, [did])
    empty = ", ".join(f'"{c}" = NULL' for c in (*privacy.PERSONAL_COLUMNS, "first_purchase_at",
                                                "last_purchase_at", "name_key"))
    conn.execute(f"UPDATE customers SET name = ?, {empty}, purchase_count = 0, "
                 "forgotten_at = ?, updated_at = ? WHERE id = ?",
                 (privacy.FORGOTTEN_NAME, clock.now_text(), clock.now_text(), did))
    customers.reindex(conn, [kid])
    audit.record(conn, "merge", "customer", f"{kid}<-{did}",
                 [*changes, *result.moved, *result.merged])


def _keep_extra_contacts(conn, kid: int, keep: dict, drop: dict, changes: dict) -> None:
    """A phone or email that lost its conflict becomes one of KEEP's extra contact points
    (when this database has them), so no number or address is lost."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (CONTACT_POINTS,)).fetchone():
        return
    for kind in ("phone", "email"):
        if _empty(keep[kind]) or _empty(drop[kind]) or keep[kind] == drop[kind]:
            continue
        loser = keep[kind] if kind in changes else drop[kind]
        conn.execute(f"INSERT OR IGNORE INTO {CONTACT_POINTS} (customer_id, kind, value, type) "
                     "VALUES (?, ?, ?, 'other')", (kid, kind, loser))
