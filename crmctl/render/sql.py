"""Output made by SQLite: JSON objects and lists, and text cells, written without a
Python object per row (the follow-up report under cron: 22,000 rows)."""

from __future__ import annotations

import json
import sys
from typing import Collection, Sequence

from crmctl.i18n import is_english


def json_object_sql(columns: Sequence[str], *, integers: Collection[str] = (),
                    words: Collection[str] = ()) -> str:
    """An SQL expression that renders a row's columns as one object of emit_json's list
    (same keys, indent and escapes; integer, text and null values), so that SQLite, not
    Python, turns a long listing into JSON text: emit_json_objects prints the list.

    A caller that knows its columns may spare json_quote (a function call per value, ~5%
    of a long report): ``integers`` hold an integer or NULL, ``words`` a text that is never
    NULL and never needs escaping (a CHECK-constrained word such as a tier)."""
    if not columns:
        return "'  {}'"
    # one format() call: a chain of || would copy the growing text once per column
    keys = [json.dumps(c, ensure_ascii=False).replace("%", "%%") for c in columns]
    template = "  {\n" + ",\n".join(
        f"    {key}: " + ('"%s"' if c in words else "%s") for key, c in zip(keys, columns)
    ) + "\n  }"
    values = []
    for c in columns:
        name = '"{}"'.format(c.replace('"', '""'))
        values.append(f"coalesce({name}, 'null')" if c in integers else
                      name if c in words else f"json_quote({name})")
    return "format('{}', {})".format(template.replace("'", "''"), ", ".join(values))


def json_list_sql(objects: str) -> str:
    """An SQL aggregate over ``objects``, texts made by json_object_sql and fed to it in
    order, that joins them into the body of the list emit_json prints, as UTF-8 bytes (NULL
    for no rows): one value to write with emit_json_body, with no Python object per row and
    no decoding and re-encoding. The brackets are written around it, not added in SQL:
    each ``||`` on a 5 MB text would copy it (four copies, ~20 MB of fresh memory).

    Feed it from a subquery with the ORDER BY (SQLite keeps a FROM-clause subquery's order
    for an aggregate other than count, min and max), not with group_concat's own ORDER BY,
    which collects its input in a b-tree: ~100 ms more for the 22,000 rows of a report."""
    return f"CAST(group_concat({objects}, ',\n') AS BLOB)"  # (a literal: ',' || char(10)
    # would be concatenated again for every row)


def emit_json_body(body: bytes | None) -> None:
    """Print the list whose body json_list_sql made (None: the empty list), as emit_json
    would print it."""
    out = sys.stdout
    out.flush()
    if body is None:
        out.buffer.write(b"[]\n")
    else:  # three writes: joining them would copy the body once more
        out.buffer.write(b"[\n")
        out.buffer.write(body)
        out.buffer.write(b"\n]\n")
    out.buffer.flush()


def emit_json_objects(objects: Sequence[str]) -> None:
    """Print objects rendered by json_object_sql as the list emit_json would print."""
    if not objects:
        sys.stdout.write("[]\n")
        return
    sys.stdout.write("[\n" + ",\n".join(objects) + "\n]\n")


# The follow-up report's table cells over its columns, as SQL (render.cell's text: NULL
# is empty), so that 22,000 rows under cron are text before Python sees them.
FOLLOWUP_HEADERS = ["due", "overdue", "reason", "id", "name", "phone", "company", "tier",
                    "why", "fid"]
# overdue: days past the due day, or for a complaint past its answer time within the day, hours
FOLLOWUP_CELLS = ("due, CASE WHEN overdue_days > 0 THEN overdue_days || 'd' "
                  "WHEN overdue_hours > 0 THEN overdue_hours || 'h' "
                  "WHEN overdue_hours = 0 THEN '<1h' ELSE '' END, reason, "
                  "coalesce(customer_id || '', ''), coalesce(name, ''), coalesce(phone, ''), "
                  "coalesce(company, ''), coalesce(tier, ''), coalesce(purpose, ''), "
                  "coalesce(followup_id || '', '')")


def followup_cells() -> str:
    """FOLLOWUP_CELLS, and under a Chinese interface the purpose's code and values too (a
    last cell, ``args``: emit_followups_table words the purpose from it, core/purposes.py)."""
    return FOLLOWUP_CELLS if is_english() else FOLLOWUP_CELLS + ", coalesce(args, '')"
