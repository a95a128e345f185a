"""core/rules.py holds every business number; the rest of the core reads them from there
(or from settings, whose defaults it builds), and the churn-risk thresholds are settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_followups import by_reason, interaction, person, pinned  # noqa: F401 - fixture

from crmctl.core import followups, rules, settings
from crmctl.errors import InvalidValue

CORE = Path(rules.__file__).parent

# The shapes the numbers had when they were written out where they were used.
OLD_LITERALS = [
    r"WHEN 'diamond' THEN 0",  # the tier order as a hand-written CASE
    r"\(30, 5\), \(90, 4\)",  # RFM recency bands
    r"\(10, 5\), \(5, 4\)",  # RFM frequency bands
    r"\{\"diamond\": 7, \"gold\": 30",  # cadences
    r"\{\"diamond\": 24, \"gold\": 48",  # response hours
    r"\{\"diamond\": 500000",  # tier spend
    r"^[A-Z_]+ = (2|5|7|30|365)\s*(#|$)",  # a module-level business number
]


@pytest.mark.parametrize("pattern", OLD_LITERALS)
def test_no_business_number_outside_the_rules_module(pattern):
    found = [f"{path.name}: {line.strip()}"
             for path in sorted(CORE.glob("*.py")) if path.name != "rules.py"
             for line in path.read_text(encoding="utf-8").splitlines()
             if re.search(pattern, line)]
    assert found == []


def test_settings_defaults_are_the_rules():
    assert settings.DEFAULTS["cadence_days"] == {"diamond": 7, "gold": 30, "silver": 90,
                                                 "regular": 180}
    assert settings.DEFAULTS["churn_risk"] is rules.CHURN_RISK
    assert rules.tier_rank_sql("t") == ("CASE t WHEN 'diamond' THEN 0 WHEN 'gold' THEN 1 "
                                        "WHEN 'silver' THEN 2 ELSE 3 END")


def test_churn_thresholds_are_settings(conn):
    silent60 = person(conn, "王明", "gold", contacted=60)
    rated3 = person(conn, "李娜", "diamond")
    interaction(conn, rated3, 3, satisfaction=3)
    complaint6 = person(conn, "张伟", "silver", contacted=1)
    interaction(conn, complaint6, 6, complaint=True, category="delivery", hour=0)
    assert set(by_reason(followups.due(conn), "churn-risk")) == {silent60}
    settings.put(conn, "churn_risk", {"silent_cadences": 3, "low_satisfaction": 3,
                                      "complaint_open_days": 5})
    churn = by_reason(followups.due(conn), "churn-risk")
    assert set(churn) == {rated3, complaint6}
    assert churn[complaint6]["purpose"] == "complaint open 6 days"


@pytest.mark.parametrize("value", [
    {"silent_cadences": "3", "low_satisfaction": 2, "complaint_open_days": 7},
    {"silent_cadences": 3, "low_satisfaction": -1, "complaint_open_days": 7},
    {"silent_cadences": 3, "low_satisfaction": 2},
])
def test_a_wrong_churn_setting_is_refused(conn, value):
    with pytest.raises(InvalidValue, match="churn_risk"):
        settings.put(conn, "churn_risk", value)
    assert settings.get(conn, "churn_risk") == rules.CHURN_RISK
