"""Validating one row of cells into the customer it imports as: the answer that is final.

``RowToCustomer`` normalizes a row as ``add`` would (crmctl.core.validate, with the fast
paths of cells.py first) and refuses it with a one-line reason when it cannot be imported.
``ColumnsToCustomers`` (columns.py) reaches the same answer faster, a column at a time, and
sends it every row it is unsure of; ``reference_validation`` is the plain row-by-row answer
it is proven equal to (tests/test_import_columns.py, with hypothesis).

A validated row is ``(row number, values, tags)``; values are in fields.COLUMNS order, read
through fields.AT.
"""

from __future__ import annotations

import re

from crmctl.core import care
from crmctl.core.importing import cells, countries, mapping
from crmctl.core.importing.multi import EveryValue
from crmctl.core.importing.fields import AT, COLUMNS
from crmctl.core.validate import (clean_multiline, normalize_email, normalize_name, read_phone,
                                  squeeze_cjk)
from crmctl.errors import InvalidValue

# Fields taken as cleaned text, nothing more (region: every region column, 省份 + 城市).
TEXT_FIELDS = ("company", "title", "wechat", "industry", "company_size", "source")
# A phone Excel stored as a number and wrote back in scientific notation: 1.38001E+10.
EXCEL_NUMBER = re.compile(r"\s*\d+(?:[.,]\d+)?[eE]\+?\d+\s*")
EXCEL_HINT = "Excel turned this column into numbers: format it as text and export again"


class RowToCustomer:
    """Turns a row of cells into a validated customer: (values in COLUMNS order, tags).

    Raises InvalidValue with the reason when the row cannot be imported. Runs in the import's
    second process too, so it holds only the plan and the default region; a row's own
    country column (countries.py) wins over the default region. ``read_in_region`` counts
    the phones of the rows it accepted that had no country code and were read in the default
    region (every phone of a row, not only its primary).
    """

    def __init__(self, plan, region: str = "CN", replaced: bool = False):
        self.by = plan.by_target
        self.region = region
        self.replaced = replaced  # the file was decoded with replacement characters
        self.width = len(plan.headers)
        self.headers = [" ".join(h.split()) for h in plan.headers]  # labels for in_note
        self.text_fields = [(COLUMNS.index(f), self.by[f]) for f in TEXT_FIELDS
                            if f in self.by]
        self.used = sorted({i for idx in self.by.values() for i in idx})
        # A reader's own verdict on a row (a vCard that vobject cannot read): its reason.
        self.refusal = self.by["refusal"][0] if "refusal" in self.by else None
        self.read_in_region = 0
        self.every = EveryValue(plan)  # several phone/email columns, types, ' ::: ' cells

    def _first(self, cells, target):
        return self._first_of(cells, self.by.get(target, ()))

    @staticmethod
    def _first_of(row, indexes, multiline: bool = False):
        """The first cell among ``indexes`` that is not empty once cleaned (export's
        spreadsheet-safety quote removed; line breaks kept when ``multiline``), or None."""
        for i in indexes:
            value = row[i]
            if value:
                if value[0] == "'":
                    value = mapping.unprefix(value)
                # a printable cell has no line break: the one-line cleaning is the same then
                value = (clean_multiline(value) if multiline and not value.isprintable()
                         else cells.clean(value))
                if value:
                    return value
        return None

    def __call__(self, row: list[str]) -> tuple[list, list[str]]:
        if len(row) != self.width:
            row = self._fit(row)
        if self.refusal is not None and row[self.refusal]:
            raise InvalidValue(row[self.refusal])
        for i in self.used:
            if "\x00" in row[i] or (self.replaced and "\ufffd" in row[i]):
                raise InvalidValue("the row holds bytes that are not text in the file's encoding")
        values: list = [None] * len(COLUMNS)
        values[AT.name] = self._name(row)
        for position, indexes in self.text_fields:
            values[position] = self._first_of(row, indexes)
        values[AT.region] = self._joined(row, self.by.get("region", ()))
        values[AT.note] = self._note(row)
        if self.every.wanted(row):
            in_region = self.every(self, row, values)
        else:
            raw = self._first(row, "email")
            if raw is not None:
                values[AT.email] = self.email_of(raw)
            raw = self._first(row, "phone")
            in_region = False
            if raw is not None:
                values[AT.phone], in_region = self._phone(raw, row)
        values[AT.birthday], values[AT.birthday_lunar] = self._birthdays(row)
        values[AT.tier] = self._tier(row)
        tags = self._tags(row)
        self.read_in_region += in_region
        return values, tags

    @staticmethod
    def email_of(raw: str) -> str | None:
        raw = mapping.unprefix(raw) if raw[:1] == "'" else raw
        raw = cells.clean(raw)
        return None if raw is None else cells.email(raw) or normalize_email(raw)

    def _phone(self, raw: str, row) -> tuple[str | None, bool]:
        """(E.164, read in the default region): in the row's country when it names one."""
        if raw[:1] == "'" or not raw.isprintable():
            raw = mapping.unprefix(raw) if raw[:1] == "'" else raw
            raw = cells.clean(raw)
            if raw is None:
                return None, False
        if EXCEL_NUMBER.fullmatch(raw):
            raise InvalidValue(f"invalid phone {raw!r}: {EXCEL_HINT}")
        country = self._first(row, "country") if "country" in self.by else None
        region = countries.region_of(country) if country else None
        if region is None:
            fast = cells.phone(raw, self.region)
            if fast is not None:
                return fast, cells.without_country_code(raw)
            read = read_phone(raw, self.region)
        else:
            fast = cells.phone(raw, region)
            if fast is not None:
                return fast, False
            read = read_phone(raw, region, f"the row's country is {country!r}")
        return (None, False) if read is None else (read[0], read[1] and region is None)

    def _joined(self, row, indexes) -> str | None:
        """The distinct non-empty cells of these columns, joined by a space (广东 深圳)."""
        if len(indexes) < 2:
            return self._first_of(row, indexes)
        parts = [self._first_of(row, (i,)) for i in indexes]
        return " ".join(dict.fromkeys(p for p in parts if p)) or None

    def _note(self, row) -> str | None:
        """The note, then each in_note column as "Header: value" (QQ: 12345; 性别: 男)."""
        parts = [self._first_of(row, self.by.get("note", ()), multiline=True)]
        for i in self.by.get("in_note", ()):
            value = self._first_of(row, (i,))
            if value:
                parts.append(f"{self.headers[i]}: {value}")
        return "; ".join(p for p in parts if p) or None

    def _fit(self, row: list[str]) -> list[str]:
        if len(row) < self.width:
            return row + [""] * (self.width - len(row))
        if any(c.strip() for c in row[self.width:]):
            raise InvalidValue(f"the row has {len(row)} cells but the header has {self.width}")
        return row[:self.width]

    def _name(self, row) -> str:
        name = self._first(row, "name")
        if name is None:
            name = cells.clean(mapping.compose_name(*(self._first(row, t) or ""
                                                      for t in ("given", "middle", "family"))))
        if name is None or len(name) > 200:
            return normalize_name(name)
        return squeeze_cjk(name)  # the rule of add and edit too

    def _birthdays(self, row) -> tuple[str | None, str | None]:
        """(birthday, lunar birthday): a birthday cell starting with 农历 is the lunar one;
        a 农历生日 column wins over it."""
        raw, lunar = self._first(row, "birthday"), self._first(row, "birthday_lunar")
        if raw is not None and raw.startswith(cells.LUNAR_PREFIXES):
            return None, care.normalize_birthday_lunar(lunar or raw)
        return self._birthday(row), care.normalize_birthday_lunar(lunar)

    def _birthday(self, row) -> str | None:
        raw = self._first(row, "birthday")
        if raw is not None:
            return cells.birthday(raw)
        month, day = self._first(row, "birth_month"), self._first(row, "birth_day")
        if month and day:
            year = self._first(row, "birth_year")
            return cells.birthday(f"{year}-{month}-{day}" if year else f"{month}-{day}")
        return None

    def _tier(self, row) -> str | None:
        raw = self._first(row, "tier")
        if raw is None:
            return None
        tier = cells.tier_of(raw)
        if tier is None:
            raise InvalidValue(f"unknown tier {raw!r} (use diamond/gold/silver/regular, "
                               "钻石/金牌/银牌/普通 or A/B/C/D)")
        return tier

    def _tags(self, row) -> list[str]:
        out: list[str] = []
        for i in self.by.get("tags", ()):
            value = row[i]
            if value:
                out.extend(cells.tags_of(value))
        return out


def reference_validation(to_customer: RowToCustomer, chunk):
    """The reference answer for a chunk of (row number, cells): ([(row, values, tags)…],
    [(row, reason)…], how many good rows' phones were read in the default region) in row
    order, one row at a time."""
    good, bad = [], []
    before = to_customer.read_in_region
    for rownum, row in chunk:
        try:
            values, tags = to_customer(row)
        except InvalidValue as exc:
            bad.append((rownum, str(exc)))
            continue
        good.append((rownum, values, tags))
    return good, bad, to_customer.read_in_region - before
