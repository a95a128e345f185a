"""audit data: duplicates, bad contact fields, consent, contact recency, tier rules."""

from __future__ import annotations

import json

import pytest

from crmctl.core import consent, customers, data_quality, privacy


def issues_by_customer(conn) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for issue in data_quality.find_issues(conn):
        out.setdefault(issue.customer_id, set()).add(issue.check)
    return out


def clean(conn, name: str, **fields) -> int:
    """A customer with nothing to flag: contact details, consent, a recent contact."""
    cid = customers.add(conn, {"name": name, **fields}, allow_duplicate=True)
    consent.record(conn, cid, "email", True)
    conn.execute("UPDATE customers SET last_contact_at = '2026-11-01T00:00:00Z' WHERE id = ?",
                 (cid,))
    return cid


def buy(conn, cid: int, day: str, yuan: int) -> None:
    conn.execute("INSERT INTO purchases (customer_id, date, amount_minor) VALUES (?, ?, ?)",
                 (cid, day, yuan * 100))
    conn.execute("UPDATE customers SET purchase_count = purchase_count + 1, "
                 "first_purchase_at = coalesce(first_purchase_at, ?), last_purchase_at = ? "
                 "WHERE id = ?", (day, day, cid))


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("CRMCTL_NOW", "2026-11-23T10:00:00+08:00")


def test_a_clean_customer_has_no_issue(conn):
    clean(conn, "王明", email="wang@example.cn", phone="13800138000")
    assert data_quality.find_issues(conn) == []
    assert data_quality.report(conn)["ok"] is True


def test_duplicates(conn):
    a = clean(conn, "王明", email="Wang@Example.cn", company="华为")
    b = clean(conn, "王明", email="wang@example.cn", company="华为")
    c = clean(conn, "李娜", phone="13900139000")
    d = clean(conn, "李娜", phone="+86 139 0013 9000")
    e = clean(conn, "王明", email="other@example.cn", company="腾讯")  # same name, other firm
    found = issues_by_customer(conn)
    # the pair's candidate row is on the older customer, naming the merge
    assert found[a] == {"duplicate-email", "duplicate-name", "duplicate-candidate"}
    assert found[b] == {"duplicate-email", "duplicate-name"}
    assert found[c] == {"duplicate-phone", "duplicate-candidate"}
    assert found[d] == {"duplicate-phone"}
    assert e not in found
    detail = [i.detail for i in data_quality.find_issues(conn) if i.customer_id == a]
    assert f"same email as #{b}" in detail
    assert (f"#{b} 王明: score 1.00 (same email; same name and company); "
            f"crmctl merge {a} {b}") in detail


def test_invalid_and_missing_contact_fields(conn):
    a = clean(conn, "王明", email="wang@example.cn", phone="13800138000")
    conn.execute("UPDATE customers SET email = 'wang at example', phone = '+86123' WHERE id = ?",
                 (a,))
    b = clean(conn, "李娜")
    found = issues_by_customer(conn)
    assert found == {a: {"invalid-email", "invalid-phone"}, b: {"no-contact-details"}}


def test_consent_and_contact_recency(conn):
    a = customers.add(conn, {"name": "王明", "phone": "13800138000"})  # nothing at all
    b = clean(conn, "李娜", phone="13900139000")
    conn.execute("UPDATE customers SET last_contact_at = '2025-10-01T00:00:00Z' WHERE id = ?",
                 (b,))
    found = issues_by_customer(conn)
    assert found == {a: {"no-consent", "never-contacted"}, b: {"no-contact-1y"}}


def test_tier_rules(conn):
    big = clean(conn, "王明", phone="13800138000")            # regular, spent 150k: gold
    buy(conn, big, "2026-06-01", 150000)
    fine = clean(conn, "李娜", phone="13900139000")           # silver and spent 30k: right
    conn.execute("UPDATE customers SET tier = 'silver' WHERE id = ?", (fine,))
    buy(conn, fine, "2026-03-01", 30000)
    idle = clean(conn, "张伟", phone="13700137000")           # gold, last bought 2024
    conn.execute("UPDATE customers SET tier = 'gold', created_at = '2023-01-01T00:00:00Z' "
                 "WHERE id = ?", (idle,))
    buy(conn, idle, "2024-05-01", 900000)
    loyal = clean(conn, "赵敏", phone="13600136000")          # 3+ years and 250k: diamond
    conn.execute("UPDATE customers SET tier = 'diamond' WHERE id = ?", (loyal,))
    buy(conn, loyal, "2022-01-10", 1000)
    buy(conn, loyal, "2026-09-01", 250000)
    issues = {i.customer_id: i.detail for i in data_quality.find_issues(conn)}
    assert sorted(issues) == [big, idle]
    assert issues[big].startswith("tier regular, rules say gold: ")
    assert "150,000" in issues[big]
    assert issues[idle].startswith("tier gold, rules say silver: ")


def test_forgotten_customers_are_not_checked(conn):
    a = clean(conn, "王明", email="wang@example.cn")
    b = clean(conn, "王明", email="wang@example.cn")
    privacy.forget(conn, b)
    assert data_quality.find_issues(conn) == []
    assert data_quality.report(conn)["customers"] == 1 and a


def test_cli_table_json_and_strict(initialized):
    cli = initialized
    wang = cli("add", "王明", "--phone", "13800138000").stdout.strip()
    r = cli("audit", "data")
    assert r.exit_code == 0
    assert "no-consent" in r.stdout and "never-contacted" in r.stdout
    r = cli("audit", "data", "--format", "json", "--strict")
    data = json.loads(r.stdout)
    assert (r.exit_code, r.stderr) == (1, "crmctl: 2 data quality issues found\n")
    assert {k: data[k] for k in ("ok", "customers")} == {"ok": False, "customers": 1}
    assert data["counts"]["no-consent"] == 1
    assert {(i["customer_id"], i["check"]) for i in data["issues"]} == {
        (int(wang), "no-consent"), (int(wang), "never-contacted")}
    assert cli("forget", wang, "--yes").exit_code == 0
    r = cli("audit", "data", "--strict")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "no data quality issues in 0 customers\n")
