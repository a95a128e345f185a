"""Interactions (沟通记录) and complaints.

An interaction happened at an instant (stored in UTC, with Z; ``--at`` may be in the past,
never in the future), over a channel, with a summary and optionally an outcome, a direction,
a satisfaction rating 1–5 and a complaint flag with a category. A complaint stays open until
a later interaction resolves it (``resolves``: its id, or "all" open ones of that customer);
``resolved_at`` is then the resolving interaction's time.

Logging keeps ``customers.last_contact_at`` = the latest interaction's time in the same
transaction (a back-dated log never moves it backwards), and ``next_due`` schedules a
follow-up in that same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from crmctl import clock
from crmctl.core import audit, campaigns, dates, followups, words
from crmctl.core.references import no_customer, resolve
from crmctl.core.validate import clean_multiline, sql_limit
from crmctl.errors import InvalidValue, NotFound, UsageError
from crmctl.i18n import _
from crmctl.store import atomic

CHANNELS = words.CHANNELS.values  # phone, email, meeting, visit, wechat, chat, social, other
DIRECTIONS = words.DIRECTIONS.values  # in, out
CATEGORIES = words.CATEGORIES.values  # product, service, delivery, billing, other
SATISFACTION = range(1, 6)
SUMMARY_MAX = 2000


@dataclass
class Logged:
    """What ``log`` did: the new interaction, the complaints it resolved, the follow-up."""

    id: int
    at: str
    customer_id: int
    resolved: list[int] = field(default_factory=list)
    followup_id: int | None = None
    done_followup: int | None = None  # the follow-up this contact answered (--done)
    same_day: list[int] = field(default_factory=list)  # other open follow-ups on --next's day
    still_open: list[tuple[int, str]] = field(default_factory=list)  # (id, due) due by today
    closed: bool = False  # the customer is closed: its follow-ups and complaints stay hidden


def check_channel(value: str | None) -> str:
    """The channel for any of its words (phone, 电话, 手机…; core/words.py)."""
    return words.CHANNELS.check(value)


def check_direction(value: str | None) -> str | None:
    return None if value is None else words.DIRECTIONS.check(value)


def check_category(value: str | None) -> str:
    return words.CATEGORIES.check(value)


def check_satisfaction(value) -> int | None:
    if value is None:
        return None
    try:
        score = int(str(value).strip())
    except ValueError:
        score = None
    if score not in SATISFACTION:
        raise InvalidValue(_("satisfaction must be a whole number from 1 to 5, not {value}").format(
            value=repr(value)))
    return score


def parse_at(value: str | datetime | None) -> datetime:
    """When it happened: a WHEN word or an ISO date-time; now when not given."""

    if value is None:
        return clock.now()
    moment = value if isinstance(value, datetime) else dates.parse_moment(value)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    if moment > clock.now() + timedelta(minutes=1):
        raise InvalidValue(_("--at cannot be in the future ({value})").format(value=value))
    return moment


def log(conn, customer_id, *, channel: str, summary: str, outcome: str | None = None,
        at: str | datetime | None = None, direction: str | None = None, satisfaction=None,
        complaint: bool = False, category: str | None = None, resolves: str | int | None = None,
        next_due: date | None = None, purpose: str | None = None,
        campaign_id=None, done=None) -> Logged:
    """Record an interaction; return what was done. Everything in one transaction: ``done``
    (a follow-up id of this customer) is completed by it, or nothing is logged."""
    cid = resolve(conn, customer_id)
    row = {
        "customer_id": cid, "channel": check_channel(channel), "summary": clean_multiline(summary),
        "outcome": clean_multiline(outcome), "at": clock.to_utc_text(parse_at(at)),
        "direction": check_direction(direction), "satisfaction": check_satisfaction(satisfaction),
        "complaint": 1 if complaint else 0, "complaint_category": None, "campaign_id": None,
    }
    if not row["summary"]:
        raise InvalidValue(_("--summary cannot be empty"))
    if len(row["summary"]) > SUMMARY_MAX:
        raise InvalidValue(_("--summary is longer than {max} characters").format(max=SUMMARY_MAX))
    if category is not None and not complaint:
        raise UsageError(_("--category goes with --complaint"))
    if complaint:
        row["complaint_category"] = check_category(category) if category is not None else "other"
    if purpose is not None and next_due is None:
        raise UsageError(_("--purpose goes with --next"))
    if next_due is not None and next_due < clock.today():
        raise InvalidValue(_("--next cannot be in the past ({day})").format(
            day=next_due.isoformat()))
    if campaign_id is not None:

        row["campaign_id"] = campaigns.check_for_interaction(conn, campaign_id)
    with atomic(conn):
        closed = _require_customer(conn, cid)
        to_resolve = _complaints_to_resolve(conn, cid, resolves, row["at"])
        cur = conn.execute(f"INSERT INTO interactions ({', '.join(row)}) "
                           f"VALUES ({', '.join('?' * len(row))})", list(row.values()))
        iid = cur.lastrowid
        conn.execute("UPDATE customers SET last_contact_at = ? WHERE id = ? AND "
                     "(last_contact_at IS NULL OR last_contact_at < ?)",
                     (row["at"], cid, row["at"]))
        audit.record(conn, "log-contact", "interaction", iid,
                     [k for k, v in row.items() if v not in (None, 0)])
        for complaint_id in to_resolve:
            conn.execute("UPDATE interactions SET resolved_at = ? WHERE id = ?",
                         (row["at"], complaint_id))
            audit.record(conn, "resolve", "interaction", complaint_id, ["resolved_at"])
        done_fid = (followups.done(conn, done, customer_id=cid) if done is not None
                     else None)
        fid = (followups.schedule(conn, cid, next_due, purpose) if next_due is not None
               else None)
        same_day = (followups.open_on_day(conn, cid, next_due, besides=fid)
                    if fid is not None else [])
        still_open = [(f, due) for f, due in followups.still_open(conn, cid) if f != fid]
    return Logged(iid, row["at"], cid, to_resolve, fid, done_fid, same_day, still_open,
                  closed)


def _require_customer(conn, cid: int) -> bool:
    """Whether the live customer ``cid`` is closed (NotFound when there is none)."""
    row = conn.execute("SELECT closed_at IS NOT NULL FROM customers WHERE id = ? AND "
                       "forgotten_at IS NULL", (cid,)).fetchone()
    if not row:
        raise no_customer(cid)
    return bool(row[0])


def _complaints_to_resolve(conn, cid: int, resolves, at: str) -> list[int]:
    """Ids of the open complaints ``resolves`` names (one id, or "all"), checked."""
    if resolves is None:
        return []
    word = str(resolves).strip().lower()
    if word == "all":
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM interactions WHERE customer_id = ? AND complaint = 1 "
            "AND resolved_at IS NULL AND voided_at IS NULL AND at <= ? ORDER BY at, id",
            (cid, at))]
        if not ids:
            raise InvalidValue(_("customer {id} has no open complaint logged before this "
                                 "contact").format(id=cid))
        return ids
    try:
        complaint_id = int(word)
    except ValueError:
        raise InvalidValue(_("--resolves-complaint takes a complaint id or 'all', not {value}"
                             ).format(value=repr(resolves))) from None
    found = conn.execute("SELECT customer_id, complaint, resolved_at, at FROM interactions "
                         "WHERE id = ? AND voided_at IS NULL", (complaint_id,)).fetchone()
    if found is None or found[0] != cid or not found[1]:
        raise NotFound(_("customer {id} has no complaint {complaint}").format(
            id=cid, complaint=complaint_id))
    if found[2] is not None:
        raise InvalidValue(_("complaint {complaint} was already resolved at {at}").format(
            complaint=complaint_id, at=found[2]))
    if found[3] > at:
        raise InvalidValue(_("complaint {complaint} was logged after this contact").format(
            complaint=complaint_id))
    return [complaint_id]


def day_start_utc(day: date) -> str:
    """The stored (UTC) text of local midnight starting ``day``: instants before it fall on
    earlier local days, so local-day comparisons stay plain text comparisons in SQL."""
    return clock.to_utc_text(datetime.combine(day, time(0)).astimezone())


def open_complaints(conn, older_than_days: int | None = None, *, today: date | None = None,
                    customer_id: int | None = None) -> list[dict]:
    """Open complaints, oldest first, each with its age in whole local days.

    ``older_than_days=7`` keeps those open MORE than 7 days (the churn-risk rule): one logged
    on local day D is 7 days old on D+7 (not included) and 8 days old on D+8 (included).
    """
    today = today or clock.today()
    where, params = ["i.complaint = 1", "i.resolved_at IS NULL", "i.voided_at IS NULL",
                     "c.forgotten_at IS NULL"], []
    if older_than_days is not None:
        where.append("i.at < ?")
        params.append(day_start_utc(today - timedelta(days=older_than_days)))
    if customer_id is not None:
        where.append("i.customer_id = ?")
        params.append(customer_id)
    rows = conn.execute(
        "SELECT i.id, i.customer_id, c.name, c.tier, i.at, i.complaint_category, i.summary "
        "FROM interactions i JOIN customers c ON c.id = i.customer_id "
        f"WHERE {' AND '.join(where)} ORDER BY i.at, i.id", params).fetchall()
    out = []
    for iid, cid, name, tier, at, category, summary in rows:
        day = clock.local_date_of(at)
        out.append({"id": iid, "customer_id": cid, "name": name, "tier": tier, "at": at,
                    "day": day.isoformat(), "category": category, "summary": summary,
                    "age_days": (today - day).days})
    return out


def complaint_counts(conn, *, since: date | None = None) -> dict[str, dict[str, int]]:
    """Complaints per category: {"product": {"open": 2, "resolved": 5}, …} (for the report)."""
    params, where = [], ""
    if since is not None:
        where, params = "AND at >= ?", [day_start_utc(since)]
    counts = {cat: {"open": 0, "resolved": 0} for cat in CATEGORIES}
    for category, is_open, n in conn.execute(
            "SELECT coalesce(complaint_category, 'other'), resolved_at IS NULL, count(*) "
            f"FROM interactions WHERE complaint = 1 AND voided_at IS NULL {where} "
            "GROUP BY 1, 2", params):
        counts[category]["open" if is_open else "resolved"] += n
    return counts


def for_customer(conn, customer_id: int, limit: int | None = None) -> list[dict]:
    """A customer's live (not voided) interactions, newest first, with the local day of each."""
    rows = conn.execute(
        "SELECT id, at, channel, direction, summary, outcome, satisfaction, complaint, "
        "complaint_category, resolved_at, campaign_id FROM interactions WHERE customer_id = ? "
        "AND voided_at IS NULL "
        "ORDER BY at DESC, id DESC" + (sql_limit(limit) if limit else ""),
        (customer_id,)).fetchall()
    keys = ("id", "at", "channel", "direction", "summary", "outcome", "satisfaction",
            "complaint", "category", "resolved_at", "campaign_id")
    out = []
    for row in rows:
        item = dict(zip(keys, row))
        item["complaint"] = bool(item["complaint"])
        item["day"] = clock.local_date_of(item["at"]).isoformat()
        out.append(item)
    return out
