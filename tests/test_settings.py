

def test_a_caller_changing_a_default_setting_does_not_change_the_default(conn):
    from crmctl.core import settings
    cadence = settings.get(conn, "churn_risk")
    cadence["silent_cadences"] = 99
    assert settings.get(conn, "churn_risk")["silent_cadences"] != 99
    assert settings.all_settings(conn)["churn_risk"]["silent_cadences"] != 99
