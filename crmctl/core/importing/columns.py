"""Validating a chunk of import rows a column at a time.

``RowToCustomer`` (rows.py) decides one row at a time; at a million rows its Python per row
costs several times the whole database write. Here each column of a chunk is checked with
whole-column operations (``map`` over a C method, one scan of the joined column), and only
the cells whose answer is not certain that way send their row to the RowToCustomer, which
stays the authority: a row it would reject is rejected with its reason, a row it would change
(spaces folded, an export quote removed, a phone written with separators, an upper-case email
domain…) gets its answer. tests/test_import_columns.py checks with hypothesis that a chunk
validated here equals the same chunk validated row by row (rows.reference_validation).

Cells a column accepts without asking: printable text with no leading, trailing or doubled
space, in NFC, not starting with the export's ``'`` (exactly when ``cells.clean`` returns
the cell unchanged); an email or phone whose answer ``cells.email``/``cells.phone`` is sure
of; a tier word or tag cell that its cached parser takes; a birthday ``cells.birthday`` takes.
"""

from __future__ import annotations

import unicodedata
from itertools import repeat
from operator import add, itemgetter

from crmctl.core.importing import cells, countries
from crmctl.core.care import normalize_birthday_lunar
from crmctl.core.importing.fields import COLUMNS, EXTRA, searched_values
from crmctl.core.importing.rows import RowToCustomer, reference_validation
from crmctl.core.search import documents
from crmctl.errors import InvalidValue

# A chunk is [(row number, cells)…]; a validated row is (row number, values, tags).
_ROW_NUMBER, _CELLS = itemgetter(0), itemgetter(1)
_VALUES = itemgetter(1)
# Plans with these targets compose a field from several cells (or carry a reader's refusal,
# vCard): validated row by row.
ROW_ONLY = ("given", "middle", "family", "birth_year", "birth_month", "birth_day", "in_note",
            "refusal")


class ColumnsToCustomers:
    """reference_validation's answer for a chunk, from whole-column checks where they are sure."""

    def __init__(self, to_customer: RowToCustomer):
        self.to_customer = to_customer
        self.width = to_customer.width
        by = to_customer.by
        self.usable = (not any(t in by for t in ROW_ONLY) and "name" in by
                       and all(len(by[t]) == 1 for t in by if t != "ignore"))
        self.column = {t: idx[0] for t, idx in by.items()} if self.usable else {}

    def __call__(self, chunk: list[tuple[int, list[str]]]):
        """([(row, values, tags, trigram text, grams text)…], [(row, reason)…], phones read
        in the default region) in row order: reference_validation's answer, with each good
        row's search texts."""
        good, bad, in_region = self.validate(chunk)
        docs = documents(map(searched_values, map(_VALUES, good)))
        for i in [i for i, row in enumerate(good) if len(row[1]) > EXTRA]:
            values = good[i][1]  # every other number and address is searched too
            docs[i] = documents([(*searched_values(values),
                                  " ".join(v for _, v, _ in values[EXTRA][2]))])[0]
        return list(map(add, good, docs)), bad, in_region

    def validate(self, chunk: list[tuple[int, list[str]]]):
        """([(row, values, tags)…], [(row, reason)…], phones read in the default region) in
        row order, as reference_validation (values and tags may be tuples here)."""
        if not self.usable or not chunk:
            return reference_validation(self.to_customer, chunk)
        unsure: set[int] = set()
        rows = list(map(_CELLS, chunk))
        if set(map(len, rows)) != {self.width}:  # ragged rows: the row validator's
            unsure.update(i for i, row in enumerate(rows) if len(row) != self.width)
            rows = [row if len(row) == self.width else [""] * self.width for row in rows]
        columns = list(zip(*rows))
        out = {}
        for target, index in self.column.items():
            if target in ("phones", "emails", "phone_type", "email_type"):
                # several values in one cell (crmctl's own export): the row validator's
                unsure.update(i for i, cell in enumerate(columns[index]) if cell)
            elif target != "phone":
                out[target] = self._field(target, columns[index], unsure)
        in_region = []
        if "phone" in self.column:
            _text_column(columns[self.column["phone"]], unsure, self.to_customer.replaced)
            out["phone"], in_region = self._phones(columns[self.column["phone"]], unsure,
                                                   out.get("country"))
        name = out["name"]
        if "" in name or max(map(len, name)) > 200:
            unsure.update(i for i, v in enumerate(name) if not v or len(v) > 200)
        # a space in a Chinese name may go (徐 清 → 徐清): the row validator's to say
        unsure.update(i for i, v in enumerate(name) if " " in v and not v.isascii())
        # unsure rows are counted by the row validator, if it takes them
        counted = sum(in_region) - sum(in_region[i] for i in unsure) if in_region else 0
        before = self.to_customer.read_in_region
        good, bad = self._assemble(chunk, out, unsure)
        return good, bad, counted + self.to_customer.read_in_region - before

    def _field(self, target: str, column: tuple, unsure: set[int]):
        if target == "tags":
            return self._tags(column, unsure)
        _text_column(column, unsure, self.to_customer.replaced)
        if target == "email":
            return self._emails(column, unsure)
        if target == "tier":
            return _cached(column, unsure, cells.tier_of, none_is_bad=True)
        if target == "birthday":
            return _cached(column, unsure, cells.birthday)
        if target == "birthday_lunar":
            return _cached(column, unsure, normalize_birthday_lunar)
        return column

    def _emails(self, column: tuple, unsure: set[int]) -> list:
        out = [m and cells.email_of(m) for m in map(cells.EMAIL_SHAPE.fullmatch, column)]
        unsure.update(i for i, (cell, email) in enumerate(zip(column, out)) if cell and not email)
        return out

    def _phones(self, column: tuple, unsure: set[int], country_column) -> tuple[list, list]:
        """The phones the fast path is sure of, and for each row whether its phone was read
        in the default region (written without +86: cells.without_country_code)."""
        region = self.to_customer.region
        if country_column is None:
            out = [cells.phone(cell, region) if cell else None for cell in column]
            in_region = [p is not None and cells.without_country_code(c)
                         for c, p in zip(column, out)]
        else:  # the row's own country wins: read there, not counted
            own = [countries.region_of(c) if c else None for c in country_column]
            out = [cells.phone(cell, r or region) if cell else None
                   for cell, r in zip(column, own)]
            in_region = [p is not None and r is None and cells.without_country_code(c)
                         for c, p, r in zip(column, out, own)]
        unsure.update(i for i, (cell, phone) in enumerate(zip(column, out)) if cell and not phone)
        return out, in_region

    def _tags(self, column: tuple, unsure: set[int]) -> list:
        bad_text = "\x00\ufffd" if self.to_customer.replaced else "\x00"
        parsed: dict[str, tuple | None] = {}
        for cell in set(column):
            if any(ch in cell for ch in bad_text):
                parsed[cell] = None
                continue
            try:
                parsed[cell] = cells.tags_of(cell) if cell else ()
            except InvalidValue:
                parsed[cell] = None
        out = list(map(parsed.__getitem__, column))
        unsure.update(i for i, t in enumerate(out) if t is None)
        return out

    def _assemble(self, chunk, out: dict, unsure: set[int]):
        fields = [out.get(f) or repeat(None) for f in COLUMNS]
        good = list(zip(map(_ROW_NUMBER, chunk), zip(*fields), out.get("tags") or repeat(())))
        bad = []
        for i in sorted(unsure):
            rownum, row = chunk[i]
            try:
                good[i] = (rownum, *self.to_customer(row))
            except InvalidValue as exc:
                bad.append((rownum, str(exc)))
                good[i] = None
        if bad:
            good = list(filter(None, good))
        return good, bad


def _text_column(column: tuple, unsure: set[int], replaced: bool) -> None:
    """Mark the cells ``cells.clean`` would change (or the row validator refuse)."""
    joined = "\n".join(column)
    if (all(map(str.isprintable, column)) and "  " not in joined and " \n" not in joined
            and "\n " not in joined and "\n'" not in joined and joined[:1] not in (" ", "'")
            and joined[-1:] != " " and not (replaced and "\ufffd" in joined)
            and (joined.isascii() or unicodedata.is_normalized("NFC", joined))):
        return
    for i, value in enumerate(column):
        if value and not _plain(value, replaced):
            unsure.add(i)


def _plain(value: str, replaced: bool) -> bool:
    return (value.isprintable() and value[0] not in (" ", "'") and value[-1] != " "
            and "  " not in value and not (replaced and "\ufffd" in value)
            and (value.isascii() or unicodedata.is_normalized("NFC", value)))


def _cached(column: tuple, unsure: set[int], parse, none_is_bad: bool = False) -> list:
    """parse() once per distinct cell (tier words and birthdays repeat a lot)."""
    parsed: dict[str, object] = {"": None}
    for cell in set(column):
        if cell:
            try:
                parsed[cell] = parse(cell)
            except InvalidValue:
                parsed[cell] = InvalidValue
    out = list(map(parsed.__getitem__, column))
    for i, value in enumerate(out):
        if value is InvalidValue or (none_is_bad and value is None and column[i]):
            unsure.add(i)
    return out
