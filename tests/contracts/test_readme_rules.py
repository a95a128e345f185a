"""README's "Rules and their defaults" names every setting and every rules.py number a
salesperson lives by, with the default this code has: a changed default fails here."""

from __future__ import annotations

from pathlib import Path

from crmctl.core import rules, settings

README = Path(__file__).resolve().parents[2] / "README.md"


def rules_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Rules and their defaults")
    return text[start:text.index("\n## ", start + 1)]


def test_every_setting_is_in_the_rules_table():
    section = rules_section()
    assert [k for k in settings.DEFAULTS if f"`{k}`" not in section] == []


def test_the_table_gives_todays_defaults():
    section = rules_section()
    cadence = ", ".join(f"{t} {d}" for t, d in rules.CADENCE_DAYS.items())
    hours = ", ".join(f"{t} {h}" for t, h in rules.RESPONSE_HOURS.items())
    spend = ", ".join(f"{t} ≥ {v:,}" for t, v in rules.TIER_SPEND.items())
    single = ", ".join(f"{t} {w['single_days']}" for t, w in rules.REPURCHASE_WINDOW.items())
    for expected in (cadence, hours, spend, single, ", ".join(rules.CARE_HOLIDAYS),
                     f"after {rules.DOWNGRADE_INACTIVE_DAYS} days",
                     f"every {rules.DATA_REVIEW_DAYS} days",
                     f"top {rules.VALUE_TOP} by spend",
                     f"{rules.CAMPAIGN_ATTRIBUTION_DAYS} days after its end"):
        assert expected in section, expected
