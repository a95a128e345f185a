"""The file's rows a chunk at a time, validated, in this process or in a forked second one.

The writer (SQLite, one per database) is the bottleneck; reading, validating and making the
search texts are most of the rest, so with two cores they run beside it, a chunk ahead, in
a child process that never touches the database.
"""

from __future__ import annotations

import os
import pickle
from typing import Iterator

from crmctl.core.importing.columns import ColumnsToCustomers
from crmctl.errors import CrmError
from crmctl.i18n import english

CHUNK_ROWS = 5_000
PARALLEL_FROM_BYTES = 4_000_000  # smaller files are validated in-process


def default_workers(source) -> int:
    """1: a second process reads and validates while this one writes; 0: all in-process.

    Small files and xlsx (openpyxl's streaming reader) stay in-process, and so does
    everything on one core. CRMCTL_IMPORT_WORKERS overrides (0 or 1), for benchmarks.
    """
    if os.environ.get("CRMCTL_IMPORT_WORKERS", "").isdigit():
        return min(int(os.environ["CRMCTL_IMPORT_WORKERS"]), 1)
    if source.size < PARALLEL_FROM_BYTES or source.encoding == "xlsx" or (os.cpu_count() or 1) < 2:
        return 0
    return 1


def validated_chunks(source, validator: ColumnsToCustomers, workers: int | None,
                     keep_cells: bool):
    """(position, cells by row number, rows, (good, bad, phones read in the default region))
    a chunk at a time, in file order.

    ``cells`` holds what the rejects file may need: every row when ``keep_cells``, else
    only the rows validation refused.
    """
    if workers is None:
        workers = default_workers(source)
    chunks = ((source.position(), *_validate(chunk, validator, keep_cells))
              for chunk in _chunks(source))
    if workers <= 0 or not hasattr(os, "fork"):
        yield from chunks
    else:
        yield from _beside(chunks)


def _chunks(source) -> Iterator[list]:
    chunk = []
    for item in source.rows:
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _validate(chunk, validator: ColumnsToCustomers, keep_cells: bool):
    with english():  # a row's reason goes into the rejects CSV and the JSON summary
        validated = validator(chunk)
    if keep_cells:
        cells = dict(chunk)
    else:
        refused = {rownum for rownum, _ in validated[1]}
        cells = {rownum: c for rownum, c in chunk if rownum in refused}
    return cells, len(chunk), validated


def _beside(chunks):
    """Run ``chunks`` in a forked child, a chunk ahead of the writer, over a pipe.

    The child inherits the open file (the parent no longer reads it) and never touches the
    database; it leaves with os._exit, so no inherited finalizer runs. An error there
    (a damaged file halfway through) is raised here, in file order.
    """
    from multiprocessing import connection  # ~15 ms, for big files only

    receive, send = connection.Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # the child
        receive.close()
        _send_all(chunks, send)
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


def _send_all(chunks, send) -> None:
    """In the child: every chunk, then "end" (or the error), and leave without cleaning up."""
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
