"""What an export asks for: which rows (``what``), the format, the filter; checked words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crmctl.core.consent import check_channel
from crmctl.core.customers import Filter
from crmctl.errors import InvalidValue

FORMATS = ("csv", "json", "xlsx", "vcf", "ics")
WHATS = ("customers", "interactions", "purchases", "followups")


@dataclass
class Request:
    what: str | None = None
    fmt: str = "csv"
    flt: Filter = field(default_factory=Filter)
    marketing: str | None = None
    excel: bool = False  # csv: a UTF-8 BOM, so Excel does not read the file as ANSI/GBK
    until: date | None = None  # follow-ups up to this day
    plain: bool = False  # csv: values as stored, no spreadsheet-safety quote (for programs)

    def checked(self) -> "Request":
        """Validate the words and their combination; fill in the defaults."""
        fmt = (self.fmt or "").strip().lower()
        if fmt not in FORMATS:
            raise InvalidValue(f"unknown export format {self.fmt!r}; formats: {', '.join(FORMATS)}")
        what = (self.what or ("followups" if fmt == "ics" else "customers")).strip().lower()
        if what not in WHATS:
            raise InvalidValue(f"unknown --what {self.what!r}; choose: {', '.join(WHATS)}")
        if fmt == "vcf" and what != "customers":
            raise InvalidValue("vcf exports customers (an address book); use --what customers")
        if fmt == "ics" and what != "followups":
            raise InvalidValue("ics exports follow-ups (a calendar); use --what followups")
        if self.excel and fmt != "csv":
            raise InvalidValue("--excel applies to csv only (it adds a UTF-8 BOM)")
        if self.plain and fmt not in ("csv", "json"):
            raise InvalidValue("--plain applies to csv and json (xlsx, vcf and ics are never "
                               "quoted)")
        if what != "customers" and self.flt.sort != "id":
            raise InvalidValue("--sort applies to --what customers only")
        if what != "followups" and self.until is not None:
            raise InvalidValue("--until applies to follow-ups only")
        marketing = check_channel(self.marketing) if self.marketing else None
        return Request(what, fmt, self.flt, marketing, self.excel, self.until, self.plain)

    @property
    def spreadsheet(self) -> bool:
        """csv cells are neutralized (spreadsheet safety) unless --plain; xlsx cells are
        strings, never formulas; json, vcf and ics carry values as they are."""
        return self.fmt == "csv" and not self.plain
