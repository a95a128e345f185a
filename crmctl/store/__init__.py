"""The store: opening the SQLCipher file with its key, pragmas, migrations, atomic writes."""

from crmctl.store.connection import CrmConnection, create_database, exclusive_lock, open_database
from crmctl.store.paths import default_db_path, resolve_db_path
from crmctl.store.transactions import atomic, page_cache, translate_sqlite_error

__all__ = [
    "CrmConnection",
    "atomic",
    "create_database",
    "default_db_path",
    "exclusive_lock",
    "open_database",
    "page_cache",
    "resolve_db_path",
    "translate_sqlite_error",
]
