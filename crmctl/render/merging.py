"""What `merge` says: what moved, what was filled, each conflict and who won (stderr), or
the whole result as JSON on stdout."""

from __future__ import annotations

from crmctl.render.cells import one_line
from crmctl.render.terminal import message


def merge_lines(result: dict) -> list[str]:
    """The human summary of a merge (or of a dry run: ``would``), one line each."""
    keep, drop = result["keep"], result["drop"]
    verb = "would merge" if result["dry_run"] else "merged"
    lines = [f"{verb} #{drop} {result['drop_name']} into #{keep} {result['keep_name']}"]
    moved = ", ".join(f"{table} {n}" for table, n in sorted(result["moved"].items()))
    merged = ", ".join(f"{table} {n}" for table, n in sorted(result["merged"].items()))
    lines.append(f"moved: {moved or 'nothing'}")
    if merged:
        lines.append(f"merged (on both): {merged}")
    if result["filled"]:
        lines.append(f"filled from #{drop}: {', '.join(result['filled'])}")
    for c in result["conflicts"]:
        winner, loser = ("drop", "keep") if c["winner"] == "drop" else ("keep", "drop")
        ids = {"keep": keep, "drop": drop}
        hint = "" if c["winner"] == "drop" else f" (--take {c['field']} to take #{drop}'s)"
        lines.append(f"conflict {c['field']}: {one_line(str(c[winner]))} (#{ids[winner]}) "
                     f"over {one_line(str(c[loser]))} (#{ids[loser]}){hint}")
    if result["dry_run"]:
        lines.append("dry run: nothing changed")
    return lines


def emit_merge(result: dict) -> None:
    for line in merge_lines(result):
        message(line)


def warn_duplicates(customer_id: int, candidates: list) -> None:
    """add's warning on stderr: one line per likely duplicate, naming it and the merge."""
    for c in candidates:
        message(f"warning: #{customer_id} may be a duplicate of #{c.keep} {one_line(c.keep_name)} "
                f"(score {c.score:.2f}: {'; '.join(c.reasons)}); {c.command}")
