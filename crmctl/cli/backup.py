"""backup, restore, rekey: encrypted copies and a passphrase change that survive a crash."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from crmctl import clock
from crmctl.cli.context import command_name, db_path, keyed_session, new_app, overwrite_prompt
from crmctl.core import backups
from crmctl.errors import InvalidValue, NotFound, PassphraseError, UsageError
from crmctl.i18n import _, ngettext
from crmctl.render import message
from crmctl.store import backup as store_backup  # (verify_file: is SRC a backup?)
from crmctl.store import exclusive_lock
from crmctl.store import passphrase as passphrases
from crmctl.store.outputs import looks_like_backup, resolve_output

app = new_app()


@app.command()
def backup(
    ctx: typer.Context,
    dest: str = typer.Argument(..., metavar="DEST",
                               help="Backup file, or a directory to put crm-<time>.db in."),
    new_passphrase: bool = typer.Option(False, "--new-passphrase",
                                        help="Key the copy with another passphrase "
                                             "(CRMCTL_NEW_PASSPHRASE or asked twice)."),
    force: bool = typer.Option(False, "--force",
                               help="Replace an existing file that is not a crmctl backup "
                                    "(on a terminal you are asked instead)."),
) -> None:
    """Write a verified encrypted copy of the database (mode 0600), safe while in use.

    DEST/ or an existing directory gets crm-YYYYMMDD-HHMMSS.db inside it (a missing
    directory is an error). An earlier backup at DEST is replaced; any other existing
    file only with --force. DEST is never the database, its -wal/-shm, lock or a kept copy.

    Example: crmctl backup /mnt/usb/
    """
    target = resolve_output(dest, db=db_path(ctx), force=force, ask=overwrite_prompt(),
                            default_name=f"crm-{clock.now().strftime('%Y%m%d-%H%M%S')}.db",
                            replaceable=looks_like_backup)
    if target is None:
        raise UsageError(_("backup writes a file: give DEST, not -"))
    new_key = passphrases.get_new_passphrase() if new_passphrase else None
    with keyed_session(ctx) as (conn, passphrase):
        written = backups.backup(conn, target, new_key or passphrase.secret)
    message(_("backup written to {path} (verified)").format(path=written))


@app.command()
def restore(
    ctx: typer.Context,
    src: Path = typer.Argument(..., metavar="SRC", help="A backup made by `crmctl backup`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
) -> None:
    """Replace the database with a backup, after verifying it; the previous file is kept
    as crm.db.before-restore-<time>. The restored database keeps the current passphrase,
    and every erasure (`forget`) made after the backup is applied to it again.

    Example: crmctl restore /mnt/usb/crm-2026-11-20.db --yes
    """
    if not yes and not passphrases.stdin_is_terminal():
        raise UsageError(_("{command} needs --yes when not run on a terminal").format(
            command="restore"))
    live = db_path(ctx)
    if live.exists():
        kept, reapplied = _restore_over(ctx, src, live, ask=not yes)
    else:
        kept, reapplied = _restore_into_nothing(ctx, src, live)
    message((_("restored {live} from {src}; the previous database is kept as {kept}") if kept
             else _("restored {live} from {src}")).format(live=live, src=src, kept=kept))
    if reapplied:
        message(ngettext("re-applied {n} erasure made after this backup",
                         "re-applied {n} erasures made after this backup", reapplied).format(
            n=reapplied))


def _restore_into_nothing(ctx: typer.Context, src: Path, live: Path):
    """restore where no database is: keyed with the passphrase given for it."""
    key = passphrases.get_passphrase(live, use_keyring=False).secret
    with exclusive_lock(live):
        return backups.restore(src, _backup_key(src, key), live, key, command=command_name(ctx))


def _restore_over(ctx: typer.Context, src: Path, live: Path, *, ask: bool):
    """restore over the live database (kept aside); erasures made after the backup are
    applied to the copy again. Returns (the kept file, how many erasures re-applied)."""
    with keyed_session(ctx, exclusive=True) as (conn, passphrase):
        src_key = _backup_key(src, passphrase.secret)  # verifies SRC: refuse before asking
        if ask:
            typer.confirm(_("Replace {live} with {src}?").format(live=live, src=src), abort=True)
        return backups.restore(src, src_key, live, passphrase.secret, conn,
                               command=command_name(ctx))


def _backup_key(src: Path, key: bytes) -> bytes:
    """The current passphrase if it opens the backup, else (on a terminal) the backup's."""
    if not src.exists():
        raise NotFound(_("no backup at {path}").format(path=src))
    try:
        store_backup.verify_file(src, key)
        return key
    except PassphraseError:
        if not passphrases.stdin_is_terminal():  # say what would work, not only what did not
            raise PassphraseError(_("the current passphrase does not open {path}; run restore "
                                    "on a terminal to be asked for the backup's").format(
                path=src)) from None
    return getpass.getpass(_("Passphrase of {path}: ").format(path=src)).encode("utf-8")


@app.command()
def rekey(ctx: typer.Context) -> None:
    """Change the passphrase: a verified copy under the new one replaces the file, so an
    interruption leaves a database that opens with the old or the new passphrase. No other
    crmctl has the database open meanwhile (they wait, or say "database is busy").

    The new passphrase comes from CRMCTL_NEW_PASSPHRASE or is asked twice.

    Example: crmctl rekey   # asks for the new passphrase twice
    """
    with keyed_session(ctx, exclusive=True) as (conn, passphrase):
        new_key = passphrases.get_new_passphrase()
        if new_key == passphrase.secret:
            raise InvalidValue(_("the new passphrase is the same as the current one"))
        backups.rekey(conn, new_key)
    kept = _update_keyring(db_path(ctx), passphrase.secret, new_key)
    message(_("passphrase changed; use the new one from now on"))
    if note := _source_note(passphrase.source, kept):
        message(note)


# Where this run's passphrase came from, which still holds the old one after rekey: the
# next run (cron) reads the same source, and would fail with "wrong passphrase".
_STALE_SOURCES = {"file": lambda: _("CRMCTL_PASSPHRASE_FILE (the file it names)"),
                  "command": lambda: _("CRMCTL_PASSPHRASE_CMD (what the command prints)"),
                  "env": lambda: "CRMCTL_PASSPHRASE"}


def _source_note(source: str, keyring_updated: bool) -> str | None:
    """The line saying which passphrase source must be updated after rekey, if any."""
    updated = _("; the keyring entry now holds the new one") if keyring_updated else ""
    if source in _STALE_SOURCES:
        return _("this run read the passphrase from {source}: it still holds the old one; "
                 "update it before the next run (cron) or it fails{updated}").format(
            source=_STALE_SOURCES[source](), updated=updated)
    if keyring_updated:
        return _("the keyring entry now holds the new passphrase")
    return None


def _update_keyring(path: Path, old: bytes, new: bytes) -> bool:
    """If the keyring held the old passphrase, hold the new one instead (quietly skipped
    where no keyring works); True if it was updated."""
    if passphrases.from_keyring(path) != old.decode("utf-8"):
        return False
    try:
        import keyring

        keyring.set_password(passphrases.KEYRING_SERVICE, passphrases.keyring_account(path),
                             new.decode("utf-8"))
        return True
    except Exception:  # noqa: BLE001 - each backend fails its own way
        message(_("note: the keyring still holds the old passphrase; run `crmctl key remember`"))
        return False
