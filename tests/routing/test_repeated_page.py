"""多年多次提出: the staff's page of a session's repeated topics, for staff only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from suggestions import workflow
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = "建议加快老旧小区加装电梯，落实加装电梯资金补贴，简化审批流程，推动老旧小区改造提质。"


@pytest.fixture
def restated(staff, lead_department, lead_handler, lead_delegate_user, session_2022):
    earlier_session = session_2022
    earlier = factories.SuggestionFactory(
        session=earlier_session,
        theme=factories.ThemeFactory(session=earlier_session),
        title="加快老旧小区加装电梯",
        text=TEXT,
    )
    workflow.assign(suggestion=earlier, lead=lead_department, on=dt.date(2022, 2, 1), by=staff)
    later = factories.SuggestionFactory(title="推进老旧小区加装电梯", text=TEXT + "希望今年继续推进。")
    return earlier, later


def test_staff_see_each_restated_topic_with_its_earlier_handling(client, staff, restated, lead_department):
    earlier, later = restated
    client.force_login(staff)
    html = client.get(reverse("routing:repeated") + f"?session={later.session_id}").content.decode()
    assert "推进老旧小区加装电梯" in html and "加快老旧小区加装电梯" in html
    assert "市十七届人大一次会议" in html and lead_department.short_name in html
    assert "以往 1 次会议提出" in html


def test_only_staff_may_read_it(client, lead_handler, lead_delegate_user, dashboard, restated):
    url = reverse("routing:repeated")
    assert client.get(url).status_code == 302  # to the login
    for user in (lead_handler, lead_delegate_user, dashboard):
        client.force_login(user)
        assert client.get(url).status_code == 403
