"""SuggestionFilter: each filter narrows what the caller passes, and never reveals what is hidden."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Suggestion
from suggestions.policy.scoping import visible
from suggestions.queries.filters import SuggestionFilter
from tests import factories


def _numbers(params, user=None, queryset=None):
    request = RequestFactory().get("/", params)
    request.user = user
    if queryset is None:
        queryset = visible(Suggestion, user).for_list()
    filterset = SuggestionFilter(request.GET, queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    return sorted(s.number for s in filterset.qs)


@pytest.fixture
def three(staff, lead_department, co_department, other_department):
    a = factories.SuggestionFactory(
        number=1, position=1, title="聚焦项目引建", text="建议大抓项目，抓大项目。"
    )
    b = factories.SuggestionFactory(number=2, position=2, title="优化营商环境", text="建议完善政务服务。")
    c = factories.SuggestionFactory(number=12, position=12, title="加强教育投入", text="建议新建学校。")
    workflow.assign(suggestion=a, lead=lead_department, co_handlers=[co_department], by=staff)
    workflow.assign(
        suggestion=b,
        lead=co_department,
        on=dt.date(2023, 2, 1),
        due=dt.date(2023, 5, 4),
        by=staff,
        key_supervision=True,
    )
    return a, b, c


def test_text_search_finds_chinese_substrings(three, staff):
    assert _numbers({"q": "项目"}, staff) == [1]
    assert _numbers({"q": "政务 营商"}, staff) == [2]
    assert _numbers({"q": "建议"}, staff) == [1, 2, 12]


def test_digits_match_the_number_exactly(three, staff):
    assert _numbers({"q": "2"}, staff) == [2]
    assert _numbers({"q": "12"}, staff) == [12]


def test_department_and_role(three, staff, lead_department, co_department):
    assert _numbers({"department": co_department.pk}, staff) == [1, 2]
    assert _numbers({"department": co_department.pk, "role": "lead"}, staff) == [2]
    assert _numbers({"department": co_department.pk, "role": "co"}, staff) == [1]


def test_role_alone_means_my_departments(three, co_handler):
    assert _numbers({"role": "co"}, co_handler) == [1]
    assert _numbers({"role": "lead"}, co_handler) == [2]


def test_status_overdue_due_dates_and_supervision(three, staff):
    assert _numbers({"status": ["assigned", "registered"]}, staff) == [1, 2, 12]
    assert _numbers({"status": "registered"}, staff) == [12]
    assert _numbers({"overdue": "true"}, staff) == [2]
    assert _numbers({"overdue": "false"}, staff) == [1, 12]
    assert _numbers({"due_before": "2023-06-01"}, staff) == [2]
    assert _numbers({"due_after": "2023-06-01"}, staff) == [1]
    assert _numbers({"key_supervision": "true"}, staff) == [2]


def test_delegates(three, staff):
    a = three[0]
    assert _numbers({"delegate": a.co_proposers[0].pk}, staff) == [1]
    assert _numbers({"lead_delegate": a.co_proposers[0].pk}, staff) == []
    assert _numbers({"lead_delegate": a.lead_delegate.pk}, staff) == [1]


def test_reply_filters_only_see_visible_replies(three, staff, lead_handler, other_handler):
    a = three[0]
    workflow.acknowledge(suggestion=a, by=lead_handler)
    factories.reply(a, lead_handler, category="B")
    today = timezone.localdate().isoformat()
    assert _numbers({"category": "B"}, staff) == [1]
    assert _numbers({"replied_after": today}, staff) == [1]
    # the public does not see an unpublished reply, so filtering on it finds nothing
    assert _numbers({"category": "B"}, None) == []
    assert _numbers({"replied_before": today}, None) == []
    workflow.publish(suggestion=a, mode="title_only", by=staff)
    # A title-only publication shows that the reply exists and its date, not its category (redaction.py):
    # the filter follows the same rule, for the public and for a handler of another department.
    assert _numbers({"replied_before": today}, None) == [1]
    assert _numbers({"category": "B"}, None) == []
    assert _numbers({"category": "B"}, other_handler) == []
    assert _numbers({"category": "B"}, lead_handler) == [1]  # its department reads the whole reply
    assert _numbers({"category": "B"}, staff) == [1]
    workflow.publish(suggestion=a, mode="full", by=staff)
    assert _numbers({"category": "B"}, None) == [1]
    assert _numbers({"category": "B"}, other_handler) == [1]


def test_filters_narrow_the_given_queryset_only(three, other_handler, staff):
    assert _numbers({}, other_handler) == [1, 2, 12]  # every role sees at least what the public sees
    assert _numbers({"q": "项目"}, other_handler) == [1]
    assert _numbers({}, staff, queryset=Suggestion.objects.filter(number=12)) == [12]


def test_ordering_with_stable_tie_break(three, staff):
    request = RequestFactory().get("/", {"ordering": "-status"})
    request.user = staff
    qs = SuggestionFilter(request.GET, queryset=Suggestion.objects.all(), request=request).qs
    assert [s.number for s in qs] == [12, 1, 2]
    assert list(qs.query.order_by) == ["-status", "pk"]


def test_bad_values_make_the_filterset_invalid(db):
    request = RequestFactory().get("/", {"status": "nope", "due_before": "tomorrow", "q": "x" * 101})
    request.user = None
    filterset = SuggestionFilter(request.GET, queryset=Suggestion.objects.all(), request=request)
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"status", "due_before", "q"}
