"""The list of migrations, in order (imported only when a database needs one: see
``crmctl.store.migrations.SCHEMA_VERSION``)."""

from __future__ import annotations

from typing import Callable

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

MIGRATIONS: list[Callable] = [m001_initial, m002_campaign_exclusions, m003_interactions_rated,
                              m004_followups_report, m005_checks_without_in_lists,
                              m006_customers_card, m007_search_grams_run_ends, m008_erasures,
                              m009_followup_cancel, m010_consent_purpose,
                              m011_birthday_lunar, m012_corrections, m013_pinyin,
                              m014_contact_points, m015_followup_contacts,
                              m016_complaint_resolution, m017_close, m018_repurchase,
                              m019_reports]
