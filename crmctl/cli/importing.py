"""import: bulk import of contact files (CSV, xlsx, vCard)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from crmctl.cli.context import db_path, new_app, overwrite_prompt, session
from crmctl.core import importing
from crmctl.errors import UsageError
from crmctl.i18n import _
from crmctl.render import Format, emit_import_summary, emit_rows, progress
from crmctl.store.outputs import resolve_output

app = new_app()


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., metavar="FILE",
                               help="A .csv (any delimiter), .xlsx or vCard file, or a "
                                    "directory of .vcf files."),
    mapping: str = typer.Option(
        "auto", "--mapping", metavar="auto|NAME|FILE.toml",
        help="Header mapping: auto, google, outlook, thunderbird, chinese, crmctl, or a TOML "
             "file with [columns] \"Header\" = \"field\"."),
    show_mapping: bool = typer.Option(False, "--show-mapping",
                                      help="Print which column feeds which field; import nothing."),
    encoding: str = typer.Option("auto", "--encoding", help="auto, or e.g. utf-8, gb18030, utf-16."),
    on_duplicate: str = typer.Option("skip", "--on-duplicate", metavar="skip|update|error",
                                     help="A row with the email or phone of a customer: skip it, "
                                          "update that customer, or fail the whole import."),
    dry_run: bool = typer.Option(False, "--dry-run", "-n",
                                 help="Report what would happen; write nothing."),
    rejects: Optional[str] = typer.Option(None, "--rejects", metavar="FILE",
                                          help="Write refused rows (row, reason, cells) to this CSV "
                                               "(DIR/: FILE-rejects.csv in it)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --rejects file "
                                                      "(on a terminal you are asked instead)."),
    tag: List[str] = typer.Option([], "--tag", help="Tag every imported customer; repeatable."),
    region: Optional[str] = typer.Option(
        None, "--region", "--phone-region", metavar="CC",
        help="Read phone numbers without a country code as this country's (ISO code: US, DE); "
             "default: the default_region setting (CN). A row's own country column wins."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Import customers from Google Contacts, Outlook, Thunderbird, Excel, vCard or crmctl files.

    One transaction: an interrupted import changes nothing. Rows with an invalid email or
    phone, or no name, are refused (see --rejects); the rest are imported.

    Example: crmctl import contacts.csv --tag 展会2026 --rejects rejected.csv
    """
    if show_mapping:
        rows = importing.show_mapping(file, mapping, encoding)
        emit_rows(rows, ["column", "field"], fmt)
        return
    if rejects is not None:  # refused before the passphrase is asked (a dry run writes it too)
        rejects = _rejects_path(ctx, rejects, file, force)
    options = importing.Options(mapping=mapping, encoding=encoding, on_duplicate=on_duplicate,
                                dry_run=dry_run, rejects=rejects, tags=list(tag), region=region)
    with session(ctx) as conn, progress(_("importing")) as update:
        summary = importing.run(conn, file, options, progress=update)
    emit_import_summary(summary, fmt)


def _rejects_path(ctx: typer.Context, rejects: str, file: str, force: bool) -> str:
    """Where --rejects writes (DIR/: FILE-rejects.csv in it); never standard output."""
    if rejects.strip() == "-":
        raise UsageError(_("--rejects needs a file: standard output carries the summary"))
    return str(resolve_output(rejects, db=db_path(ctx),
                              default_name=f"{Path(file).stem}-rejects.csv",
                              force=force, ask=overwrite_prompt()))
