"""One error family, each mapped to the contract's exit code in one place (ExitStatus)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """The contract's exit codes."""

    OK = 0
    FAILED = 1  # operation refused or failed: not found, invalid value, duplicate, busy
    USAGE = 2
    PASSPHRASE = 3  # missing or wrong passphrase
    INTEGRITY = 4  # audit verify found tampering, or the database is damaged


class CrmError(Exception):
    """Base of every error crmctl reports to its user as one line."""

    exit_status = ExitStatus.FAILED


class NotFound(CrmError):
    """A customer, follow-up, campaign or file that does not exist."""


class InvalidValue(CrmError):
    """A value the user gave that cannot be understood or is out of range."""


class Duplicate(CrmError):
    """A customer with the same normalized email or phone exists already."""


class Busy(CrmError):
    """Another process holds the write lock longer than the busy timeout."""


class DatabaseMissing(CrmError):
    """No database at the path; `crmctl init` makes one."""


class NotADatabase(CrmError):
    """The file exists but is not a crmctl (SQLCipher) database."""


class UsageError(CrmError):
    """A command line that does not make sense as a whole."""

    exit_status = ExitStatus.USAGE


class PassphraseError(CrmError):
    """No passphrase could be had, or it does not open the database."""

    exit_status = ExitStatus.PASSPHRASE


class IntegrityFailure(CrmError):
    """The audit chain was tampered with, or the database is damaged."""

    exit_status = ExitStatus.INTEGRITY
