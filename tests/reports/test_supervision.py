"""督办: the overdue, due-soon and key-supervision lists with their counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from suggestions import workflow
from tests import factories
from tests.reports.conftest import ago

pytestmark = pytest.mark.django_db


def sections(response) -> dict[str, dict]:
    return {s["slug"]: s for s in response.context["sections"]}


def test_the_supervision_lists_and_counts(client, report_case, staff, lead_department):
    soon = factories.SuggestionFactory(title="临期建议")
    workflow.assign(
        suggestion=soon,
        lead=lead_department,
        on=ago(10),
        due=timezone.localdate() + dt.timedelta(days=3),
        by=staff,
    )
    client.force_login(staff)
    response = client.get(reverse("reports:supervision"))

    assert response.status_code == 200
    found = sections(response)
    assert found["overdue"]["count"] == 1 and [s.title for s in found["overdue"]["rows"]] == ["完善交通路网"]
    assert [s.title for s in found["due_soon"]["rows"]] == ["临期建议"]
    assert found["key"]["count"] == 1  # s3; a closed or withdrawn case leaves the list
    assert "逾期" in response.text and "/reports/suggestions.csv?overdue=true" in response.text


def test_supervision_is_for_staff_and_the_dashboard(client, report_case, staff, dashboard, lead_handler):
    url = reverse("reports:supervision")
    assert client.get(url).status_code == 302
    client.force_login(lead_handler)
    assert client.get(url).status_code == 403
    client.force_login(dashboard)
    assert client.get(url).status_code == 200


def test_supervision_takes_a_constant_number_of_queries(
    client, staff, lead_department, co_department, django_assert_max_num_queries
):
    for n in range(40):
        s = factories.SuggestionFactory()
        workflow.assign(
            suggestion=s,
            lead=lead_department,
            co_handlers=[co_department],
            on=ago(120),
            key_supervision=n % 2 == 0,
            by=staff,
        )
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("reports:supervision"))
    assert sections(response)["overdue"]["count"] == 40 and sections(response)["key"]["count"] == 20
