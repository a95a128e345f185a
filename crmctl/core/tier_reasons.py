"""The tier review's reasons in the interface language (issue 16.5), read from their text.

The review words its reasons in SQL (tiers._REVIEW_SQL, English printf formats) and the
history keeps them as written, ``rule: reason`` (the notify follow-up's purpose too: "tell
customer: tier gold → silver (inactive: …)"); JSON and CSV show them so. For people under a
Chinese interface each known form is read back here into its numbers and worded through
gettext, so what is stored never changes and old history rows read the same way. A reason a
person typed (``tier set --reason 年度合同续签``) matches no form and stays as typed; so does a
form not known here (English rather than half-worded). An English interface gets the text
back untouched.
"""

from __future__ import annotations

import re

from crmctl.i18n import _, is_english, pgettext

# tiers._wording's formats, read back (the numbers came from settings when they were written)
_FORMS = (
    ("long", r"trailing-(?P<months>\d+)-month spend (?P<spend>.+?) ≥ (?P<threshold>[\d,.]+) "
             r"with a relationship of (?P<years>\d+)\+ years"),
    ("spend", r"trailing-(?P<months>\d+)-month spend (?P<spend>.+?) ≥ (?P<tier>[a-z]+) "
              r"threshold (?P<threshold>[\d,.]+)"),
    ("inactive", r"no purchase for more than (?P<days>\d+) days "
                 r"\((?:no purchase yet|last purchase (?P<day>[\d-]+))\)"),
    ("falling", r"falling satisfaction: latest (?P<n>\d+) ratings never rose, "
                r"(?P<oldest>\d+) → (?P<latest>\d+)"),
    # the fixed reasons of customers.add, import (importing/write.py) and merge
    ("initial", r"initial tier"), ("import", r"import"), ("merged", r"merged with #(?P<id>\d+)"),
)
# the history's "rule: reason" (tiers._change_many)
_RULED = r"(?P<rule>spend|inactive|satisfaction): (?P<reason>.*)"
# tiers.notify_purpose: the notify follow-up's text
_NOTIFY = r"tell customer: tier (?P<old>\w+) → (?P<new>\w+)(?: \((?P<why>.*)\))?"


def _reason(text: str) -> str | None:
    """One reason of the review (without its rule) worded, or None when not a known form."""
    for kind, pattern in _FORMS:
        if found := re.fullmatch(pattern, text):
            break
    else:
        return None
    parts = found.groupdict()
    if kind == "long":
        return _("trailing-{months}-month spend {spend} ≥ {threshold} with a relationship of "
                 "{years}+ years").format(**parts)
    if kind == "spend":
        return _("trailing-{months}-month spend {spend} ≥ {tier} threshold {threshold}").format(
            **{**parts, "tier": pgettext("tier", parts["tier"])})
    if kind == "inactive":
        return (_("no purchase for more than {days} days (no purchase yet)") if not parts["day"]
                else _("no purchase for more than {days} days (last purchase {day})")).format(
                    **parts)
    if kind == "falling":
        return _("falling satisfaction: latest {n} ratings never rose, {oldest} → {latest}"
                 ).format(**parts)
    if kind == "merged":
        return _("merged with #{id}").format(**parts)
    return {"initial": _("initial tier"), "import": pgettext("tier reason", "import")}[kind]


def worded(text: str | None) -> str | None:
    """A reason for people: the review's (``reason``) or the history's (``rule: reason``)
    in the interface language; anything else (a typed reason) as it is."""
    if not text or is_english():
        return text
    ruled = re.fullmatch(_RULED, text, re.S)
    reason = _reason(ruled["reason"] if ruled else text)
    if reason is None:
        return text
    return _("{rule}: {reason}").format(rule=pgettext("rule", ruled["rule"]),
                                        reason=reason) if ruled else reason


def notify_worded(purpose: str | None) -> str | None:
    """A notify follow-up's stored purpose for people ("tell customer: tier …"); another
    purpose (a typed one) as it is."""
    if not purpose or is_english() or not (found := re.fullmatch(_NOTIFY, purpose, re.S)):
        return purpose
    old, new = pgettext("tier", found["old"]), pgettext("tier", found["new"])
    if found["why"] is None:
        return _("tell customer: tier {old} → {new}").format(old=old, new=new)
    return _("tell customer: tier {old} → {new} ({reason})").format(
        old=old, new=new, reason=worded(found["why"]))
