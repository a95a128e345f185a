"""Consent per channel (GDPR / PIPL / CCPA): a ledger of grants and withdrawals.

The current state of a channel is the latest event for it; no event means no consent.
"""

from __future__ import annotations

from crmctl.errors import InvalidValue

CHANNELS = ("email", "phone", "sms", "wechat")


def check_channel(channel: str) -> str:
    value = (channel or "").strip().lower()
    if value not in CHANNELS:
        raise InvalidValue(f"unknown consent channel {channel!r}; channels: {', '.join(CHANNELS)}")
    return value


def granted_sql(id_expr: str, channel: str) -> str:
    """SQL that is true when the customer's latest event for ``channel`` is a grant."""
    assert channel in CHANNELS  # interpolated, so only ever a known word
    return (f"(SELECT e.granted FROM consent_events e WHERE e.customer_id = {id_expr} "
            f"AND e.channel = '{channel}' ORDER BY e.at DESC, e.id DESC LIMIT 1) = 1")


def current_state(conn, customer_id: int) -> dict[str, dict | None]:
    """Per channel: the latest event ({granted, at, source}) or None when none is recorded."""
    state: dict[str, dict | None] = {channel: None for channel in CHANNELS}
    rows = conn.execute(
        "SELECT channel, granted, at, source FROM consent_events WHERE customer_id = ? "
        "ORDER BY at, id", (customer_id,))
    for channel, granted, at, source in rows:
        state[channel] = {"granted": bool(granted), "at": at, "source": source}
    return state
