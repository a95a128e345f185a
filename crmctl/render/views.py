"""What particular commands show: a command hands its rows or record here and never
shapes a table, a card or a note itself."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from crmctl.core import tier_reasons
from crmctl.i18n import _, is_english, ngettext, pgettext
from crmctl.render.cards import emit_card
from crmctl.render.cells import for_people, grouped, month_day
from crmctl.render.charts import percent, times
from crmctl.render.formats import Format, emit_json
from crmctl.render.sql import FOLLOWUP_HEADERS, json_object_sql
from crmctl.render.tables import emit_rows, emit_text_table
from crmctl.render.terminal import message


def emit_followups_table(cells: Sequence[Sequence[str]], day) -> None:
    """The follow-up report as a table of text cells made by SQL (sql.FOLLOWUP_CELLS); on a
    terminal the phone is a tel: link (tap to call). Cells with one more, the purpose's
    code and values (sql.followup_cells under a Chinese interface), have the purpose worded
    in the interface language from them."""
    if cells and len(cells[0]) > len(FOLLOWUP_HEADERS):
        from crmctl.core.purposes import worded

        cells = worded(cells, FOLLOWUP_HEADERS.index("reason"), FOLLOWUP_HEADERS.index("why"))
    if not is_english():  # SQL words overdue 2d / 1h / <1h: 2天 / 1小时 / <1小时
        from functools import lru_cache

        word = lru_cache(maxsize=None)(overdue_word)
        cells = [[row[0], word(row[1]), *row[2:]] for row in cells]
    late = sum(1 for row in cells if row[1])
    title = ngettext("{n} follow-up due by {day} ({late} overdue)",
                     "{n} follow-ups due by {day} ({late} overdue)", len(cells))
    emit_text_table(FOLLOWUP_HEADERS, cells,
                    title=title.format(n=len(cells), day=day.isoformat(), late=late),
                    empty=_("nothing due by {day}").format(day=day.isoformat()),
                    links={"phone": "tel:"}, drop=("fid", "tier", "overdue", "company", "id"),
                    flex="why")


def overdue_word(cell: str) -> str:
    """An overdue cell of FOLLOWUP_CELLS (``2d``, ``1h``, ``<1h`` or empty) in the
    interface language."""
    if cell == "<1h":
        return _("<1h")
    if cell[:-1].isdigit() and cell[-1:] in ("d", "h"):
        n = int(cell[:-1])
        return (_("{n}d") if cell.endswith("d") else _("{n}h")).format(n=n)
    return cell


def emit_record(data: dict, fmt: Format, title: str, *, hidden: Sequence[str] = (),
                csv_columns: Sequence[str] | None = None) -> None:
    """One record: JSON as it is, one CSV row, or a card of its other fields."""
    if fmt == Format.json:
        emit_json(data)
    elif fmt == Format.csv:
        emit_rows([data], list(csv_columns or data), fmt)
    else:
        shown = for_people(data)
        emit_card(title, [(k.replace("_", " "), v) for k, v in shown.items() if k not in hidden])


VALUE_KEYS = ("total_spend", "spend_12m", "purchases", "average_order", "last_purchase",
              "segment", "spend_currency")


def window_text(days: int | None, median) -> str | None:
    """The card's repurchase window: "180 days (median interval 90 days)"; None: never
    bought (core/repurchase.window_of)."""
    if days is None:
        return None
    if median is None:
        return _("{days} days (a single purchase)").format(days=days)
    return _("{days} days (median interval {median} days)").format(days=days, median=median)


def value_line(v: dict) -> str:
    """The card's value figures on one line (core/analysis/value.card; JSON has each)."""
    segment = pgettext("segment", v["segment"]) if v.get("segment") else v.get("segment")
    if not v.get("purchases"):
        return _("no purchases in {currency}; segment {segment}").format(
            currency=v.get("spend_currency"), segment=segment)
    return ngettext("{total} {currency} in all, {spend_12m} in 12 months; {n} purchase, "
                    "average {average}; last {last}; segment {segment}",
                    "{total} {currency} in all, {spend_12m} in 12 months; {n} purchases, "
                    "average {average}; last {last}; segment {segment}", v["purchases"]).format(
        total=grouped(v["total_spend"]), currency=v["spend_currency"],
        spend_12m=grouped(v["spend_12m"]), n=v["purchases"],
        average=grouped(v["average_order"]), last=v["last_purchase"], segment=segment)


def emit_customer(data: dict, fmt: Format, columns: Sequence[str], *, consent_line: str,
                  when: Callable[[str], str]) -> None:
    """``show``: the card, then the timeline (``when`` makes its moments readable)."""
    if fmt != Format.table:
        emit_record(data, fmt, "", csv_columns=columns)
        return
    events = data.pop("timeline")
    data.pop("consent")
    for key in ("phones", "emails"):  # one line each: +8613800138000 (mobile), …
        if key in data:
            data[key] = ", ".join(f"{p['value']} ({pgettext('contact', p['type'])})"
                                  for p in data[key]) or None
    value = {k: data.pop(k) for k in VALUE_KEYS if k in data}
    if data.get("birthday"):  # --03-12 (JSON) reads 03-12, 3月12日
        data["birthday"] = month_day(data["birthday"])
    window = window_text(data.pop("repurchase_window_days", None),
                         data.pop("median_purchase_interval_days", None))
    pairs = [(k.replace("_", " "), v) for k, v in data.items() if k not in ("id", "name")]
    pairs += [("value", value_line(value))] if value else []
    pairs += [("repurchase window", window)] if window else []
    emit_card(f"#{data['id']} {data['name']}", pairs + [("consent", consent_line)])
    emit_rows([{**e, "when": when(e["at"])} for e in events],
              ["when", "kind", "description"], fmt, title=_("timeline"),
              empty=_("no history yet"))


CAMPAIGN_COLUMNS = ["id", "name", "channel", "status", "targeted", "responded",
                    "response_rate", "revenue", "budget", "return_on_budget", "currency"]
CAMPAIGN_HEADERS = ["id", "name", "channel", "status", "targeted", "responded", "rate",
                    "revenue", "budget", "return", "cur."]


def emit_campaigns(rows: list[dict], fmt: Format) -> None:
    """``campaign list``: rates as percentages and returns as multiples in the table."""
    if fmt == Format.table:
        rows = [{**r, "response_rate": percent(r["response_rate"]),
                 "return_on_budget": times(r["return_on_budget"])} for r in rows]
    emit_rows(rows, CAMPAIGN_COLUMNS, fmt,
              headers=CAMPAIGN_HEADERS if fmt == Format.table else None,
              empty=_("no campaigns yet (crmctl campaign create NAME --channel email)"))


def emit_targeting(result: dict, fmt: Format, dry_run: bool) -> None:
    """``campaign target``: how many matched, were added, were targeted or excluded."""
    if fmt != Format.table:
        emit_record(result, fmt, "")
        return
    title = (_("campaign #{id} ({channel}): dry run, nothing changed") if dry_run
             else _("campaign #{id} ({channel})"))
    emit_card(title.format(id=result["campaign_id"], channel=pgettext("channel",
                                                                      result["channel"])),
              [(k.replace("_", " "), str(result[k])) for k in
               ("matched", "added", "already_targeted", "excluded_no_consent")])


REVIEW_COLUMNS = ["customer_id", "name", "tier", "proposed", "rule", "reason"]
# ``tier review --format json``: each proposal one JSON object, made by SQLite
REVIEW_JSON = json_object_sql(REVIEW_COLUMNS)


def say_proposed(n: int) -> None:
    if n:
        message(ngettext("{n} proposal; nothing changed (crmctl tier review --apply applies "
                         "them)", "{n} proposals; nothing changed (crmctl tier review --apply "
                         "applies them)", n).format(n=n))


def emit_tier_changes(rows: list[dict], fmt: Format, *, applied: bool) -> None:
    """``tier review``: the proposals (or, with --apply, the changes made)."""
    if fmt == Format.table:  # the reasons in the interface language; CSV keeps them English
        rows = [{**row, "reason": tier_reasons.worded(row["reason"])} for row in rows]
    emit_rows(rows, REVIEW_COLUMNS, fmt,
              headers=["id", "name", "tier", "→", "rule", "reason"] if fmt == Format.table
              else None, empty=_("no tier changes proposed"))
    if applied:
        n = len(rows)
        message(ngettext("applied {n} tier change, with {n} notify follow-up",
                         "applied {n} tier changes, with {n} notify follow-ups", n).format(n=n)
                if rows else _("applied 0 tier changes"))
    else:
        say_proposed(len(rows))


def emit_tier_history(rows: list[dict], columns: Sequence[str], fmt: Format) -> None:
    """``tier history``: the changes, their reasons in the interface language in a table."""
    if fmt == Format.table:
        rows = [{**row, "reason": tier_reasons.worded(row["reason"])} for row in rows]
    emit_rows(rows, columns, fmt, empty=_("no tier changes recorded"))


def emit_retention(rows: list[dict], fmt: Format, days: int) -> None:
    """``retention``: the customers past it, why (closed, inactive: words in a table)."""
    if fmt == Format.table:
        rows = [{**row, "why": pgettext("retention", row["why"])} for row in rows]
    emit_rows(rows, ["id", "name", "why", "since"], fmt,
              empty=_("no customer is past retention ({days} days)").format(days=days))


def emit_tier_rules(data: dict, fmt: Format) -> None:
    """``tier rules``: thresholds and service levels per tier, then the review rules."""
    if fmt == Format.json:
        emit_json(data)
        return
    table = fmt == Format.table
    cur, months = data["currency"], data["spend_window_months"]
    rows = [{**t, "min_spend_12m": f"{t['min_spend_12m']:,}" if table else t["min_spend_12m"]}
            for t in data["tiers"]]
    long_rel = data["long_relationship"]
    if table:
        rows[0]["min_spend_12m"] += _(" (or {spend:,} with {years}+ years)").format(
            spend=long_rel["min_spend_12m"], years=long_rel["years"])
    columns = ["tier", "min_spend_12m", "cadence_days", "response_hours"]
    if table:  # the window's numbers in words (JSON: the setting's dict; CSV: left out)
        rows = [{**r, "repurchase_window": _window_rule(r["repurchase_window"])} for r in rows]
    emit_rows(rows, columns + ["repurchase_window"] * table, fmt,
              headers=["tier", _("{months}-month spend ≥ ({currency})").format(
                  months=months, currency=cur), _("follow up every (days)"),
                  _("respond within (h)"), _("repurchase window (days)")] if table else None)
    if table:
        emit_rows(data["rules"], ["rule", "does"], fmt, title=_("tier review rules, in order"))
        emit_rows(data["churn_rules"], ["rule", "does"], fmt, title=_("churn risk rules"))


def _window_rule(w: dict) -> str:
    return _("{multiple}× median interval, {min}–{max}; one purchase: {single}").format(
        multiple=format(w["multiple"], "g"), min=w["min_days"], max=w["max_days"],
        single=w["single_days"])


IMPORT_COLUMNS = ["inserted", "updated", "skipped", "rejected", "rows"]


def emit_import_summary(summary: Any, fmt: Format) -> None:
    """``import``: the counts, then notes on a dry run and on refused rows."""
    data = summary.to_dict()
    if fmt == Format.json:
        emit_json(data)
    else:
        emit_rows([data], IMPORT_COLUMNS, fmt)
    for note in import_notes(summary):
        message(note)


def import_notes(summary: Any) -> list[str]:
    """The notes under an import's counts (stderr): encoding, columns left out, dry run,
    phone region, refused rows."""
    notes = []
    if summary.encoding not in (None, "utf-8", "utf-8-sig", "ascii", "xlsx"):
        notes.append(_("read as {encoding} (--encoding to change)").format(
            encoding=summary.encoding))
    if summary.ignored_columns:
        shown = ", ".join(summary.ignored_columns[:5])
        more = ", …" if len(summary.ignored_columns) > 5 else ""
        notes.append(_("{n} column(s) not imported: {shown}{more} (--show-mapping)").format(
            n=len(summary.ignored_columns), shown=shown, more=more))
    if summary.dry_run:
        notes.append(_("dry run: nothing was written"))
    if summary.phones_in_default_region:
        notes.append(ngettext(
            "{n} number without a country code read as {region}; use --region to change",
            "{n} numbers without a country code read as {region}; use --region to change",
            summary.phones_in_default_region).format(n=summary.phones_in_default_region,
                                                    region=summary.default_region))
    if summary.rejects_problem:  # committed all the same: say so, and what is missing
        notes.append(_("warning: {problem}; the import was committed without its {n} refused "
                       "row(s)").format(problem=summary.rejects_problem, n=summary.rejected))
    elif summary.rejected and summary.rejects_file:
        notes.append(_("{n} row(s) refused; see {file}").format(n=summary.rejected,
                                                               file=summary.rejects_file))
    elif summary.rejected:
        notes.append(_("{n} row(s) refused; use --rejects FILE to see them").format(
            n=summary.rejected))
    return notes
