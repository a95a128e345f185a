"""Correcting interactions (issue 17): list a customer's, edit one, void one logged by mistake.

A voided interaction stays in its row (``voided_at``, ``void_reason``) and in the timeline,
marked voided, but counts in no rule: last contact, the latest rating (m012's triggers),
churn, complaints, campaign responses, reports and exports all read live rows only. An edit
recomputes what the edited fields feed in the same transaction. Audit entries name fields,
never values.
"""

from __future__ import annotations

from crmctl import clock
from crmctl.core import audit, interactions
from crmctl.core.references import no_customer, resolve
from crmctl.core.validate import check_not_voided, clean_multiline, parse_positive_id
from crmctl.errors import InvalidValue, NotFound, UsageError
from crmctl.i18n import _
from crmctl.store import atomic

LIST_COLUMNS = ("id", "at", "channel", "direction", "summary", "outcome", "satisfaction",
                "complaint", "category", "resolved_at", "campaign_id", "voided_at",
                "void_reason")


def for_customer(conn, customer_id) -> list[dict]:
    """Every interaction of a customer, voided ones included (marked), newest first."""
    cid = resolve(conn, customer_id)
    if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                        (cid,)).fetchone():
        raise no_customer(cid)
    rows = conn.execute(
        "SELECT id, at, channel, direction, summary, outcome, satisfaction, complaint, "
        "complaint_category, resolved_at, campaign_id, voided_at, void_reason "
        "FROM interactions WHERE customer_id = ? ORDER BY at DESC, id DESC", (cid,))
    out = []
    for row in rows:
        item = dict(zip(LIST_COLUMNS, row))
        item["complaint"] = bool(item["complaint"])
        out.append(item)
    return out


def _live(conn, interaction_id, doing: str) -> dict:
    """The interaction (of a live customer) that may be corrected; else one line."""
    iid = parse_positive_id(interaction_id, "interaction")
    row = conn.execute(
        "SELECT i.id, i.customer_id, i.at, i.voided_at, i.complaint, i.complaint_category "
        "FROM interactions i JOIN customers c ON c.id = i.customer_id "
        "WHERE i.id = ? AND c.forgotten_at IS NULL", (iid,)).fetchone()
    if row is None:
        raise NotFound(_("no interaction {id}").format(id=iid))
    check_not_voided("interaction", iid, row[3], doing)
    return dict(zip(("id", "customer_id", "at", "voided_at", "complaint", "category"), row))


def _refresh_last_contact(conn, cid: int) -> None:
    """customers.last_contact_at = the newest live interaction (only interactions set it)."""
    conn.execute("UPDATE customers SET last_contact_at = (SELECT max(at) FROM interactions "
                 "WHERE customer_id = :id AND voided_at IS NULL) WHERE id = :id", {"id": cid})


def _resolved_by(conn, cid: int, at: str, iid: int) -> list[int]:
    """Complaints this interaction resolved: those of the customer closed at its very
    instant when no other live interaction of the customer shares that instant (a
    resolution records the resolving contact's time, not its id)."""
    if conn.execute("SELECT 1 FROM interactions WHERE customer_id = ? AND at = ? AND id <> ? "
                    "AND voided_at IS NULL", (cid, at, iid)).fetchone():
        return []
    return [r[0] for r in conn.execute(
        "SELECT id FROM interactions WHERE customer_id = ? AND complaint = 1 "
        "AND resolved_at = ? AND id <> ? ORDER BY id", (cid, at, iid))]


def void(conn, interaction_id, reason: str) -> dict:
    """Void an interaction logged by mistake; return {id, customer_id, reopened}: the
    complaints it had resolved are open again, as if it had never been logged."""
    reason = clean_multiline(reason)
    if not reason:
        raise InvalidValue(_("--reason cannot be empty"))
    with atomic(conn):
        row = _live(conn, interaction_id, "void")
        iid, cid = row["id"], row["customer_id"]
        reopened = _resolved_by(conn, cid, row["at"], iid)
        conn.execute("UPDATE interactions SET voided_at = ?, void_reason = ? WHERE id = ?",
                     (clock.now_text(), reason, iid))
        for complaint_id in reopened:
            conn.execute("UPDATE interactions SET resolved_at = NULL WHERE id = ?",
                         (complaint_id,))
            audit.record(conn, "void", "interaction", complaint_id, ["resolved_at"])
        _refresh_last_contact(conn, cid)
        audit.record(conn, "void", "interaction", iid, ["voided_at", "void_reason"])
    return {"id": iid, "customer_id": cid, "reopened": reopened}


def _changes(row: dict, *, summary, outcome, channel, at, satisfaction, complaint,
             category) -> dict:
    """The new values of the fields given, checked as log-contact checks them."""
    changes = {}
    if summary is not None:
        changes["summary"] = clean_multiline(summary)
        if not changes["summary"]:
            raise InvalidValue(_("--summary cannot be empty"))
        if len(changes["summary"]) > interactions.SUMMARY_MAX:
            raise InvalidValue(_("--summary is longer than {max} characters").format(
                max=interactions.SUMMARY_MAX))
    if outcome is not None:
        changes["outcome"] = clean_multiline(outcome)
    if channel is not None:
        changes["channel"] = interactions.check_channel(channel)
    if at is not None:
        changes["at"] = clock.to_utc_text(interactions.parse_at(at))
    if satisfaction is not None:
        changes["satisfaction"] = interactions.check_satisfaction(satisfaction)
    is_complaint = bool(row["complaint"]) if complaint is None else complaint
    if category is not None and not is_complaint:
        raise UsageError(_("--category goes with --complaint"))
    if complaint is not None and complaint != bool(row["complaint"]):
        changes["complaint"] = 1 if complaint else 0
        changes["complaint_category"] = (interactions.check_category(category or "other")
                                         if complaint else None)
        if not complaint:
            changes["resolved_at"] = None
    elif category is not None:
        changes["complaint_category"] = interactions.check_category(category)
    return changes


def edit(conn, interaction_id, *, summary=None, outcome=None, channel=None, at=None,
         satisfaction=None, complaint: bool | None = None, category=None) -> dict:
    """Change a live interaction's fields; return {id, customer_id, fields}. Last contact,
    the latest rating and the complaints it resolved follow a new ``at``."""
    given = dict(summary=summary, outcome=outcome, channel=channel, at=at,
                 satisfaction=satisfaction, complaint=complaint, category=category)
    if all(v is None for v in given.values()):
        raise UsageError(_("interactions edit needs at least one of --summary, --outcome, "
                           "--channel, --at, --satisfaction, --complaint/--no-complaint, "
                           "--category"))
    with atomic(conn):
        row = _live(conn, interaction_id, "edited")
        iid, cid = row["id"], row["customer_id"]
        changes = _changes(row, **given)
        resolved = _resolved_by(conn, cid, row["at"], iid) if "at" in changes else []
        conn.execute(f"UPDATE interactions SET {', '.join(f'{k} = ?' for k in changes)} "
                     "WHERE id = ?", [*changes.values(), iid])
        for complaint_id in resolved:  # they were resolved by this contact: at its new time
            conn.execute("UPDATE interactions SET resolved_at = ? WHERE id = ?",
                         (changes["at"], complaint_id))
            audit.record(conn, "edit", "interaction", complaint_id, ["resolved_at"])
        _refresh_last_contact(conn, cid)
        audit.record(conn, "edit", "interaction", iid, sorted(changes))
    return {"id": iid, "customer_id": cid, "fields": sorted(changes)}
