"""Several customers at once (issue 17.5): ids from the command line or from stdin, all
checked before anything changes.

``-`` among the ids means "the ids on stdin": numbers separated by white space or new
lines, or JSON as ``crmctl list --format json`` prints it (a list of objects with an
``id``), also a stream of such values (``jq '.[]'``), lists of numbers or one number.
"""

from __future__ import annotations

import json

from crmctl.core.references import no_customer, resolve
from crmctl.errors import InvalidValue
from crmctl.i18n import _

STDIN = "-"


def ids_from_text(text: str) -> list[str]:
    """The ids written in ``text`` (stdin), in order, as typed (checked later)."""
    body = text.strip()
    if not body:
        raise InvalidValue(_("no customer ids on stdin"))
    if body[0] not in "[{":
        return body.split()
    ids: list[str] = []
    decoder, at = json.JSONDecoder(), 0
    while at < len(body):
        try:
            value, at = decoder.raw_decode(body, at)
        except json.JSONDecodeError as exc:
            raise InvalidValue(_("cannot read the ids on stdin: {error} at line {line} column "
                                 "{column}").format(error=exc.msg, line=exc.lineno,
                                                    column=exc.colno)) from None
        _collect(value, ids)
        while at < len(body) and body[at].isspace():
            at += 1
    if not ids:
        raise InvalidValue(_("no customer ids on stdin"))
    return ids


def _collect(value, ids: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, ids)
    elif isinstance(value, dict):
        if "id" not in value:
            raise InvalidValue(_('a JSON object on stdin has no "id"'))
        _collect(value["id"], ids)
    elif isinstance(value, (int, str)) and not isinstance(value, bool):
        ids.append(str(value))
    else:
        raise InvalidValue(_("not a customer id on stdin: {value}").format(value=json.dumps(value)))


def expand(ids: list[str], read_stdin) -> list[str]:
    """The command line's ids with ``-`` replaced by those on stdin (read once)."""
    if STDIN not in ids:
        return list(ids)
    from_stdin = ids_from_text(read_stdin())
    out: list[str] = []
    for value in ids:
        out.extend(from_stdin if value == STDIN else [value])
    return out


def live_ids(conn, ids) -> list[int]:
    """Each id parsed and found among live customers, duplicates dropped, in order; the
    first bad or unknown one stops everything (one line naming it), before any change."""
    parsed = list(dict.fromkeys(resolve(conn, i) for i in ids))
    if not parsed:
        raise InvalidValue(_("no customer ids given"))
    for cid in parsed:
        if not conn.execute("SELECT 1 FROM customers WHERE id = ? AND forgotten_at IS NULL",
                            (cid,)).fetchone():
            raise no_customer(cid)
    return parsed
