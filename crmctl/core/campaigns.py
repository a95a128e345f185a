"""Marketing campaigns (营销活动): plan, target within consent, execute, record, evaluate.

A campaign has one consent channel (email, phone, sms, wechat): only people whose latest
consent event for that channel is a grant are ever targeted, and consent is checked again
when the target list is exported (``export_rows``; crmctl.core.exporting.campaign writes
it). Those the targeting left out are remembered (campaign_exclusions) so the report can
say how many consent kept out.

Money is exact (crmctl.core.money): amounts are stored as integer minor units; reports give
money as decimal strings like "1234.50" in the campaign's currency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from crmctl import clock
from crmctl.core import audit, consent, rules, settings
from crmctl.core.customers import Filter, matching_ids
from crmctl.core.dates import parse_when
from crmctl.core.money import check_currency, money_text, parse_money
from crmctl.core.references import no_customer, resolve
from crmctl.core.validate import clean_text, parse_positive_id
from crmctl.core.words import STAGES
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _
from crmctl.store import atomic

AFTER_DAYS = rules.CAMPAIGN_ATTRIBUTION_DAYS
# The contact field the mailing or messaging tool needs, per consent channel.
ADDRESS_FIELD = {"email": "email", "phone": "phone", "sms": "phone", "wechat": "wechat"}
_COLUMNS = ("id, name, channel, goal_responses, goal_revenue_minor, budget_minor, currency, "
            "start_date, end_date, note, created_at")


@dataclass
class Campaign:
    id: int
    name: str
    channel: str
    goal_responses: int | None
    goal_revenue_minor: int | None
    budget_minor: int | None
    currency: str
    start: str | None
    end: str | None
    note: str | None
    created_at: str

    def to_dict(self) -> dict:
        data = asdict(self)
        data["goal_revenue"] = money_text(data.pop("goal_revenue_minor"), self.currency)
        data["budget"] = money_text(data.pop("budget_minor"), self.currency)
        return data


def _currency(conn, value: str | None) -> str:
    return check_currency(clean_text(value) or settings.get(conn, "currency"))


# -- create, read -------------------------------------------------------------------------

def create(conn, name: str, channel: str, *, goal_responses: int | None = None,
           goal_revenue=None, budget=None, currency: str | None = None,
           start: str | None = None, end: str | None = None, note: str | None = None) -> int:
    """Plan a campaign; return its id. Dates are WHEN words; money is text or Decimal."""
    title = clean_text(name)
    if not title:
        raise InvalidValue(_("a campaign needs a name"))
    code = _currency(conn, currency)
    fields = {
        "name": title,
        "channel": consent.check_channel(channel),
        "goal_responses": _count(goal_responses, "--goal-responses"),
        "goal_revenue_minor": parse_money(goal_revenue, "--goal-revenue", code),
        "budget_minor": parse_money(budget, "--budget", code),
        "currency": code,
        "start_date": parse_when(start).isoformat() if start else None,
        "end_date": parse_when(end).isoformat() if end else None,
        "note": clean_text(note),
    }
    if fields["start_date"] and fields["end_date"] and fields["end_date"] < fields["start_date"]:
        raise InvalidValue(_("the end ({end}) is before the start ({start})").format(
            end=fields["end_date"], start=fields["start_date"]))
    with atomic(conn):
        columns = [*fields, "created_at"]
        cur = conn.execute(
            f"INSERT INTO campaigns ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [*fields.values(), clock.now_text()])
        audit.record(conn, "create", "campaign", cur.lastrowid,
                     [k for k, v in fields.items() if v is not None])
    return cur.lastrowid


def _count(value, what: str) -> int | None:
    if value is None:
        return None
    if int(value) < 0:
        raise InvalidValue(_("{option} cannot be negative ({value})").format(
            option=what, value=value))
    return int(value)


def parse_campaign_id(value) -> int:
    return parse_positive_id(value, "campaign")


def get(conn, campaign_id) -> Campaign:
    cid = parse_campaign_id(campaign_id)
    row = conn.execute(f"SELECT {_COLUMNS} FROM campaigns WHERE id = ?", (cid,)).fetchone()
    if row is None:
        raise NotFound(_("no campaign {id}").format(id=cid))
    return Campaign(*row)


def all_campaigns(conn) -> list[Campaign]:
    return [Campaign(*row) for row in conn.execute(f"SELECT {_COLUMNS} FROM campaigns ORDER BY id")]


def window(camp: Campaign, today: date | None = None) -> tuple[date, date, date]:
    """(start, end, end + the attribution window): an open start is the creation day, an open end today."""
    today = today or clock.today()
    start = date.fromisoformat(camp.start) if camp.start else clock.local_date_of(camp.created_at)
    end = date.fromisoformat(camp.end) if camp.end else max(today, start)
    return start, end, end + timedelta(days=AFTER_DAYS)


def attributed_sql(campaign: str, start: str, after: str, p: str = "p") -> str:
    """The one rule of which money movements (purchase_ledger rows, alias ``p``) count for a
    campaign, shared by `campaign report` and `report sales --by campaign`: those tied to
    it, and those of its targets whose purchase was bought from ``start`` to ``after`` (the
    end + AFTER_DAYS; see ``window``). The arguments are SQL expressions."""
    return (f"({p}.campaign_id = {campaign} OR ({p}.bought BETWEEN {start} AND {after} "
            f"AND EXISTS (SELECT 1 FROM campaign_targets t WHERE t.campaign_id = {campaign} "
            f"AND t.customer_id = {p}.customer_id)))")


def windows(conn, today: date | None = None) -> list[tuple[int, str, str]]:
    """(id, start, counted until) of every campaign, as ``window`` works them out."""
    return [(camp.id, start.isoformat(), after.isoformat())
            for camp in all_campaigns(conn) for start, _, after in [window(camp, today)]]


def status(camp: Campaign, today: date | None = None) -> str:
    today = today or clock.today()
    if camp.start and today < date.fromisoformat(camp.start):
        return "planned"
    if camp.end and today > date.fromisoformat(camp.end):
        return "ended"
    return "running"


# -- targeting ----------------------------------------------------------------------------

def target(conn, campaign_id, flt: Filter | None = None, *, dry_run: bool = False) -> dict:
    """Add the customers matching ``flt`` who consent to the campaign's channel as targets.

    Returns counts: matched, added, already_targeted, excluded_no_consent (matched people
    without consent: never targeted, remembered for the report). ``dry_run`` only counts.
    """
    camp = get(conn, campaign_id)
    flt = flt or Filter()
    if flt.closed != "open" or (flt.stage and STAGES.check(flt.stage) == "closed"):
        raise InvalidValue(_("a campaign never targets closed customers: leave out "
                             "--stage closed"))
    flt = replace(flt, consent=None, limit=None)
    if dry_run:
        return {**_plan(conn, camp, flt)[0], "dry_run": True}
    with atomic(conn):  # read and write under one lock: a concurrent target cannot interleave
        result, new, excluded = _plan(conn, camp, flt)
        if new or excluded:
            now = clock.now_text()
            conn.executemany("INSERT INTO campaign_targets (campaign_id, customer_id, added_at)"
                             " VALUES (?, ?, ?)", [(camp.id, cid, now) for cid in new])
            conn.executemany("DELETE FROM campaign_exclusions WHERE campaign_id = ? "
                             "AND customer_id = ?", [(camp.id, cid) for cid in new])
            conn.executemany("INSERT INTO campaign_exclusions (campaign_id, customer_id, at)"
                             " VALUES (?, ?, ?)", [(camp.id, cid, now) for cid in excluded])
            audit.record(conn, "target", "campaign", camp.id,
                         (["targets"] if new else []) + (["exclusions"] if excluded else []))
    return result


def _plan(conn, camp: Campaign, flt: Filter) -> tuple[dict, list[int], list[int]]:
    """(counts, ids to add as targets, ids newly excluded for lack of consent)."""
    matched = matching_ids(conn, flt)
    consenting = _consenting(conn, camp.channel, matched)
    already = {r[0] for r in conn.execute(
        "SELECT customer_id FROM campaign_targets WHERE campaign_id = ?", (camp.id,))}
    new = [cid for cid in matched if cid in consenting and cid not in already]
    excluded = [cid for cid in matched if cid not in consenting and cid not in already]
    result = {"campaign_id": camp.id, "channel": camp.channel, "matched": len(matched),
              "added": len(new), "already_targeted": len(matched) - len(new) - len(excluded),
              "excluded_no_consent": len(excluded), "dry_run": False}
    known = {r[0] for r in conn.execute(
        "SELECT customer_id FROM campaign_exclusions WHERE campaign_id = ?", (camp.id,))}
    return result, new, [cid for cid in excluded if cid not in known]


def _consenting(conn, channel: str, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        found.update(r[0] for r in conn.execute(
            f"SELECT c.id FROM customers c WHERE c.id IN ({','.join('?' * len(chunk))}) "
            f"AND c.forgotten_at IS NULL AND {consent.granted_sql('c.id', channel)}", chunk))
    return found


# -- execution ----------------------------------------------------------------------------

def export_rows(conn, campaign_id) -> tuple[Campaign, list[dict], dict]:
    """The target list for the mailing tool, with consent checked again NOW.

    Rows carry only what the tool needs: id, name, company and the channel's address
    (email, phone or wechat). Targets who withdrew consent since, were forgotten, or have
    no address for the channel are dropped and counted; so are those closed since
    (a closed customer is never in a marketing list; reopened, they count again).
    """
    camp = get(conn, campaign_id)
    address = ADDRESS_FIELD[camp.channel]
    rows, dropped = [], {"no_consent": 0, "closed": 0, "no_address": 0}
    cur = conn.execute(
        f"SELECT c.id, c.name, c.company, c.{address}, c.forgotten_at IS NULL, "
        f"coalesce({consent.granted_sql('c.id', camp.channel)}, 0), c.closed_at IS NOT NULL "
        "FROM campaign_targets t JOIN customers c ON c.id = t.customer_id "
        "WHERE t.campaign_id = ? ORDER BY c.id", (camp.id,))
    for cid, name, company, value, live, granted, closed in cur.fetchall():
        if not (live and granted):
            dropped["no_consent"] += 1
        elif closed:
            dropped["closed"] += 1
        elif not value:
            dropped["no_address"] += 1
        else:
            rows.append({"id": cid, "name": name, "company": company, address: value})
    return camp, rows, {"exported": len(rows), "dropped": dropped,
                        "columns": ["id", "name", "company", address]}


def respond(conn, campaign_id, customer_id, outcome: str | None = None) -> dict:
    """Record that a target responded (the first response time is kept)."""
    camp = get(conn, campaign_id)
    cid = resolve(conn, customer_id)
    if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                        (cid,)).fetchone():
        raise no_customer(cid)
    row = conn.execute("SELECT responded_at FROM campaign_targets WHERE campaign_id = ? AND "
                       "customer_id = ?", (camp.id, cid)).fetchone()
    if row is None:
        raise NotFound(_("customer {id} is not a target of campaign {campaign}").format(
            id=cid, campaign=camp.id))
    outcome = clean_text(outcome)
    with atomic(conn):
        conn.execute("UPDATE campaign_targets SET responded_at = coalesce(responded_at, ?), "
                     "outcome = coalesce(?, outcome) WHERE campaign_id = ? AND customer_id = ?",
                     (clock.now_text(), outcome, camp.id, cid))
        audit.record(conn, "respond", "campaign", camp.id,
                     ["responded_at"] + (["outcome"] if outcome else []))
    return {"campaign_id": camp.id, "customer_id": cid, "first_response": row[0] is None}


def check_for_interaction(conn, campaign_id) -> int:
    """The campaign id to store on an interaction (log-contact --campaign): it must exist."""
    return get(conn, campaign_id).id


# -- evaluation ---------------------------------------------------------------------------

def report(conn, campaign_id, today: date | None = None) -> dict:
    """The campaign's figures against its goals (money as exact decimal strings).

    responded: targets who were recorded with `campaign respond` or who wrote back (an
    inbound interaction tied to the campaign). purchases / revenue: purchases in the
    campaign's currency by targets dated from the start to AFTER_DAYS after the end, plus any
    purchase tied to the campaign itself; revenue is net of their refunds (purchase_ledger),
    voided purchases and interactions count nowhere.
    """
    camp = get(conn, campaign_id)
    start, end, after = window(camp, today)
    p = {"id": camp.id, "start": start.isoformat(), "end": end.isoformat(),
         "after": after.isoformat(), "currency": camp.currency}
    targeted, reached, responded = conn.execute("""
        SELECT count(*),
               coalesce(sum(EXISTS (SELECT 1 FROM interactions i WHERE i.campaign_id = :id
                                    AND i.customer_id = t.customer_id
                                    AND i.voided_at IS NULL)), 0),
               coalesce(sum(t.responded_at IS NOT NULL OR EXISTS (
                   SELECT 1 FROM interactions i WHERE i.campaign_id = :id
                   AND i.customer_id = t.customer_id AND i.direction = 'in'
                   AND i.voided_at IS NULL)), 0)
        FROM campaign_targets t WHERE t.campaign_id = :id""", p).fetchone()
    excluded = conn.execute(
        "SELECT count(*) FROM campaign_exclusions WHERE campaign_id = ?", (camp.id,)).fetchone()[0]
    in_window, after_end, revenue, other = conn.execute("""
        SELECT coalesce(sum(kind = 'purchase' AND currency = :currency AND date <= :end), 0),
               coalesce(sum(kind = 'purchase' AND currency = :currency AND date > :end), 0),
               coalesce(sum(CASE WHEN currency = :currency THEN amount_minor END), 0),
               coalesce(sum(kind = 'purchase' AND currency <> :currency), 0)
        FROM purchase_ledger p WHERE """ + attributed_sql(":id", ":start", ":after"),
        p).fetchone()
    budget, cur = camp.budget_minor, camp.currency
    return {
        "id": camp.id, "name": camp.name, "channel": camp.channel, "currency": camp.currency,
        "status": status(camp, today), "window_start": p["start"], "window_end": p["end"],
        "counted_until": p["after"], "targeted": targeted,
        "excluded_no_consent": excluded, "reached": reached, "responded": responded,
        "response_rate": _ratio(responded, targeted),
        "purchases": in_window + after_end, "purchases_in_window": in_window,
        "purchases_after_end": after_end, "purchases_other_currency": other,
        "revenue": money_text(revenue, cur), "budget": money_text(budget, cur),
        "cost_per_response": (money_text(_divide_minor(budget, responded), cur)
                              if budget is not None and responded else None),
        "return_on_budget": _ratio(revenue, budget),
        "goal_responses": camp.goal_responses,
        "goal_responses_progress": _ratio(responded, camp.goal_responses),
        "goal_revenue": money_text(camp.goal_revenue_minor, cur),
        "goal_revenue_progress": _ratio(revenue, camp.goal_revenue_minor),
    }


def _ratio(part: int, whole: int | None) -> float | None:
    """part / whole to 4 decimal places, or None when the whole is unknown or zero."""
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _divide_minor(minor: int, n: int) -> int:
    return int((Decimal(minor) / n).quantize(Decimal("1"), ROUND_HALF_UP))


def overview(conn, today: date | None = None) -> list[dict]:
    """Every campaign's headline figures, side by side (campaign list)."""
    return [report(conn, camp.id, today) for camp in all_campaigns(conn)]
