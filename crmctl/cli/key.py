"""key remember / forget: keep the passphrase in the OS keyring, or stop doing so."""

from __future__ import annotations

import typer

from crmctl.cli.context import command_name, db_path, new_app
from crmctl.errors import CrmError
from crmctl.i18n import _
from crmctl.store import open_database
from crmctl.store.passphrase import KEYRING_SERVICE, get_passphrase, keyring_account
from crmctl.render import message

app = new_app("Remember the passphrase in the OS keyring.")


@app.command("remember")
def remember(ctx: typer.Context) -> None:
    """Store the passphrase in the OS keyring, after checking it opens the database.

    Example: CRMCTL_PASSPHRASE_CMD='pass show crm' crmctl key remember
    """
    path = db_path(ctx)
    if not path.exists():
        open_database(path, b"")  # raises the clear "no database" error before asking
    passphrase = get_passphrase(path, use_keyring=False)
    # Open with this very passphrase (not a second prompt): proves it before it is kept.
    open_database(path, passphrase.secret, command=command_name(ctx)).close()
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, keyring_account(path),
                             passphrase.secret.decode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - each backend fails its own way
        raise CrmError(_("no usable keyring here ({error}); use CRMCTL_PASSPHRASE_FILE or "
                         "CRMCTL_PASSPHRASE_CMD instead").format(error=type(exc).__name__)) from None
    message(_("passphrase for {path} remembered in the keyring").format(path=path))


@app.command("forget")
def forget(ctx: typer.Context) -> None:
    """Remove the passphrase from the OS keyring.

    Example: crmctl key forget
    """
    path = db_path(ctx)
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(KEYRING_SERVICE, keyring_account(path))
        except PasswordDeleteError:
            message(_("no passphrase for {path} was remembered").format(path=path))
            return
    except Exception as exc:  # noqa: BLE001
        raise CrmError(_("no usable keyring here ({error})").format(error=type(exc).__name__)) from None
    message(_("passphrase for {path} forgotten by the keyring").format(path=path))
