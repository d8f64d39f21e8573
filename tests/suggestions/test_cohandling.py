"""The co-handling rule: the lead replies once the co-handlers' opinions are in, their deadline has
passed, or staff have let it reply first (准予先行答复) with a reason; refusals say why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from suggestions import calendar, workflow
from suggestions.models import EventKind, Reply, Status
from suggestions.workflow import available_steps
from suggestions.workflow.ready import awaited_co_opinions
from tests import factories

pytestmark = pytest.mark.django_db

ASSIGNED_ON = dt.date(2023, 1, 5)


@pytest.fixture
def handling(suggestion, staff, lead_department, co_department, lead_handler, co_handler, monkeypatch):
    """Assigned on 2023-01-05 (co-handler's opinion due 2023-02-05), acknowledged by the lead, today 2023-01-20."""
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 1, 20))
    workflow.assign(
        suggestion=suggestion, lead=lead_department, co_handlers=[co_department], on=ASSIGNED_ON, by=staff
    )
    workflow.acknowledge(suggestion=suggestion, by=lead_handler)
    suggestion.refresh_from_db()
    return suggestion


def test_the_reply_waits_for_a_co_handler_whose_deadline_has_not_passed(
    handling, lead_handler, co_department
):
    [awaited] = awaited_co_opinions(handling)
    assert awaited.department == co_department and awaited.due_date == dt.date(2023, 2, 5)

    with pytest.raises(ValidationError) as info:
        factories.reply(handling, lead_handler, with_co_opinions=False)

    message = info.value.messages[0]
    assert co_department.name in message and "2023-02-05" in message and "准予先行答复" in message
    assert info.value.code == "co_opinion_awaited"
    assert not Reply.objects.exists()  # nothing half-written
    handling.refresh_from_db()
    assert handling.status == Status.IN_PROGRESS


def test_the_reply_goes_once_the_opinion_is_in(handling, lead_handler, co_handler):
    workflow.give_co_opinion(suggestion=handling, text="同意主办单位意见", by=co_handler)
    assert awaited_co_opinions(handling) == []
    factories.reply(handling, lead_handler, with_co_opinions=False)
    handling.refresh_from_db()
    assert handling.status == Status.REPLIED


def test_the_reply_goes_once_the_co_handlers_deadline_has_passed(handling, lead_handler, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 2, 6))
    assert awaited_co_opinions(handling) == []
    factories.reply(handling, lead_handler, with_co_opinions=False)
    handling.refresh_from_db()
    assert handling.status == Status.REPLIED


def test_staff_let_the_lead_reply_first_with_a_reason(handling, staff, lead_handler, co_department):
    with pytest.raises(ValidationError) as info:
        workflow.waive_co_opinion(suggestion=handling, reason="  ", by=staff)
    assert "reason" in info.value.message_dict

    workflow.waive_co_opinion(suggestion=handling, reason="代表要求尽快答复", by=staff)

    event = handling.events.get(kind=EventKind.WAIVE_CO_OPINION)
    assert event.note == "代表要求尽快答复" and event.data["departments"] == [co_department.name]
    assert event.department == co_department and event.actor == staff
    factories.reply(handling, lead_handler, with_co_opinions=False)
    handling.refresh_from_db()
    assert handling.status == Status.REPLIED


def test_only_staff_may_let_the_lead_reply_first(handling, lead_handler, co_handler):
    for user in (lead_handler, co_handler):
        with pytest.raises(PermissionDenied):
            workflow.waive_co_opinion(suggestion=handling, reason="先答复", by=user)
    assert not handling.events.filter(kind=EventKind.WAIVE_CO_OPINION).exists()


def test_nothing_to_waive_is_an_error_that_says_why(handling, staff, co_handler):
    workflow.give_co_opinion(suggestion=handling, text="同意", by=co_handler)
    with pytest.raises(ValidationError) as info:
        workflow.waive_co_opinion(suggestion=handling, reason="先答复", by=staff)
    assert "协办意见已提交" in info.value.message_dict["department"][0]


def test_the_waiver_is_offered_to_staff_only_while_an_opinion_is_awaited(
    handling, staff, lead_handler, co_handler
):
    assert "waive_co_opinion" in [s.name for s in available_steps(staff, handling)]
    assert "waive_co_opinion" not in [s.name for s in available_steps(lead_handler, handling)]
    workflow.give_co_opinion(suggestion=handling, text="同意", by=co_handler)
    handling.refresh_from_db()
    assert "waive_co_opinion" not in [s.name for s in available_steps(staff, handling)]


def test_a_waiver_of_one_round_does_not_carry_into_the_next(
    handling, staff, lead_handler, lead_delegate_user
):
    workflow.waive_co_opinion(suggestion=handling, reason="先答复", by=staff)
    factories.reply(handling, lead_handler, with_co_opinions=False)
    workflow.rate(
        suggestion=handling,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="未解决",
        by=lead_delegate_user,
    )
    workflow.rehandle(suggestion=handling, note="重新办理", by=staff)
    handling.refresh_from_db()
    assert handling.round == 2 and len(awaited_co_opinions(handling)) == 1


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_refuses_the_reply_with_the_reason_and_takes_the_waiver(handling, staff, lead_handler):
    data = {
        "category": "B",
        "doc_number": "太发改函〔2023〕12号",
        "signer": "张三",
        "contact_person": "李四",
        "contact_phone": "0512-53500000",
        "text": "经研究，答复如下",
    }
    url = f"/api/v1/suggestions/{handling.pk}/"
    refused = api(lead_handler).post(url + "reply/", data)
    assert refused.status_code == 400
    assert "尚未提交协办意见" in refused.json()["error"]["message"]

    waived = api(staff).post(url + "waive_co_opinion/", {"reason": "代表要求尽快答复"})
    assert waived.status_code == 200, waived.content

    replied = api(lead_handler).post(url + "reply/", data)
    assert replied.status_code == 200 and replied.json()["status"] == Status.REPLIED


def test_rehandling_keeps_or_changes_the_co_handlers(
    handling, staff, lead_handler, lead_delegate_user, co_department, other_department
):
    factories.reply(handling, lead_handler)
    workflow.rate(
        suggestion=handling,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="未解决",
        by=lead_delegate_user,
    )
    workflow.rehandle(
        suggestion=handling, note="请交通与教育部门协同", co_handlers=[other_department], by=staff
    )
    handling.refresh_from_db()
    current = handling.assignments.active().filter(round=2, role="co")
    assert [a.department for a in current] == [other_department]
    event = handling.events.get(kind=EventKind.REHANDLE)
    assert event.data["co_handlers"] == [other_department.name]


def test_rehandling_refuses_the_lead_as_its_own_co_handler(
    handling, staff, lead_handler, lead_delegate_user, lead_department
):
    factories.reply(handling, lead_handler)
    workflow.rate(
        suggestion=handling,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="未解决",
        by=lead_delegate_user,
    )
    with pytest.raises(ValidationError) as info:
        workflow.rehandle(suggestion=handling, note="重新办理", co_handlers=[lead_department], by=staff)
    assert "co_handlers" in info.value.message_dict
    handling.refresh_from_db()
    assert handling.round == 1 and handling.status == Status.REVIEW


def test_the_reply_form_shows_the_co_handlers_opinions_and_who_is_awaited(
    client, handling, lead_handler, co_handler, co_department
):
    client.force_login(lead_handler)
    page = client.get(f"/suggestions/{handling.pk}/reply/").text
    assert "协办单位意见" in page and co_department.name in page and "尚未提交，期限 2023-02-05" in page
    workflow.give_co_opinion(suggestion=handling, text="本局同意主办单位的方案", by=co_handler)
    page = client.get(f"/suggestions/{handling.pk}/reply/").text
    assert "本局同意主办单位的方案" in page and "尚未提交" not in page


def test_a_co_handler_arriving_after_the_reply_is_told_why(client, handling, staff, lead_handler, co_handler):
    workflow.waive_co_opinion(suggestion=handling, reason="代表要求尽快答复", by=staff)
    factories.reply(handling, lead_handler, with_co_opinions=False)
    client.force_login(co_handler)
    page = client.post(f"/suggestions/{handling.pk}/acknowledge/", follow=True).text
    assert "建议当前状态为「已答复」，不能进行「签收」。" in page
    page = client.post(f"/suggestions/{handling.pk}/co_opinion/", follow=True).text
    assert "不能进行「协办意见」" in page
