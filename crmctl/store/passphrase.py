"""Where the passphrase comes from, first found wins (the contract's order):

``CRMCTL_PASSPHRASE_FILE`` (first line), ``CRMCTL_PASSPHRASE_CMD`` (first line of its
stdout), ``CRMCTL_PASSPHRASE``, the OS keyring (after ``crmctl key remember``), and a hidden
prompt when stdin is a terminal. With none of them and no terminal we fail at once (exit 3)
rather than wait for input that cron will never give.

The passphrase is never an argument, and is never put into an exception message.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from crmctl.errors import PassphraseError

KEYRING_SERVICE = "crmctl"
NO_SOURCE_MESSAGE = (
    "no passphrase: set CRMCTL_PASSPHRASE_FILE, CRMCTL_PASSPHRASE_CMD or CRMCTL_PASSPHRASE, "
    "run `crmctl key remember`, or run crmctl on a terminal to be asked"
)


class Passphrase:
    """The secret and where it came from (so a wrong one from a prompt may be asked again).

    A plain class, not a dataclass: the early open (crmctl.prefetch) imports this module
    on its way to the key derivation, and dataclasses costs ~15 ms of imports there."""

    __slots__ = ("secret", "source")

    def __init__(self, secret: bytes, source: str) -> None:
        self.secret = secret
        self.source = source  # file | command | env | keyring | prompt

    def __repr__(self) -> str:  # never show the secret, even in a debug traceback
        return f"Passphrase(source={self.source!r})"


def _first_line(data: str) -> str:
    return data.splitlines()[0] if data else ""


def _from_file(path: str) -> str:
    try:
        return _first_line(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PassphraseError(f"cannot read CRMCTL_PASSPHRASE_FILE {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PassphraseError(f"CRMCTL_PASSPHRASE_FILE {path} is not UTF-8 text") from None


def _from_command(command: str) -> str:
    import subprocess  # (here: only this source runs a command)

    try:
        done = subprocess.run(
            command, shell=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        raise PassphraseError("CRMCTL_PASSPHRASE_CMD did not finish within 60 s") from None
    if done.returncode != 0:
        raise PassphraseError(f"CRMCTL_PASSPHRASE_CMD failed with exit code {done.returncode}")
    try:
        return _first_line(done.stdout.decode("utf-8", errors="strict"))
    except UnicodeDecodeError:  # its message would quote a byte of the secret
        raise PassphraseError("CRMCTL_PASSPHRASE_CMD printed something that is not UTF-8 text"
                              ) from None


def keyring_account(db_path: Path) -> str:
    return str(Path(db_path).expanduser().resolve())


def from_keyring(db_path: Path) -> str | None:
    """The remembered passphrase, or None; any keyring failure is quietly None.

    Under cron or over ssh the keyring is usually unreachable; it is a convenience, never
    a dependency, so we fall through to the next source.
    """
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, keyring_account(db_path))
    except Exception:  # noqa: BLE001 - every keyring backend fails in its own way
        return None


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, AttributeError):
        return False


def _prompt(confirm: bool) -> str:
    import getpass

    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Passphrase (again): ") != first:
        raise PassphraseError("the two passphrases differ; nothing was created")
    return first


def get_passphrase(
    db_path: Path,
    *,
    confirm: bool = False,
    prompt: Callable[[bool], str] = _prompt,
    use_keyring: bool = True,
) -> Passphrase:
    """The passphrase for ``db_path`` from the first source that has one."""
    found = _environment_source(os.environ)
    if found:
        source, value = found
        return _nonempty(_READERS[source](value), source)
    if use_keyring:
        remembered = from_keyring(db_path)
        if remembered:
            return Passphrase(remembered.encode("utf-8"), "keyring")
    if stdin_is_terminal():
        return _nonempty(prompt(confirm), "prompt")
    raise PassphraseError(NO_SOURCE_MESSAGE)


# The sources set in the environment, in the contract's order (then keyring, then prompt)
_ENVIRONMENT = (("file", "CRMCTL_PASSPHRASE_FILE"), ("command", "CRMCTL_PASSPHRASE_CMD"),
                ("env", "CRMCTL_PASSPHRASE"))
_READERS = {"file": _from_file, "command": _from_command, "env": lambda value: value}


def _environment_source(environ) -> tuple[str, str] | None:
    """(source, the variable's value) of the first passphrase variable that is set."""
    return next(((source, environ[name]) for source, name in _ENVIRONMENT
                 if environ.get(name)), None)


def without_side_effects(environ) -> bytes | None:
    """The passphrase get_passphrase would give when its source can be read without side
    effects: the file or the variable. None when it would come from a command, the keyring
    or a prompt, or when reading fails (get_passphrase then says why)."""
    found = _environment_source(environ)
    if found is None or found[0] == "command":
        return None
    source, value = found
    try:
        secret = _READERS[source](value)
    except PassphraseError:
        return None
    return secret.encode("utf-8") if secret else None


def get_new_passphrase(*, prompt: Callable[[bool], str] = _prompt) -> bytes:
    """The new passphrase for rekey / backup --new-passphrase: env or a prompt asked twice."""
    if os.environ.get("CRMCTL_NEW_PASSPHRASE"):
        return os.environ["CRMCTL_NEW_PASSPHRASE"].encode("utf-8")
    if stdin_is_terminal():
        return _nonempty(prompt(True), "prompt").secret
    raise PassphraseError("no new passphrase: set CRMCTL_NEW_PASSPHRASE or run on a terminal")


def _nonempty(secret: str, source: str) -> Passphrase:
    if not secret:
        raise PassphraseError(f"the passphrase from {_SOURCE_NAMES[source]} is empty")
    return Passphrase(secret.encode("utf-8"), source)


_SOURCE_NAMES = {
    "file": "CRMCTL_PASSPHRASE_FILE",
    "command": "CRMCTL_PASSPHRASE_CMD",
    "env": "CRMCTL_PASSPHRASE",
    "keyring": "the keyring",
    "prompt": "the prompt",
}
