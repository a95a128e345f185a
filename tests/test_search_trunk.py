"""Issue 15 audit 3: a landline typed with its trunk prefix and dashes (010-88886666) finds
the customer whose number is stored in E.164 (+861088886666), read in the default region."""

from __future__ import annotations

import pytest

from crmctl.core import customers, settings


def found(conn, query: str) -> list[str]:
    return [c.name for c in customers.list_customers(conn, customers.Filter(search=query))]


@pytest.fixture
def landlines(conn):
    customers.add(conn, {"name": "王明", "company": "华为", "phone": "010-88886666"})
    customers.add(conn, {"name": "李娜", "company": "腾讯", "phone": "0755-28780809"})
    customers.add(conn, {"name": "张伟", "phone": "13800138000"})
    return conn


@pytest.mark.parametrize("query,names", [
    ("010-88886666", ["王明"]), ("01088886666", ["王明"]), ("010.8888.6666", ["王明"]),
    ("88886666", ["王明"]), ("0755-28780809", ["李娜"]), ("(0755)2878-0809", ["李娜"]),
    ("138-0013-8000", ["张伟"]), ("华为 010-88886666", ["王明"]), ("腾讯 010-88886666", []),
    ("010-88886667", []),
])
def test_a_landline_with_its_trunk_prefix_is_found(landlines, query, names):
    assert found(landlines, query) == names


def test_the_trunk_prefix_is_read_in_the_default_region(conn):
    customers.add(conn, {"name": "Anna Schmidt", "phone": "+49301234567"})
    assert found(conn, "030-1234567") == []  # read in CN it is no Berlin number
    settings.put(conn, "default_region", "DE")
    assert found(conn, "030-1234567") == ["Anna Schmidt"]


@pytest.fixture
def mobiles(conn):
    customers.add(conn, {"name": "曾宁杰", "phone": "13700000004"})
    customers.add(conn, {"name": "Michael Müller", "phone": "13700000406"})
    customers.add(conn, {"name": "李娜", "company": "腾讯", "phone": "0755-28780809"})
    return conn


@pytest.mark.parametrize("query,names", [
    ("137 0000 0004", ["曾宁杰"]),  # as three words, 0004 is also inside 13700000406
    ("+86 137 0000 0004", ["曾宁杰"]), ("137 0000 0406", ["Michael Müller"]),
    ("腾讯 (0755) 2878 0809", ["李娜"]), ("0755 2878 0809", ["李娜"]),
    ("137 0000 0005", []),
    ("0000 曾", ["曾宁杰"]),  # one group of digits alone stays a substring
])
def test_a_number_typed_in_groups_is_one_number(mobiles, query, names):
    assert found(mobiles, query) == names


def test_short_groups_of_digits_stay_separate_words():
    from crmctl.core.search import plan

    # under 7 digits together: each word matched alone, as before
    assert plan("2026 12") == [("search_trigram", '"2026"'), ("search_grams", '"12"*')]
    assert plan("137 0000 0004") == [("search_trigram", '"13700000004"')]
