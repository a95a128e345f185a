"""export: customers, interactions, purchases, follow-ups; one person's whole record."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from crmctl.cli.context import FORCE_HELP, db_path, new_app, overwrite_prompt, session
from crmctl.cli.segment_options import (IndustryOption, RegionOption, SegmentOption,
                                       SizeOption, SpendMaxOption, SpendMinOption,
                                       open_or_closed)
from crmctl.core import exporting
from crmctl.core.customers import Filter
from crmctl.core.dates import HELP as WHEN_HELP
from crmctl.core.dates import parse_when
from crmctl.errors import UsageError
from crmctl.i18n import _, pgettext
from crmctl.render import message
from crmctl.store.outputs import format_for, resolve_output

app = new_app()

OutOption = typer.Option(None, "--out", "-o", metavar="FILE|-",
                         help="Write here (mode 0600, replaced atomically); DIR/ puts "
                              "WHAT.FORMAT in it; - or none: stdout.")
FormatOption = typer.Option(None, "--format", "-f", metavar="FORMAT",
                            help="csv (default), json, xlsx, vcf (vCard 3.0: customers) or ics "
                                 "(iCalendar: follow-ups); default: the --out extension.")
MarketingOption = typer.Option(
    None, metavar="CHANNEL", help="A marketing list: only people whose consent for this "
                                  "channel (email, phone, sms, wechat) is granted now.")
ExcelOption = typer.Option(False, "--excel", help="csv: start with a UTF-8 BOM so Excel shows "
                                                  "Chinese correctly (default: UTF-8 without BOM).")
CustomerOption = typer.Option(
    None, "--customer", metavar="ID",
    help="Everything held about one person (right of access), as one JSON document.")


@app.command()
def export(
    ctx: typer.Context,
    out: Optional[str] = OutOption,
    fmt: Optional[str] = FormatOption,
    what: Optional[str] = typer.Option(None, "--what", metavar="WHAT",
                                       help="customers (default), interactions, purchases "
                                            "or followups (the default for ics)."),
    tag: List[str] = typer.Option([], "--tag", metavar="TAG",
                                  help="Only customers with this tag (repeat: all)."),
    tier: Optional[str] = typer.Option(None, metavar="TIER", help="Only this tier."),
    stage: Optional[str] = typer.Option(None, metavar="STAGE",
                                         help="prospect, customer, repeat, loyal, churned "
                                         "(潜在客户, 新客户, 复购, 忠诚, 流失)."),
    consent: Optional[str] = typer.Option(None, metavar="CHANNEL",
                                          help="Only those who consent to this channel."),
    search: Optional[str] = typer.Option(None, "--search", "-s", metavar="Q",
                                         help="As for list: name, company, email, phone, note."),
    limit: Optional[int] = typer.Option(None, metavar="N", help="At most this many rows."),
    sort: str = typer.Option("id", metavar="KEY",
                             help="Customers: id, name, company, created, updated, "
                                  "last-contact, tier, spend; prefix - to reverse."),
    region: Optional[str] = RegionOption,
    industry: Optional[str] = IndustryOption,
    size: Optional[str] = SizeOption,
    spend_min: Optional[str] = SpendMinOption,
    spend_max: Optional[str] = SpendMaxOption,
    segment: Optional[str] = SegmentOption,
    closed: bool = typer.Option(False, "--closed", help="Only closed customers (crmctl close) "
                                                        "and their records."),
    all_: bool = typer.Option(False, "--all", help="Open and closed customers: a full export."),
    marketing: Optional[str] = MarketingOption,
    excel: bool = ExcelOption,
    until: Optional[str] = typer.Option(None, metavar="WHEN",
                                        help="Follow-ups due up to this day (default "
                                        "+30d): " + WHEN_HELP + "."),
    plain: bool = typer.Option(False, "--plain", help="csv: values as stored, without the "
                                                      "spreadsheet-safety ' (for programs)."),
    fields: Optional[str] = typer.Option(
        None, "--fields", metavar="F1,F2", help="Customers: only these columns, in this order "
        "(e.g. id,name,phone). With --marketing the default is id, name, company and the "
        "channel's address."),
    customer: Optional[str] = CustomerOption,
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Export data for spreadsheets, mailing tools, address books and calendars.

    CSV has the list columns first (id, name, company, title, email, phone, tier, stage,
    tags, created_at, last_contact_at), then the rest of the record; --fields picks columns.
    A marketing list (--marketing CH) holds only id, name, company and that channel's
    address (the minimum necessary), unless --fields asks for more, and never a closed
    customer. As in list, closed customers (and their interactions and purchases) are
    left out unless --all (a full export) or --closed. In csv a cell starting
    with = + - @, tab or CR gets a leading ' so no spreadsheet runs it as a formula (E.164
    phones too: '+8613800138000); crmctl import removes it again; --plain leaves it out
    for programs. xlsx cells are strings, never formulas: no quote.
    Every export is recorded in the audit log (the columns, never the values). The format
    follows the --out extension (.csv .json .xlsx .vcf .ics) unless --format is given; an
    existing file is replaced only with --force; --out never names the database's files.

    Example: crmctl export --tag vip --out vip.xlsx
    """
    if customer is not None:
        _refuse_with_customer(out, fmt, {
            "--what": what, "--tag": tag, "--tier": tier, "--stage": stage,
            "--consent": consent, "--search": search, "--limit": limit,
            "--marketing": marketing, "--excel": excel, "--until": until, "--plain": plain,
            "--sort": sort != "id", "--fields": fields, "--region": region,
            "--industry": industry, "--size": size, "--spend-min": spend_min,
            "--spend-max": spend_max, "--segment": segment, "--all": all_, "--closed": closed})
        path = resolve_output(out, db=db_path(ctx), default_name="customer.json",
                              force=force, ask=overwrite_prompt())
        with session(ctx) as conn:
            summary = exporting.export_customer(conn, customer, path, sys.stdout)
        _report(summary)
        return
    request = exporting.Request(
        what=what, fmt=format_for(out, fmt, "csv"), excel=excel, marketing=marketing,
        plain=plain, fields=tuple(fields.split(",")) if fields is not None else None,
        flt=Filter(tag=tag, tier=tier, stage=stage, consent=consent, search=search,
                   limit=limit, sort=sort, region=region, industry=industry, size=size,
                   spend_min=spend_min, spend_max=spend_max, segment=segment,
                   closed=open_or_closed(all_, closed)))
    if until is not None:
        request.until = parse_when(until)
    checked = request.checked()  # refuse bad words before asking for the passphrase
    path = resolve_output(out, db=db_path(ctx), default_name=f"{checked.what}.{checked.fmt}",
                          force=force, ask=overwrite_prompt())
    with session(ctx) as conn:
        summary = exporting.export(conn, request, path, sys.stdout)
    _report(summary)


def _refuse_with_customer(out: str | None, fmt: str | None, options: dict) -> None:
    """--customer writes one whole record as JSON: no filter, no other format."""
    given = [name for name, value in options.items() if value]
    if given:
        raise UsageError(_("--customer exports one whole record; it takes no {option}").format(
            option=given[0]))
    if fmt is not None and fmt.strip().lower() != "json":
        raise UsageError(_("--customer writes one JSON document: use --format json"))
    if format_for(out, None, "json") != "json":
        raise UsageError(_("--customer writes one JSON document, not what the extension of "
                           "{path} says: name it .json").format(path=out))


def _report(summary: dict) -> None:
    if summary["path"]:
        done = (_("exported one customer's record to {path}") if summary["what"] == "customer"
                else _("exported {n} row(s) of {what} to {path}"))
        message(done.format(n=summary["rows"], path=summary["path"],
                            what=pgettext("what", summary["what"])))
