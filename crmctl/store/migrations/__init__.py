"""Schema migrations keyed on ``PRAGMA user_version``.

Each migration is a small function; it runs in one transaction together with the bump of
``user_version``, so a killed migration leaves the database at the previous version.
Append new migrations at the end (a module of their own); never edit one that has shipped.
"""

from __future__ import annotations

from typing import Callable

from crmctl.errors import NotADatabase
from crmctl.i18n import _
from crmctl.store.migrations.base import (m001_initial, m002_campaign_exclusions,
                                          m003_interactions_rated, m004_followups_report,
                                          m005_checks_without_in_lists, m006_customers_card)
from crmctl.store.migrations.m007_search_grams import m007_search_grams_run_ends
from crmctl.store.migrations.m008_erasures import m008_erasures
from crmctl.store.migrations.m009_followup_cancel import m009_followup_cancel
from crmctl.store.migrations.m010_consent_purpose import m010_consent_purpose
from crmctl.store.migrations.m011_birthday_lunar import m011_birthday_lunar
from crmctl.store.migrations.m012_corrections import m012_corrections
from crmctl.store.migrations.m013_pinyin import m013_pinyin
from crmctl.store.migrations.m014_contact_points import m014_contact_points
from crmctl.store.migrations.m015_followup_contacts import m015_followup_contacts
from crmctl.store.migrations.m016_complaint_resolution import m016_complaint_resolution
from crmctl.store.migrations.m017_close import m017_close
from crmctl.store.migrations.m018_repurchase import m018_repurchase
from crmctl.store.migrations.m019_reports import m019_reports
from crmctl.store.sqlscript import run_statements
from crmctl.store.transactions import atomic

MIGRATIONS: list[Callable] = [m001_initial, m002_campaign_exclusions, m003_interactions_rated,
                              m004_followups_report, m005_checks_without_in_lists,
                              m006_customers_card, m007_search_grams_run_ends, m008_erasures,
                              m009_followup_cancel, m010_consent_purpose,
                              m011_birthday_lunar, m012_corrections, m013_pinyin,
                              m014_contact_points, m015_followup_contacts,
                              m016_complaint_resolution, m017_close, m018_repurchase,
                              m019_reports]


def migrate(conn, on_upgrade: Callable[[int, int], None] | None = None) -> int:
    """Run every migration the database has not seen; return the final version.
    ``on_upgrade(old, new)`` is called first when there is one to run (m007 rewrites the
    search index: half a minute at a million customers, worth a word to the person)."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > len(MIGRATIONS):
        raise NotADatabase(
            _("this database is at schema version {version}, newer than this crmctl "
              "understands ({known}); upgrade crmctl").format(version=current,
                                                              known=len(MIGRATIONS))
        )
    if current < len(MIGRATIONS) and on_upgrade:
        on_upgrade(current, len(MIGRATIONS))
    for version, migration in enumerate(MIGRATIONS[current:], start=current + 1):
        with atomic(conn):
            # Another process opening the same old database may have run it while we
            # waited for the write lock: look again under the lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= version:
                continue
            run_statements(conn, migration)
            conn.execute(f"PRAGMA user_version = {version}")
    return len(MIGRATIONS)
