"""A customer's timeline for `show`: interactions, purchases, tier changes, follow-ups and
each close and reopen, newest first, each as one dict with a one-line ``description``.

Every entry has ``kind`` (interaction, purchase, tier, followup, close, reopen), ``id``,
``at`` (a stored
UTC instant, or a local day for purchases and open follow-ups) and ``description``, plus
the raw fields of its kind. A done follow-up sits at the moment it was done, an open one
at its due day (so planned contacts come first).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from contextlib import nullcontext

from crmctl import clock, i18n
from crmctl.i18n import _, pgettext
from crmctl.core import closing, contact_points, consent, customers, repurchase, tier_reasons
from crmctl.core.analysis import value

# ISO 4217 currencies without minor units; every other one has two decimals here.
ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF"}


def money(amount_minor: int, currency: str) -> str:
    """Integer minor units as an exact decimal text with the currency: '1280.50 CNY'."""
    places = 0 if currency.upper() in ZERO_DECIMAL else 2
    value = Decimal(amount_minor).scaleb(-places)
    return f"{value:,.{places}f} {currency}"


def sort_key(at: str) -> datetime:
    """Instants and local days on one axis: a bare day counts as its local midnight."""
    if len(at) == 10:
        return datetime.combine(date.fromisoformat(at), datetime.min.time()).astimezone()
    return clock.from_utc_text(at)


def show(conn, customer_id, *, people: bool = True) -> dict:
    """The customer record (contract keys first), its ``timeline`` and its ``consent``;
    the descriptions in the interface language for ``people``, else (JSON, CSV) English."""

    card = customers.get(conn, customer_id)
    data = card.to_dict()
    data.update(contact_points.of_customer(conn, card.id))  # phones[], emails[]: every one
    data.update(value.card(conn, card.id))  # spend, average order, RFM segment (issue 18)
    data.update(closing.state(conn, card.id))  # closed_at, close_reason (issue 18.8)
    data.update(repurchase.window_of(conn, card.id))  # the purchase-churn window (18.2)
    with nullcontext() if people else i18n.english():
        data["timeline"] = timeline(conn, card.id)
    data["consent"] = consent.current_state(conn, card.id)
    return data


def timeline(conn, cid: int) -> list[dict]:
    entries = (_interactions(conn, cid) + _purchases(conn, cid) + _tiers(conn, cid)
               + _followups(conn, cid) + _closings(conn, cid))
    kinds = {"followup": 0, "interaction": 1, "tier": 2, "purchase": 3, "close": 4,
             "reopen": 4}
    entries.sort(key=lambda e: (sort_key(e["at"]), -kinds[e["kind"]], e["id"]), reverse=True)
    first = ("kind", "id", "at", "description")
    return [{**{k: e[k] for k in first}, **{k: v for k, v in e.items() if k not in first}}
            for e in entries]


def _dicts(conn, sql: str, cid: int) -> list[dict]:
    cur = conn.execute(sql, (cid,))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur]


def _interactions(conn, cid: int) -> list[dict]:
    rows = _dicts(conn, "SELECT id, at, channel, direction, summary, outcome, satisfaction, "
                        "complaint, complaint_category, resolved_at, voided_at, void_reason "
                        "FROM interactions "
                        "WHERE customer_id = ?", cid)
    for r in rows:
        r["complaint"] = bool(r["complaint"])
        how = pgettext("channel", r["channel"]) + {"in": _(" (in)"), "out": _(" (out)")}.get(
            r["direction"], "")
        text = _("{how}: {summary}").format(how=how, summary=r["summary"])
        if r["outcome"]:
            text += f" → {r['outcome']}"
        if r["satisfaction"] is not None:
            text += _("; satisfaction {n}/5").format(n=r["satisfaction"])
        if r["complaint"]:
            state = (_("resolved {day}").format(day=clock.local_date_of(r["resolved_at"]))
                     if r["resolved_at"] else _("open"))
            text += _("; complaint ({category}, {state})").format(
                category=pgettext("category", r["complaint_category"] or "other"), state=state)
        if r["voided_at"]:
            text += _(" [voided: {reason}]").format(reason=r["void_reason"])
        r.update(kind="interaction", description=text)
    return rows


def _purchases(conn, cid: int) -> list[dict]:
    rows = _dicts(conn, "SELECT id, date AS at, amount_minor, currency, note, voided_at, "
                        "void_reason FROM purchases WHERE customer_id = ?", cid)
    for r in rows:
        amount = money(r["amount_minor"], r["currency"])
        text = _("purchase {amount}").format(amount=amount)
        if r["note"]:  # a Chinese colon in Chinese: the catalog's "{how}: {summary}"
            text = _("{how}: {summary}").format(how=text, summary=r["note"])
        if r["voided_at"]:
            text += _(" [voided: {reason}]").format(reason=r["void_reason"])
        r.update(kind="purchase", amount=amount.rsplit(" ", 1)[0].replace(",", ""),
                 description=text)
    return rows + _refunds(conn, cid)


def _refunds(conn, cid: int) -> list[dict]:
    """Refunds, as purchase entries of their own day: 'refund 500.00 CNY of purchase #3'."""
    rows = _dicts(conn, "SELECT p.id, r.date AS at, r.amount_minor, p.currency, r.reason, "
                        "p.voided_at FROM refunds r JOIN purchases p ON p.id = r.purchase_id "
                        "WHERE p.customer_id = ?", cid)
    for r in rows:
        amount = money(r["amount_minor"], r["currency"])
        r.update(kind="purchase", amount="-" + amount.rsplit(" ", 1)[0].replace(",", ""),
                 description=_("refund {amount} of purchase #{id}: {reason}").format(
                     amount=amount, id=r["id"], reason=r["reason"])
                 + (_(" [voided]") if r["voided_at"] else ""))
    return rows


def _tiers(conn, cid: int) -> list[dict]:
    rows = _dicts(conn, "SELECT id, at, old_tier, new_tier, reason, source FROM tier_history "
                        "WHERE customer_id = ?", cid)
    for r in rows:
        new = pgettext("tier", r["new_tier"])
        change = f"{pgettext('tier', r['old_tier'])} → {new}" if r["old_tier"] else new
        r.update(kind="tier", description=_("tier {change} ({source}): {reason}").format(
            change=change, source=pgettext("source", r["source"]) if r["source"] else r["source"],
            reason=tier_reasons.worded(r["reason"])))
    return rows


def _followups(conn, cid: int) -> list[dict]:
    rows = _dicts(conn, "SELECT id, due, kind AS followup_kind, purpose, done_at, note, "
                        "cancel_reason FROM followups WHERE customer_id = ?", cid)
    for r in rows:
        what = (_("tier-change notice #{id}") if r["followup_kind"] == "notify"
                else _("follow-up #{id}")).format(id=r["id"])
        purpose = tier_reasons.notify_worded(r["purpose"])
        text = _("{how}: {summary}").format(how=what, summary=purpose) if purpose else what
        if r["cancel_reason"]:
            text += _(" (due {due}, cancelled: {reason})").format(due=r["due"],
                                                                 reason=r["cancel_reason"])
        elif r["done_at"]:
            text += (_(" (due {due}, done: {note})") if r["note"] else
                     _(" (due {due}, done)")).format(due=r["due"], note=r["note"])
        else:
            text += _(" (open, due {due})").format(due=r["due"])
        r.update(kind="followup", at=r["done_at"] or r["due"], description=text)
    return rows


def _closings(conn, cid: int) -> list[dict]:
    """Closing and reopening (crmctl close/reopen), with the reason given."""
    rows = closing.events(conn, cid)
    for r in rows:
        if r["kind"] == "close":
            text = _("closed: {reason}") if r["reason"] else _("closed")
        else:
            text = _("reopened: {reason}") if r["reason"] else _("reopened")
        r["description"] = text.format(reason=r["reason"])
    return rows


def when_text(at: str) -> str:
    """How a timeline moment reads to a person: a local day, or a local day and time."""
    return at if len(at) == 10 else clock.local_minute(at)


def consent_text(state: dict) -> str:
    """One line of consent per channel: 'email granted 2026-11-20 (newsletter); sms
    withdrawn …' (the purpose in brackets when one was recorded)."""
    parts = [(_("{channel} granted {day}") if event["granted"] else
              _("{channel} withdrawn {day}")).format(channel=pgettext("channel", channel),
                                                     day=clock.local_date_of(event["at"]))
             + (f" ({event['purpose']})" if event.get("purpose") else "")
             for channel, event in state.items() if event]
    return "; ".join(parts) or _("none recorded")
