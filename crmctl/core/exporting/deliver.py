"""Where an export goes, and its audit entry: a file (mode 0600, never a world-readable
temp file) or a stream (stdout).

A file is written through a private file in the destination directory
(crmctl.store.outputs.private_output: unnamed until complete, nothing left by a kill) and
renamed into place together with the audit entry, so both arrive or neither does. To a
stream, the entry is recorded first: the data starts to leave then.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from crmctl.errors import InvalidValue
from crmctl.i18n import _
from crmctl.store import atomic
from crmctl.store.outputs import (is_stream, private_output, refuse_database_files,
                                  refuse_option_like)


def check_destination(out: str | os.PathLike | None, db=None) -> Path | None:
    """The file to write (None: the stream); refuses a directory, a missing directory and
    the database's own files (the full policy, with --force and DIR/, is the command's:
    crmctl.store.outputs.resolve_output)."""
    if is_stream(out):
        return None
    refuse_option_like(out)
    path = Path(out).expanduser()
    if path.is_dir():
        raise InvalidValue(_("cannot write {path}: it is a directory").format(path=path))
    if not path.parent.is_dir():
        raise InvalidValue(_("cannot write {path}: directory {directory} does not exist").format(
            path=path, directory=path.parent))
    refuse_database_files(path, db)
    return path


def refuse_binary_on_terminal(binary: bool, path: Path | None, stream) -> None:
    """xlsx to a terminal would print a zip: ask for a file instead."""
    if binary and path is None and _is_terminal(stream):
        raise InvalidValue(_("xlsx is binary: give --out FILE or redirect the output"))


def deliver(conn, path: Path | None, stream, binary: bool, encoding: str,
            write: Callable, record: Callable[[], None]):
    """Write through ``write(stream)`` to ``path`` (0600, atomic) or to ``stream``; audit
    with ``record()``. Returns what ``write`` returns."""
    if path is None:
        with atomic(conn):
            record()  # the data starts to leave now
        target = stream.buffer if binary else stream
        if not binary and encoding == "utf-8-sig":
            target.write("\ufeff")
        result = write(target)
        target.flush()
        return result
    with private_output(path) as out:
        result = write(out.open(binary, encoding))
        with atomic(conn):  # the entry and the file arrive together, or neither does
            record()
            out.publish()
    return result


def _is_terminal(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, AttributeError):
        return False
