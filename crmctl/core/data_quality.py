"""Data quality (`audit data`): what a careful assistant would flag in the customer list.

Checks (each issue names one live customer; forgotten ones are never looked at):

- ``duplicate-email`` / ``duplicate-phone``: another customer has the same email (compared
  case-insensitively) or phone; ``duplicate-name``: same name and company.
- ``invalid-email`` / ``invalid-phone``: the stored value no longer validates (imported
  before validation, edited in the file, or a region setting changed).
- ``no-contact-details``: neither email nor phone.
- ``no-consent``: no consent event on record for any channel.
- ``never-contacted``: no interaction recorded; ``no-contact-1y``: none for a year.
- ``tier-mismatch``: what ``tier review`` proposes (crmctl.core.tiers, the one place the
  rules live: trailing-12-month spend, inactivity, falling satisfaction).

``review`` is the command's call: the report, and the time of this run recorded in the
database (``followups`` shows a data-review row when it is older than data_review_days).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import timedelta

from crmctl import clock
from crmctl.core import duplicates, settings, tiers
from crmctl.core.validate import normalize_email, normalize_phone
from crmctl.errors import InvalidValue
from crmctl.i18n import _, english, pgettext

CHECKS = ("duplicate-email", "duplicate-phone", "duplicate-name", "duplicate-candidate",
          "invalid-email",
          "invalid-phone", "no-contact-details", "no-consent", "never-contacted",
          "no-contact-1y", "tier-mismatch")
LIVE = "forgotten_at IS NULL"


@dataclass
class Issue:
    customer_id: int
    name: str
    check: str
    detail: str

    def to_dict(self) -> dict:
        return asdict(self)


def find_issues(conn, candidates: list | None = None) -> list[Issue]:
    """Every issue found, ordered by customer id, then by check."""
    candidates = duplicates.find(conn) if candidates is None else candidates
    issues = [*_duplicates(conn), *_candidates(candidates), *_invalid_contacts(conn),
              *_simple(conn), *_tiers(conn)]
    order = {check: i for i, check in enumerate(CHECKS)}
    return sorted(issues, key=lambda i: (i.customer_id, order[i.check], i.detail))


def report(conn) -> dict:
    """The JSON document: customers checked, counts per check, the issues and the
    duplicate candidates (best score first)."""
    candidates = duplicates.find(conn)
    issues = find_issues(conn, candidates)
    counts = {check: 0 for check in CHECKS}
    for issue in issues:
        counts[issue.check] += 1
    checked = conn.execute(f"SELECT count(*) FROM customers WHERE {LIVE}").fetchone()[0]
    return {"ok": not issues, "customers": checked, "counts": counts,
            "issues": [i.to_dict() for i in issues],
            "duplicates": [c.to_dict() for c in candidates]}


def review(conn, *, people: bool = True) -> dict:
    """``audit data``: the report, with this run recorded for the data-review reminder; the
    details in the interface language for ``people``, else (JSON, CSV) in English."""
    with nullcontext() if people else english():
        result = report(conn)
    settings.record_data_review(conn)
    return result


def _candidates(candidates: list) -> list[Issue]:
    return [Issue(c.keep, c.keep_name, "duplicate-candidate",
                  _("#{id} {name}: score {score:.2f} ({reasons}); {command}").format(
                      id=c.drop, name=c.drop_name, score=c.score, reasons="; ".join(c.reasons),
                      command=c.command)) for c in candidates]


def _duplicates(conn) -> list[Issue]:
    groups = {
        "duplicate-email": ("lower(email)", "email IS NOT NULL", _("same email as {others}")),
        "duplicate-phone": ("phone", "phone IS NOT NULL", _("same phone as {others}")),
        "duplicate-name": ("lower(name) || char(31) || lower(company)",
                           "company IS NOT NULL", _("same name and company as {others}")),
    }
    out = []
    for check, (key, present, label) in groups.items():
        rows = conn.execute(
            f"SELECT group_concat(id) FROM (SELECT id, {key} AS k FROM customers "
            f"WHERE {LIVE} AND {present} ORDER BY id) GROUP BY k HAVING count(*) > 1")
        for (ids_text,) in rows.fetchall():
            ids = [int(i) for i in ids_text.split(",")]
            names = _names(conn, ids)
            for cid in ids:
                others = ", ".join(f"#{o}" for o in ids if o != cid)
                out.append(Issue(cid, names[cid], check, label.format(others=others)))
    return out


def _names(conn, ids: list[int]) -> dict[int, str]:
    marks = ",".join("?" * len(ids))
    return dict(conn.execute(f"SELECT id, name FROM customers WHERE id IN ({marks})", ids))


def _invalid_contacts(conn) -> list[Issue]:
    region = settings.get(conn, "default_region")
    out = []
    rows = conn.execute(f"SELECT id, name, email, phone FROM customers WHERE {LIVE} "
                        "AND (email IS NOT NULL OR phone IS NOT NULL) ORDER BY id")
    for cid, name, email, phone in rows.fetchall():
        for check, value, normalize in (("invalid-email", email, normalize_email),
                                        ("invalid-phone", phone,
                                         lambda v: normalize_phone(v, region))):
            if value is None:
                continue
            try:
                normalize(value)  # its refusal: the detail (English in JSON: review)
            except InvalidValue as exc:
                out.append(Issue(cid, name, check, str(exc)))
    return out


def _simple(conn) -> list[Issue]:
    year_ago = clock.to_utc_text(clock.now() - timedelta(days=365))
    checks = [
        ("no-contact-details", "email IS NULL AND phone IS NULL", (),
         _("no email and no phone")),
        ("no-consent", "NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = c.id)",
         (), _("no consent recorded for any channel")),
        ("never-contacted", "last_contact_at IS NULL", (), _("no interaction recorded")),
        ("no-contact-1y", "last_contact_at < ?", (year_ago,), None),
    ]
    out = []
    for check, condition, params, detail in checks:
        rows = conn.execute(f"SELECT id, name, last_contact_at FROM customers c "
                            f"WHERE {LIVE} AND {condition}", params)
        for cid, name, last in rows.fetchall():
            out.append(Issue(cid, name, check,
                             detail or _("last contact {day}").format(day=last[:10])))
    return out


def _tiers(conn) -> list[Issue]:
    """The tier review's proposals (crmctl.core.tiers: spend, inactivity, satisfaction)."""

    return [Issue(p.customer_id, p.name, "tier-mismatch",
                  _("tier {tier}, rules say {proposed}: {reason}").format(
                      tier=pgettext("tier", p.tier), proposed=pgettext("tier", p.proposed),
                      reason=p.reason))
            for p in tiers.review(conn, clock.today())]
