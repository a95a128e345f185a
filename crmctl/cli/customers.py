"""init, add, list, show, edit, rm: the customer records."""

from __future__ import annotations

from typing import List, Optional

import typer

from crmctl.cli.context import CUSTOMER_HELP, command_name, db_path, new_app, session, several_ids
from crmctl.cli.segment_options import (IndustryOption, RegionOption, SegmentOption,
                                       SizeOption, SpendMaxOption, SpendMinOption,
                                       open_or_closed)
from crmctl.core import bulk, customers, duplicates, timeline
from crmctl.errors import InvalidValue, UsageError
from crmctl.i18n import _
from crmctl.render import Format, emit_customer, emit_rows, message
from crmctl.render.merging import warn_duplicates
from crmctl.store import create_database
from crmctl.store import passphrase

app = new_app()

LIST_COLUMNS = ["id", "name", "company", "title", "email", "phone", "tier", "stage", "tags",
                "created_at", "last_contact_at"]
JSON_COLUMNS = [*LIST_COLUMNS, "phones", "emails"]  # every phone and email, as in show
TABLE_COLUMNS = ["id", "name", "company", "phone", "email", "tier", "stage", "tags",
                 "last_contact_at"]
# on a narrow terminal, the columns left out first (never a value broken inside)
LIST_DROP = ["tags", "email", "stage", "last_contact_at", "company", "tier"]
# the card's labels (show): the same words in both
TABLE_HEADERS = [c.replace("_", " ") for c in TABLE_COLUMNS]
AddPhoneOption = typer.Option([], "--add-phone", metavar="[TYPE:]NUMBER",
                              help="Another phone beside --phone, e.g. work:010-88886666 "
                                   "(types: mobile, work, home, fax, other); repeatable.")
AddEmailOption = typer.Option([], "--add-email", metavar="[TYPE:]ADDRESS",
                              help="Another email beside --email, e.g. home:wang@163.com "
                                   "(types: work, home, other); repeatable.")
FormatOption = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")


@app.command()
def init(ctx: typer.Context) -> None:
    """Create a new encrypted database (mode 0600); refuses to overwrite a file.

    The passphrase (10 characters or more) comes from CRMCTL_PASSPHRASE_FILE,
    CRMCTL_PASSPHRASE_CMD or CRMCTL_PASSPHRASE, or is asked twice on a terminal.

    Example: crmctl --db ~/crm.db init
    """
    path = db_path(ctx)
    if path.exists():
        raise InvalidValue(_("{path} already exists; refusing to overwrite it").format(path=path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:  # a file in the way, a read-only file system…
        raise InvalidValue(_("cannot create {path}: cannot make directory {dir} ({error})")
                           .format(path=path, dir=path.parent, error=exc.strerror)) from None
    new = passphrase.get_passphrase(path, new=True, use_keyring=False)
    create_database(path, new.secret, command=command_name(ctx)).close()
    message(_("created {path}").format(path=path))


@app.command()
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The customer's name, e.g. 王明 or 'Anna Schmidt'."),
    company: Optional[str] = typer.Option(None, help="Company (公司)."),
    title: Optional[str] = typer.Option(None, help="Job title (职位)."),
    email: Optional[str] = typer.Option(None, help="Email; validated, domain lower-cased."),
    phone: Optional[str] = typer.Option(None, help="Phone; stored as E.164 (+8613800138000)."),
    phone_region: Optional[str] = typer.Option(
        None, metavar="CC", help="Read --phone without a country code as this country's "
                                 "(ISO code: US, DE); default: the default_region setting."),
    wechat: Optional[str] = typer.Option(None, help="WeChat id."),
    industry: Optional[str] = typer.Option(None, help="Industry (行业)."),
    region: Optional[str] = typer.Option(None, help="Region (地区)."),
    company_size: Optional[str] = typer.Option(None, help="Company size."),
    source: Optional[str] = typer.Option(None, help="Source channel (客户来源)."),
    tier: str = typer.Option("regular", help="diamond, gold, silver or regular "
                                      "(钻石, 金牌, 银牌, 普通; A–D)."),
    tag: List[str] = typer.Option([], "--tag", help="A tag; repeat for more."),
    birthday: Optional[str] = typer.Option(None, help="YYYY-MM-DD or 1985/3/12, 1985年3月12日; "
                                          "MM-DD or 3月12日 without a year."),
    birthday_lunar: Optional[str] = typer.Option(
        None, metavar="MM-DD", help="Lunar (农历) birthday: 08-15, 八月十五, 正月初一, 腊月廿三."),
    note: Optional[str] = typer.Option(None, help="Owner's note."),
    referred_by: Optional[str] = typer.Option(None, metavar="ID",
                                              help="Who referred them: 12, #12 or a name."),
    add_phone: List[str] = AddPhoneOption,
    add_email: List[str] = AddEmailOption,
    allow_duplicate: bool = typer.Option(False, help="Add even if the email or phone exists."),
) -> None:
    """Add a customer and print its id alone on stdout.

    --phone and --email are the primary ones; --add-phone/--add-email give more, each
    [TYPE:]VALUE (phones: mobile, work, home, fax, other; emails: work, home, other).
    Warns on stderr (exit 0) when the new customer is a likely duplicate, naming the
    customer and the `crmctl merge` to run.

    Example: id=$(crmctl add 王明 --company 华为 --phone 13800138000 --add-phone work:010-88886666)
    """
    raw = {"name": name, "company": company, "title": title, "email": email, "phone": phone,
           "wechat": wechat, "industry": industry, "region": region,
           "company_size": company_size, "source": source, "note": note,
           "birthday": birthday, "birthday_lunar": birthday_lunar, "referred_by": referred_by}
    with session(ctx) as conn:
        cid, likely = duplicates.add_checked(
            conn, {k: v for k, v in raw.items() if v is not None}, tier=tier, tags=tag,
            allow_duplicate=allow_duplicate, phone_region=phone_region,
            more={"phone": add_phone, "email": add_email})
    typer.echo(cid)
    warn_duplicates(cid, likely)


@app.command("list")
def list_(
    ctx: typer.Context,
    tag: List[str] = typer.Option([], "--tag", help="Only customers with this tag (repeat: all)."),
    tier: Optional[str] = typer.Option(None, help="Only this tier."),
    stage: Optional[str] = typer.Option(None, help="prospect, customer, repeat, loyal, churned, "
                                          "closed (潜在客户, 新客户, 复购, 忠诚, 流失, 已关闭)."),
    consent: Optional[str] = typer.Option(None, metavar="CHANNEL",
                                          help="Only those who consent to email/phone/sms/wechat."),
    search: Optional[str] = typer.Option(None, "--search", "-s", metavar="Q",
                                         help="Case-insensitive, over name, company, email, "
                                              "phone (every one) and note; every word must match."),
    limit: Optional[int] = typer.Option(None, help="At most this many rows."),
    sort: str = typer.Option("id", help="id, name, company, created, updated, last-contact, "
                                        "tier, spend (12-month); prefix - to reverse."),
    region: Optional[str] = RegionOption,
    industry: Optional[str] = IndustryOption,
    size: Optional[str] = SizeOption,
    spend_min: Optional[str] = SpendMinOption,
    spend_max: Optional[str] = SpendMaxOption,
    segment: Optional[str] = SegmentOption,
    closed: bool = typer.Option(False, "--closed", help="Only closed customers (crmctl close)."),
    all_: bool = typer.Option(False, "--all", help="Open and closed customers."),
    fmt: Format = FormatOption,
) -> None:
    """List customers, filtered and sorted (closed ones only with --closed or --all).

    The filters combine: a customer is listed when every one holds. --region and
    --industry match by prefix (广东 finds 广东省); --spend-min/--spend-max are the
    12-month spend net of refunds; --segment is the RFM segment of `show` and `report`.

    Example: crmctl list --region 广东 --segment loyal --spend-min 10000 --sort -spend
    """
    flt = customers.Filter(tag=tag, tier=tier, stage=stage, consent=consent, search=search,
                           limit=limit, sort=sort, region=region, industry=industry, size=size,
                           spend_min=spend_min, spend_max=spend_max, segment=segment,
                           closed=open_or_closed(all_, closed))
    with session(ctx) as conn:
        rows = customers.list_rows(conn, flt, points=fmt == Format.json)
    table = fmt == Format.table
    columns = {Format.table: TABLE_COLUMNS, Format.json: JSON_COLUMNS}.get(fmt, LIST_COLUMNS)
    emit_rows(rows, columns, fmt, headers=TABLE_HEADERS if table else None,
              empty=_("no customers match"), drop=LIST_DROP)


@app.command()
def show(ctx: typer.Context, customer_id: str = typer.Argument(..., metavar="ID",
                                                               help=CUSTOMER_HELP),
         fmt: Format = FormatOption) -> None:
    """Show one customer's card and timeline.

    Example: crmctl show 12
    """
    with session(ctx) as conn:
        data = timeline.show(conn, customer_id, people=fmt == Format.table)
    emit_customer(data, fmt, LIST_COLUMNS, consent_line=timeline.consent_text(data["consent"]),
                  when=timeline.when_text)


@app.command()
def edit(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., metavar="ID", help=CUSTOMER_HELP),
    name: Optional[str] = typer.Option(None, help="New name, e.g. 王明."),
    company: Optional[str] = typer.Option(None, help="Company (公司)."),
    title: Optional[str] = typer.Option(None, help="Job title (职位)."),
    email: Optional[str] = typer.Option(None, help="Email; validated, domain lower-cased."),
    phone: Optional[str] = typer.Option(None, help="Phone; stored as E.164 (+8613800138000)."),
    phone_region: Optional[str] = typer.Option(
        None, metavar="CC", help="Read --phone without a country code as this country's."),
    wechat: Optional[str] = typer.Option(None, help="WeChat id."),
    industry: Optional[str] = typer.Option(None, help="Industry (行业)."),
    region: Optional[str] = typer.Option(None, help="Region (地区)."),
    company_size: Optional[str] = typer.Option(None, help="Company size."),
    source: Optional[str] = typer.Option(None, help="Source channel (客户来源)."),
    birthday: Optional[str] = typer.Option(None, help="As for add: 1985-03-12, 1985/3/12, "
                                          "3月12日…"),
    birthday_lunar: Optional[str] = typer.Option(
        None, metavar="MM-DD", help="Lunar (农历) birthday: 08-15, 八月十五, 腊月廿三."),
    note: Optional[str] = typer.Option(None, help="Owner's note (replaces the old one)."),
    referred_by: Optional[str] = typer.Option(None, metavar="ID",
                                              help="Who referred them: 12, #12 or a name."),
    clear: List[str] = typer.Option([], "--clear", metavar="FIELD",
                                    help="Empty this field (repeatable), e.g. --clear wechat."),
    add_phone: List[str] = AddPhoneOption,
    add_email: List[str] = AddEmailOption,
    remove_phone: List[str] = typer.Option([], "--remove-phone", metavar="NUMBER",
                                           help="Remove one of the other phones (repeatable)."),
    remove_email: List[str] = typer.Option([], "--remove-email", metavar="ADDRESS",
                                           help="Remove one of the other emails (repeatable)."),
    allow_duplicate: bool = typer.Option(False, help="Allow an email or phone another has."),
) -> None:
    """Change a customer's fields (tier has its own command: tier set).

    --add-phone/--add-email ([TYPE:]VALUE) and --remove-phone/--remove-email change the
    other phones and emails beside the primary --phone and --email.

    Example: crmctl edit 12 --email wang@example.cn --add-phone fax:010-88886667 --clear wechat
    """
    given = {"name": name, "company": company, "title": title, "email": email, "phone": phone,
             "wechat": wechat, "industry": industry, "region": region,
             "company_size": company_size, "source": source, "birthday": birthday,
             "birthday_lunar": birthday_lunar, "note": note, "referred_by": referred_by}
    raw = {k: v for k, v in given.items() if v is not None}
    for fld in clear:
        key = fld.replace("-", "_")
        if key not in customers.EDITABLE or key == "name":
            raise InvalidValue(_("cannot clear {field}").format(field=repr(fld)))
        raw[key] = None
    fewer = [("phone", v) for v in remove_phone] + [("email", v) for v in remove_email]
    if not raw and not (add_phone or add_email or fewer):
        raise InvalidValue(_("nothing to change: give at least one --FIELD or --clear"))
    with session(ctx) as conn:
        changed = customers.edit(conn, customer_id, raw, allow_duplicate=allow_duplicate,
                                 phone_region=phone_region, fewer=fewer,
                                 more={"phone": add_phone, "email": add_email})
    message(_("changed: {fields}").format(fields=", ".join(changed)) if changed
            else _("nothing changed"))


@app.command()
def rm(ctx: typer.Context,
       ids: List[str] = typer.Argument(..., metavar="ID...", help="Customer ids; - reads "
                                       "them from stdin (numbers, or list --format json)."),
       yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")) -> None:
    """Delete customers and their interactions, purchases and follow-ups.

    Every id is checked first: one unknown id deletes nothing. Asks first on a terminal;
    scripts pass --yes. (To erase a person for privacy reasons and keep a tombstone, use
    `crmctl forget`.)

    Example: crmctl rm 12 15 --yes

    Example: crmctl list --tag 测试 --format json | crmctl rm - --yes
    """
    ids = several_ids(ids)
    with session(ctx) as conn:
        live = bulk.live_ids(conn, ids)
        if not yes:
            if not passphrase.stdin_is_terminal():
                raise UsageError(_("{command} needs --yes when not run on a terminal").format(
                    command="rm"))
            first = customers.get(conn, live[0])
            whom = (f"#{first.id} {first.name}" if len(live) == 1 else _(
                "{n} customers (#{id} {name}, …)").format(n=len(live), id=first.id,
                                                         name=first.name))
            typer.confirm(_("Delete {whom} and all their records?").format(whom=whom),
                          abort=True)
        removed = customers.remove_many(conn, live)
    listed = ", ".join(f"#{i}" for i in removed) if len(removed) <= 10 else None
    message(_("removed {listed}").format(listed=listed) if len(removed) == 1 else
            _("removed {n} customers").format(n=len(removed)) + (f": {listed}" if listed
                                                                 else ""))
