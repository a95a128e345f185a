"""The --rejects file: every refused row, and every skipped duplicate, with its reason and
its original cells; and the count of each kind of reason (``kind``)."""

from __future__ import annotations

import codecs
import csv
import os
import re
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _
from crmctl.spreadsheet import neutralize
from crmctl.store.outputs import PrivateOutput


# The kind of a reason, for the per-reason counts: the first pattern that matches the
# start of the reason (the reasons are the validators' messages, and write.py's).
KINDS = (
    ("value left out", re.compile(r"imported without ")),  # the row is in; one value is not
    ("duplicate", re.compile(r"duplicate of #")),
    ("conflicting duplicate", re.compile(r"same email as .* but same phone as ")),
    ("no name", re.compile(r"a customer needs a name")),
    ("name too long", re.compile(r"name is longer than")),
    ("invalid email", re.compile(r"invalid email ")),
    ("excel number", re.compile(r"invalid phone .*: Excel turned this column into numbers")),
    ("invalid phone", re.compile(r"invalid phone ")),
    ("invalid birthday", re.compile(r"invalid birthday ")),
    ("invalid lunar birthday", re.compile(r"invalid lunar birthday ")),
    ("unknown tier", re.compile(r"unknown tier ")),
    ("invalid tag", re.compile(r"a tag ")),
    ("too many cells", re.compile(r"the row has \d+ cells")),
    ("not text", re.compile(r"the row holds bytes that are not text")),
)


def kind(reason: str) -> str:
    """``invalid phone '123': too short`` → ``invalid phone``: the reason without its values."""
    for name, pattern in KINDS:
        if pattern.match(reason):
            return name
    return re.split(r"[:'\"(]", reason, maxsplit=1)[0].strip() or "other"


class Rejects:
    """The --rejects CSV (row, reason, the original cells), mode 0600, written to a private
    temp file beside it: written out and synced before the import commits (``seal``), renamed
    into place after (``publish``); the temp file never outlives the import. Its cells pass
    through crmctl's spreadsheet safety, as every csv crmctl writes. It is written in
    ``encoding`` (charsets.for_rejects: the source's family, with a BOM for Excel)."""

    def __init__(self, target: str | None, headers: list[str], encoding: str = "utf-8-sig"):
        self.target = Path(target) if target else None
        self.headers = headers
        self.encoding = encoding
        self.count = 0  # refused rows (skipped duplicates are listed, not counted here)
        self.by_kind: Counter[str] = Counter()  # every listed row, by kind of reason
        self.final_path: str | None = None
        self._file = self._writer = self._tmp = None

    def __enter__(self):
        if self.target is not None:
            if self.target.is_dir():
                raise InvalidValue(_("--rejects {path} is a directory").format(path=self.target))
            if not self.target.parent.exists():
                raise NotFound(_("no directory {directory} for --rejects").format(
                    directory=self.target.parent))
            self._tmp = PrivateOutput(self.target)  # unnamed until complete: a kill leaves nothing
            self._file = self._tmp.open(binary=False, encoding=self.encoding)
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

    def add(self, cells: dict, bad, skipped=()) -> None:
        """Count the refused rows [(row, reason)…]; write them and the skipped duplicates
        [(row, "duplicate of #ID")…] in row order, their cells from ``cells``."""
        self.count += len(bad)
        listed = [*bad, *skipped]
        self.by_kind.update(kind(reason) for _row, reason in listed)
        if self._writer is None or not listed:
            return
        fit = self._fit()
        with self._naming():
            for rownum, reason in sorted(listed):
                self._writer.writerow([rownum, fit(reason),
                                       *(fit(neutralize(c)) for c in cells[rownum])])

    def _fit(self):
        """Text as the rejects file's code page can hold it (a legacy code page cannot hold
        every character a reason may quote: those become "?"); Unicode holds all."""
        if codecs.lookup(self.encoding).name.startswith("utf"):
            return str
        return lambda text: text.encode(self.encoding, "replace").decode(self.encoding)

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
