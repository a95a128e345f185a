"""Bulk import of contact files (CSV and xlsx), forgiving about format, strict about data.

The pipeline, streamed in chunks so a million rows fit in a few hundred MB:
1. read: encoding detected (BOM, strict UTF-8, then GB18030, then charset-normalizer),
   delimiter sniffed, every cell text; or an xlsx sheet streamed by openpyxl;
2. map: the header row becomes a Plan (crmctl.core.mapping);
3. validate: each row normalized as `add` would, a column at a time where whole-column
   checks are sure (crmctl.core.fastcolumns), else row by row with fast paths first
   (crmctl.core.fastcheck); in a second process when the file is big and cores allow;
4. write: one transaction for the whole file; duplicates found per chunk by set-based SQL
   (json_each against the email and phone indexes) and within the chunk by dict; inserts,
   tags and the search index by executemany; one audit entry for the import.
Bad rows never abort good ones: they are counted and written to the rejects file.
"""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from crmctl.core import audit, clock, mapping, settings
from crmctl.core.fastcheck import RowValidator
from crmctl.core.fastcolumns import ColumnValidator
from crmctl.core.importguard import MAX_CELL  # the caps on hostile files are all there
from crmctl.core.importwrite import Writer, bulk_mode
from crmctl.errors import CrmError, InvalidValue, NotFound, UsageError
from crmctl.store import atomic

CHUNK_ROWS = 5_000
PARALLEL_FROM_BYTES = 4_000_000  # smaller files are validated in-process
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
    rejects_file: str | None = None
    first_id: int | None = None
    last_id: int | None = None
    rejects_problem: str | None = None  # the import committed, but its rejects file did not

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


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def show_mapping(path, mapping_name: str = "auto", encoding: str = "auto") -> list[dict]:
    """What --mapping would do with this file's header: [{column, field}…]."""
    from crmctl.core.importread import open_source

    with open_source(Path(path), encoding, MAX_CELL) as source:
        return mapping.make_plan(source.headers, mapping_name).rows()


def run(conn, path, options: Options | None = None,
        progress: Callable[[int, int], None] | None = None) -> Summary:
    """Import one file in one transaction; return the summary (dry run: roll back)."""
    from crmctl.core.importread import open_source
    from crmctl.core.tags import normalize_tag

    options = options or Options()
    if options.on_duplicate not in DUPLICATE_MODES:
        raise UsageError(f"--on-duplicate takes skip, update or error, not {options.on_duplicate!r}")
    extra_tags = [normalize_tag(t) for t in options.tags]
    path = Path(path)
    summary = Summary(dry_run=options.dry_run)
    with open_source(path, options.encoding, MAX_CELL) as source:
        summary.encoding = source.encoding
        plan = mapping.make_plan(source.headers, options.mapping)
        if not plan.has_name():
            shown = ", ".join(repr(h if len(h) <= 30 else h[:29] + "…")
                              for h in source.headers[:6] if h) or "none"
            raise InvalidValue(f"{path}: no name column among its headers ({shown}); "
                               "name one with --mapping FILE.toml")
        validator = RowValidator(plan, settings.get(conn, "default_region"), source.replaced)
        if options.rejects:  # never the database's own files, whoever calls
            from crmctl.store.outputs import refuse_database_files

            refuse_database_files(Path(options.rejects).expanduser(), getattr(conn, "path", None))
        with _Rejects(options.rejects, source.headers) as rejects:
            try:
                with atomic(conn), bulk_mode(conn, _is_big(conn, source)):
                    writer = Writer(conn, options.on_duplicate, extra_tags, clock.now_text())
                    chunks = _validated(source, validator, options.workers,
                                        keep_cells=rejects.target is not None)
                    for position, cells, rows, (good, bad) in chunks:
                        summary.rows += rows
                        rejects.add(cells, bad + writer.write(good))
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
        summary.rejects_file = rejects.final_path
    return summary


def _is_big(conn, source) -> bool:
    """Big enough that rebuilding some indexes beats updating them row by row."""
    if source.encoding == "xlsx" or source.size < PARALLEL_FROM_BYTES:
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


def _chunks(source) -> Iterator[list]:
    chunk = []
    for item in source.rows:
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def default_workers(source) -> int:
    """1: a second process reads and validates while this one writes; 0: all in-process.

    The writer (SQLite, one per database) is the bottleneck; reading, validating and making
    the search texts are most of the rest, so with two cores they run beside it. Small
    files and xlsx (openpyxl's streaming reader) stay in-process. CRMCTL_IMPORT_WORKERS
    overrides (0 or 1), for benchmarks.
    """
    if os.environ.get("CRMCTL_IMPORT_WORKERS", "").isdigit():
        return min(int(os.environ["CRMCTL_IMPORT_WORKERS"]), 1)
    if source.size < PARALLEL_FROM_BYTES or source.encoding == "xlsx" or (os.cpu_count() or 1) < 2:
        return 0
    return 1


def _validated(source, validator: RowValidator, workers: int | None, keep_cells: bool):
    """(position, cells by row number, rows, (good, bad)) a chunk at a time, in file order.

    ``cells`` holds what the rejects file may need: every row when ``keep_cells``, else
    only the rows validation refused.
    """
    if workers is None:
        workers = default_workers(source)
    validator = ColumnValidator(validator)
    chunks = ((source.position(), *_validate(chunk, validator, keep_cells))
              for chunk in _chunks(source))
    if workers <= 0 or not hasattr(os, "fork"):
        yield from chunks
    else:
        yield from _beside(chunks)


def _validate(chunk, validator: ColumnValidator, keep_cells: bool):
    good, bad = validator(chunk)
    if keep_cells:
        cells = dict(chunk)
    else:
        refused = {rownum for rownum, _ in bad}
        cells = {rownum: c for rownum, c in chunk if rownum in refused}
    return cells, len(chunk), (good, bad)


def _beside(chunks):
    """Run ``chunks`` in a forked child, a chunk ahead of the writer, over a pipe.

    The child inherits the open file (the parent no longer reads it) and never touches the
    database; it leaves with os._exit, so no inherited finalizer runs. An error there
    (a damaged file halfway through) is raised here, in file order.
    """
    import pickle
    from multiprocessing import connection

    receive, send = connection.Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # the child
        receive.close()
        status = 0
        try:
            for item in chunks:
                send.send_bytes(pickle.dumps(("chunk", item), pickle.HIGHEST_PROTOCOL))
            send.send_bytes(pickle.dumps(("end", None)))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, raised there
            status = 1
            try:
                message = pickle.dumps(("error", exc))
            except Exception:  # noqa: BLE001 - not picklable: its text then
                message = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
            send.send_bytes(message)
        finally:
            os._exit(status)
    send.close()
    try:
        while True:
            kind, item = pickle.loads(receive.recv_bytes())
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    except EOFError:  # killed (out of memory?) before it could say why
        raise CrmError("the import's reading process ended unexpectedly; "
                       "nothing was imported") from None
    finally:
        receive.close()
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


class _Rejects:
    """The --rejects CSV (row, reason, the original cells), mode 0600, written to a private
    temp file beside it: written out and synced before the import commits (``seal``), renamed
    into place after (``publish``); the temp file never outlives the import."""

    def __init__(self, target: str | None, headers: list[str]):
        self.target = Path(target) if target else None
        self.headers = headers
        self.count = 0
        self.final_path: str | None = None
        self._file = self._writer = self._tmp = None

    def __enter__(self):
        if self.target is not None:
            if self.target.is_dir():
                raise InvalidValue(f"--rejects {self.target} is a directory")
            if not self.target.parent.exists():
                raise NotFound(f"no directory {self.target.parent} for --rejects")
            from crmctl.store.outputs import PrivateOutput

            self._tmp = PrivateOutput(self.target)  # unnamed until complete: a kill leaves nothing
            self._file = self._tmp.open(binary=False)
            self._writer = csv.writer(self._file)
            with self._naming():
                self._writer.writerow(["row", "reason", *self.headers])
        return self

    @contextmanager
    def _naming(self):
        """An OSError while writing names the rejects file (a write's error names no file),
        so that a full disk is reported as "cannot write FILE" (crmctl.cli)."""
        try:
            yield
        except OSError as exc:
            if exc.filename is None:
                exc.filename = str(self.target)
            raise

    def add(self, cells: dict, bad) -> None:
        self.count += len(bad)
        if self._writer is None or not bad:
            return
        with self._naming():
            for rownum, reason in sorted(bad):
                self._writer.writerow([rownum, reason, *(_neutral(c) for c in cells[rownum])])

    def seal(self) -> None:
        """Everything written and on the disk (raises OSError if it is full)."""
        if self._file is None:
            return
        with self._naming():
            self._file.flush()
            os.fsync(self._tmp.fd)

    def publish(self) -> str | None:
        """Put the sealed file in place; after a commit, so a failure is only reported (the
        reason), and the temp file goes (``__exit__``)."""
        if self._tmp is None:
            return None
        try:
            self._tmp.publish()  # mode 0600 from the start
        except OSError as exc:
            reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
            return f"cannot write {self.target}: {reason}"
        self.final_path = str(self.target)
        return None

    def __exit__(self, exc_type, exc, tb):
        if self._tmp is not None:
            self._tmp.discard()  # published: only closed; otherwise gone without a trace
        return False
        return False


def _neutral(cell: str) -> str:
    """Spreadsheet safety for the rejects file: the rule of crmctl's export."""
    from crmctl.core.exporting import neutralize

    return neutralize(cell)
