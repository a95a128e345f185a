"""Right of access (subject_access) and erasure (forget)."""

from __future__ import annotations

import json

import pytest

from crmctl.core import audit, consent, customers, privacy
from crmctl.errors import NotFound

NAME, EMAIL, PHONE = "王明", "Wang.Ming@Example.CN", "13800138000"
E164 = "+8613800138000"


def seed(conn) -> tuple[int, int, int]:
    """王明 (referred by 李娜) with a bit of everything; 张伟 referred by 王明."""
    lina = customers.add(conn, {"name": "李娜", "company": "腾讯", "phone": "13900139000"})
    wang = customers.add(conn, {"name": NAME, "company": "华为", "email": EMAIL, "phone": PHONE,
                                "wechat": "wangming88", "note": "王明喜欢喝茶",
                                "birthday": "1980-05-04", "referred_by": lina},
                         tier="gold", tags=["vip", "展会2026"])
    zhang = customers.add(conn, {"name": "张伟", "referred_by": wang})
    conn.execute("INSERT INTO interactions (customer_id, at, channel, summary, outcome) "
                 "VALUES (?, '2026-11-01T02:00:00Z', 'phone', '王明问了报价', '王明要折扣')",
                 (wang,))
    conn.execute("INSERT INTO purchases (customer_id, date, amount_minor, note) "
                 "VALUES (?, '2026-11-02', 1234500, '王明的订单')", (wang,))
    conn.execute("INSERT INTO followups (customer_id, due, purpose, created_at, note) "
                 "VALUES (?, '2026-12-01', '回访王明', '2026-11-02T00:00:00Z', '王明很满意')",
                 (wang,))
    conn.execute("INSERT INTO campaigns (id, name, channel, created_at) "
                 "VALUES (1, '双十一', 'email', '2026-10-01T00:00:00Z')")
    conn.execute("INSERT INTO campaign_targets (campaign_id, customer_id, added_at, outcome) "
                 "VALUES (1, ?, '2026-10-02T00:00:00Z', '王明回复了')", (wang,))
    consent.record(conn, wang, "email", True, source="展会上王明签字")
    return lina, wang, zhang


def test_subject_access_holds_everything_about_one_person(conn):
    lina, wang, zhang = seed(conn)
    doc = privacy.subject_access(conn, str(wang))
    json.dumps(doc)  # serializable as it is
    assert doc["customer"]["name"] == NAME
    assert doc["customer"]["email"] == "Wang.Ming@example.cn"
    assert doc["customer"]["phone"] == E164
    assert doc["customer"]["tier"] == "gold"
    assert doc["tags"] == sorted(["vip", "展会2026"])
    assert [i["summary"] for i in doc["interactions"]] == ["王明问了报价"]
    assert [p["amount_minor"] for p in doc["purchases"]] == [1234500]
    assert [f["purpose"] for f in doc["followups"]] == ["回访王明"]
    assert [c["campaign"] for c in doc["campaigns"]] == ["双十一"]
    assert doc["consent"]["email"]["granted"] is True
    assert doc["consent"]["sms"] is None
    assert [e["source"] for e in doc["consent_events"]] == ["展会上王明签字"]
    assert [t["new_tier"] for t in doc["tier_history"]] == ["gold"]
    assert doc["referred_by"] == lina and doc["referred"] == [zhang]
    # nothing about anyone else
    assert "李娜" not in json.dumps(doc, ensure_ascii=False)


def test_subject_access_unknown_customer(conn):
    with pytest.raises(NotFound, match="no customer 99"):
        privacy.subject_access(conn, 99)


# --- erasure -------------------------------------------------------------------------------

PAGE, RESERVE = 4096, 80  # SQLCipher 4 defaults: 16-byte IV + 64-byte HMAC per page


def decrypted_pages(path, passphrase: str) -> bytes:
    """Every page of a SQLCipher 4 file decrypted, free pages included (what a thief with
    the key would see, beyond what SQL shows)."""
    import hashlib

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = path.read_bytes()
    from crmctl.store import connection

    rounds = connection.TEST_KDF_ITER or 256000  # (tests/conftest.py: fast_kdf)
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode(), raw[:16], rounds, 32)
    out = []
    for start in range(0, len(raw), PAGE):
        page = raw[start:start + PAGE]
        body = page[16 if start == 0 else 0:PAGE - RESERVE]
        iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out.append(dec.update(body) + dec.finalize())
    return b"".join(out)


def every_value(conn) -> list:
    """Every value in every real table, FTS shadow tables included."""
    values = []
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    assert "search_trigram_data" in tables and "search_grams_idx" in tables
    for table in tables:
        for row in conn.execute(f'SELECT * FROM "{table}"'):
            values.extend(row)
    return values


NEEDLES = [NAME, "Wang.Ming", "example.cn", "13800138000", "wangming88", "喜欢喝茶", "展会上"]


def test_forget_leaves_no_personal_value_anywhere(conn, db_path):
    from conftest import PASSPHRASE

    lina, wang, zhang = seed(conn)
    before = every_value(conn)
    assert any(isinstance(v, str) and NAME in v for v in before)  # the scan can see it
    tomb = privacy.forget(conn, wang)
    assert tomb["id"] == wang
    for value in every_value(conn):
        text = value if isinstance(value, str) else (
            value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))
        for needle in NEEDLES:
            assert needle.lower() not in text.lower(), (needle, value)
    # the decrypted file, free pages included, and the emptied WAL
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    plain = decrypted_pages(db_path, PASSPHRASE)
    assert "李娜".encode() in plain  # the decryption works: a kept person is visible
    for needle in NEEDLES:
        assert needle.encode() not in plain, needle
    assert audit.verify(conn).ok


def test_forget_keeps_tombstone_figures_and_links(conn):
    lina, wang, zhang = seed(conn)
    privacy.forget(conn, wang)
    row = conn.execute("SELECT name, email, phone, forgotten_at, tier, purchase_count "
                       "FROM customers WHERE id = ?", (wang,)).fetchone()
    assert row[:3] == (privacy.FORGOTTEN_NAME, None, None) and row[3]
    assert conn.execute("SELECT amount_minor, note FROM purchases").fetchall() == [(1234500, None)]
    assert conn.execute("SELECT channel, granted, source FROM consent_events").fetchall() == [
        ("email", 1, None)]
    assert conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0
    assert conn.execute("SELECT customer_id, outcome FROM campaign_targets").fetchall() == [
        (wang, None)]
    # 张伟 still points at the tombstone, shown as a forgotten customer
    assert customers.get(conn, zhang).referred_by == wang
    assert privacy.referrer_label(conn, wang) == privacy.FORGOTTEN_LABEL
    assert privacy.referrer_label(conn, lina) == "李娜"
    # gone from lists, search, consent filters; a second forget or access is refused
    assert [c.id for c in customers.list_customers(conn)] == [lina, zhang]
    assert customers.list_customers(conn, customers.Filter(search="王明")) == []
    assert customers.list_customers(conn, customers.Filter(consent="email")) == []
    with pytest.raises(NotFound, match=f"customer {wang} was forgotten on"):
        privacy.forget(conn, wang)
    with pytest.raises(NotFound, match="was forgotten"):
        privacy.subject_access(conn, wang)
    last = audit.entries(conn, limit=1)[0]
    assert (last.action, last.entity, last.entity_id) == ("forget", "customer", str(wang))
    assert "email" in last.fields and NAME not in json.dumps(last.to_dict(), ensure_ascii=False)


def test_cli_forget(initialized):
    cli = initialized
    wang = cli("add", NAME, "--email", EMAIL, "--phone", PHONE).stdout.strip()
    zhang = cli("add", "张伟", "--referred-by", wang).stdout.strip()
    r = cli("forget", wang)  # no terminal, no --yes: usage error, nothing changed
    assert (r.exit_code, r.stderr) == (2, "crmctl: forget needs --yes when not run on a terminal\n")
    assert cli("list", "--search", NAME, "--format", "json").stdout.count(NAME) == 1
    r = cli("forget", wang, "--yes")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == f"forgot #{wang}: personal data erased, tombstone and audit entry kept\n"
    assert json.loads(cli("list", "--format", "json").stdout)[0]["id"] == int(zhang)
    assert json.loads(cli("list", "--search", "138001", "--format", "json").stdout) == []
    r = cli("forget", wang, "--yes")
    assert r.exit_code == 1 and r.stderr.startswith(f"crmctl: customer {wang} was forgotten on")
    r = cli("forget", "77", "--yes")
    assert (r.exit_code, r.stderr) == (1, "crmctl: no customer 77\n")
    verified = cli("audit", "verify", "--format", "json")
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True
