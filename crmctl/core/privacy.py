"""Privacy rights: right of access (one document of everything held) and erasure (forget).

``subject_access`` gathers every row that is about one person into one JSON-serializable
document; it only reads (the caller that writes the document out records the audit entry).

``forget`` removes every personal value of one person in one transaction and leaves a
tombstone: the ``customers`` row with its id, ``forgotten_at`` and nothing personal.
What is kept and why:

- customers row: every personal column NULL, name ``(forgotten)``; tier, created_at and the
  purchase aggregates (count, first/last dates) stay: they are not personal on their own and
  keep totals and the referrer's "what it was worth" figures right.
- purchases: kept with date, amount, currency and campaign (revenue figures), ``note``
  removed (free text may name the person).
- interactions: deleted. Their summary and outcome are free text about the person, and
  the rest (when, channel) is a record of contact with someone who asked to be forgotten.
- campaign targets and exclusions: kept (campaign ids and times, for the campaign's
  figures), the response ``outcome`` removed (free text).
- follow-ups, tag links, tier history (reasons are free text): deleted.
- consent events: kept as evidence that consent was asked for and given or withdrawn
  (channel, granted, at, recorded_by: the OS user of the salesperson), ``source`` removed,
  since it is free text ("met 王明 at the fair") that can be personal.
- other customers' ``referred_by`` keep pointing at the tombstone: shown as a
  "forgotten customer".
- the search indexes: the person's rows deleted, then both FTS indexes optimized so the
  deleted tokens do not linger in old segments.
- audit entries: kept; they hold field names only, never values.
- the ledger of erasures (``erasures``): the customer's id and created_at and the time of
  the erasure, nothing personal. ``restore`` reads it from the database it replaces and
  re-applies to the restored one every erasure that one does not record (a backup made
  before the forget still holds the person), so an erasure outlives a restore.
"""

from __future__ import annotations

from typing import NamedTuple

from crmctl import clock
from crmctl.core import contact_points, audit, consent, lifecycle, search
from crmctl.core.references import no_customer, resolve
from crmctl.errors import Busy, NotFound
from crmctl.i18n import _
from crmctl.store import atomic

FORMAT = "crmctl-subject-access/1"
FORGOTTEN_NAME = "(forgotten)"
FORGOTTEN_LABEL = "forgotten customer"

# customers columns that hold personal values (NULLed on forget; name gets the placeholder).
PERSONAL_COLUMNS = ("company", "title", "email", "phone", "wechat", "industry", "region",
                    "company_size", "source", "note", "birthday", "birthday_lunar", "referred_by",
                    "last_contact_at", "close_reason")


def _rows(conn, sql: str, params=()) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def live_record(conn, customer_id) -> dict:
    cid = resolve(conn, customer_id)
    found = _rows(conn, "SELECT * FROM customers WHERE id = ?", (cid,))
    if not found:
        raise no_customer(cid)
    if found[0]["forgotten_at"]:
        raise NotFound(_("customer {id} was forgotten on {day}; nothing personal is held").format(
            id=cid, day=found[0]["forgotten_at"][:10]))
    return found[0]


def subject_access(conn, customer_id) -> dict:
    """Everything held about one person, as one JSON-serializable document.

    Raises NotFound for an unknown id or a forgotten person (nothing personal is held).
    """
    record = live_record(conn, customer_id)
    cid = record.pop("id")
    record.pop("forgotten_at")
    stage = conn.execute(f"SELECT {lifecycle.stage_sql('c')} FROM customers c WHERE c.id = :id",
                         {"id": cid, **lifecycle.stage_params(clock.today())}).fetchone()[0]
    by = "WHERE customer_id = ? ORDER BY"
    return {
        "format": FORMAT,
        "generated_at": clock.now_text(),
        "id": cid,
        "customer": {"id": cid, **record, "stage": stage},
        "tags": [r["name"] for r in _rows(
            conn, "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
                  "WHERE ct.customer_id = ? ORDER BY t.name", (cid,))],
        # every phone and email beside the primary ones (customer.phone/email)
        "other_phones_and_emails": _rows(conn, "SELECT kind, value, type FROM contact_points "
                                               "WHERE customer_id = ? ORDER BY id", (cid,)),
        "consent": consent.current_state(conn, cid),
        "consent_events": _rows(conn, "SELECT id, channel, granted, at, source, purpose, "
                                      "recorded_by "
                                      f"FROM consent_events {by} at, id", (cid,)),
        "tier_history": _rows(conn, "SELECT id, at, old_tier, new_tier, reason, source "
                                    f"FROM tier_history {by} at, id", (cid,)),
        "interactions": _rows(conn, "SELECT id, at, channel, direction, summary, outcome, "
                                    "satisfaction, complaint, complaint_category, resolved_at, "
                                    "campaign_id, voided_at, void_reason "
                                    f"FROM interactions {by} at, id", (cid,)),
        "purchases": _rows(conn, "SELECT id, date, amount_minor, currency, note, campaign_id, "
                                 f"voided_at, void_reason FROM purchases {by} date, id", (cid,)),
        "refunds": _rows(conn, "SELECT r.id, r.purchase_id, r.date, r.amount_minor, r.reason "
                               "FROM refunds r JOIN purchases p ON p.id = r.purchase_id "
                               "WHERE p.customer_id = ? ORDER BY r.date, r.id", (cid,)),
        "followups": _rows(conn, "SELECT id, due, kind, purpose, created_at, done_at, note, "
                                 "cancel_reason "
                                 f"FROM followups {by} due, id", (cid,)),
        "campaigns": _rows(conn, "SELECT ct.campaign_id, c.name AS campaign, c.channel, "
                                 "ct.added_at, ct.responded_at, ct.outcome "
                                 "FROM campaign_targets ct JOIN campaigns c "
                                 "ON c.id = ct.campaign_id WHERE ct.customer_id = ? "
                                 "ORDER BY ct.added_at, ct.campaign_id", (cid,)),
        "referred_by": record["referred_by"],
        "referred": [r["id"] for r in _rows(
            conn, "SELECT id FROM customers WHERE referred_by = ? ORDER BY id", (cid,))],
    }


def forget(conn, customer_id) -> dict:
    """Erase one person (see the module docstring for what is kept); return the tombstone.

    One transaction; afterwards the WAL is checkpointed and truncated so no old page image
    with the person's values stays in the -wal file (secure_delete zeroes freed pages).
    """
    record = live_record(conn, customer_id)
    at = clock.now_text()
    with atomic(conn):
        erase_traces(conn, [record["id"]])
        _erase_rows(conn, record, at)
    if not checkpoint(conn):
        raise Busy(_("#{id} is erased, but another program has the database open, so the old "
                     "values stay in the file until it closes (the next crmctl command then "
                     "clears them)").format(id=record["id"]))
    return {"id": record["id"], "forgotten_at": at}


def _erase_rows(conn, record: dict, at: str) -> None:
    """forget's work on the person's own rows (after erase_traces), its ledger entry and its
    audit entry, inside the caller's transaction."""
    cid = record["id"]
    for table in ("interactions", "followups", "tier_history", "close_events"):
        conn.execute(f"DELETE FROM {table} WHERE customer_id = ?", (cid,))
    conn.execute("UPDATE purchases SET note = NULL, void_reason = NULL WHERE customer_id = ?",
                 (cid,))
    conn.execute("UPDATE refunds SET reason = NULL WHERE purchase_id IN "
                 "(SELECT id FROM purchases WHERE customer_id = ?)", (cid,))
    conn.execute("UPDATE campaign_targets SET outcome = NULL WHERE customer_id = ?", (cid,))
    # free texts may name the person; the events themselves stay (when, which channel)
    conn.execute("UPDATE consent_events SET source = NULL, purpose = NULL "
                 "WHERE customer_id = ?", (cid,))
    sets = ", ".join(f"{c} = NULL" for c in PERSONAL_COLUMNS)
    # name_key is the pinyin of the name: erased with it
    conn.execute(f"UPDATE customers SET name = ?, name_key = NULL, {sets}, forgotten_at = ?, "
                 "updated_at = ?"
                 " WHERE id = ?", (FORGOTTEN_NAME, at, clock.now_text(), cid))
    conn.execute("INSERT OR IGNORE INTO erasures (customer_id, created_at, erased_at) "
                 "VALUES (?, ?, ?)", (cid, record["created_at"], at))
    audit.record(conn, "forget", "customer", cid,
                 ["name", *[c for c in PERSONAL_COLUMNS if record[c] is not None]])


class Erasure(NamedTuple):
    """One row of the ledger of erasures: nothing personal, only which customer row (id and
    the time it was created, which a later customer given the same id does not share) and
    when it was erased."""

    customer_id: int
    created_at: str
    erased_at: str


def erasure_ledger(conn) -> list[Erasure]:
    """Every erasure this database records, oldest first."""
    return [Erasure(*row) for row in conn.execute(
        "SELECT customer_id, created_at, erased_at FROM erasures "
        "ORDER BY erased_at, customer_id")]


def reapply_erasures(conn, ledger: list[Erasure]) -> int:
    """Bring the erasures of ``ledger`` (another database's: the one a restore replaces)
    into this one: each customer it erased who is still here is erased again as `forget`
    does (their original ``forgotten_at``, an audit entry now), and every entry joins this
    ledger. One transaction; returns how many people were erased again."""
    with atomic(conn):
        have = {(e.customer_id, e.created_at) for e in erasure_ledger(conn)}
        missing = [e for e in ledger if (e.customer_id, e.created_at) not in have]
        records = []
        for entry in missing:
            found = _rows(conn, "SELECT * FROM customers WHERE id = ? AND created_at = ? "
                                "AND forgotten_at IS NULL", (entry.customer_id, entry.created_at))
            records.extend((row, entry.erased_at) for row in found[:1])
        if records:
            erase_traces(conn, [record["id"] for record, _found in records])
        for record, at in records:
            _erase_rows(conn, record, at)
        conn.executemany("INSERT OR IGNORE INTO erasures (customer_id, created_at, erased_at) "
                         "VALUES (?, ?, ?)", missing)
    if records:
        checkpoint(conn)
    return len(records)


def erase_traces(conn, ids: list[int]) -> None:
    """What both `rm` and `forget` remove beyond the customers' own rows, inside the
    caller's transaction: their search-index entries, with both indexes then optimized (a
    contentless delete only marks the rowid; the tokens stay in the old segments until a
    merge), and their tag links with the tags nobody else carries (a tag may name the
    person: "王明的朋友")."""
    search.remove(conn, ids)
    contact_points.erase(conn, ids)  # their other phones and emails
    for index in ("search_trigram", "search_grams"):
        conn.execute(f"INSERT INTO {index}({index}) VALUES ('optimize')")
    tag_ids = {r[0] for cid in ids for r in conn.execute(
        "SELECT tag_id FROM customer_tags WHERE customer_id = ?", (cid,))}
    conn.executemany("DELETE FROM customer_tags WHERE customer_id = ?", [(i,) for i in ids])
    conn.executemany("DELETE FROM tags WHERE id = ? AND NOT EXISTS "
                     "(SELECT 1 FROM customer_tags WHERE tag_id = tags.id)",
                     [(t,) for t in tag_ids])


def checkpoint(conn) -> bool:
    """Copy the WAL into the database and truncate it, so the main file's old pages are
    overwritten; False when a reader's snapshot kept it from completing. (The CLI's forget
    holds the exclusive lock, so only a program outside crmctl can hold one.)"""
    return conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0


def referrer_label(conn, customer_id: int | None) -> str | None:
    """How to show a referred_by link: the referrer's name, or "forgotten customer"."""
    if customer_id is None:
        return None
    row = conn.execute("SELECT name, forgotten_at FROM customers WHERE id = ?",
                       (customer_id,)).fetchone()
    if row is None:
        return None
    return FORGOTTEN_LABEL if row[1] else row[0]
