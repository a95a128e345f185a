"""The text writers: a table as CSV (RFC 4180) or as a JSON list, both streamed."""

from __future__ import annotations

import csv
import itertools
import json
from operator import itemgetter

from crmctl.core.exporting.select import Table


def write_csv(stream, table: Table) -> int:
    """Rows as CSV (RFC 4180, CRLF line ends); return how many."""
    writer = csv.writer(stream)
    writer.writerow(table.columns)
    counter = itertools.count()
    # zip/map/itemgetter keep the loop in C: csv.writer pulls rows, the counter ticks along
    writer.writerows(map(itemgetter(0), zip(table.rows, counter)))
    return next(counter)


def write_json(stream, table: Table) -> int:
    """A JSON list of objects, one per line (streams: never the whole list in memory)."""
    n = 0
    stream.write("[")
    for row in table.rows:
        item = table.to_json(dict(zip(table.columns, row)))
        stream.write(("\n" if n == 0 else ",\n") + json.dumps(item, ensure_ascii=False,
                                                                default=str))
        n += 1
    stream.write("\n]\n" if n else "]\n")
    return n
