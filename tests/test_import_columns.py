"""A chunk validated a column at a time gets exactly the answer of row-by-row validation
(rows.reference_validation)."""

from __future__ import annotations

import pytest
from conftest import examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crmctl.core.importing import mapping
from crmctl.core.importing.columns import ColumnsToCustomers
from crmctl.core.importing.fields import AT
from crmctl.core.importing.rows import RowToCustomer, reference_validation

CHUNKS = settings(max_examples=examples(300), deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HEADERS = ["姓名", "公司", "邮箱", "手机", "客户级别", "标签", "备注", "生日", "职位"]

NAMES = st.sampled_from(["王明", "李娜", "欧阳娜娜", "Anna Schmidt", "NA", "Null", "", " 王明",
                         "王明 ", "王  明", "'=王明", "'王明", "Ｗａｎｇ", "e\u0301", "é", "x" * 201,
                         "王\u3000明", "王\x00明", "\ufffd", "王\n明", "\ud800"])
EMAILS = st.sampled_from(["wang@qq.com", "Wang.Ming@Example.CN", "a@x.TEST", "a@x.test.com",
                          "a@exa--mple.com", "a@-x.com", "", " wang@qq.com", "x@y", "bad",
                          "wang@qq.com ::: li@163.com", "用户@例子.中国", "a" * 65 + "@qq.com",
                          "user+tag@sub.example.co.uk", "a..b@qq.com", "'@x.com", "a@b.c0m",
                          "a@xn--fiqs8s.cn", "a@XN--FIQS8S.CN"])
PHONES = st.sampled_from(["13800138000", "+8613800138000", "8613800138000", "+86 138 0013 8000",
                          "138-0013-8000", "14012345678", "010-12345678", "", "12345",
                          "+1 650 253 0000", "１３８００１３８０００", "1380013800", "138001380000",
                          "+86 13800138000", "'+8613800138000"])
TIERS = st.sampled_from(["", "钻石", "金牌", "银牌", "普通", "A", "b", "Gold", "VIP客户", " A"])
TAGS = st.sampled_from(["", "VIP", "VIP、展会2026", "a;b", "x" * 70, "* myContacts ::: 朋友",
                        "展会\x00", "老客户,VIP", " "])
TEXT = st.sampled_from(["", "华为", "上海  分公司", " 华为", "华为 ", "'=SUM(A1)", "e\u0301",
                        "老客户，重视价格", "line\nbreak", "tab\there", "\ufffd", "ok"])
BIRTHDAYS = st.sampled_from(["", "1990-05-01", "1990/5/1", "1990年5月1日", "5/1/1990",
                             "0000-00-00", "1990-02-30", "--05-01", "junk"])

ROW = st.tuples(NAMES, TEXT, EMAILS, PHONES, TIERS, TAGS, TEXT, BIRTHDAYS, TEXT).map(list)


def _same(values):
    """Row validation gives None for an empty field, column validation may give ""."""
    return [v if v != "" else None for v in values]


def _compare(chunk, headers=HEADERS, replaced=False, region="CN"):
    plan = mapping.make_plan(headers)
    to_customer = RowToCustomer(plan, region, replaced)
    fast_good, fast_bad, fast_in_region = ColumnsToCustomers(to_customer).validate(chunk)
    slow_good, slow_bad, slow_in_region = reference_validation(to_customer, chunk)
    assert fast_bad == slow_bad
    assert fast_in_region == slow_in_region
    assert [(r, _same(v), list(t)) for r, v, t in fast_good] == \
           [(r, _same(v), list(t)) for r, v, t in slow_good]
    return fast_good, fast_bad


@CHUNKS
@example([["王明", "华为 ", "", "", "", "", "", "", ""]], False)  # a trailing space, last row
@example([["王明", "", "a@xn--fiqs8s.cn", "", "", "", "", "", ""]], False)  # IDN: the library
@given(st.lists(st.one_of(ROW, ROW.map(lambda r: r[:5]), ROW.map(lambda r: [*r, "extra"]),
                          ROW.map(lambda r: [*r, ""])), min_size=1, max_size=30),
       st.booleans())
def test_columns_agree_with_rows(rows, replaced):
    _compare([(i + 2, cells) for i, cells in enumerate(rows)], replaced=replaced)


@CHUNKS
@given(st.lists(st.lists(st.text(max_size=12), min_size=len(HEADERS), max_size=len(HEADERS)),
                min_size=1, max_size=10))
@example([["王明", "", "a@b.com", "13800138000", "", "", "", "", ""]])
def test_columns_agree_with_rows_on_arbitrary_text(rows):
    _compare([(i + 2, cells) for i, cells in enumerate(rows)])


def test_plain_rows_never_reach_the_row_validator(monkeypatch):
    plan = mapping.make_plan(HEADERS)
    to_customer = RowToCustomer(plan, "CN")
    calls = []
    original = RowToCustomer.__call__
    monkeypatch.setattr(RowToCustomer, "__call__",
                        lambda self, cells: calls.append(cells) or original(self, cells))
    chunk = [(2, ["王明", "华为", "wang@Example.CN", "13800138000", "金牌", "VIP", "", "", ""]),
             (3, ["李娜", "", "", "+86 138 0013 8001", "", "", "老客户", "1990-05-01", "CTO"])]
    good, bad, in_region = ColumnsToCustomers(to_customer).validate(chunk)
    assert not calls and not bad and in_region == 1  # 李娜's is written with +86
    assert good[0][1][AT.email] == "wang@example.cn" and good[0][1][AT.phone] == "+8613800138000"
    assert good[0][1][AT.tier] == "gold" and list(good[0][2]) == ["VIP"]
    assert good[1][1][AT.phone] == "+8613800138001" and good[1][1][AT.birthday] == "1990-05-01"


def test_a_row_the_columns_are_unsure_of_gets_the_row_validators_answer():
    good, bad = _compare([(2, ["王  明", "", "Wang@QQ.com", "138-0013-8000", "", "", "", "", ""]),
                          (3, ["", "华为", "", "", "", "", "", "", ""]),
                          (4, ["李娜", "", "not-an-email", "", "", "", "", "", ""])])
    assert good[0][1][AT.name] == "王明" and good[0][1][AT.phone] == "+8613800138000"
    assert [r for r, _ in bad] == [3, 4]


@pytest.mark.parametrize("headers", [["First Name", "Last Name", "E-mail Address"],
                                     ["姓名", "手机", "电话"]])
def test_plans_that_compose_fields_are_validated_row_by_row(headers):
    plan = mapping.make_plan(headers)
    assert not ColumnsToCustomers(RowToCustomer(plan, "CN")).usable
    _compare([(2, ["Anna", "Schmidt", "anna@example.de"]), (3, ["王", "明", ""])], headers)


def test_other_regions_ask_the_library_for_phones():
    _compare([(2, ["Anna", "", "", "+49 30 123456", "", "", "", "", ""]),
              (3, ["Bob", "", "", "13800138000", "", "", "", "", ""])], region="DE")


# --- a row's own country column: its phone is read there ---------------------------------

COUNTRIES = st.sampled_from(["", "China", "中国", "CN", "Germany", "Deutschland", "德国", "DE",
                             "United States", "USA", "美国", "us", "Atlantis", " Germany",
                             "'DE", "Germany ", "\ufffd"])
FOREIGN = st.sampled_from(["908-295-4848", "(908) 295-4848", "0151 23456789", "+49 711 123456",
                           "0049 711 123456", "001 908 295 4848", "+1 650 253 0000", "12345"])
COUNTRY_ROW = st.tuples(NAMES, TEXT, EMAILS, st.one_of(PHONES, FOREIGN), TIERS, TAGS, TEXT,
                        BIRTHDAYS, TEXT, COUNTRIES).map(list)


@CHUNKS
@given(st.lists(COUNTRY_ROW, min_size=1, max_size=30), st.sampled_from(["CN", "US", "DE"]))
@example([["王明", "", "", "13800138000", "", "", "", "", "", "Germany"]], "CN")
def test_columns_agree_with_rows_with_a_country_column(rows, region):
    _compare([(i + 2, cells) for i, cells in enumerate(rows)], [*HEADERS, "国家/地区"],
             region=region)
