"""The co-handler (协办单位) on the pages: its state once the lead department has replied, the deadline its
签收 message names, and the co-handlers listed in the departments' official order."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from departments.models import Department
from suggestions import calendar, workflow
from suggestions.models import AssignmentStatus, HandlerRole
from tests import factories
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


def state_cell(html: str, department: str) -> str:
    """The 签收状态 cell of the department's row on the suggestion page, as text."""
    row = re.search(rf"<tr>\s*<td data-label=\"单位\">{department}</td>.*?</tr>", html, re.S).group(0)
    cell = re.search(r'<td data-label="签收状态">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"<[^>]+>", "", cell).strip()


def test_a_co_handler_that_never_acknowledged_is_not_pending_once_the_lead_replied(
    assigned, lead_handler, staff, co_department
):
    co = assigned.assignments.get(role=HandlerRole.CO)
    detail = reverse("suggestion_detail", args=[assigned.pk])
    assert state_cell(login(staff).get(detail).content.decode(), co_department.name) == "待签收"

    workflow.acknowledge(suggestion=assigned, by=lead_handler)
    factories.reply(assigned, lead_handler, category="B")  # the co-handler's opinion entered by staff
    co.refresh_from_db()
    assert co.status == AssignmentStatus.PENDING  # it never acknowledged
    html = login(staff).get(detail).content.decode()
    assert state_cell(html, co_department.name) == "未签收（主办单位已答复）"
    assert state_cell(html, assigned.lead_assignment.department.name).startswith("已签收")


def test_the_co_handlers_acknowledgement_names_its_opinion_deadline(in_progress, co_handler):
    co = in_progress.assignments.get(role=HandlerRole.CO)
    due = min(calendar.co_opinion_due(co.assigned_on), in_progress.lead_assignment.due_date)
    assert co.due_date == due
    response = login(co_handler).post(
        reverse("suggestion_step", args=[in_progress.pk, "acknowledge"]), follow=True
    )
    html = response.content.decode()
    assert f"已签收。请在 {due:%Y-%m-%d} 前提出协办意见（主办单位答复前）。" in html
    assert "前答复；建议先与领衔代表" not in html  # not the lead's message


def test_the_co_opinions_beside_the_reply_form_follow_the_official_order(
    suggestion, staff, lead_department, lead_handler
):
    # 交通运输局 before 发展和改革委员会 by name (交 < 发); the official order puts the other one first.
    jiaotong = Department.objects.create(name="太仓市交通运输局", short_name="交通运输局", sort_order=20)
    fagai = Department.objects.create(name="太仓市发展和改革局", short_name="发展和改革局", sort_order=10)
    assert list(Department.objects.filter(pk__in=[jiaotong.pk, fagai.pk]).order_by("name")) == [
        jiaotong,
        fagai,
    ]
    workflow.assign(suggestion=suggestion, lead=lead_department, co_handlers=[jiaotong, fagai], by=staff)
    workflow.acknowledge(suggestion=suggestion, by=lead_handler)
    html = (
        login(staff)
        .get(reverse("suggestion_step", args=[suggestion.pk, "waive_co_opinion"]))
        .content.decode()
    )
    section = re.search(
        r'<section class="panel" aria-labelledby="co-opinions-heading">.*?</section>', html, re.S
    )
    listed = re.findall(r"<p><strong>(.*?)</strong>", section.group(0))
    assert listed == ["太仓市发展和改革局", "太仓市交通运输局"]
    # The form's choice of co-handler (准予先行答复) and what waits for them follow the same order.
    options = re.findall(r'<option value="\d+">(.*?)</option>', html)
    assert options == ["发展和改革局", "交通运输局"]
