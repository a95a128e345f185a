"""Core customers, tags and search on a temp database (no CLI)."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, example, given, settings as hsettings, strategies as st

from crmctl.core import audit, customers, search, settings, tags
from crmctl.core.customers import Filter
from crmctl.errors import Duplicate, InvalidValue, NotFound


def names(rows) -> list[str]:
    return [c.name for c in rows]


def found(conn, query: str, **kw) -> list[str]:
    return names(customers.list_customers(conn, Filter(search=query, **kw)))


def audit_rows(conn) -> list[tuple]:
    return conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()


# --- add: normalize, validate, refuse duplicates ---------------------------------------

def test_add_normalizes_email_and_phone(conn):
    cid = customers.add(conn, {"name": " 王明 ", "email": "Wang.Ming@Example.CN",
                               "phone": "138 0013 8000", "company": "华为"})
    c = customers.get(conn, cid)
    assert (c.name, c.email, c.phone) == ("王明", "Wang.Ming@example.cn", "+8613800138000")
    assert (c.tier, c.stage, c.tags) == ("regular", "prospect", [])


def test_default_region_setting_is_honoured(conn):
    settings.put(conn, "default_region", "us")
    cid = customers.add(conn, {"name": "Anna Schmidt", "phone": "(415) 555-2671"})
    assert customers.get(conn, cid).phone == "+14155552671"
    cn = customers.add(conn, {"name": "李娜", "phone": "+86 139 0013 9000"})
    assert customers.get(conn, cn).phone == "+8613900139000"


@pytest.mark.parametrize("field, value, message", [
    ("email", "wang@", "invalid email 'wang@'"),
    ("email", "not an email", "invalid email 'not an email'"),
    ("phone", "12345", "invalid phone '12345'"),
    ("phone", "call me", "invalid phone 'call me'"),
])
def test_invalid_email_or_phone_adds_nothing(conn, field, value, message):
    with pytest.raises(InvalidValue, match=message):
        customers.add(conn, {"name": "王明", field: value})
    assert customers.count(conn) == 0
    assert audit_rows(conn) == []


@pytest.mark.parametrize("name", [None, "", "   ", "\t\n"])
def test_a_name_is_required(conn, name):
    with pytest.raises(InvalidValue, match="a customer needs a name"):
        customers.add(conn, {"name": name} if name is not None else {})
    assert customers.count(conn) == 0


def test_duplicate_email_case_insensitive(conn):
    first = customers.add(conn, {"name": "王明", "email": "wang@example.cn"})
    with pytest.raises(Duplicate) as exc:
        customers.add(conn, {"name": "王明明", "email": "WANG@Example.CN"})
    assert str(exc.value) == (f"customer {first} already has this email (WANG@example.cn); "
                              "use --allow-duplicate to add anyway")
    assert customers.count(conn) == 1
    second = customers.add(conn, {"name": "王明明", "email": "WANG@example.cn"},
                           allow_duplicate=True)
    assert second != first and customers.count(conn) == 2


def test_duplicate_phone_formatted_differently(conn):
    first = customers.add(conn, {"name": "李娜", "phone": "13900139000"})
    for other in ("+86 139-0013-9000", "(139) 0013 9000", "0086 13900139000"):
        with pytest.raises(Duplicate, match=f"customer {first} already has this phone"):
            customers.add(conn, {"name": "李娜", "phone": other})
    assert customers.count(conn) == 1


def test_referred_by_must_exist(conn):
    with pytest.raises(NotFound, match="no customer 42"):
        customers.add(conn, {"name": "张伟", "referred_by": 42})
    lina = customers.add(conn, {"name": "李娜"})
    zhang = customers.add(conn, {"name": "张伟", "referred_by": lina})
    assert customers.get(conn, zhang).referred_by == lina


# --- get / edit / remove ---------------------------------------------------------------

@pytest.mark.parametrize("bad, error, message", [
    ("999", NotFound, "no customer 999"),
    ("abc", NotFound, "no customer matches 'abc'"),
    ("0", InvalidValue, "customer id must be a positive number"),
    ("-3", InvalidValue, "customer id must be a positive number"),
])
def test_bad_ids(conn, bad, error, message):
    customers.add(conn, {"name": "王明"})
    for call in (lambda: customers.get(conn, bad),
                 lambda: customers.edit(conn, bad, {"company": "华为"}),
                 lambda: customers.remove(conn, bad)):
        with pytest.raises(error, match=message):
            call()
    assert customers.count(conn) == 1


def test_edit_changes_clears_and_reports(conn):
    cid = customers.add(conn, {"name": "王明", "wechat": "wm88", "company": "华为"})
    assert customers.edit(conn, cid, {"company": "腾讯", "wechat": None}) == ["company", "wechat"]
    c = customers.get(conn, cid)
    assert (c.company, c.wechat) == ("腾讯", None)
    assert customers.edit(conn, cid, {"company": "腾讯"}) == []
    assert found(conn, "腾讯") == ["王明"] and found(conn, "华为") == []
    with pytest.raises(InvalidValue, match="a customer needs a name"):
        customers.edit(conn, cid, {"name": "  "})


def test_edit_to_a_duplicate_email_refused(conn):
    customers.add(conn, {"name": "王明", "email": "wang@example.cn"})
    lina = customers.add(conn, {"name": "李娜", "email": "li@example.cn"})
    with pytest.raises(Duplicate, match="already has this email"):
        customers.edit(conn, lina, {"email": "Wang@EXAMPLE.cn"})
    assert customers.get(conn, lina).email == "li@example.cn"
    # editing a customer to their own email in another case is not a duplicate
    assert customers.edit(conn, lina, {"email": "LI@example.cn"}) == ["email"]


def test_remove_deletes_and_unindexes(conn):
    cid = customers.add(conn, {"name": "王明"}, tags=["vip"])
    customers.remove(conn, cid)
    assert customers.count(conn) == 0 and found(conn, "王") == []
    assert conn.execute("SELECT count(*) FROM customer_tags").fetchone()[0] == 0
    with pytest.raises(NotFound):
        customers.get(conn, cid)


# --- list: filters and sorts -----------------------------------------------------------

@pytest.fixture
def people(conn):
    ids = {
        "王明": customers.add(conn, {"name": "王明", "company": "华为"}, tier="gold",
                            tags=["vip", "展会2026"]),
        "李娜": customers.add(conn, {"name": "李娜", "company": "腾讯"}, tags=["vip"]),
        "Anna Schmidt": customers.add(conn, {"name": "Anna Schmidt", "company": "Acme GmbH"},
                                      tier="diamond"),
        "张伟": customers.add(conn, {"name": "张伟"}),
    }
    conn.execute("UPDATE customers SET purchase_count = 2, first_purchase_at = '2026-01-01', "
                 "last_purchase_at = '2026-10-01' WHERE id = ?", (ids["李娜"],))
    return ids


def test_list_filters(conn, people):
    assert names(customers.list_customers(conn, Filter(tag=["vip"]))) == ["王明", "李娜"]
    assert names(customers.list_customers(conn, Filter(tag=["VIP", "展会2026"]))) == ["王明"]
    assert names(customers.list_customers(conn, Filter(tier="gold"))) == ["王明"]
    assert names(customers.list_customers(conn, Filter(stage="repeat"))) == ["李娜"]
    assert names(customers.list_customers(conn, Filter(tag=["vip"], search="李"))) == ["李娜"]
    assert len(customers.list_customers(conn, Filter(limit=2))) == 2
    assert customers.list_customers(conn, Filter(limit=0)) == []
    assert customers.get(conn, people["王明"]).tags == ["vip", "展会2026"]


def test_list_sorts(conn, people):
    by = lambda s: names(customers.list_customers(conn, Filter(sort=s)))  # noqa: E731
    assert by("id") == ["王明", "李娜", "Anna Schmidt", "张伟"]
    assert by("-id") == ["张伟", "Anna Schmidt", "李娜", "王明"]
    # pinyin order, Latin names by their letters among them: anna, li3na4, wang2ming2, zhang1wei3
    assert by("name") == ["Anna Schmidt", "李娜", "王明", "张伟"]
    assert by("-name") == ["张伟", "王明", "李娜", "Anna Schmidt"]
    assert by("tier")[:2] == ["Anna Schmidt", "王明"]
    assert by("company")[-1] == "张伟"  # no company: last either way
    assert by("-company")[-1] == "张伟"


@pytest.mark.parametrize("flt, message", [
    (Filter(sort="nonsense"), "unknown sort 'nonsense'"),
    (Filter(tier="bronze"), "unknown tier 'bronze'"),
    (Filter(stage="lead"), "unknown stage 'lead'"),
    (Filter(limit=-1), "--limit must be 0 or more"),
    (Filter(consent="fax"), "unknown consent channel 'fax'"),
])
def test_list_bad_filters(conn, people, flt, message):
    with pytest.raises(InvalidValue, match=message):
        customers.list_customers(conn, flt)


# --- search ----------------------------------------------------------------------------

SEARCHABLE = [
    {"name": "王明", "company": "华为技术有限公司", "email": "wang.ming@huawei.com",
     "phone": "13800138000"},
    {"name": "王", "note": "只留了姓"},
    {"name": "欧阳明华", "company": "腾讯", "phone": "13912345678"},
    {"name": "Anna Schmidt", "company": "Acme Robotics GmbH", "email": "anna@acme.de"},
    {"name": "Hannah Meyer", "note": "met at 展会, likes tea"},
]


@pytest.fixture
def searchable(conn):
    return {r["name"]: customers.add(conn, r) for r in SEARCHABLE}


@pytest.fixture(scope="module")
def search_db(tmp_path_factory):
    """The SEARCHABLE people in one database shared by read-only tests (one key derivation
    instead of one per test)."""
    from crmctl.store import create_database

    from conftest import PASSPHRASE

    shared = create_database(tmp_path_factory.mktemp("search") / "crm.db",
                             PASSPHRASE.encode())
    for r in SEARCHABLE:
        customers.add(shared, r)
    yield shared
    shared.close()


@pytest.mark.parametrize("query, expected", [
    ("王", ["王明", "王"]),
    ("王明", ["王明"]),
    ("明", ["王明", "欧阳明华"]),
    ("明华", ["欧阳明华"]),
    ("欧阳明华", ["欧阳明华"]),
    ("huawei", ["王明"]),               # the middle of an email
    ("ming@hua", ["王明"]),
    ("0013800", ["王明"]),              # the middle of a phone
    ("5678", ["欧阳明华"]),             # a phone's tail
    ("Robot", ["Anna Schmidt"]),        # the middle of a company
    ("技术有限", ["王明"]),
    ("ANNA", ["Anna Schmidt", "Hannah Meyer"]),  # 3+ characters match anywhere
    ("an", ["Anna Schmidt"]),            # 1-2 Latin characters: a word's start
    ("anna acme", ["Anna Schmidt"]),     # every word must match
    ("anna 王", []),
    ("王 华为", ["王明"]),
    ("展会", ["Hannah Meyer"]),
    ("TEA", ["Hannah Meyer"]),
    ("", ["王明", "王", "欧阳明华", "Anna Schmidt", "Hannah Meyer"]),
])
def test_search(search_db, query, expected):
    assert found(search_db, query) == expected


EVERYONE = ["王明", "王", "欧阳明华", "Anna Schmidt", "Hannah Meyer"]


# FTS5's syntax is text to crmctl: operators are words nobody's texts hold, punctuation
# alone finds nobody, punctuation beside a Chinese character is dropped as the index drops
# it, and quotes around a word are ignored (a lone quote is an empty query: everyone).
@pytest.mark.parametrize("query, expected", [
    ('"', EVERYONE), ("*", []), ("AND", []), ("NEAR", []), ("-", []), ("NOT 王", []),
    ('an"na', []), ("王*", ["王明", "王"]), ("NEAR(王 明)", []), ("(", []), (")", []),
    (":", []), ("^", []), ("a:b", []), ("王 OR 李", []), ("'", []), ("-王", ["王明", "王"]),
    ("+", []), ("{x}", []), ('"王明"', ["王明"]), ("%", []), ("_", []), ("\\", []),
])
def test_search_syntax_characters_do_not_crash(search_db, query, expected):
    assert found(search_db, query) == expected


def test_search_with_quotes_still_finds(conn, searchable):
    assert found(conn, '"王明"') == ["王明"]
    assert found(conn, '"an"') == ["Anna Schmidt"]


def test_search_with_sort_limit_and_both_indexes(conn, searchable):
    assert found(conn, "王", sort="-id") == ["王", "王明"]
    assert found(conn, "明", sort="name") == sorted(["王明", "欧阳明华"])
    assert found(conn, "王", limit=1) == ["王明"]
    assert found(conn, "王", sort="-id", limit=1) == ["王"]
    assert found(conn, "huawei 王") == ["王明"]      # trigram and grams together
    assert found(conn, "王 明 华为") == ["王明"]
    assert found(conn, "anna an acme gmbh") == ["Anna Schmidt"]


def test_search_phone_typed_with_separators(conn, searchable):
    assert found(conn, "138-0013-8000") == ["王明"]
    assert found(conn, "139 1234-5678") == ["欧阳明华"]
    assert found(conn, "+86 (139) 1234.5678") == ["欧阳明华"]
    customers.add(conn, {"name": "张伟", "note": "签约 2026-11-23"})
    assert found(conn, "2026-11-23") == ["张伟"]


def test_search_mixed_script_short_word(conn):
    customers.add(conn, {"name": "刘洋", "company": "A股投资"})
    customers.add(conn, {"name": "T恤王"})
    assert found(conn, "a股") == ["刘洋"]
    assert found(conn, "T恤") == ["T恤王"]


# --- tags ------------------------------------------------------------------------------

def test_tags_add_remove_list(conn, people):
    w, l = people["王明"], people["李娜"]
    assert tags.add(conn, "华东", [w, l]) == 2
    assert tags.add(conn, "华东", [w]) == 0  # already there
    assert {"tag": "华东", "customers": 2} in tags.list_tags(conn)
    assert tags.remove(conn, "华东", [w]) == 1
    assert customers.get(conn, l).tags == ["vip", "华东"] or customers.get(conn, l).tags == \
        sorted(["vip", "华东"])
    assert tags.remove(conn, "华东", [l]) == 1
    assert "华东" not in [t["tag"] for t in tags.list_tags(conn)]


def test_tag_with_a_bad_id_tags_nobody(conn, people):
    before = audit_rows(conn)
    for bad, error in (("999", NotFound), ("abc", NotFound), ("#x", InvalidValue)):
        with pytest.raises(error):
            tags.add(conn, "新标签", [people["王明"], bad])
    assert conn.execute("SELECT count(*) FROM tags WHERE name = '新标签'").fetchone()[0] == 0
    assert customers.get(conn, people["王明"]).tags == ["vip", "展会2026"]
    with pytest.raises(NotFound, match="no tag"):
        tags.remove(conn, "never-used", [people["王明"]])
    with pytest.raises(InvalidValue, match="cannot contain"):
        tags.add(conn, "a;b", [people["王明"]])
    assert audit_rows(conn) == before


# --- audit: names, never values --------------------------------------------------------

def test_every_write_is_audited_without_values(conn):
    cid = customers.add(conn, {"name": "王明", "email": "wang.secret@example.cn",
                               "phone": "13800138000", "note": "机密备注"}, tags=["vip"])
    customers.edit(conn, cid, {"company": "华为机密", "email": "wang2@example.cn"})
    tags.add(conn, "华东", [cid])
    tags.remove(conn, "华东", [cid])
    customers.remove(conn, cid)
    entries = audit.entries(conn)
    assert [e.action for e in reversed(entries)] == ["add", "edit", "tag", "untag", "rm"]
    assert entries[-1].fields == ["email", "name", "note", "phone", "tags"]
    assert entries[-2].fields == ["company", "email"]
    dump = json.dumps(audit_rows(conn), ensure_ascii=False)
    for value in ("王明", "wang.secret", "example.cn", "13800138000", "8613800138000", "机密",
                  "华为", "华东", "vip"):
        assert value not in dump
    assert audit.verify(conn).ok


# --- properties ------------------------------------------------------------------------

NAME_TEXT = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def lines_folded(text: str) -> str:
    """A note: each line folded as above, the line breaks kept, blank ends dropped."""
    lines = unicodedata.normalize("NFC", text).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines).strip("\n")


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAME_TEXT, note=st.text(max_size=80))
def test_any_unicode_round_trips(conn, name, note):
    assume(folded(name))
    cid = customers.add(conn, {"name": name, "note": note})
    c = customers.get(conn, cid)
    assert c.name == folded(name)
    assert c.note == (lines_folded(note) or None)


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
LATIN = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüßøç")
WORD = st.one_of(st.text(CJK, min_size=1, max_size=4), st.text(LATIN, min_size=1, max_size=8))
NAMES = st.lists(WORD, min_size=1, max_size=3).map(" ".join)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES, data=st.data())
def test_search_finds_a_name_by_its_short_substrings(conn, name, data):
    """Any 1-3 character piece of a Chinese word; 3 characters anywhere; 1-2 characters at a
    Latin word's start (the documented rule)."""
    cid = customers.add(conn, {"name": name})
    word = data.draw(st.sampled_from(name.split()))
    size = data.draw(st.integers(1, min(3, len(word))))
    cjk = "\u4e00" <= word[0] <= "\u9fff"
    start = data.draw(st.integers(0, len(word) - size)) if cjk or size == 3 else 0
    piece = word[start:start + size]
    assert cid in [c.id for c in customers.list_customers(conn, Filter(search=piece))], piece


# pieces of the SEARCHABLE people's texts, FTS5 syntax and separators, to draw queries from
QUERY_PIECES = ["王", "明", "华为", "anna", "Ann", "acme", "tea", "5678", "展会", "@", ".", "-",
                '"', "*", "(", ")", ":", "^", "AND", "OR", "NOT", "NEAR", " ", "\u3000", "\x00"]


@hsettings(max_examples=80, deadline=None)
@example(query="5678 567")  # digit groups: one number, not two substrings
@given(query=st.one_of(st.text(max_size=20),
                       st.lists(st.sampled_from(QUERY_PIECES), max_size=6).map("".join)))
def test_no_query_crashes(search_db, query):
    """Any text is a query (no error): it finds, in the listing's order and up to the
    limit, exactly the people each of its words finds on its own (a phone typed in digit
    groups, 7+ digits together, being one word)."""
    words = search.query_words(query)
    expected = [name for name in found(search_db, "")
                if all(name in found(search_db, word) for word in words)]
    assert found(search_db, query, limit=5) == expected[:5]


def _document_one_value_at_a_time(values):
    """search.document as it was: each value folded on its own."""
    text = "\n".join(search.fold(v) for v in values if v)
    return text, search._CJK_RUN.sub(search._expand_cjk, text)


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.text(max_size=12),
                                   st.sampled_from(["王明", "Ｗａｎｇ", "ß", "e\u0301", "ﬁ", "\x1e",
                                                    "A股", "İ", "株式会社", ""])),
                         min_size=5, max_size=5), max_size=8))
def test_search_documents_in_a_batch_equal_one_at_a_time(rows):
    """Folding a chunk's joined texts at once gives each customer's texts exactly."""
    assert search.documents(rows) == [_document_one_value_at_a_time(r) for r in rows]


def test_search_document_expands_cjk():
    text, grams = search.document(["王明华", "Anna"])
    assert text == "王明华\nanna"
    assert set(grams.split()) >= {"王", "明", "华", "王明", "明华", "anna"}


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run=st.text(CJK, min_size=1, max_size=5), latin=st.text(LATIN, min_size=1, max_size=6),
       before=st.booleans())
def test_search_finds_two_characters_across_a_cjk_latin_boundary(conn, run, latin, before):
    """A 2-character query across the join of a Chinese run and a following Latin word
    (中国股app: 股a), or a Latin letter and a following run (A股票: a股), is found,
    however long the run is."""
    text = latin + run if before else run + latin
    assume(unicodedata.normalize("NFKC", text).casefold() == text.lower())
    cid = customers.add(conn, {"name": "客户", "company": text})
    piece = (latin[-1] + run[0]) if before else (run[-1] + latin[0])
    if before and len(latin) > 1:  # a Latin letter matches a word's start only (documented)
        return
    assert cid in [c.id for c in customers.list_customers(conn, Filter(search=piece))], piece


def test_search_document_keeps_both_ends_of_a_cjk_run_beside_its_neighbours():
    _, grams = search.document(["中国股app"])
    assert grams.split() == ["中", "国", "股", "中国", "国股", "股", "app"]
    _, grams = search.document(["王"])
    assert grams.split() == ["王"]


def test_to_dict_is_asdict_in_the_contract_order_without_extra(conn):
    """Customer.to_dict is made by hand (asdict deep-copies: seconds at 100,000 rows): the
    same keys and values as asdict, the contract's keys first, no `extra`, its own tags."""
    from dataclasses import asdict

    cid = customers.add(conn, {"name": "王明", "company": "华为", "email": "wang@example.cn",
                               "note": "年度框架", "birthday": "1985-03-12"}, tags=["vip", "深圳"])
    card = customers.get(conn, cid)
    data = card.to_dict()
    expected = asdict(card)
    del expected["extra"]
    assert data == expected
    assert list(data)[:len(customers.CONTRACT_KEYS)] == list(customers.CONTRACT_KEYS)
    data["tags"].append("changed")
    assert "changed" not in card.tags
