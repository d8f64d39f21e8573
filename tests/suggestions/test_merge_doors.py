"""并案办理 through the doors: the API's 400s name the field, the pages show the link on both suggestions,
the 并案办理 page offers the session's closest suggestions, and the 交办 screen offers the linked
suggestion's departments; two opposite 并案 at the same moment leave one link, never a crash."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from suggestions import workflow
from suggestions.models import Event, EventKind, Suggestion
from tests import factories
from tests.conftest import postgres_only


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pair(suggestion):
    """``suggestion`` and a near-duplicate of the same session."""
    twin = factories.SuggestionFactory(
        session=suggestion.session, title="再次建议加快老旧小区改造", text=suggestion.text
    )
    return suggestion, twin


def test_the_api_links_and_names_the_field_of_a_bad_number(staff, pair):
    s, twin = pair
    url = f"/api/v1/suggestions/{s.pk}/merge/"

    missing = _api(staff).post(url, {}, format="json")
    unknown = _api(staff).post(url, {"other": 99999}, format="json")
    itself = _api(staff).post(url, {"other": s.number}, format="json")

    for response in (missing, unknown, itself):
        assert response.status_code == 400
        assert "other" in response.json()["error"]["fields"], response.json()
    assert not Event.objects.filter(kind=EventKind.MERGE).exists()

    done = _api(staff).post(url, {"other": twin.number, "note": "同一事项"}, format="json")
    assert done.status_code == 200, done.content
    for one in (s, twin):
        events = _api(staff).get(f"/api/v1/suggestions/{one.pk}/").json()["events"]
        merged = [e for e in events if e["kind"] == "merge"]
        assert len(merged) == 1 and merged[0]["note"] == "同一事项"
    again = _api(staff).post(url, {"other": twin.number}, format="json")
    assert again.status_code == 400 and "other" in again.json()["error"]["fields"]


def test_both_suggestion_pages_show_the_link(staff, pair):
    s, twin = pair
    workflow.merge(suggestion=s, other=twin.number, by=staff)

    for one, two in ((s, twin), (twin, s)):
        html = _page(staff).get(f"/suggestions/{one.pk}/").content.decode()
        assert "data-merged" in html
        assert f'href="/suggestions/{two.pk}/"' in html
        assert "并案办理" in html


def test_the_merge_page_offers_the_near_duplicate_and_submits(staff, pair):
    s, twin = pair
    page = _page(staff)
    shown = page.get(f"/suggestions/{s.pk}/merge/")
    html = shown.content.decode()
    assert shown.status_code == 200
    assert f'data-routing-other="{twin.number}"' in html
    assert "内容相近" in html  # the same text: a near-duplicate

    posted = page.post(f"/suggestions/{s.pk}/merge/", {"other": "abc"})
    assert posted.status_code == 200 and not Event.objects.filter(kind=EventKind.MERGE).exists()

    posted = page.post(f"/suggestions/{s.pk}/merge/", {"other": twin.number, "note": ""})
    assert posted.status_code == 302
    assert Event.objects.filter(kind=EventKind.MERGE, suggestion=twin).count() == 1
    html = page.get(f"/suggestions/{s.pk}/merge/").content.decode()
    assert "已并案" in html and f'data-routing-other="{twin.number}"' not in html


def test_the_assign_page_offers_the_linked_suggestions_departments(
    staff, pair, lead_department, co_department
):
    s, twin = pair
    workflow.assign(suggestion=twin, lead=lead_department, co_handlers=[co_department], by=staff)
    workflow.merge(suggestion=s, other=twin.number, by=staff)

    html = _page(staff).get(f"/suggestions/{s.pk}/assign/").content.decode()

    assert "data-routing-partner" in html
    assert f'data-routing-lead="{lead_department.pk}"' in html
    assert f'data-routing-co="{co_department.pk}"' in html


def test_handlers_and_delegates_are_not_offered_the_merge_page(
    lead_handler, lead_delegate_user, pair, staff, lead_department
):
    s, twin = pair
    workflow.assign(suggestion=s, lead=lead_department, by=staff)
    for user in (lead_handler, lead_delegate_user):
        assert _page(user).get(f"/suggestions/{s.pk}/merge/").status_code == 403
        assert (
            _api(user)
            .post(f"/api/v1/suggestions/{s.pk}/merge/", {"other": twin.number}, format="json")
            .status_code
            == 403
        )
    assert not Event.objects.filter(kind=EventKind.MERGE).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_opposite_merges_at_once_leave_one_link():
    """A→B and B→A together: each step holds its own row and tries the other's; no deadlock, no crash,
    exactly one link (two events), the loser refused with a reason."""
    staff = factories.staff_user(username="merge_race_staff")
    a = factories.SuggestionFactory()
    b = factories.SuggestionFactory(session=a.session)
    barrier = threading.Barrier(2)
    outcomes: list[str] = ["not run", "not run"]

    def run(i: int, this: int, that: int) -> None:
        try:
            user = get_user_model().objects.get(pk=staff.pk)
            barrier.wait(timeout=10)
            workflow.merge(suggestion=this, other=Suggestion.objects.get(pk=that).number, by=user)
            outcomes[i] = "ok"
        except ValidationError as error:
            outcomes[i] = f"refused: {error.messages}"
        except Exception as error:  # noqa: BLE001 — a crash is what the test looks for
            outcomes[i] = f"crash: {error!r}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(0, a.pk, b.pk)),
        threading.Thread(target=run, args=(1, b.pk, a.pk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert Event.objects.filter(kind=EventKind.MERGE).count() == 2
    assert {e.suggestion_id for e in Event.objects.filter(kind=EventKind.MERGE)} == {a.pk, b.pk}


def test_a_candidate_that_cannot_be_linked_has_no_button(staff, pair):
    s, twin = pair
    workflow.not_accept(suggestion=twin, reason="不属于建议范围", by=staff)

    html = _page(staff).get(f"/suggestions/{s.pk}/merge/").content.decode()

    assert f'href="/suggestions/{twin.pk}/"' in html  # still listed: staff see it was raised
    assert f'data-routing-other="{twin.number}"' not in html
    assert "不能并案" in html
