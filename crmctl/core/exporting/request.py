"""What an export asks for: which rows (``what``), the format, the filter; checked words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crmctl.core.campaigns import ADDRESS_FIELD
from crmctl.core.consent import check_channel
from crmctl.core.customers import Filter
from crmctl.core.words import STAGES
from crmctl.errors import InvalidValue
from crmctl.i18n import _

FORMATS = ("csv", "json", "xlsx", "vcf", "ics")
WHATS = ("customers", "interactions", "purchases", "followups")
# The contract's customer columns in order, then the rest of the record.
CUSTOMER_COLUMNS = ("id", "name", "company", "title", "email", "phone", "tier", "stage", "tags",
                    "created_at", "last_contact_at", "wechat", "industry", "region",
                    "company_size", "source", "note", "birthday", "referred_by", "birthday_lunar",
                    "phones", "emails")


@dataclass
class Request:
    what: str | None = None
    fmt: str = "csv"
    flt: Filter = field(default_factory=Filter)
    marketing: str | None = None
    excel: bool = False  # csv: a UTF-8 BOM, so Excel does not read the file as ANSI/GBK
    until: date | None = None  # follow-ups up to this day
    plain: bool = False  # csv: values as stored, no spreadsheet-safety quote (for programs)
    fields: tuple[str, ...] | None = None  # customers: these columns only, in this order

    def checked(self) -> "Request":
        """Validate the words and their combination; fill in the defaults."""
        fmt = (self.fmt or "").strip().lower()
        if fmt not in FORMATS:
            raise InvalidValue(_("unknown export format {value}; formats: {formats}").format(
                value=repr(self.fmt), formats=", ".join(FORMATS)))
        what = (self.what or ("followups" if fmt == "ics" else "customers")).strip().lower()
        if what not in WHATS:
            raise InvalidValue(_("unknown --what {value}; choose: {whats}").format(
                value=repr(self.what), whats=", ".join(WHATS)))
        if fmt == "vcf" and what != "customers":
            raise InvalidValue(_("vcf exports customers (an address book); use --what customers"))
        if fmt == "ics" and what != "followups":
            raise InvalidValue(_("ics exports follow-ups (a calendar); use --what followups"))
        if self.excel and fmt != "csv":
            raise InvalidValue(_("--excel applies to csv only (it adds a UTF-8 BOM)"))
        if self.plain and fmt not in ("csv", "json"):
            raise InvalidValue(_("--plain applies to csv and json (xlsx, vcf and ics are never "
                                 "quoted)"))
        if what != "customers" and self.flt.sort != "id":
            raise InvalidValue(_("--sort applies to --what customers only"))
        if what != "followups" and self.until is not None:
            raise InvalidValue(_("--until applies to follow-ups only"))
        marketing = check_channel(self.marketing) if self.marketing else None
        if marketing and self.closed != "open":
            raise InvalidValue(_("a marketing list never holds closed customers: leave out "
                                 "--all, --closed and --stage closed"))
        fields = self._checked_fields(what, fmt, marketing)
        return Request(what, fmt, self.flt, marketing, self.excel, self.until, self.plain,
                       fields)

    @property
    def closed(self) -> str:
        """Whose records: "open" customers (the default, as `list`), "closed" (--closed or
        --stage closed) or "all" (--all: a full export, closed customers too)."""
        if self.flt.stage and STAGES.check(self.flt.stage) == "closed":
            return "closed"
        return self.flt.closed

    def _checked_fields(self, what: str, fmt: str, marketing: str | None) -> tuple[str, ...]:
        """The customer columns to write: --fields as given, else a marketing list's minimum
        (id, name, company and the channel's address, as campaign export writes), else all."""
        if self.fields is None:
            if what != "customers":
                return ()
            if marketing:
                return ("id", "name", "company", ADDRESS_FIELD[marketing])
            return CUSTOMER_COLUMNS
        if what != "customers":
            raise InvalidValue(_("--fields applies to --what customers only"))
        fields = tuple(dict.fromkeys(f.strip().lower() for f in self.fields if f.strip()))
        unknown = [f for f in fields if f not in CUSTOMER_COLUMNS]
        if unknown or not fields:
            wrong = (_("unknown field {field}; fields: {fields}") if unknown else
                     _("--fields is empty; fields: {fields}"))
            raise InvalidValue(wrong.format(field=repr(unknown[0]) if unknown else "",
                                            fields=", ".join(CUSTOMER_COLUMNS)))
        if fmt == "vcf" and not {"id", "name"} <= set(fields):
            raise InvalidValue(_("a vcf card needs id and name among --fields"))
        return fields

    @property
    def spreadsheet(self) -> bool:
        """csv cells are neutralized (spreadsheet safety) unless --plain; xlsx cells are
        strings, never formulas; json, vcf and ics carry values as they are."""
        return self.fmt == "csv" and not self.plain
