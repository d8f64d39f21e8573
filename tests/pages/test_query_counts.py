"""Every list page reads in a fixed number of queries, measured with many rows (a page full of them).

The data is built once for the module: 30 suggestions, each assigned to a lead and a co-handling
department, most acknowledged, some replied, some rated, one with a reassignment request and one
with an extension request, so that every list and queue shows a full page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Publication
from suggestions.policy.groups import ensure_role_groups
from tests import factories

ROWS = 30


@pytest.fixture(scope="module")
def many(module_db):
    with module_db():
        ensure_role_groups()
        staff = factories.staff_user(username="qc_staff")
        lead_dept = factories.DepartmentFactory(name="太仓市水务局", short_name="水务局")
        co_dept = factories.DepartmentFactory(name="太仓市商务局", short_name="商务局")
        handler = factories.handler_user(lead_dept, username="qc_handler")
        co_handler = factories.handler_user(co_dept, username="qc_co")
        lead = factories.DelegateFactory(name="测试领衔")
        co = factories.DelegateFactory(name="测试联名")
        delegate = factories.delegate_user(lead, username="qc_delegate")
        assigned_on = timezone.localdate() - dt.timedelta(days=30)
        for i in range(ROWS):
            s = factories.SuggestionFactory(title=f"查询测试建议{i}", proposers=[lead, co])
            s = workflow.assign(suggestion=s, lead=lead_dept, co_handlers=[co_dept], on=assigned_on, by=staff)
            if i == 0:
                workflow.request_reassignment(suggestion=s, reason="不属于本单位", by=co_handler)
            if i % 3 == 0:
                continue
            workflow.acknowledge(suggestion=s, by=handler)
            workflow.log_contact(suggestion=s, method="meet", by=handler)
            if i == 1:
                workflow.request_extension(
                    suggestion=s,
                    requested_due=s.due_date + dt.timedelta(days=30),
                    reason="需要调研",
                    by=handler,
                )
            if i % 3 == 1:
                continue
            factories.reply(s, handler, category="ABCD"[i % 4])
            if i % 2:
                workflow.rate(
                    suggestion=s, attitude="satisfied", result="unsatisfied", comment="未解决", by=delegate
                )
            elif i % 4 == 0:
                workflow.publish(suggestion=s, mode=Publication.FULL, by=staff)
        return {"staff": staff, "handler": handler, "delegate": delegate, "lead": lead}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _get(client: Client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response


# (who, page, query string, queries with empty caches, queries once the caches are warm)
# The warm figure is what a page costs in steady state; every list page stays within six. The cold one
# adds what the caches save: the list total, the filter form's sessions, themes and departments, and
# the statistics (suggestions/stats.py, suggestions/choices.py). The staff home is six queue lists on
# one page and the exception to the six.
PAGES = [
    (None, "home", {}, 6, 5),
    (None, "suggestion_list", {}, 8, 4),
    # A search word that could be a delegate's name asks once whether it is one (search.delegate_names).
    (None, "suggestion_list", {"q": "查询", "status": ["assigned", "in_progress"], "page": 2}, 9, 5),
    (None, "delegate_list", {}, 2, 2),
    (None, "dashboard", {}, 8, 2),
    ("staff", "home", {}, 27, 20),
    ("staff", "suggestion_list", {}, 9, 5),
    ("staff", "assign_bulk", {}, 4, 3),
    ("handler", "home", {}, 4, 4),
    ("handler", "inbox", {}, 5, 4),
    ("handler", "inbox", {"show": "all"}, 5, 4),
    ("delegate", "home", {}, 6, 6),
    ("delegate", "my_suggestions", {}, 7, 6),
]


@pytest.mark.parametrize(("who", "url", "params", "cold", "warm"), PAGES)
def test_list_pages_have_a_fixed_number_of_queries(
    many, db, django_assert_max_num_queries, who, url, params, cold, warm
):
    client = _client(many[who] if who else None)
    with django_assert_max_num_queries(cold):
        response = _get(client, reverse(url), **params)
    assert len(response.content) > 0
    with django_assert_max_num_queries(warm):
        again = _get(client, reverse(url), **params)
    assert again.content.count(b"<tr") == response.content.count(b"<tr")


QUEUE_COLD, QUEUE_WARM = (
    7,
    6,
)  # session, user, total (cached when warm), rows, proposers, assignments, the queue's own records


@pytest.mark.parametrize(
    "slug", ["reassignment", "extension", "review", "overdue", "due_soon", "publication"]
)
def test_queue_pages_have_a_fixed_number_of_queries(many, db, django_assert_max_num_queries, slug):
    client = _client(many["staff"])
    with django_assert_max_num_queries(QUEUE_COLD):
        _get(client, reverse("queue", args=[slug]))
    with django_assert_max_num_queries(QUEUE_WARM):
        _get(client, reverse("queue", args=[slug]))


def test_delegate_page_has_a_fixed_number_of_queries(many, db, django_assert_max_num_queries):
    client = _client(many["delegate"])
    with django_assert_max_num_queries(8):  # the delegate, 2 session, 3 suggestions, ratings, remarks
        response = _get(client, reverse("delegate_detail", args=[many["lead"].pk]))
    assert response.content.decode().count("查询测试建议") >= 30
