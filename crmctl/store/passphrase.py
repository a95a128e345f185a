"""Where the passphrase comes from, first found wins (the contract's order):

``CRMCTL_PASSPHRASE_FILE`` (first line), ``CRMCTL_PASSPHRASE_CMD`` (first line of its
stdout), ``CRMCTL_PASSPHRASE``, the OS keyring (after ``crmctl key remember``), and a hidden
prompt when stdin is a terminal. With none of them and no terminal we fail at once (exit 3)
rather than wait for input that cron will never give.

The passphrase is never an argument, and is never put into an exception message.
A new passphrase (``init``, ``rekey``, ``backup --new-passphrase``) has at least
MIN_NEW_LENGTH characters; on a terminal a short or mistyped one is asked again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from crmctl.errors import CrmError, InvalidValue, PassphraseError
from crmctl.i18n import _, ngettext

KEYRING_SERVICE = "crmctl"
MIN_NEW_LENGTH = 10  # characters, not bytes: 10 Chinese characters are as good as 10 letters
PROMPT_TRIES = 3
# What a passphrase command's child must not see: they hold secrets it has no need of.
_WITHHELD_FROM_COMMAND = ("CRMCTL_PASSPHRASE", "CRMCTL_NEW_PASSPHRASE")
NO_SOURCE_MESSAGE = (  # translated where it is raised (the language is read then)
    "no passphrase: set CRMCTL_PASSPHRASE_FILE, CRMCTL_PASSPHRASE_CMD or CRMCTL_PASSPHRASE, "
    "run `crmctl key remember`, or run crmctl on a terminal to be asked"
)


class Passphrase:
    """The secret and where it came from (so a wrong one from a prompt may be asked again)."""

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
        raise PassphraseError(_("cannot read CRMCTL_PASSPHRASE_FILE {path}: {error}")
                              .format(path=path, error=exc.strerror)) from None
    except UnicodeDecodeError:
        raise PassphraseError(_("CRMCTL_PASSPHRASE_FILE {path} is not UTF-8 text")
                              .format(path=path)) from None


def _warn_if_exposed(path: str) -> None:
    """One line on stderr when the passphrase file is readable by group or others (as ssh
    warns of an unprotected key); the command goes on."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # reading it said why already
    if stat.S_ISREG(mode) and mode & 0o044:  # (a pipe, as <(pass show crm) gives, is not)
        sys.stderr.write(_("warning: {path} is readable by others; chmod 600 it").format(
            path=path) + "\n")


def _from_command(command: str) -> str:
    import subprocess  # (here: only this source runs a command)

    environ = {name: value for name, value in os.environ.items()
               if name not in _WITHHELD_FROM_COMMAND}
    try:
        done = subprocess.run(
            command, shell=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
            env=environ,
        )
    except subprocess.TimeoutExpired:
        raise PassphraseError(_("CRMCTL_PASSPHRASE_CMD did not finish within 60 s")) from None
    if done.returncode != 0:
        raise PassphraseError(_("CRMCTL_PASSPHRASE_CMD failed with exit code {code}")
                              .format(code=done.returncode))
    try:
        return _first_line(done.stdout.decode("utf-8", errors="strict"))
    except UnicodeDecodeError:  # its message would quote a byte of the secret
        raise PassphraseError(_("CRMCTL_PASSPHRASE_CMD printed something that is not UTF-8 "
                                "text")) from None


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


def _prompt(label: str) -> str:
    import getpass

    return getpass.getpass(label)


def get_passphrase(
    db_path: Path,
    *,
    new: bool = False,
    prompt: Callable[[str], str] = _prompt,
    use_keyring: bool = True,
) -> Passphrase:
    """The passphrase for ``db_path`` from the first source that has one; ``new`` (init):
    one for a new database, held to MIN_NEW_LENGTH and asked twice on a terminal."""
    found = _environment_source(os.environ)
    if found:
        source, value = found
        if source == "file":
            _warn_if_exposed(value)
        passphrase = _nonempty(_READERS[source](value), source)
        if new:
            check_new(passphrase.secret.decode("utf-8"), _SOURCE_NAMES[source])
        return passphrase
    if use_keyring:
        remembered = from_keyring(db_path)
        if remembered:
            return Passphrase(remembered.encode("utf-8"), "keyring")
    if stdin_is_terminal():
        if new:
            return Passphrase(ask_new(prompt).encode("utf-8"), "prompt")
        return _nonempty(prompt(_("Passphrase: ")), "prompt")
    raise PassphraseError(_(NO_SOURCE_MESSAGE))


# The sources set in the environment, in the contract's order (then keyring, then prompt)
_ENVIRONMENT = (("file", "CRMCTL_PASSPHRASE_FILE"), ("command", "CRMCTL_PASSPHRASE_CMD"),
                ("env", "CRMCTL_PASSPHRASE"))
_READERS = {"file": _from_file, "command": _from_command, "env": lambda value: value}


def _environment_source(environ) -> tuple[str, str] | None:
    """(source, the variable's value) of the first passphrase variable that is set."""
    return next(((source, environ[name]) for source, name in _ENVIRONMENT
                 if environ.get(name)), None)


def get_new_passphrase(*, prompt: Callable[[str], str] = _prompt) -> bytes:
    """The new passphrase for rekey / backup --new-passphrase: env or a prompt asked twice."""
    if os.environ.get("CRMCTL_NEW_PASSPHRASE"):
        secret = os.environ["CRMCTL_NEW_PASSPHRASE"]
        check_new(secret, "CRMCTL_NEW_PASSPHRASE")
        return secret.encode("utf-8")
    if stdin_is_terminal():
        return ask_new(prompt, _("New passphrase")).encode("utf-8")
    raise PassphraseError(_("no new passphrase: set CRMCTL_NEW_PASSPHRASE or run on a "
                                "terminal"))


def too_short(secret: str, source: str) -> InvalidValue | None:
    """The refusal of a new passphrase under MIN_NEW_LENGTH characters (exit 1: a value the
    user can choose better, not a wrong passphrase), or None. Never quotes the secret."""
    if len(secret) >= MIN_NEW_LENGTH:
        return None
    count = ngettext("{n} character", "{n} characters", len(secret)).format(n=len(secret))
    return InvalidValue(_("the new passphrase from {source} is too short ({count}); use at "
                          "least {least}").format(source=_(source), count=count,
                                                  least=MIN_NEW_LENGTH))


def check_new(secret: str, source: str) -> None:
    problem = too_short(secret, source)
    if problem is not None:
        raise problem


def ask_new(prompt: Callable[[str], str], label: str | None = None) -> str:
    """A new passphrase typed twice on the terminal. A short one, or two entries that
    differ, is asked again, PROMPT_TRIES times in all; then the last problem is the error."""
    label = label or _("Passphrase")
    for attempt in range(1, PROMPT_TRIES + 1):
        first = prompt(_("{label}: ").format(label=label))
        problem: CrmError | None = too_short(first, "the prompt")
        if problem is None:
            if prompt(_("{label} (again): ").format(label=label)) == first:
                return first
            problem = PassphraseError(_("the two passphrases differ; nothing was changed"))
        if attempt == PROMPT_TRIES:
            raise problem
        sys.stderr.write(_("too short: at least {least} characters; try again").format(
                         least=MIN_NEW_LENGTH) + "\n" if isinstance(problem, InvalidValue)
                         else _("the two entries differ; try again") + "\n")
    raise AssertionError("unreachable")


def _nonempty(secret: str, source: str) -> Passphrase:
    if not secret:
        raise PassphraseError(_("the passphrase from {source} is empty")
                              .format(source=_(_SOURCE_NAMES[source])))
    return Passphrase(secret.encode("utf-8"), source)


_SOURCE_NAMES = {
    "file": "CRMCTL_PASSPHRASE_FILE",
    "command": "CRMCTL_PASSPHRASE_CMD",
    "env": "CRMCTL_PASSPHRASE",
    "keyring": "the keyring",
    "prompt": "the prompt",
}
