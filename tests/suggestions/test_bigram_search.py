"""The text search's bigram index (suggestions/search.py, migration 0006): same results as icontains, indexed.

The equivalence tests run on both databases (on SQLite the search is the plain icontains); the ones about the
SQL function, the index and the plans need PostgreSQL (set DATABASE_URL).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test import RequestFactory

from suggestions.models import Suggestion
from suggestions.queries import search
from suggestions.queries.filters import SuggestionFilter
from tests import factories

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bigram index is PostgreSQL's (set DATABASE_URL)"
)

# number: (title, text)
ROWS = {
    1: ("关于老旧小区改造的建议", "建议加快推进老旧小区改造，完善基础设施。"),
    2: ("关于停车难问题的建议", "建议增加老城区停车位，规范停车秩序。"),
    3: ("关于河道整治的建议", "建议加强河道整治，老旧管网同步更新。"),
    # 「老」 ends the title and 「旧」 starts the text: 「老旧」 spans the boundary and must not be found.
    4: ("关于关爱独居老", "旧城改造中的独居老人需要关照。"),
    5: ("优化营商环境", "建议完善政务服务，推进一网通办。"),
    6: ("Smart AB parking", "Install ab-sensors in the old town."),
    7: ("关于数据共享", "建议打通 aB 系统与 Ab 平台的数据。"),
    8: ("关于降低能耗", "力争能耗降低5%，推广节能改造。"),
    9: ("Straße und Verkehr", "Verkehrsberuhigung in der Altstadt."),
    10: ("关于绿化的建议", "老\n旧厂房改造为口袋公园。"),
    11: ("关于校园安全的建议", "加强校园周边交通秩序管理，设置接送区。"),
}


@pytest.fixture
def rows(db):
    for number, (title, text) in ROWS.items():
        factories.SuggestionFactory(
            number=number, position=number, title=title, text=text, proposers__count=1
        )


def _filterset(params: dict) -> SuggestionFilter:
    request = RequestFactory().get("/", params)
    request.user = None
    filterset = SuggestionFilter(request.GET, queryset=Suggestion.objects.all(), request=request)
    assert filterset.is_valid(), filterset.errors
    return filterset


def _searched(q: str) -> list[int]:
    return sorted(_filterset({"q": q}).qs.values_list("number", flat=True))


def _icontains(q: str, **filters) -> list[int]:
    """The reference: plain icontains of every word, as the filter did before the bigram index."""
    condition = Q(**filters)
    for word in q.split():
        condition &= Q(title__icontains=word) | Q(text__icontains=word)
    return sorted(Suggestion.objects.filter(condition).values_list("number", flat=True))


# (q, the suggestions it must find)
CASES = [
    ("老旧", [1, 3]),  # two characters: the bigram index alone
    ("旧", [1, 3, 4, 10]),  # one character: icontains
    ("老旧小区", [1]),  # four characters: icontains (trigram index)
    ("小区改", [1]),
    ("停车", [2]),
    ("建议", [1, 2, 3, 5, 7, 10, 11]),
    ("老城", [2]),
    ("ab", [6, 7]),  # Latin letters: case-insensitive both ways
    ("AB", [6, 7]),
    ("aB", [6, 7]),
    ("Ab", [6, 7]),
    ("ße", [9]),  # PostgreSQL's UPPER('ße') is 'ßE', not Python's 'SSE'
    ("5%", [8]),  # LIKE wildcards are literal characters
    ("%", [8]),
    ("_", []),
    ("老旧 改造", [1]),  # several words: all must occur
    ("老旧 管网", [3]),
    ("改造 老旧小区", [1]),  # a longer word: every word by icontains
    ("停车 老旧", []),
    ("关爱 独居", [4]),
    ("独居 老", [4]),
    ("老\x01", []),  # the separator: plain icontains, so the title/text boundary is not found
    ("能耗 5%", [8]),
    ("区", [1, 2, 11]),
]


@pytest.mark.parametrize(("q", "expected"), CASES)
def test_search_finds_what_icontains_finds(rows, q, expected):
    assert _icontains(q) == expected
    assert _searched(q) == expected


def test_a_term_spanning_the_title_and_the_text_is_not_found(rows):
    # 「老」 ends no. 4's title and 「旧」 starts its text: neither column contains 「老旧」.
    assert 4 not in _searched("老旧")
    assert 10 not in _searched("老旧")  # nor across a line break
    assert _searched("居老") == [4]  # but its title's own last bigram is found
    assert _searched("旧城") == [4]  # and its text's first


def test_the_number_alone_still_matches_the_number_exactly(rows):
    assert _searched("11") == [11]


# -- PostgreSQL: the SQL, the function, the index and the plans ------------------------------------------


def _sql(params: dict) -> str:
    return str(_filterset(params).qs.query)


@postgres_only
def test_two_character_words_use_the_bigram_condition_alone(rows):
    sql = _sql({"q": "老旧"})
    assert "tracker_bigrams" in sql
    assert "@>" in sql
    # No LIKE is left in the plan: the planner folds LENGTH(UPPER('老旧')) = 2 to TRUE.
    plan = _filterset({"q": "老旧"}).qs.explain()
    assert "~~" not in plan
    assert "tracker_bigrams" in plan


@postgres_only
@pytest.mark.parametrize("q", ["旧", "老旧小区", "老旧 小区改造", "停车 旧城改造"])
def test_other_searches_keep_icontains(rows, q):
    sql = _sql({"q": q})
    assert "tracker_bigrams" not in sql
    assert "LIKE" in sql


@postgres_only
def test_the_bigram_function(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tracker_bigrams('abcab'), tracker_bigrams('老旧小区老旧'), tracker_bigrams('a'),"
            " tracker_bigrams(''), tracker_bigrams(NULL)"
        )
        abcab, chinese, one, empty, null = cursor.fetchone()
    assert sorted(abcab) == ["ab", "bc", "ca"]  # distinct
    assert sorted(chinese) == sorted(["老旧", "旧小", "小区", "区老"])
    assert one == [] and empty == [] and null is None


@postgres_only
def test_the_index_has_no_statistics(db):
    """The planner must take every bigram for a rare one (migration 0006's docstring explains why)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attstattarget FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum = 1",
            [search.BIGRAM_INDEX],
        )
        assert cursor.fetchone() == (0,)


@pytest.fixture
def many(rows):
    """3,000 more suggestions (none with the searched terms) in three statuses, and fresh statistics."""
    first = Suggestion.objects.get(number=1)
    statuses = ["registered", "withdrawn", "not_accepted"]
    Suggestion.objects.bulk_create(
        Suggestion(
            session=first.session,
            theme=first.theme,
            number=100 + i,
            position=100 + i,
            title=f"关于第{i}项工作的建议",
            text="建议进一步加强统筹推进，切实回应群众关切。",
            status=statuses[i % 3],
        )
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE suggestions_suggestion")


def _plan(params: dict) -> tuple[str, list[int]]:
    qs = _filterset(params).qs.order_by()
    return qs.explain(), sorted(qs.values_list("number", flat=True))


@postgres_only
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "老旧"}, [1, 3]),
        ({"q": "ab"}, [6, 7]),
        ({"q": "老旧 停车"}, []),
        ({"q": "老旧", "status": "registered"}, [1, 3]),
        ({"q": "老旧", "status": "withdrawn"}, []),
        ({"q": "老旧 旧", "status": ["registered", "withdrawn"]}, [1, 3]),
    ],
)
def test_the_search_reads_the_bigram_index(many, params, expected):
    plan, found = _plan(params)
    assert found == expected
    assert f"Bitmap Index Scan on {search.BIGRAM_INDEX}" in plan
    # ... and never computes tracker_bigrams() row by row as a filter (~15 µs a row).
    assert not any("Filter:" in line and "tracker_bigrams" in line for line in plan.splitlines()), plan


@postgres_only
def test_even_a_bigram_in_every_row_is_read_through_the_index(many):
    """「建议」 is in nearly every row; with statistics the planner computed tracker_bigrams() on each."""
    plan, found = _plan({"q": "建议"})
    assert len(found) == 3000 + 7
    assert f"Bitmap Index Scan on {search.BIGRAM_INDEX}" in plan
    assert "Seq Scan" not in plan


@postgres_only
def test_a_longer_word_does_not_read_the_bigram_index(many):
    """The check above can fail: a three-character word goes through the trigram indexes instead."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # in the test's transaction
    plan, found = _plan({"q": "老旧小"})
    assert found == [1]
    assert search.BIGRAM_INDEX not in plan
    assert "_trgm" in plan
