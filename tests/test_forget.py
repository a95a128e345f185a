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
