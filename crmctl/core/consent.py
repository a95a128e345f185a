"""Consent per channel (GDPR / PIPL / CCPA): a ledger of grants and withdrawals.

The current state of a channel is the latest event for it; no event means no consent.
"""

from __future__ import annotations

from crmctl import clock
from crmctl.core import audit, bulk
from crmctl.core.references import no_customer, resolve
from crmctl.core.validate import clean_text
from crmctl.core.words import CONSENT_CHANNELS
from crmctl.errors import InvalidValue
from crmctl.i18n import _
from crmctl.store import atomic

CHANNELS = CONSENT_CHANNELS.values  # email, phone, sms, wechat


def check_channel(channel: str) -> str:
    """The consent channel for any of its words (email, 邮件, 短信…; core/words.py)."""
    return CONSENT_CHANNELS.check(channel)


def granted_sql(id_expr: str, channel: str) -> str:
    """SQL that is true when the customer's latest event for ``channel`` is a grant."""
    assert channel in CHANNELS  # interpolated, so only ever a known word
    return (f"(SELECT e.granted FROM consent_events e WHERE e.customer_id = {id_expr} "
            f"AND e.channel = '{channel}' ORDER BY e.at DESC, e.id DESC LIMIT 1) = 1")


def current_state(conn, customer_id: int) -> dict[str, dict | None]:
    """Per channel: the latest event ({granted, at, source, purpose}) or None when none is recorded."""
    state: dict[str, dict | None] = {channel: None for channel in CHANNELS}
    rows = conn.execute(
        "SELECT channel, granted, at, source, purpose FROM consent_events "
        "WHERE customer_id = ? ORDER BY at, id", (customer_id,))
    for channel, granted, at, source, purpose in rows:
        state[channel] = {"granted": bool(granted), "at": at, "source": source,
                          "purpose": purpose}
    return state


def record(conn, customer_id, channel: str, granted: bool, *, source: str | None = None,
           at: str | None = None, purpose: str | None = None) -> dict:
    """Add one grant or withdrawal to the ledger; return the channel's new current state.

    ``at`` is a stored UTC instant (default: now); recorded_by is the OS user. Every event
    is kept, so the history shows who recorded what, when, from what source and for what
    purpose (PIPL: consent is given for a stated purpose).
    """
    cid = _live_id(conn, customer_id)
    channel = check_channel(channel)
    at = at or clock.now_text()
    if at > clock.now_text():
        raise InvalidValue(_("consent cannot be recorded in the future ({at})").format(
            at=clock.local_minute(at)))
    with atomic(conn):
        conn.execute(
            "INSERT INTO consent_events (customer_id, channel, granted, at, source, "
            "recorded_by, purpose) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (cid, channel, int(bool(granted)), at, clean_text(source), audit.os_user(),
             clean_text(purpose)))
        audit.record(conn, "grant" if granted else "withdraw", "consent", cid, [channel])
    return current_state(conn, cid)[channel]


def record_many(conn, customer_ids, channel: str, granted: bool, *,
                source: str | None = None, at: str | None = None,
                purpose: str | None = None) -> list[int]:
    """``record`` for several customers in one transaction, each audited; every id is
    checked first, so one unknown id changes nothing. Return the ids, duplicates dropped."""
    channel = check_channel(channel)
    ids = bulk.live_ids(conn, customer_ids)
    with atomic(conn):
        for cid in ids:
            record(conn, cid, channel, granted, source=source, at=at, purpose=purpose)
    return ids


def history(conn, customer_id) -> list[dict]:
    """Every consent event of a customer, oldest first."""
    cid = _live_id(conn, customer_id)
    cur = conn.execute(
        "SELECT id, channel, granted, at, source, purpose, recorded_by FROM consent_events "
        "WHERE customer_id = ? ORDER BY at, id", (cid,))
    return [{"id": r[0], "channel": r[1], "granted": bool(r[2]), "at": r[3], "source": r[4],
             "purpose": r[5], "recorded_by": r[6]} for r in cur]


def _live_id(conn, customer_id) -> int:
    cid = resolve(conn, customer_id)
    if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                        (cid,)).fetchone():
        raise no_customer(cid)
    return cid
