"""The --rejects file: every refused row with its reason and its original cells."""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager
from pathlib import Path

from crmctl.errors import InvalidValue, NotFound
from crmctl.spreadsheet import neutralize
from crmctl.store.outputs import PrivateOutput


class Rejects:
    """The --rejects CSV (row, reason, the original cells), mode 0600, written to a private
    temp file beside it: written out and synced before the import commits (``seal``), renamed
    into place after (``publish``); the temp file never outlives the import. Its cells pass
    through crmctl's spreadsheet safety, as every csv crmctl writes."""

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
        """Count the refused rows [(row, reason)…]; write them, their cells from ``cells``."""
        self.count += len(bad)
        if self._writer is None or not bad:
            return
        with self._naming():
            for rownum, reason in sorted(bad):
                self._writer.writerow([rownum, reason, *map(neutralize, cells[rownum])])

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
