"""Every list endpoint runs in a fixed number of queries, measured over many rows of every kind.

The counts: the page's own queries (count, rows, prefetches) plus one for the authentication: a token
request reads the token's user with its roles (groups, delegate, departments) and the data version in
one query (accounts/backends.py). The caches start empty in every test, so list totals and statistics
are computed, not read from the cache: these are the worst cases.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from suggestions import workflow
from tests import factories

N = 15
AUTH = 1  # the token's user with its roles and the data version, in one query
# A delegate's statistics are the public counter cells corrected by the suggestions the delegate follows
# (suggestions/queries/stats.py ``_corrected``): their full facts and their public facts, two queries
# whatever the number of rows.
CORRECTION = 2

# path -> the most queries one request may take, whatever the number of rows
MAX_QUERIES = {
    "/api/v1/suggestions/": 4 + AUTH,  # count, rows, proposers, assignments
    "/api/v1/suggestions/export/": 3 + AUTH,  # no count with cursor pages
    "/api/v1/sessions/": 2 + AUTH,
    "/api/v1/themes/": 2 + AUTH,
    "/api/v1/departments/": 2 + AUTH,
    "/api/v1/delegates/": 2 + AUTH,
    "/api/v1/assignments/": 2 + AUTH,
    "/api/v1/contacts/": 3 + AUTH,  # + the delegates met
    "/api/v1/progress-updates/": 2 + AUTH,
    "/api/v1/co-opinions/": 2 + AUTH,
    "/api/v1/extension-requests/": 2 + AUTH,
    "/api/v1/replies/": 3 + AUTH,  # + which suggestions the user follows in detail
    "/api/v1/ratings/": 2 + AUTH,
    "/api/v1/events/": 3 + AUTH,
    "/api/v1/events/export/": 2 + AUTH,
    "/api/v1/stats/overview/": 2 + AUTH,
    "/api/v1/stats/by-theme/": 2 + AUTH,
    "/api/v1/stats/by-department/": 3 + AUTH,
    "/api/v1/stats/by-round/": 2 + AUTH,
    "/api/v1/stats/by-month/": 2 + AUTH,
}


@pytest.fixture(scope="module")
def many(module_db):
    """N suggestions with a record of every kind each, and a user per role."""
    with module_db():
        from suggestions.policy.groups import ensure_role_groups

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


def token_client(user) -> APIClient:
    """A client sending a real token, so the measurement includes the authentication's query."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.mark.parametrize("path", list(MAX_QUERIES))
@pytest.mark.parametrize("who", ["staff", "handler", "delegate", "public"])
def test_list_endpoints_take_a_fixed_number_of_queries(
    db, api, many, who, path, django_assert_max_num_queries
):
    client = token_client(many[who])
    most = MAX_QUERIES[path] if who != "public" else MAX_QUERIES[path] - AUTH + 1
    if who == "delegate" and path.startswith("/api/v1/stats/"):
        most += CORRECTION
    with django_assert_max_num_queries(most):
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


# A suggestion's detail: the suggestion (with session and theme), its proposers, its assignments, the
# replies and the events the viewer may see; and for a viewer of its handling record the contacts (and
# the delegates met), progress, opinions, extensions and ratings. available_actions reads these records.
PUBLIC_DETAIL = 5
HANDLING_RECORD = 6
DETAIL_QUERIES = {
    ("staff", "first"): PUBLIC_DETAIL + HANDLING_RECORD + AUTH,
    ("handler", "first"): PUBLIC_DETAIL + HANDLING_RECORD + AUTH,
    ("delegate", "first"): PUBLIC_DETAIL + HANDLING_RECORD + AUTH,  # their own suggestion
    ("delegate", "second"): PUBLIC_DETAIL + AUTH,  # another delegate's: no handling record
    ("public", "first"): PUBLIC_DETAIL,
}


@pytest.mark.parametrize(("who", "which"), list(DETAIL_QUERIES))
def test_a_suggestion_detail_takes_a_fixed_number_of_queries(
    db, many, who, which, django_assert_max_num_queries
):
    from suggestions.models import Suggestion

    first, second = Suggestion.objects.order_by("pk").values_list("pk", flat=True)[:2]
    client = token_client(many[who])
    with django_assert_max_num_queries(DETAIL_QUERIES[who, which]):
        response = client.get(f"/api/v1/suggestions/{first if which == 'first' else second}/")
    assert response.status_code == 200, response.content
    assert response.json()["details_visible"] is (DETAIL_QUERIES[who, which] > PUBLIC_DETAIL + AUTH)
