"""Every list endpoint runs in a fixed number of queries, measured over many rows of every kind.

The counts: the page's own queries (count, rows, prefetches) plus, for endpoints that scope by role,
the three queries of `permissions.roles(user)` (groups, delegate, departments) read once per request.
"""

from __future__ import annotations

import datetime as dt

import pytest

from suggestions import permissions, workflow
from tests import factories

N = 15
ROLES = 1  # permissions.roles(user): groups, delegate and departments in one query

# path -> the most queries one request may take, whatever the number of rows
MAX_QUERIES = {
    "/api/v1/suggestions/": 4 + ROLES,  # count, rows, proposers, assignments
    "/api/v1/suggestions/export/": 3 + ROLES,  # no count with cursor pages
    "/api/v1/sessions/": 2,
    "/api/v1/themes/": 2,
    "/api/v1/departments/": 2,
    "/api/v1/delegates/": 2 + ROLES,
    "/api/v1/assignments/": 2 + ROLES,
    "/api/v1/contacts/": 3 + ROLES,  # + the delegates met
    "/api/v1/progress-updates/": 2 + ROLES,
    "/api/v1/co-opinions/": 2 + ROLES,
    "/api/v1/extension-requests/": 2 + ROLES,
    "/api/v1/replies/": 3 + ROLES,  # + which suggestions the user follows in detail
    "/api/v1/ratings/": 2 + ROLES,
    "/api/v1/events/": 3 + ROLES,
    "/api/v1/events/export/": 2 + ROLES,
    # + 1: the data version that keys the statistics cache (uncached here: the cache is cleared per test)
    "/api/v1/stats/overview/": 2 + ROLES,
    "/api/v1/stats/by-theme/": 2 + ROLES,
    "/api/v1/stats/by-department/": 3 + ROLES,
    "/api/v1/stats/by-round/": 2 + ROLES,
    "/api/v1/stats/by-month/": 2 + ROLES,
}


@pytest.fixture(scope="module")
def many(module_db):
    """N suggestions with a record of every kind each, and a user per role."""
    with module_db():
        from suggestions.roles import ensure_role_groups

        ensure_role_groups()
        staff = factories.staff_user(username="qc_staff")
        lead, co = (
            factories.DepartmentFactory(name="太仓市甲局"),
            factories.DepartmentFactory(name="太仓市乙局"),
        )
        lead_user = factories.handler_user(lead, username="qc_lead")
        co_user = factories.handler_user(co, username="qc_co")
        first = None
        for n in range(N):
            s = factories.SuggestionFactory(proposers__count=3)
            first = first or s
            s = workflow.assign(suggestion=s, lead=lead, co_handlers=[co], on=dt.date(2023, 2, 1), by=staff)
            workflow.acknowledge(suggestion=s, by=lead_user)
            workflow.acknowledge(suggestion=s, by=co_user)
            workflow.log_contact(
                suggestion=s,
                method="meet",
                contacted_on=dt.date(2023, 3, 1),
                delegates=[p.delegate for p in s.proposers.all()],
                by=lead_user,
            )
            workflow.add_progress(suggestion=s, text="进展", by=lead_user)
            workflow.give_co_opinion(suggestion=s, text="意见", by=co_user)
            workflow.request_extension(
                suggestion=s, requested_due=s.due_date + dt.timedelta(days=30), reason="协调", by=lead_user
            )
            workflow.approve_extension(suggestion=s, by=staff)
            factories.reply(s, lead_user, category="AB"[n % 2], replied_on=dt.date(2023, 4 + n % 3, 10))
            for position, proposer in enumerate(s.ordered_proposers()):
                workflow.rate(
                    suggestion=s,
                    attitude="satisfied",
                    result="basically",
                    delegate=proposer.delegate,
                    by=staff,
                )
                if position == 0:
                    workflow.publish(suggestion=s, mode="title_only" if n % 2 else "full", by=staff)
        delegate_user = factories.delegate_user(first.lead_delegate, username="qc_delegate")
        return {"staff": staff, "handler": lead_user, "delegate": delegate_user, "public": None}


@pytest.mark.parametrize("path", list(MAX_QUERIES))
@pytest.mark.parametrize("who", ["staff", "handler", "delegate", "public"])
def test_list_endpoints_take_a_fixed_number_of_queries(
    db, api, many, who, path, django_assert_max_num_queries
):
    user = many[who]
    client = api(user)
    if user is not None:
        permissions.forget_roles(user)  # measure the role lookup too
    with django_assert_max_num_queries(MAX_QUERIES[path]):
        response = client.get(path, {"page_size": 100})
    assert response.status_code == 200, response.content


def test_the_lists_hold_many_rows(db, api, many):
    """The measurement above is meaningful: every record list has at least N rows for staff."""
    client = api(many["staff"])
    for resource in (
        "suggestions",
        "assignments",
        "contacts",
        "progress-updates",
        "co-opinions",
        "extension-requests",
        "replies",
        "ratings",
        "events",
        "delegates",
    ):
        assert client.get(f"/api/v1/{resource}/").json()["count"] >= N, resource


def test_a_suggestion_detail_takes_a_fixed_number_of_queries(db, api, many, django_assert_max_num_queries):
    from suggestions.models import Suggestion

    pk = Suggestion.objects.order_by("pk").values_list("pk", flat=True).first()
    for who in ("staff", "handler", "delegate", "public"):
        client = api(many[who])
        if many[who] is not None:
            permissions.forget_roles(many[who])
        with django_assert_max_num_queries(40):
            assert client.get(f"/api/v1/suggestions/{pk}/").status_code == 200
