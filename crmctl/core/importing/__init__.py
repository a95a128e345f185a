"""Bulk import of contact files (CSV, xlsx, vCard), forgiving about format, strict about data.

The pipeline, streamed in chunks so a million rows fit in a few hundred MB; its modules,
in the order a row meets them:
1. read.py: encoding detected (BOM, strict UTF-8, then GB18030, then charset-normalizer
   with the common Windows code pages first: charsets.py, which also picks the rejects
   file's encoding),
   delimiter sniffed, every cell text; or an xlsx sheet streamed by openpyxl; guard.py holds
   the caps that refuse a hostile file in bounded memory; vcard.py makes a row of each card
   of a vCard file (or a directory of them), under the "vcard" layout of mapping.py;
2. mapping.py: the header row becomes a Plan (which column feeds which field);
3. validation, each row normalized as `add` would: rows.py decides one row (the answer that
   is final; cells.py has the fast paths for one cell), columns.py reaches the same answer a
   column at a time where whole-column checks are sure; chunks.py runs it a chunk at a
   time, in a second process when the file is big and cores allow; fields.py names the
   fields of a validated row;
4. write.py: one transaction for the whole file; duplicates found per chunk by set-based SQL
   (json_each against the email and phone indexes) and within the chunk by dict; inserts,
   tags and the search index by executemany; one audit entry for the import.
Bad rows never abort good ones: they are counted and written to the rejects file
(rejects.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from crmctl import clock
from crmctl.core import audit, settings
from crmctl.core.importing import charsets, chunks, mapping, vcard
from crmctl.core.importing.columns import ColumnsToCustomers
from crmctl.core.importing.fields import EXTRA
from crmctl.core.importing.guard import MAX_CELL
from crmctl.core.importing.indexes import bulk_mode
from crmctl.core.importing.read import open_source
from crmctl.core.importing.rejects import Rejects
from crmctl.core.importing.rows import RowToCustomer
from crmctl.core.importing.write import Writer
from crmctl.core.validate import check_region, normalize_tag
from crmctl.errors import InvalidValue, UsageError
from crmctl.i18n import _
from crmctl.store import atomic
from crmctl.store.outputs import refuse_database_files

DUPLICATE_MODES = ("skip", "update", "error")


@dataclass
class Summary:
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    rows: int = 0
    dry_run: bool = False
    encoding: str | None = None
    # The rows in the rejects file by kind of reason ("invalid phone": 2); skipped
    # duplicates are listed there too, as "duplicate".
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)  # named columns no field takes
    rejects_file: str | None = None
    first_id: int | None = None
    last_id: int | None = None
    rejects_problem: str | None = None  # the import committed, but its rejects file did not
    default_region: str | None = None  # numbers without a country code are read in it…
    phones_in_default_region: int = 0  # …unless the row names its country: this many were

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["rejects_problem"]  # a warning for stderr (rejects_file stays null)
        return data


@dataclass
class Options:
    mapping: str = "auto"
    encoding: str = "auto"
    on_duplicate: str = "skip"
    dry_run: bool = False
    rejects: str | None = None
    tags: list[str] = field(default_factory=list)
    workers: int | None = None  # 1: read and validate in a second process; None: if it pays
    region: str | None = None  # for numbers without a country code; None: default_region

    def __post_init__(self) -> None:
        if self.region is not None:  # refused before anything is opened
            self.region = check_region(self.region)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def show_mapping(path, mapping_name: str = "auto", encoding: str = "auto") -> list[dict]:
    """What --mapping would do with this file's header: [{column, field}…]."""
    with _open(Path(path), encoding) as source:
        return mapping.make_plan(source.headers, _layout(source, mapping_name)).rows()


def run(conn, path, options: Options | None = None,
        progress: Callable[[int, int], None] | None = None) -> Summary:
    """Import one file in one transaction; return the summary (dry run: roll back)."""
    options = options or Options()
    if options.on_duplicate not in DUPLICATE_MODES:
        raise UsageError(_("--on-duplicate takes skip, update or error, not {value}").format(
            value=repr(options.on_duplicate)))
    extra_tags = [normalize_tag(t) for t in options.tags]
    path = Path(path)
    summary = Summary(dry_run=options.dry_run)
    with _open(path, options.encoding) as source:
        summary.encoding = source.encoding
        plan = _plan(path, source, _layout(source, options.mapping))
        # (a vCard row's columns are the reader's own: none is the user's to be told of)
        summary.ignored_columns = plan.ignored() if source.layout is None else []
        summary.default_region = options.region or settings.get(conn, "default_region")
        to_customer = RowToCustomer(plan, summary.default_region, source.replaced)
        if options.rejects:  # never the database's own files, whoever calls
            refuse_database_files(Path(options.rejects).expanduser(), getattr(conn, "path", None))
        with Rejects(options.rejects, source.headers,
                     charsets.for_rejects(source.encoding)) as rejects:
            try:
                big = _is_big(conn, source)
                with atomic(conn), bulk_mode(conn, big, plan.fields()):
                    writer = Writer(conn, options.on_duplicate, extra_tags, clock.now_text())
                    validated = chunks.validated_chunks(source, ColumnsToCustomers(to_customer),
                                                        options.workers,
                                                        keep_cells=rejects.target is not None)
                    for position, cells, rows, (good, bad, in_region) in validated:
                        summary.rows += rows
                        summary.phones_in_default_region += in_region
                        refused = bad + writer.write(good)
                        rejects.add(cells, refused, writer.skipped_rows + _notes(good))
                        writer.skipped_rows = []
                        if progress:
                            progress(position, source.size)
                    _finish(conn, writer, plan, extra_tags, summary)
                    # Written out and synced before the commit: if the disk is full, the
                    # import rolls back instead of committing without its rejects.
                    rejects.seal()
                    if options.dry_run:
                        raise _DryRun
            except _DryRun:
                pass
            summary.rejects_problem = rejects.publish()
        summary.rejected = rejects.count
        summary.rejected_by_reason = dict(sorted(rejects.by_kind.items()))
        summary.rejects_file = rejects.final_path
    return summary


def _notes(good) -> list[tuple[int, str]]:
    """The values left out of imported rows (an invalid second phone…), for the rejects file."""
    return [(row[0], note) for row in good if len(row[1]) > EXTRA for note in row[1][EXTRA][3]]


def _open(path: Path, encoding: str):
    """The file's rows: a vCard file (or a directory of .vcf files), else CSV or xlsx."""
    if vcard.is_vcard(path):
        return vcard.open_vcards(path, encoding, MAX_CELL)
    return open_source(path, encoding, MAX_CELL)


def _layout(source, mapping_name: str) -> str:
    """A vCard's rows have their own headers: only --mapping auto (or vcard) applies."""
    if source.layout is None:
        return mapping_name
    if mapping_name in ("auto", "", None, source.layout):
        return source.layout
    raise UsageError(_("--mapping {mapping} does not apply to a vCard file (its fields are "
                       "read by name)").format(mapping=mapping_name))


def _plan(path: Path, source, mapping_name: str) -> mapping.Plan:
    """The file's plan; refused when no column can give a name."""
    plan = mapping.make_plan(source.headers, mapping_name)
    if not plan.has_name():
        shown = ", ".join(repr(h if len(h) <= 30 else h[:29] + "…")
                          for h in source.headers[:6] if h) or "none"
        raise InvalidValue(_("{path}: no name column among its headers ({shown}); name one with "
                             "--mapping FILE.toml").format(path=path, shown=shown))
    return plan


def _is_big(conn, source) -> bool:
    """Big enough that rebuilding some indexes beats updating them row by row."""
    if source.encoding == "xlsx" or source.size < chunks.PARALLEL_FROM_BYTES:
        return False
    existing = conn.execute("SELECT max(id) FROM customers").fetchone()[0] or 0
    return source.size // 100 >= existing  # ~100 bytes a row


def _finish(conn, writer: Writer, plan, extra_tags, summary: Summary) -> None:
    summary.inserted, summary.updated = writer.inserted, writer.updated
    summary.skipped = writer.skipped
    if writer.inserted:
        summary.first_id, summary.last_id = writer.first_id, writer.next_id - 1
    if writer.inserted or writer.updated:
        fields = plan.fields() + (["tags"] if extra_tags else [])
        ident = (f"{summary.first_id}-{summary.last_id}" if writer.inserted else None)
        audit.record(conn, "import", "customer", ident, fields)
