"""Each format's writer, ``write(stream, table)`` returning the rows written, and what its
audit entry names."""

from __future__ import annotations

from typing import Callable

from crmctl.core.exporting import csvjson, ics, vcard, xlsx
from crmctl.core.exporting.select import Table

BINARY = frozenset({"xlsx"})  # written to a binary stream (a zip); never to a terminal


def writer(fmt: str) -> Callable[[object, Table], int]:
    """The writer of a format (looked up at each call, so a test may replace one)."""
    return {"csv": csvjson.write_csv, "json": csvjson.write_json, "xlsx": xlsx.write_xlsx,
            "vcf": vcard.write_vcf, "ics": ics.write_ics}[fmt]


def audited_columns(fmt: str, table: Table) -> list[str]:
    """What the audit entry names: a card's or an event's fields, else the table's columns."""
    if fmt == "vcf":  # the card's fields the table holds (--fields may leave some out)
        return [f for f in vcard.FIELDS if f in table.columns]
    return list(ics.FIELDS if fmt == "ics" else table.columns)
