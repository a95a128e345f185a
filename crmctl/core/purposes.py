"""Why a follow-up is due, in the interface language (issue 16.5): 定期回访, 流失预警…

The report's purpose column is English, made by SQLite (JSON and CSV keep it: scripts read
it). For people under a Chinese interface the table (render/views.py) and the calendar
(exporting/ics.py) ask for the purpose as a code and its values too (the column ``args``,
core/followups_report.py ``_ARGS``) and word it here through gettext. An English interface
never comes here: the English table shows SQLite's text, which these English messages equal
(tests/test_followup_purposes.py checks each).
A purpose typed by a person (a scheduled follow-up) stays as typed; one whose code or
values are not known here (a newer kind of risk) stays English rather than half-worded.
"""

from __future__ import annotations

import json
import re
from typing import Sequence

from crmctl.core.tier_reasons import worded as tier_reason
from crmctl.i18n import _, pgettext

# core/tiers.notify_purpose: the text a tier change stores for its notify follow-up (with
# the change's reason since issue 18.2, kept as written)
_NOTIFY = re.compile(r"tell customer: tier (\w+) → (\w+)(?: \((.*)\))?", re.S)


def _texts() -> dict[str, str]:
    """The messages in the interface language, looked up once per report (not per row)."""
    return {
        "complaint late": _("complaint #{id} logged {at}: answer within {hours} h, by {by}; "
                            "{h} h {m} min overdue"),
        "complaint": _("complaint #{id} logged {at}: answer within {hours} h, by {by}; "
                       "{h} h {m} min left"),
        "cadence never": _("{tier} cadence: every {days} days; never contacted since added "
                           "{day}"),
        "cadence": _("{tier} cadence: every {days} days; last contact {day}"),
        "risk 0 never": _("never contacted for {n} days ({tier}: every {m})"),
        "risk 0": _("no contact for {n} days ({tier}: every {m})"),
        "risk 1": _("last satisfaction {n}/5 ({day})"),
        "risk 2": _("complaint open {days} days"),  # one: no "1 个…, the oldest"
        "risk 2 many": _("{n} complaints open, oldest {days} days"),
        "risk 3": _("no purchase for {n} days (window {m}; median interval {median} days)"),
        "risk 3 never": _("no purchase for {n} days (window {m}; a single purchase)"),
        "separator": pgettext("separator", "; "),
        "birthday": _("birthday"),
        "birthday age": _("birthday (turns {age})"),
        "anniversary": _("{nth} anniversary of the first purchase ({day})"),
        "lunar": _("lunar birthday (农历{day})"),
        "review never": _("data review every {days} days: run crmctl audit data (never run; "
                          "in use since {day})"),
        "review": _("data review every {days} days: run crmctl audit data (last run {day})"),
        "retention": _("retention {days} days: {n} customer(s) to forget; run crmctl "
                       "retention"),
        "notify": _("tell customer: tier {old} → {new}"),
        "notify why": _("tell customer: tier {old} → {new} ({reason})"),
    }


class Wording:
    """The purposes of one report worded by its codes (args); a code or values not known
    here raise (KeyError, TypeError, ValueError): the caller keeps the English."""

    def __init__(self):
        self.text = _texts()
        self.tiers: dict = {}
        # json.loads without its Python-level wrapper: half the time for 24,000 small arrays
        self.scan = json.JSONDecoder().scan_once

    def tier(self, word) -> str:
        if word not in self.tiers:
            self.tiers[word] = pgettext("tier", word) if word else ""
        return self.tiers[word]

    def complaint(self, iid, at, hours, by, secs) -> str:
        return self.text["complaint late" if secs > 0 else "complaint"].format(
            id=iid, at=at, hours=hours, by=by, h=abs(secs) // 3600,
            m=f"{abs(secs) // 60 % 60:02d}")

    def cadence(self, tier, days, never, day) -> str:
        return self.text["cadence never" if never else "cadence"].format(
            tier=self.tier(tier), days=days, day=day)

    def churn(self, tier, risks) -> str:
        return self.text["separator"].join(self.risk(tier, *risk) for risk in sorted(risks))

    def risk(self, tier, kind, n, m, never, day) -> str:
        # kinds (core/followups_report risks): 0 silence (never: not since added), 1 rating,
        # 2 complaints, 3 no repurchase (never: the median gap, None for a single purchase)
        if kind not in (0, 1, 2, 3):  # a kind of risk not known here
            raise KeyError(kind)
        if kind == 3:
            return self.text["risk 3" if never is not None else "risk 3 never"].format(
                n=n, m=m, median=format(never, "g") if never is not None else "")
        key = f"risk {kind}" + (" never" if kind == 0 and never else "") + (
            " many" if kind == 2 and n != 1 else "")
        return self.text[key].format(n=n, m=m, days=m, day=day, tier=self.tier(tier))

    def birthday(self, age) -> str:
        return self.text["birthday"] if age is None else self.text["birthday age"].format(age=age)

    def anniversary(self, years, day) -> str:
        suffix = "th" if 10 <= years % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
            years % 10, "th")
        return self.text["anniversary"].format(nth=f"{years}{suffix}", n=years, day=day)

    def lunar(self, day) -> str:
        return self.text["lunar"].format(day=day)

    def review(self, days, day, never) -> str:
        return self.text["review never" if never else "review"].format(days=days, day=day)

    def retention(self, days, n) -> str:
        return self.text["retention"].format(days=days, n=n)

    def notify(self, old, new, reason=None) -> str:
        return self.text["notify why" if reason is not None else "notify"].format(
            old=self.tier(old), new=self.tier(new), reason=tier_reason(reason))

    def sentence(self, reason: str, purpose: str, args: str | None) -> str:
        """A row's purpose for people: from its code and values (``args``, JSON) when it
        has them, a tier-change notice from its stored text, else ``purpose`` as is."""
        if args:
            try:
                code, *values = self.scan(args, 0)[0]
                return getattr(self, _METHODS[code])(*values)
            except (KeyError, TypeError, ValueError, StopIteration):
                return purpose
        if reason == "notify" and (found := _NOTIFY.fullmatch(purpose)):
            return self.notify(found[1], found[2], found[3])
        return purpose


_METHODS = {"complaint": "complaint", "cadence": "cadence", "churn-risk": "churn",
            "birthday": "birthday", "anniversary": "anniversary",
            "lunar-birthday": "lunar", "data-review": "review", "retention": "retention"}


def sentence(reason: str, purpose: str, args: str | None) -> str:
    """One row's purpose for people (see Wording.sentence)."""
    return Wording().sentence(reason, purpose, args)


def worded(body: Sequence[Sequence[str]], reason: int, why: int) -> list[list[str]]:
    """Rows of text cells whose last cell is ``args``: the ``why`` cell worded by sentence
    (the ``reason`` cell is the row's reason), the args cell left off."""
    wording, rows = Wording(), []
    for row in body:
        cells = list(row[:-1])
        if row[-1] or cells[reason] == "notify":
            cells[why] = wording.sentence(cells[reason], cells[why], row[-1])
        rows.append(cells)
    return rows
