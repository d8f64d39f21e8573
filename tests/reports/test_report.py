"""The committee's report: the numbers of a session worked out by hand, the page, the PDF, the access."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reports.views import report_data
from suggestions import workflow
from suggestions.models import Status
from tests import factories
from tests.reports.conftest import ago

pytestmark = pytest.mark.django_db


def stat(html: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">([^<]*)<', html).group(1)


def test_the_report_numbers_match_the_hand_count(report_case, staff):
    c = report_case
    assert (c.s1.status, c.s2.status, c.s3.status) == (Status.CLOSED, Status.IN_PROGRESS, Status.IN_PROGRESS)
    assert c.s2.round == 2 and c.s3.due_date < c.today

    data = report_data(c.s1.session, staff)
    o = data["overview"]
    # 6 suggestions: s4 registered, s6 withdrawn; assigned = s1, s2, s3, s5.
    assert (o["total"], o["registered"], o["withdrawn"], o["assigned"]) == (6, 1, 1, 4)
    # Replied s1, s2, s5; on time s1, s5 (s2 late); closed s1, s5; met face to face: s1 (s2 by phone).
    assert (o["replied"], o["replied_on_time"], o["closed"], o["face_to_face"]) == (3, 2, 2, 1)
    assert (o["reply_rate"], o["on_time_rate"], o["close_rate"], o["meeting_rate"]) == (0.75, 0.5, 0.5, 0.25)
    # Lead ratings: s1 满意, s5 基本满意, s2 不满意 → 2 / 3.
    assert (o["rated"], o["satisfied"], o["unsatisfied"]) == (3, 2, 1)
    assert o["satisfaction_rate"] == o["first_satisfaction_rate"] == 0.6667
    # Latest replies: A (s1), B (s2, round 1), C (s5).
    assert [(row["category"], row["count"]) for row in data["distribution"]] == [
        ("A", 1),
        ("B", 1),
        ("C", 1),
        ("D", 0),
    ]
    assert (o["solved_rate"], o["solved_or_planned_rate"]) == (0.3333, 0.6667)
    assert (o["key_supervision"], o["overdue_now"], o["extensions_granted"], o["reassignments"]) == (
        1,
        1,
        0,
        0,
    )

    themes = {row["theme_ordinal"]: row for row in data["themes"]}
    assert (themes[1]["total"], themes[1]["assigned"], themes[1]["replied"], themes[1]["reply_rate"]) == (
        3,
        2,
        2,
        1.0,
    )
    assert (themes[2]["total"], themes[2]["assigned"], themes[2]["replied"], themes[2]["reply_rate"]) == (
        3,
        2,
        1,
        0.5,
    )
    assert themes[1]["unsatisfied"] == 1 and themes[2]["satisfaction_rate"] == 1.0

    departments = {row["department_id"]: row for row in data["departments"]}
    lead_a = departments[c.s1.lead_assignment.department.pk]
    lead_b = departments[c.s3.lead_assignment.department.pk]
    assert (lead_a["assigned"], lead_a["co_handled"], lead_a["replied"], lead_a["closed"]) == (2, 0, 2, 1)
    assert (lead_b["assigned"], lead_b["co_handled"], lead_b["replied"], lead_b["overdue_now"]) == (
        2,
        1,
        1,
        1,
    )

    rounds = {row["round"]: row for row in data["rounds"]}
    assert (rounds[1]["assigned"], rounds[1]["replied"], rounds[1]["unsatisfied"]) == (4, 3, 1)
    assert (rounds[2]["assigned"], rounds[2]["replied"]) == (1, 0)

    assert [s.number for s in data["overdue"]] == [c.s3.number]
    assert [(r.suggestion_id, r.round) for r in data["unsatisfied"]] == [(c.s2.pk, 1)]


def test_the_report_page_prints_the_numbers(client, report_case, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:report"))
    assert response.status_code == 200
    html = response.text
    assert "代表建议办理情况报告" in html and "css/report.css" in html
    assert stat(html, "total") == "6" and stat(html, "assigned") == "4"
    assert stat(html, "reply_rate") == "75.0%" and stat(html, "on_time_rate") == "50.0%"
    assert stat(html, "satisfaction_rate") == "66.7%" and stat(html, "unsatisfied") == "1"
    assert stat(html, "category_A") == "1" and stat(html, "category_D") == "0"
    assert f'data-overdue="{report_case.s3.number}"' in html
    assert f'data-unsatisfied="{report_case.s2.number}-1"' in html
    assert "问题没有解决" in html


def test_the_report_for_another_session(client, report_case, staff):
    other = factories.SessionFactory(name="市十七届人大一次会议", term=17, meeting=1)
    client.force_login(staff)
    response = client.get(reverse("reports:report") + f"?session={other.pk}")
    assert response.status_code == 200 and stat(response.text, "total") == "0"
    assert client.get(reverse("reports:report") + "?session=abc").status_code == 404
    assert client.get(reverse("reports:report") + "?session=99999").status_code == 404


def test_the_report_is_for_staff_and_the_dashboard(
    client, report_case, staff, dashboard, lead_handler, lead_delegate_user
):
    url = reverse("reports:report")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user, status in ((staff, 200), (dashboard, 200), (lead_handler, 403), (lead_delegate_user, 403)):
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_the_report_takes_a_constant_number_of_queries(
    client, report_case, staff, co_department, django_assert_max_num_queries
):
    for _ in range(30):  # more suggestions, more overdue rows: the number of queries stays put
        s = factories.SuggestionFactory(session=report_case.s1.session)
        workflow.assign(suggestion=s, lead=co_department, on=ago(120), by=staff)
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("reports:report"))
    assert response.status_code == 200 and len(response.context["overdue"]) == 31


def test_the_report_as_pdf(client, report_case, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:report_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]


def test_the_pdf_is_for_staff_and_the_dashboard(client, report_case, lead_handler):
    client.force_login(lead_handler)
    assert client.get(reverse("reports:report_pdf")).status_code == 403
