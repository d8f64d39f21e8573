"""suggestions/workflow/: 复核: rehandle, close; the side exits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from suggestions import calendar, workflow
from suggestions.models import (
    AssignmentStatus,
    EventKind,
    HandlerRole,
    Suggestion,
)
from tests import factories
from tests.suggestions.workflow.cast import (
    S,
)

# Review: rehandle, close; side exits
# ---------------------------------------------------------------------------


def test_rehandle_starts_a_new_round_due_in_one_month(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 1, 31))
    world.drive(S.REVIEW)
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 5, 31))
    with pytest.raises(ValidationError) as info:
        workflow.rehandle(suggestion=world.suggestion, note="", by=world.staff)
    assert "note" in info.value.message_dict

    workflow.rehandle(suggestion=world.suggestion, note="代表不满意，请重新办理", by=world.staff)

    s = world.s
    assert (s.status, s.round, s.due_date) == (S.IN_PROGRESS, 2, dt.date(2023, 6, 30))
    round2 = {a.department: a for a in s.assignments.filter(round=2)}
    assert set(round2) == {world.lead_department, world.co_department}
    lead2 = round2[world.lead_department]
    assert (lead2.role, lead2.assigned_on, lead2.due_date, lead2.status) == (
        HandlerRole.LEAD,
        dt.date(2023, 5, 31),
        dt.date(2023, 6, 30),
        AssignmentStatus.ACKNOWLEDGED,
    )
    assert round2[world.co_department].role == HandlerRole.CO
    assert s.assignments.filter(round=1).count() == 2  # the first round stays on record
    assert s.replies.get().round == 1
    event = s.events.get(kind=EventKind.REHANDLE)
    assert (event.from_status, event.to_status, event.round) == (S.REVIEW, S.IN_PROGRESS, 2)
    assert event.data == {
        "lead": world.lead_department.name,
        "co_handlers": [world.co_department.name],  # the co-handlers carried into the new round
        "due": "2023-06-30",
    }
    assert event.note == "代表不满意，请重新办理"


def test_rehandle_can_change_the_lead_department(world):
    world.at(S.REVIEW)
    workflow.rehandle(
        suggestion=world.suggestion, note="改由教育局主办", lead=world.other_department, by=world.staff
    )
    s = world.s
    assert s.lead_assignment.department == world.other_department
    assert {a.department for a in s.current_assignments()} == {world.other_department, world.co_department}
    with pytest.raises(PermissionDenied):
        factories.reply(world.suggestion, world.lead_handler)
    factories.reply(world.suggestion, world.other_handler, category="A")
    assert world.s.status == S.REPLIED


def test_rehandle_due_date_must_lie_within_six_months(world):
    world.at(S.REVIEW)
    today = calendar.today()
    for bad in (today - dt.timedelta(days=1), calendar.add_months(today, 6) + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as info:
            workflow.rehandle(suggestion=world.suggestion, note="重新办理", due=bad, by=world.staff)
        assert "due" in info.value.message_dict
    assert world.s.round == 1


def test_close_needs_a_reason(world):
    world.at(S.REVIEW)
    with pytest.raises(ValidationError) as info:
        workflow.close(suggestion=world.suggestion, reason=" ", by=world.staff)
    assert "reason" in info.value.message_dict
    workflow.close(suggestion=world.suggestion, reason="已充分沟通，客观条件暂不具备", by=world.staff)
    event = world.s.events.get(kind=EventKind.CLOSE)
    assert (event.from_status, event.to_status, event.note) == (
        S.REVIEW,
        S.CLOSED,
        "已充分沟通，客观条件暂不具备",
    )


def test_withdraw_by_the_lead_delegate_needs_no_reason_staff_need_one(world):
    world.at(S.ASSIGNED)
    with pytest.raises(PermissionDenied):
        workflow.withdraw(suggestion=world.suggestion, reason="想撤回", by=world.co_proposer)
    with pytest.raises(ValidationError) as info:
        workflow.withdraw(suggestion=world.suggestion, by=world.staff)
    assert "reason" in info.value.message_dict
    workflow.withdraw(suggestion=world.suggestion, by=world.lead_delegate)
    assert world.s.status == S.WITHDRAWN
    assert world.s.events.get(kind=EventKind.WITHDRAW).actor == world.lead_delegate


def test_not_accept_needs_a_reason(world):
    with pytest.raises(ValidationError) as info:
        workflow.not_accept(suggestion=world.suggestion, reason="", by=world.staff)
    assert "reason" in info.value.message_dict
    workflow.not_accept(suggestion=world.suggestion, reason="属于个人诉求", by=world.staff)
    assert world.s.events.get(kind=EventKind.NOT_ACCEPT).note == "属于个人诉求"


def test_a_missing_suggestion_is_a_validation_error(world):
    ghost = Suggestion(pk=987654)
    with pytest.raises(ValidationError):
        workflow.close(suggestion=ghost, reason="x", by=world.staff)


# ---------------------------------------------------------------------------
