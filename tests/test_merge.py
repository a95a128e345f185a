"""merge KEEP DROP (issue 17.4): every kind of related record moves, clashes merge, DROP is
erased everywhere (search index included), bad input changes nothing."""

from __future__ import annotations

import json

import pytest

from crmctl.core import merge as merging
from tests.conftest import inspect_db

DROP_ONLY = ("+8613900139000", "华为技术有限公司", "独有备注XYZ")  # DROP's values that lose


def _ok(result):
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def pair(initialized):
    """#1 KEEP and #2 DROP holding every kind of related record; #3 referred by DROP,
    DROP referred by #4; a table crmctl does not know about, with rows of both."""
    cli = initialized
    _ok(cli("add", "王明", "--company", "华为", "--phone", "13800138000", "--note", "老客户",
            "--tag", "vip"))
    _ok(cli("add", "王明", "--company", "华为技术有限公司", "--phone", "13900139000",
            "--email", "wangming@huawei.com", "--title", "经理", "--note", "独有备注XYZ",
            "--tag", "vip", "--tag", "展会2026"))
    _ok(cli("add", "李雷", "--referred-by", "2"))
    _ok(cli("add", "韩梅梅"))
    _ok(cli("edit", "2", "--referred-by", "4"))
    for cid in ("1", "2"):
        _ok(cli("log-contact", cid, "--channel", "phone", "--summary", f"询价{cid}",
                "--satisfaction", "4"))
        _ok(cli("purchase", cid, "1000"))
        _ok(cli("consent", cid, "grant", "email"))
    _ok(cli("consent", "2", "grant", "sms"))
    _ok(cli("followups", "schedule", "2", "+1w", "--purpose", "报价回访"))
    _ok(cli("tier", "set", "2", "silver", "--reason", "年度合同"))
    camp = _ok(cli("campaign", "create", "双十一回馈", "--channel", "email"))
    _ok(cli("campaign", "target", camp))
    _ok(cli("campaign", "respond", camp, "2", "--outcome", "预约演示"))

    def side_table(conn):
        conn.execute("CREATE TABLE side_notes (id INTEGER PRIMARY KEY, customer_id INTEGER "
                     "NOT NULL REFERENCES customers(id), text TEXT, UNIQUE (customer_id, text))")
        conn.executemany("INSERT INTO side_notes (customer_id, text) VALUES (?, ?)",
                         [(1, "共同"), (2, "共同"), (2, "只在DROP")])
        conn.commit()
    inspect_db(side_table)
    return cli, camp


def _counts(conn, cid):
    tables = ("interactions", "purchases", "followups", "consent_events", "tier_history",
              "customer_tags", "campaign_targets", "side_notes")
    return {t: conn.execute(f"SELECT count(*) FROM {t} WHERE customer_id = ?",
                            (cid,)).fetchone()[0] for t in tables}


def test_merge_moves_everything_and_erases_drop(pair):
    cli, camp = pair
    before = inspect_db(lambda c: (_counts(c, 1), _counts(c, 2)))
    result = cli("merge", "1", "2", "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == "merged #2 王明 into #1 王明"
    assert ("conflict company: 华为 (#1) over 华为技术有限公司 (#2) "
            "(--take company to take #2's)") in result.stderr
    assert "filled from #2: title, email, referred_by" in result.stderr
    after = inspect_db(lambda c: (_counts(c, 1), _counts(c, 2)))
    for table in ("interactions", "purchases", "followups", "consent_events", "tier_history"):
        assert after[0][table] == before[0][table] + before[1][table], table
        assert after[1][table] == 0
    # clashes merged: vip on both, the campaign on both, 共同 on both
    assert after[0]["customer_tags"] == 2 and after[0]["campaign_targets"] == 1
    assert after[0]["side_notes"] == 2 and after[1]["side_notes"] == 0
    _ok(cli("audit", "verify"))
    doc = json.loads(_ok(cli("export", "--customer", "1", "--out", "-", "--format", "json")))
    assert doc["tags"] == ["vip", "展会2026"]
    assert sorted(i["summary"] for i in doc["interactions"]) == ["询价1", "询价2"]
    assert len(doc["purchases"]) == 2 and len(doc["followups"]) == 2  # + the tier notify
    assert {e["channel"] for e in doc["consent_events"]} == {"email", "sms"}
    assert [t["new_tier"] for t in doc["tier_history"]] == ["silver"]
    assert doc["campaigns"][0]["outcome"] == "预约演示"  # DROP's response kept
    assert doc["referred"] == [3] and doc["customer"]["referred_by"] == 4
    assert doc["customer"]["email"] == "wangming@huawei.com"
    assert doc["customer"]["purchase_count"] == 2
    log = json.loads(_ok(cli("audit", "log", "--action", "merge", "--format", "json")))
    assert (log[0]["action"], log[0]["entity_id"]) == ("merge", "1<-2")


def test_no_table_holds_drops_values_afterwards(pair):
    cli, _ = pair
    _ok(cli("merge", "1", "2", "--yes"))

    def scan(conn):
        found = []
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_%'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                found += [(table, v) for v in DROP_ONLY for cell in row
                          if isinstance(cell, str) and v in cell]
        return found
    # the phone that lost its conflict is KEEP's now, one of its other phones (m014)
    assert inspect_db(scan) == [("contact_points", "+8613900139000")]
    assert inspect_db(lambda c: c.execute("SELECT customer_id FROM contact_points").fetchall()
                      ) == [(1,)]
    for word, ids in (("13900139000", [1]), ("技术有限", []), ("独有备注", [])):
        result = cli("list", "--search", word, "--format", "json")
        assert [c["id"] for c in json.loads(result.stdout)] == ids, word
    assert cli("show", "2").exit_code == 1


def test_take_field_and_dry_run(pair):
    cli, _ = pair
    head = _ok(cli("audit", "head"))
    dry = cli("merge", "1", "2", "-n", "--take", "company", "--format", "json")
    assert dry.exit_code == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] and plan["moved"]["interactions"] == 1
    assert plan["conflicts"][0] == {"field": "company", "keep": "华为", "drop": "华为技术有限公司",
                                    "winner": "drop"}
    assert _ok(cli("audit", "head")) == head and cli("show", "2").exit_code == 0
    _ok(cli("merge", "1", "2", "--take", "company", "--take", "phone", "--yes"))
    card = json.loads(_ok(cli("show", "1", "--format", "json")))
    assert (card["company"], card["phone"]) == ("华为技术有限公司", "+8613900139000")


@pytest.mark.parametrize("args, error", [
    (("1", "1"), "crmctl: cannot merge customer 1 with itself\n"),
    (("1", "99"), "crmctl: no customer 99\n"),
    (("1", "2", "--take", "salary"), None),
])
def test_bad_input_changes_nothing(pair, args, error):
    cli, _ = pair
    head = _ok(cli("audit", "head"))
    result = cli("merge", *args, "--yes")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    if error:
        assert result.stderr == error
    else:
        assert result.stderr.startswith("crmctl: --take takes a field (name, company")
    assert _ok(cli("audit", "head")) == head


def test_forgotten_and_scripts_without_yes(pair):
    cli, _ = pair
    _ok(cli("forget", "4", "--yes"))
    result = cli("merge", "1", "4", "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith("crmctl: customer 4 was forgotten on ")
    result = cli("merge", "1", "2")
    assert result.exit_code == 2
    assert result.stderr == "crmctl: merge needs --yes (or --dry-run) when not run on a terminal\n"


def test_lost_phone_kept_as_extra_contact_point(conn):
    """With the extra phones/emails table (m014), a losing phone stays."""
    from crmctl.core import customers

    keep = customers.add(conn, {"name": "Anna Schmidt", "phone": "+4915112345678"})
    drop = customers.add(conn, {"name": "Anna Schmidt", "phone": "+4915187654321",
                                "email": "anna@example.de"}, allow_duplicate=True)
    conn.execute("INSERT INTO contact_points (customer_id, kind, value, type) "
                 "VALUES (?, 'email', 'a.s@firma.de', 'work')", (drop,))
    conn.commit()
    result = merging.merge(conn, keep, drop)
    assert result.moved["contact_points"] == 1
    rows = conn.execute("SELECT kind, value FROM contact_points WHERE customer_id = ? "
                        "ORDER BY kind, value", (keep,)).fetchall()
    assert rows == [("email", "a.s@firma.de"), ("phone", "+4915187654321")]
    assert ("contact_points", "customer_id") in merging.referencing_columns(conn)


def test_referral_between_the_two_and_take_tier(conn):
    """KEEP referred by DROP, DROP by KEEP: nobody ends up referred by themselves or by the
    tombstone; --take tier changes KEEP's tier with a tier-history row."""
    from crmctl.core import customers, tiers

    keep = customers.add(conn, {"name": "王明", "company": "华为"})
    drop = customers.add(conn, {"name": "汪明", "company": "华为", "referred_by": keep},
                         tier="gold")
    conn.execute("UPDATE customers SET referred_by = ? WHERE id = ?", (drop, keep))
    conn.commit()
    result = merging.merge(conn, keep, drop, take=["tier"])
    assert {"field": "tier", "keep": "regular", "drop": "gold", "winner": "drop"} \
        in result.conflicts
    tier, referred_by = conn.execute("SELECT tier, referred_by FROM customers WHERE id = ?",
                                     (keep,)).fetchone()
    assert (tier, referred_by) == ("gold", None)
    history = [(h["old_tier"], h["new_tier"], h["reason"]) for h in tiers.history(conn, keep)]
    assert ("regular", "gold", f"merged with #{drop}") in history
    assert conn.execute("SELECT count(*) FROM customers WHERE referred_by = ?",
                        (drop,)).fetchone()[0] == 0


def test_on_a_terminal_it_shows_the_plan_and_asks(pair, monkeypatch):
    cli, _ = pair
    monkeypatch.setattr("crmctl.store.passphrase.stdin_is_terminal", lambda: True)
    head = _ok(cli("audit", "head"))
    no = cli("merge", "1", "2", input="n\n")
    assert no.exit_code == 1 and "would merge #2 王明 into #1 王明" in no.stderr
    assert _ok(cli("audit", "head")) == head and cli("show", "2").exit_code == 0
    yes = cli("merge", "1", "2", input="y\n")
    assert yes.exit_code == 0, yes.stderr
    assert "merged #2 王明 into #1 王明" in yes.stderr and cli("show", "2").exit_code == 1
