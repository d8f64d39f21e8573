"""suggestions/workflow/: 办理: contacts, progress, co-handler opinions, extensions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from suggestions import calendar, workflow
from suggestions.models import (
    EventKind,
    HandlerRole,
    ProgressKind,
    RequestStatus,
    Verdict,
)
from tests import factories
from tests.suggestions.workflow.cast import (
    SPRING_FESTIVAL_ASSIGNMENT,
    S,
    rate_lead,
)
from tests.suggestions.workflow.steps_table import _request_extension_first

# Handling: contacts, progress, co-handler opinions, extensions
# ---------------------------------------------------------------------------


def test_log_contact_defaults_to_the_lead_delegate_and_checks_the_data(world):
    world.at(S.IN_PROGRESS)
    record = workflow.log_contact(suggestion=world.suggestion, method="visit", by=world.lead_handler)
    assert list(record.delegates.all()) == [world.lead_delegate_record]
    assert record.department == world.lead_department
    assert record.contacted_on == calendar.today()
    for kwargs, field in [
        ({"method": "email"}, "method"),
        ({"method": "meet", "contacted_on": calendar.today() + dt.timedelta(days=2)}, "contacted_on"),
        ({"method": "meet", "contacted_on": dt.date(2020, 1, 1)}, "contacted_on"),
        ({"method": "meet", "delegates": [factories.DelegateFactory()]}, "delegates"),
    ]:
        with pytest.raises(ValidationError) as info:
            workflow.log_contact(suggestion=world.suggestion, by=world.lead_handler, **kwargs)
        assert field in info.value.message_dict
    assert world.s.contacts.count() == 1


def test_add_progress_needs_text(world):
    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        workflow.add_progress(suggestion=world.suggestion, text="", by=world.co_handler)
    assert "text" in info.value.message_dict
    update = workflow.add_progress(suggestion=world.suggestion, text="已完成调研", by=world.co_handler)
    assert (update.department, update.kind, update.round) == (world.co_department, ProgressKind.PROGRESS, 1)


def test_co_handler_opinion_once_per_round(world):
    world.at(S.IN_PROGRESS)
    opinion = workflow.give_co_opinion(
        suggestion=world.suggestion, text="建议纳入明年计划", by=world.co_handler
    )
    assert opinion.assignment.department == world.co_department
    with pytest.raises(ValidationError) as info:
        workflow.give_co_opinion(suggestion=world.suggestion, text="补充意见", by=world.co_handler)
    assert info.value.code == "duplicate"
    with pytest.raises(ValidationError):  # staff on behalf: the same rule
        workflow.give_co_opinion(suggestion=world.suggestion, text="补充意见", by=world.staff)
    assert world.s.co_opinions.count() == 1
    assert world.s.events.get(kind=EventKind.CO_OPINION).data == {"on_time": True}


def test_co_handler_may_give_an_opinion_again_in_the_next_round(world):
    world.at(S.IN_PROGRESS)
    workflow.give_co_opinion(suggestion=world.suggestion, text="第一轮意见", by=world.co_handler)
    factories.reply(world.suggestion, world.lead_handler)
    rate_lead(world, world.lead_delegate, Verdict.UNSATISFIED)
    workflow.rehandle(suggestion=world.suggestion, note="重新办理", by=world.staff)

    workflow.give_co_opinion(suggestion=world.suggestion, text="第二轮意见", by=world.co_handler)

    assert list(world.s.co_opinions.order_by("id").values_list("assignment__round", flat=True)) == [1, 2]


def test_extension_request_must_be_later_and_within_six_months(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: SPRING_FESTIVAL_ASSIGNMENT)
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=SPRING_FESTIVAL_ASSIGNMENT, by=world.staff
    )
    workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)
    assert world.s.due_date == dt.date(2023, 4, 18)
    for bad in (None, dt.date(2023, 4, 18), dt.date(2023, 4, 1), dt.date(2023, 7, 19)):
        with pytest.raises(ValidationError) as info:
            workflow.request_extension(
                suggestion=world.suggestion, requested_due=bad, reason="工程量大", by=world.lead_handler
            )
        assert "requested_due" in info.value.message_dict, bad
    with pytest.raises(ValidationError) as info:
        workflow.request_extension(
            suggestion=world.suggestion, requested_due=dt.date(2023, 6, 1), reason="", by=world.lead_handler
        )
    assert "reason" in info.value.message_dict
    assert not world.s.extension_requests.exists()

    request = workflow.request_extension(
        suggestion=world.suggestion,
        requested_due=dt.date(2023, 7, 18),
        reason="工程量大",
        by=world.lead_handler,
    )

    assert (request.current_due, request.requested_due, request.status) == (
        dt.date(2023, 4, 18),
        dt.date(2023, 7, 18),
        RequestStatus.PENDING,
    )
    with pytest.raises(ValidationError) as info:  # one pending request at a time
        workflow.request_extension(
            suggestion=world.suggestion,
            requested_due=dt.date(2023, 6, 1),
            reason="再申请",
            by=world.lead_handler,
        )
    assert info.value.code == "duplicate"


def test_approve_extension_moves_the_due_date(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: SPRING_FESTIVAL_ASSIGNMENT)
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=SPRING_FESTIVAL_ASSIGNMENT, by=world.staff
    )
    workflow.request_extension(
        suggestion=world.suggestion,
        requested_due=dt.date(2023, 7, 18),
        reason="工程量大",
        by=world.lead_handler,
    )
    with pytest.raises(ValidationError) as info:  # staff may grant less, never more than 6 months
        workflow.approve_extension(suggestion=world.suggestion, due=dt.date(2023, 7, 19), by=world.staff)
    assert "due" in info.value.message_dict  # the error names the field staff sent

    request = workflow.approve_extension(
        suggestion=world.suggestion, due=dt.date(2023, 6, 30), note="同意", by=world.staff
    )

    s = world.s
    assert s.due_date == dt.date(2023, 6, 30)
    assert s.assignments.get(role=HandlerRole.LEAD).due_date == dt.date(2023, 6, 30)
    assert (request.status, request.decided_by, request.decision_note) == (
        RequestStatus.APPROVED,
        world.staff,
        "同意",
    )
    event = s.events.get(kind=EventKind.APPROVE_EXTENSION)
    assert event.data == {"old_due": "2023-04-18", "due": "2023-06-30"}
    # a second request must go later than the new date, still within 6 months of the assignment
    with pytest.raises(ValidationError):
        workflow.request_extension(
            suggestion=world.suggestion,
            requested_due=dt.date(2023, 6, 30),
            reason="再延",
            by=world.lead_handler,
        )
    workflow.request_extension(
        suggestion=world.suggestion, requested_due=dt.date(2023, 7, 18), reason="再延", by=world.lead_handler
    )


def test_reject_extension_keeps_the_due_date(world):
    world.at(S.IN_PROGRESS)
    due = world.s.due_date
    _request_extension_first(world, S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        workflow.reject_extension(suggestion=world.suggestion, note="", by=world.staff)
    request = workflow.reject_extension(suggestion=world.suggestion, note="理由不充分", by=world.staff)
    assert request.status == RequestStatus.REJECTED
    assert world.s.due_date == due
    with pytest.raises(ValidationError):  # nothing pending any more
        workflow.approve_extension(suggestion=world.suggestion, by=world.staff)


# ---------------------------------------------------------------------------
