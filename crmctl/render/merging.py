"""What `merge` says: what moved, what was filled, each conflict and who won (stderr), or
the whole result as JSON on stdout."""

from __future__ import annotations

from crmctl.i18n import _, pgettext
from crmctl.render.cells import one_line
from crmctl.render.labels import field_value, headers
from crmctl.render.terminal import message


def merge_lines(result: dict) -> list[str]:
    """The human summary of a merge (or of a dry run: ``would``), one line each."""
    keep, drop = result["keep"], result["drop"]
    verb = (_("would merge #{drop} {drop_name} into #{keep} {keep_name}") if result["dry_run"]
            else _("merged #{drop} {drop_name} into #{keep} {keep_name}"))
    lines = [verb.format(**result)]
    moved = ", ".join(f"{pgettext('table', table)} {n}"
                      for table, n in sorted(result["moved"].items()))
    merged = ", ".join(f"{pgettext('table', table)} {n}"
                       for table, n in sorted(result["merged"].items()))
    lines.append(_("moved: {tables}").format(tables=moved or _("nothing")))
    if merged:
        lines.append(_("merged (on both): {tables}").format(tables=merged))
    if result["filled"]:
        lines.append(_("filled from #{drop}: {fields}").format(
            drop=drop, fields=", ".join(headers(result["filled"]))))
    for c in result["conflicts"]:
        winner, loser = ("drop", "keep") if c["winner"] == "drop" else ("keep", "drop")
        ids = {"keep": keep, "drop": drop}
        hint = "" if c["winner"] == "drop" else _(" (--take {field} to take #{drop}'s)").format(
            field=c["field"], drop=drop)
        won, lost = (one_line(str(field_value(c["field"], c[side]))) for side in (winner, loser))
        lines.append(_("conflict {field}: {won} (#{winner}) over {lost} (#{loser}){hint}").format(
            field=headers([c["field"]])[0], won=won, winner=ids[winner], lost=lost,
            loser=ids[loser], hint=hint))
    if result["dry_run"]:
        lines.append(_("dry run: nothing changed"))
    return lines


def emit_merge(result: dict) -> None:
    for line in merge_lines(result):
        message(line)


def warn_duplicates(customer_id: int, candidates: list) -> None:
    """add's warning on stderr: one line per likely duplicate, naming it and the merge."""
    for c in candidates:
        message(_("warning: #{id} may be a duplicate of #{keep} {name} (score {score:.2f}: "
                  "{reasons}); {command}").format(id=customer_id, keep=c.keep,
                                                  name=one_line(c.keep_name), score=c.score,
                                                  reasons="; ".join(c.reasons),
                                                  command=c.command))
