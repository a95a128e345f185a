"""Output paths: the one policy for every file a command writes (export --out, import
--rejects, campaign export --out, backup DEST), and the private temp file it is written to.

- Never a name starting with '-' (other than ``-``, standard output): ``report --html
  --help`` took ``--help`` for the file and wrote it (refuse_option_like; ./-x is fine).
- Never the database: not the file, its -wal/-shm/-journal, its .lock, a
  ``.before-restore-*`` copy, nor a hard or symbolic link to any of them (exit 1).
- Never what is not ours without asking: an existing file needs --force (or a yes on a
  terminal), unless ``replaceable`` says it is ours (an earlier backup).
- ``DIR/`` or an existing directory means a file inside it; a missing directory is an
  error, never a new file (the unmounted USB stick).
- The format follows the extension when --format is not given (``format_for``).
- ``private_output``: the data goes to an unnamed file in the destination's directory
  (O_TMPFILE, 0600), linked in and renamed over the destination only when complete; a
  kill leaves nothing. Where the file system has no O_TMPFILE (vfat, some network mounts)
  a named 0600 O_EXCL temp file beside it, removed on any failure, is used instead.

It imports neither crmctl.core nor crmctl.cli.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from crmctl.errors import InvalidValue, UsageError
from crmctl.i18n import _
from crmctl.store.connection import looks_encrypted

EXTENSIONS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".vcf": "vcf", ".ics": "ics"}
# The database's own files: suffix -> what to call it in the refusal.
_OWN_FILES = {"": "the database", "-wal": "the database's write-ahead log",
              "-shm": "the database's shared-memory file", "-journal": "the database's journal",
              ".lock": "the database's lock file", ".lock.gate": "the database's lock file"}
_KEPT = ".before-restore-"  # restore keeps the previous file as <db>.before-restore-<time>


def is_stream(out) -> bool:
    """None or '-': standard output."""
    return out is None or str(out) == "-"


def refuse_option_like(out) -> None:
    """InvalidValue for an output name as typed (a str) that starts with '-' (but is not
    '-'): an option taken for the file's name, as in ``report --html --help``. A Path is
    a name already resolved (``./-x`` resolves to ``-x``): it passes."""
    if isinstance(out, str) and out.startswith("-") and out != "-":
        raise InvalidValue(_("refusing to write a file named {path}: it looks like an option "
                             "(to mean that file, write ./{path})").format(path=out))


def names_directory(out) -> bool:
    """``DIR/`` (whether or not it exists) or an existing directory."""
    text = os.fspath(out)
    return text.endswith(("/", os.sep)) or Path(text).expanduser().is_dir()


def format_for(out, given: str | None, default: str) -> str:
    """--format, else the extension's format, else ``default``; a known --format that
    contradicts a known extension is a usage error (exit 2)."""
    if is_stream(out) or names_directory(out):
        return given or default
    implied = EXTENSIONS.get(Path(os.fspath(out)).suffix.lower())
    if given is None or implied is None:
        return given or implied or default
    word = given.strip().lower()
    if word in EXTENSIONS.values() and word != implied:
        raise UsageError(_("--format {word} contradicts the extension of {path} ({implied}); "
                           "drop --format or change the name").format(word=word, path=out,
                                                                      implied=implied))
    return given


# --- the database's own files ----------------------------------------------------------------
def database_files(db: Path) -> list[tuple[Path, str]]:
    """Every path that belongs to the database ``db``, with what it is."""
    db = Path(db)
    files = [(Path(f"{db}{suffix}"), what) for suffix, what in _OWN_FILES.items()]
    if db.parent.is_dir():
        files += [(kept, "a database kept by restore")
                  for kept in db.parent.glob(f"{_glob_escape(db.name)}{_KEPT}*")]
    return files


def _what(what: str) -> str:
    """A database file's description (database_files) in the interface language."""
    return {"the database": _("the database"),
            "the database's write-ahead log": _("the database's write-ahead log"),
            "the database's shared-memory file": _("the database's shared-memory file"),
            "the database's journal": _("the database's journal"),
            "the database's lock file": _("the database's lock file"),
            "a database kept by restore": _("a database kept by restore")}.get(what, what)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def refuse_database_files(dest: Path, db: Path | None) -> None:
    """InvalidValue when ``dest`` is (or links to) one of the database's files."""
    if db is None:
        return
    real = Path(os.path.realpath(dest))
    real_db = Path(os.path.realpath(db))
    for path, what in database_files(db):
        same = os.path.realpath(path) == str(real)
        if not same and dest.exists() and path.exists():
            same = os.path.samefile(dest, path)  # a hard link, or a symlink followed
        if same:
            raise InvalidValue(_("refusing to write {path}: it is {what}").format(
                path=dest, what=_what(what)) + ("" if Path(dest).absolute() == path.absolute()
                                                else f" ({path})"))
    if real.parent == real_db.parent and real.name.startswith(real_db.name + _KEPT):
        raise InvalidValue(_("refusing to write {path}: it is a database kept by restore")
                           .format(path=dest))


# --- resolving an output path ----------------------------------------------------------------
def resolve_output(out, *, db: Path | None, default_name: str, force: bool = False,
                   ask: Callable[[str], bool] | None = None,
                   replaceable: Callable[[Path], bool] | None = None) -> Path | None:
    """The file to write for ``out`` (None for standard output), or a one-line refusal.

    ``ask`` (given on a terminal only) is asked before replacing an existing file that
    ``replaceable`` does not call ours; without it, such a file needs ``force``.
    """
    if is_stream(out):
        return None
    refuse_option_like(out)
    text = os.fspath(out)
    dest = Path(text).expanduser()
    if names_directory(text):
        if not dest.is_dir():
            raise InvalidValue(_("cannot write into {path}/: no such directory (is the disk "
                                 "mounted?)").format(path=dest))
        dest = dest / default_name
    elif not dest.parent.is_dir():
        raise InvalidValue(_("cannot write {path}: directory {directory} does not exist")
                           .format(path=dest, directory=dest.parent))
    refuse_database_files(dest, db)
    if dest.is_dir():  # DIR/default_name may itself be a directory
        raise InvalidValue(_("cannot write {path}: it is a directory").format(path=dest))
    if os.path.lexists(dest) and not force and not (replaceable and replaceable(dest)):
        if ask is None:
            raise InvalidValue(_("{path} exists; use --force to replace it").format(path=dest))
        if not ask(_("{path} exists. Replace it?").format(path=dest)):
            raise InvalidValue(_("{path} left as it was; nothing written").format(path=dest))
    return dest


def looks_like_backup(path: Path) -> bool:
    """An encrypted SQLCipher file by its shape (its key may differ from ours): the only
    kind of existing file ``backup`` replaces without --force."""
    try:
        return path.is_file() and looks_encrypted(path)
    except OSError:
        return False


# --- writing: fsync, temp files, rename ------------------------------------------------------
def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_temp(directory: Path, stem: str) -> Path:
    """A new empty named file, mode 0600 whatever the umask, in ``directory`` (for SQLite,
    which needs a name; an encrypted copy only)."""
    for _attempt in range(100):
        path = directory / f".{stem}.tmp-{os.getpid()}-{os.urandom(4).hex()}"
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise InvalidValue(_("cannot write in {dir}: {error}").format(
                dir=directory, error=exc.strerror)) from None
        os.close(fd)
        os.chmod(path, 0o600)
        return path
    raise InvalidValue(_("cannot make a temp file in {dir}").format(dir=directory))


def replace_into(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` over ``target`` and make the rename durable."""
    os.replace(tmp, target)
    fsync_path(target.parent)


class PrivateOutput:
    """An open 0600 file in the destination's directory; ``publish`` puts it in place."""

    def __init__(self, dest: Path):
        self.dest = Path(dest)
        self.directory = self.dest.parent
        self.name: Path | None = None  # the named fallback's path; None while unnamed
        self.published = False
        self.fd = self._unnamed()
        if self.fd is None:
            self.name = private_temp(self.directory, self.dest.name)
            self.fd = os.open(self.name, os.O_RDWR)
        self.file = None

    def _unnamed(self) -> int | None:
        flag = getattr(os, "O_TMPFILE", 0)
        if not flag or not os.path.isdir("/proc/self/fd"):
            return None
        try:
            fd = os.open(self.directory, flag | os.O_RDWR, 0o600)
        except OSError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
                return None  # this file system cannot: a named temp file then
            raise InvalidValue(_("cannot write {path}: {error}").format(
                path=self.dest, error=exc.strerror)) from None
        os.fchmod(fd, 0o600)
        return fd

    def open(self, binary: bool, encoding: str = "utf-8"):
        """The file as a stream (binary, or text with ``newline=''``); this object owns it."""
        if binary:
            self.file = os.fdopen(self.fd, "w+b", closefd=False)
        else:
            self.file = os.fdopen(self.fd, "w", encoding=encoding, newline="", closefd=False)
        return self.file

    def publish(self) -> None:
        """Flush, fsync, and atomically replace the destination with this file."""
        if self.file is not None:
            self.file.flush()
        os.fsync(self.fd)
        if self.name is None:
            self.name = self._link()
        replace_into(self.name, self.dest)
        self.published = True

    def _link(self) -> Path:
        """Give the unnamed file a name beside the destination (never an existing one)."""
        dirfd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for _attempt in range(100):
                name = f".{self.dest.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}"
                try:  # src_dir_fd makes os.link use linkat(AT_SYMLINK_FOLLOW)
                    os.link(f"/proc/self/fd/{self.fd}", name, src_dir_fd=dirfd,
                            dst_dir_fd=dirfd, follow_symlinks=True)
                except FileExistsError:
                    continue
                return self.directory / name
        finally:
            os.close(dirfd)
        raise InvalidValue(_("cannot make a temp file in {dir}").format(dir=self.directory))

    def discard(self) -> None:
        if self.file is not None:
            try:
                self.file.close()
            except OSError:
                pass  # a full disk again on the last flush: the file goes anyway
        os.close(self.fd)
        if self.name is not None and not self.published:
            self.name.unlink(missing_ok=True)


@contextmanager
def private_output(dest: Path) -> Iterator[PrivateOutput]:
    """``with private_output(dest) as out: out.open(binary).write(…); out.publish()``.

    Nothing reaches ``dest`` (nor any other name) until ``publish``; leaving the block
    without it, by an error or a kill, leaves no file behind (see the module docstring).
    """
    out = PrivateOutput(dest)
    try:
        yield out
    except OSError as exc:  # a write's error names no file: say which (a full disk)
        if exc.filename is None:
            exc.filename = str(dest)
        raise
    finally:
        out.discard()
