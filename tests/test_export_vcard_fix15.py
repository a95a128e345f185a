"""Issue 15 audit 7: the vCard export writes WeChat (X-WECHAT and IMPP:weixin:, both of
which import reads back) and keeps compound surnames such as 东郭 whole in N."""

from __future__ import annotations

import pytest

from crmctl.core import customers, exporting, importing
from crmctl.core.exporting import Request
from crmctl.core.exporting.vcard import split_name


def test_wechat_is_written_and_read_back(conn, tmp_path):
    import vobject

    customers.add(conn, {"name": "东郭敏", "company": "华为", "wechat": "dongguo_min88",
                         "phone": "13800138000"})
    customers.add(conn, {"name": "王明", "phone": "13900139000"})  # no WeChat: no line
    path = tmp_path / "c.vcf"
    exporting.export(conn, Request(fmt="vcf"), path)
    text = path.read_text(encoding="utf-8")
    dongguo, wang = vobject.readComponents(text)
    assert dongguo.x_wechat.value == "dongguo_min88"
    assert dongguo.impp.value == "weixin:dongguo_min88"
    assert (dongguo.n.value.family, dongguo.n.value.given) == ("东郭", "敏")
    assert "X-WECHAT" not in wang.serialize() and "IMPP" not in wang.serialize()
    conn.execute("DELETE FROM customers")
    summary = importing.run(conn, path)
    assert summary.inserted == 2
    back = {c.name: c for c in customers.list_customers(conn, customers.Filter())}
    assert back["东郭敏"].wechat == "dongguo_min88" and back["王明"].wechat is None


@pytest.mark.parametrize("name, split", [("东郭敏", ("东郭", "敏")), ("第五伦", ("第五", "伦")),
                                         ("左丘明", ("左丘", "明")), ("东方", ("东", "方")),
                                         ("东明", ("东", "明"))])
def test_compound_surnames_stay_whole(name, split):
    assert split_name(name) == split
