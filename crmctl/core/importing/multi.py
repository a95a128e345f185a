"""Every phone and email of an import row (issue 15): each phone/email column, Google's
``Phone N - Type`` beside its value, several values in one cell (Google's `` ::: ``) and
crmctl's own ``phones``/``emails`` cells (``mobile:+86…; work:+86…``).

Every valid value is kept. The primary phone is the first mobile (mobile columns come
first), else the first that is not a fax; the primary email the one Google marks with
``*``, else the first. crmctl's own export and vCards name their primary (the ``phone`` /
``TEL`` cell): it stays the primary. An invalid value is dropped with a note for the rejects
file, and the row is still imported, unless the row then has no valid phone (or email) at
all: then it is refused with the first value's reason, as before.

The result rides on the row's values, after the COLUMNS (fields.EXTRA): (phone type, email
type, the other values as (kind, value, type)…, notes); rows without any of these carry
nothing there, so the fast column-wise path (columns.py) and write.py's hot loop see
exactly the rows they always did.
"""

from __future__ import annotations

import re

from crmctl.core.contact_points import guessed_phone_type, type_word
from crmctl.core.importing import mapping
from crmctl.core.importing.fields import AT
from crmctl.errors import InvalidValue

_VALUE_HEADER = re.compile(r"(.*\S)\s*-\s*(value|值)$")
_TYPE_HEADERS = ("type", "label", "类型", "标签")
_TYPED = re.compile(r"\s*([^\W\d_][\w ]*?)\s*:\s*(.+)")


def split_typed(cell: str) -> list[tuple[str | None, str]]:
    """``mobile:+86…; work:+86…`` (crmctl's phones/emails cells) → [(type, value)…]."""
    out = []
    for part in cell.split(";"):
        part = part.strip()
        if not part:
            continue
        m = _TYPED.fullmatch(part)
        if m and type_word(m.group(1)) is not None and "@" not in m.group(1):
            out.append((m.group(1), m.group(2).strip()))
        else:
            out.append((None, part))
    return out


class EveryValue:
    """The phones and emails of a row under one plan."""

    def __init__(self, plan):
        by = plan.by_target
        keys = [mapping.header_key(h) for h in plan.headers]
        where = {k: i for i, k in reversed(list(enumerate(keys)))}
        self.labels = [" ".join(h.split()) for h in plan.headers]
        self.columns = {kind: [(i, mapping.COLUMN_TYPES.get(keys[i]), _type_column(keys[i], where))
                               for i in by.get(kind, ())] for kind in ("phone", "email")}
        self.typed = {kind: by.get(kind + "s", ()) for kind in ("phone", "email")}
        self.named_primary = bool(self.typed["phone"] or self.typed["email"])
        self.active = (len(self.columns["phone"]) > 1 or len(self.columns["email"]) > 1
                       or bool(self.typed["phone"] or self.typed["email"])
                       or any(c[2] is not None for cs in self.columns.values() for c in cs))
        # (one phone column's own type, 座机 alone, is not kept: such a file takes the fast
        # column-wise path, whose answer must stay the row validator's)

    def wanted(self, row) -> bool:
        """Whether this row needs more than the one-cell path."""
        return self.active or any(":::" in row[i] for cs in self.columns.values()
                                  for i, _, _ in cs)

    def candidates(self, row, kind: str):
        """[(raw value, type or None, marked primary, column label)…] in the plan's order."""
        out = []
        for i, static, type_at in self.columns[kind]:
            cell = row[i]
            if not cell:
                continue
            word = row[type_at] if type_at is not None else ""
            marked = self.named_primary or word.lstrip().startswith("*")
            typ = static or type_word(word, kind)
            for value in (cell.split(":::") if ":::" in cell else (cell,)):
                if value.strip():
                    out.append((value.strip(), typ, marked, self.labels[i]))
        for i in self.typed[kind]:
            if "\x00" in row[i]:
                raise InvalidValue("the row holds bytes that are not text in the file's encoding")
            for word, value in split_typed(mapping.unprefix(row[i]) if row[i] else ""):
                out.append((value, type_word(word, kind), False, self.labels[i]))
        return out

    def __call__(self, to_customer, row, values) -> int:
        """Fill values' phone and email, and their extras; return how many of the row's
        phones (every distinct valid one, not only the primary) were read in the default
        region."""
        phones, phone_notes, in_region = self._valid(to_customer, row, "phone")
        emails, email_notes, _ = self._valid(to_customer, row, "email")
        phone = self._primary_phone(row, phones)
        email = self._primary_email(row, emails)
        values[AT.phone] = phone[0] if phone else None
        values[AT.email] = email[0] if email else None
        others = tuple(("phone", v, t) for v, t, _ in phones if not phone or v != phone[0])
        others += tuple(("email", v, t) for v, t, _ in emails if not email or v != email[0])
        phone_type = phone[1] if phone else None
        email_type = email[1] if email else None
        notes = tuple(phone_notes + email_notes)
        if others or notes or (phone_type and phone_type != guessed_phone_type(phone[0])) \
                or email_type not in (None, "other"):
            values.append((phone_type, email_type, others, notes))
        return sum(in_region.values())

    def _valid(self, to_customer, row, kind: str):
        """([(value, type, marked)…] valid and distinct, [note…], {phone: read in region})."""
        found: dict[str, list] = {}
        notes, first_error, in_region = [], None, {}
        for raw, typ, marked, label in self.candidates(row, kind):
            try:
                if kind == "phone":
                    value, read_here = to_customer._phone(raw, row)
                else:
                    value, read_here = to_customer.email_of(raw), False
            except InvalidValue as exc:
                first_error = first_error or exc
                notes.append(f"imported without {exc} (column {label})")
                continue
            if value is None:
                continue
            key = value.lower() if kind == "email" else value
            if key in found:  # the same value again: it may say the type the first did not
                found[key][1] = found[key][1] or typ
                continue
            found[key] = [value, typ, marked]
            in_region[value] = read_here
        if not found and first_error is not None:
            raise first_error
        valid = [(v, t or (guessed_phone_type(v) if kind == "phone" else "other"), m)
                 for v, t, m in found.values()]
        return valid, notes, in_region

    def _primary_phone(self, row, phones):
        if not phones:
            return None
        if self.named_primary:  # crmctl's phone column, a vCard's chosen TEL
            return next((p for p in phones if p[2]), None)
        return (next((p for p in phones if p[1] == "mobile"), None)
                or next((p for p in phones if p[1] != "fax"), None))

    def _primary_email(self, row, emails):
        if not emails:
            return None
        if self.named_primary:
            return next((e for e in emails if e[2]), None)
        return next((e for e in emails if e[2]), emails[0])


def _type_column(key: str, where: dict) -> int | None:
    """The column of Google's "Phone 1 - Type" for "Phone 1 - Value"."""
    m = _VALUE_HEADER.fullmatch(key)
    if not m:
        return None
    for word in _TYPE_HEADERS:
        found = where.get(f"{m.group(1)} - {word}")
        if found is not None:
            return found
    return None
