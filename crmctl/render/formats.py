"""Machine output: ``--format json|csv``, never coloured."""

from __future__ import annotations

import csv
import json
import sys
from enum import Enum
from typing import Any, Iterable, Sequence

from crmctl.render.cells import cell
from crmctl.spreadsheet import neutralize


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def emit_json(data: Any) -> None:
    sys.stdout.write(to_json(data) + "\n")


def csv_cell(value: Any) -> str:
    """A cell of crmctl's CSV: ``cell`` text, made safe for a spreadsheet (the rule of
    ``export``: a text starting with = + - @ tab or CR gets a leading ', which import
    removes again); numbers stay numbers."""
    if type(value) is str:  # most cells: no cell() call
        return neutralize(value)
    if isinstance(value, (int, float)):
        return cell(value)
    return neutralize(cell(value))


def emit_csv(rows: Iterable[dict], columns: Sequence[str]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
