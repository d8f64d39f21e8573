"""The per-request and cross-request caches stay correct: totals, filter choices, roles, the data version.

Each cache is checked the way it could go wrong: a write (workflow step, import, admin save, membership
change) must show on the very next request, and a cached value must never be served to a different
query or user.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.models import Department
from notifications.models import Notification
from suggestions import workflow
from suggestions.models import Event, Suggestion
from suggestions.queries import dataversion, stats
from tests import factories


@pytest.fixture
def staff(db):
    from suggestions.policy.groups import ensure_role_groups

    ensure_role_groups()
    return factories.staff_user(username="cache_staff")


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


# -- list totals -----------------------------------------------------------------------------------


def test_a_new_suggestion_shows_in_the_next_total(staff):
    factories.SuggestionFactory()
    client = token_client(staff)
    assert client.get("/api/v1/suggestions/").json()["count"] == 1
    assert client.get("/api/v1/suggestions/").json()["count"] == 1  # now from the cache
    factories.SuggestionFactory()  # registering appends an event: a new data version
    assert client.get("/api/v1/suggestions/").json()["count"] == 2


def test_a_workflow_step_changes_a_filtered_total_at_once(staff):
    suggestion = factories.SuggestionFactory()
    department = factories.DepartmentFactory()
    client = token_client(staff)
    assert client.get("/api/v1/suggestions/", {"status": "assigned"}).json()["count"] == 0
    workflow.assign(suggestion=suggestion, lead=department, on=dt.date(2023, 2, 1), by=staff)
    assert client.get("/api/v1/suggestions/", {"status": "assigned"}).json()["count"] == 1
    assert client.get("/api/v1/suggestions/", {"status": "registered"}).json()["count"] == 0


def test_the_cached_total_is_per_query_and_per_user(staff):
    department = factories.DepartmentFactory()
    handler = factories.handler_user(department, username="cache_handler")
    other = factories.handler_user(factories.DepartmentFactory(), username="cache_other")
    mine = factories.SuggestionFactory()
    workflow.assign(suggestion=mine, lead=department, on=dt.date(2023, 2, 1), by=staff)
    workflow.acknowledge(suggestion=mine, by=handler)
    factories.reply(
        mine, handler, replied_on=dt.date(2023, 3, 1)
    )  # unpublished: its department's and staff's
    assert token_client(staff).get("/api/v1/replies/").json()["count"] == 1
    # same path, same data version, different scope: each viewer's own total, never the staff's
    assert token_client(other).get("/api/v1/replies/").json()["count"] == 0
    assert token_client(handler).get("/api/v1/replies/").json()["count"] == 1
    assert token_client(other).get("/api/v1/suggestions/").json()["count"] == 1  # the public part


def test_a_second_request_reads_the_total_from_the_cache(staff):
    factories.SuggestionFactory()
    client = token_client(staff)
    client.get("/api/v1/suggestions/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/suggestions/").json()["count"] == 1
    assert not [q for q in queries.captured_queries if 'COUNT(*) AS "__count"' in q["sql"]]


def test_totals_of_reference_data_are_never_cached(staff):
    """Delegates change without events (admin edits): their total is counted on every request."""
    factories.DelegateFactory()
    client = token_client(staff)
    first = client.get("/api/v1/delegates/").json()["count"]
    factories.DelegateFactory()
    assert client.get("/api/v1/delegates/").json()["count"] == first + 1


def test_cached_count_is_exact_for_versioned_and_plain_models(staff):
    factories.SuggestionFactory()
    assert stats.cached_count(Suggestion.objects.all()) == 1
    assert stats.cached_count(Department.objects.all()) == Department.objects.count()


# -- the data version ------------------------------------------------------------------------------


def test_outside_a_request_the_version_is_read_every_time(staff):
    before = dataversion.current()
    factories.SuggestionFactory()
    assert dataversion.current() > before


def test_within_a_request_an_event_forgets_the_remembered_version(staff):
    dataversion.request_started()
    try:
        dataversion.remember(5)
        assert dataversion.current() == 5
        factories.SuggestionFactory()  # its register event is saved: the remembered 5 is forgotten
        assert dataversion.current() == Event.objects.order_by("-id").values_list("id", flat=True).first()
        assert dataversion.current() != 5
    finally:
        dataversion.request_finished()


# -- filter choices --------------------------------------------------------------------------------


def test_a_new_department_is_offered_at_once(staff):
    client = Client()
    client.force_login(staff)
    assert ">新设局</option>" not in client.get("/suggestions/").content.decode()
    factories.DepartmentFactory(name="太仓市新设局")  # offered under its short name
    assert ">新设局</option>" in client.get("/suggestions/").content.decode()


def test_a_renamed_session_is_offered_under_its_new_name(staff):
    suggestion = factories.SuggestionFactory()
    client = Client()
    client.force_login(staff)
    client.get("/suggestions/")
    session = suggestion.session
    session.name = "改名后的会议"
    session.save()
    assert "改名后的会议" in client.get("/suggestions/").content.decode()


def test_the_filter_form_reads_its_choices_from_the_cache_when_warm(staff):
    factories.SuggestionFactory()
    client = Client()
    client.force_login(staff)
    client.get("/suggestions/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/suggestions/")
    froms = [
        q["sql"].split(" FROM ", 1)[1].split()[0] for q in queries.captured_queries if " FROM " in q["sql"]
    ]
    assert '"departments_department"' not in froms
    assert '"suggestions_congresssession"' not in froms
    assert '"suggestions_theme"' not in froms


def test_an_unknown_department_id_is_still_refused(staff):
    response = token_client(staff).get("/api/v1/suggestions/", {"department": 999999})
    assert response.status_code == 400
    assert "department" in response.json()["error"]["fields"]


# -- the request's user ----------------------------------------------------------------------------


def test_a_session_request_reads_the_user_and_its_roles_in_one_query(staff):
    client = Client()
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        client.get("/dashboard/")
    user_queries = [q["sql"] for q in queries.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert len(user_queries) == 1
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT EXISTS")]


def test_a_new_department_membership_counts_from_the_next_request(staff):
    department = factories.DepartmentFactory()
    suggestion = factories.SuggestionFactory()
    workflow.assign(suggestion=suggestion, lead=department, on=dt.date(2023, 2, 1), by=staff)
    user = factories.UserFactory(username="cache_newcomer")
    client = token_client(user)
    assert client.get("/api/v1/assignments/").json()["count"] == 0
    department.members.add(user)
    assert client.get("/api/v1/assignments/").json()["count"] == 1


def test_a_bad_or_inactive_token_is_refused(staff):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/suggestions/").status_code == 401
    client = token_client(staff)
    staff.is_active = False
    staff.save()
    assert client.get("/api/v1/suggestions/").status_code == 401


def test_a_removed_or_inactive_session_user_is_logged_out(staff):
    client = Client()
    client.force_login(staff)
    staff.is_active = False
    staff.save()
    response = client.get("/notifications/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_unread_badge_counts_the_users_notifications(staff):
    suggestion = factories.SuggestionFactory()
    other = factories.staff_user(username="cache_other")
    for n, recipient in enumerate((staff, staff, other)):
        Notification.objects.create(
            recipient=recipient,
            suggestion=suggestion,
            kind="reply_due_soon",
            round=1,
            key=f"k{n}",
            title="临期",
            message="临期",
        )
    client = Client()
    client.force_login(staff)
    assert '<span class="badge">2</span>' in client.get("/dashboard/").content.decode()
    Notification.objects.filter(recipient=staff).update(read_at=dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
    assert 'class="badge"' not in client.get("/dashboard/").content.decode()
