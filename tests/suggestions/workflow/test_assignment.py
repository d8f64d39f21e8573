"""suggestions/workflow/: 交办 · 签收 · 调整: assignment and the deadlines the steps set, acknowledgement and reassignment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from departments.models import Department
from suggestions import calendar, workflow
from suggestions.models import (
    AssignmentStatus,
    EventKind,
    HandlerRole,
    RequestStatus,
    WorkdayCorrection,
)
from tests.suggestions.workflow.cast import (
    SPRING_FESTIVAL_ASSIGNMENT,
    S,
    snapshot,
)

# Assignment and deadlines set by the steps
# ---------------------------------------------------------------------------


def test_assign_sets_the_default_deadlines(world):
    """Reply due 3 months after; acknowledge within 7 working days (across the 2023 Spring Festival)."""
    workflow.assign(
        suggestion=world.suggestion,
        lead=world.lead_department,
        co_handlers=[world.co_department],
        on=SPRING_FESTIVAL_ASSIGNMENT,
        by=world.staff,
    )
    s = world.s
    assert s.status == S.ASSIGNED
    assert s.due_date == dt.date(2023, 4, 18)
    lead, co = s.assignments.get(role=HandlerRole.LEAD), s.assignments.get(role=HandlerRole.CO)
    assert (lead.role, lead.department, lead.round) == (HandlerRole.LEAD, world.lead_department, 1)
    assert (co.role, co.department) == (HandlerRole.CO, world.co_department)
    for a in (lead, co):
        assert a.assigned_on == SPRING_FESTIVAL_ASSIGNMENT
        # 1/19, 1/20 · 1/21–1/27 holiday · 1/28 (Sat) and 1/29 (Sun) are 调休 working days · 1/30, 1/31, 2/1
        assert a.acknowledge_due == dt.date(2023, 2, 1)
        assert a.status == AssignmentStatus.PENDING
        assert a.assigned_by == world.staff
    assert lead.due_date == dt.date(2023, 4, 18)
    assert co.due_date == dt.date(2023, 2, 18)  # the co-handler's opinion: 1 month
    event = s.events.get(kind=EventKind.ASSIGN)
    assert event.department == world.lead_department
    assert event.data == {
        "lead": world.lead_department.name,
        "co_handlers": [world.co_department.name],
        "due": "2023-04-18",
        "assigned_on": "2023-01-18",
        "key_supervision": False,
    }


def test_assign_clamps_to_the_end_of_the_month(world):
    workflow.assign(
        suggestion=world.suggestion,
        lead=world.lead_department,
        co_handlers=[world.co_department],
        on=dt.date(2023, 1, 31),
        by=world.staff,
    )
    s = world.s
    assert s.due_date == dt.date(2023, 4, 30)
    assert s.assignments.get(role=HandlerRole.CO).due_date == dt.date(2023, 2, 28)


def test_assign_follows_the_deadline_settings(world, settings):
    settings.TRACKER_DEADLINES = {**settings.TRACKER_DEADLINES, "reply_months": 2, "acknowledge_workdays": 3}
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=dt.date(2023, 3, 1), by=world.staff
    )
    s = world.s
    assert s.due_date == dt.date(2023, 5, 1)
    assert s.assignments.get().acknowledge_due == dt.date(2023, 3, 6)


def test_assign_with_a_workday_correction(world):
    WorkdayCorrection.objects.create(date=dt.date(2023, 1, 19), is_workday=False, note="全市停电")
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=SPRING_FESTIVAL_ASSIGNMENT, by=world.staff
    )
    assert world.s.assignments.get().acknowledge_due == dt.date(2023, 2, 2)


@pytest.mark.parametrize(
    ("due", "ok"),
    [
        (dt.date(2023, 7, 18), True),  # exactly 6 months
        (dt.date(2023, 7, 19), False),
        (dt.date(2023, 1, 17), False),  # before the assignment
        (dt.date(2023, 1, 18), True),
    ],
)
def test_assign_due_date_must_lie_within_six_months(world, due, ok):
    def go():
        return workflow.assign(
            suggestion=world.suggestion,
            lead=world.lead_department,
            due=due,
            on=SPRING_FESTIVAL_ASSIGNMENT,
            by=world.staff,
        )

    if ok:
        go()
        assert world.s.due_date == due
    else:
        with pytest.raises(ValidationError) as info:
            go()
        assert "due" in info.value.message_dict
        assert world.s.status == S.REGISTERED


def test_assign_rejects_a_lead_among_the_co_handlers_and_inactive_departments(world):
    with pytest.raises(ValidationError) as info:
        workflow.assign(
            suggestion=world.suggestion,
            lead=world.lead_department,
            co_handlers=[world.lead_department],
            by=world.staff,
        )
    assert "co_handlers" in info.value.message_dict
    inactive = Department.objects.get(pk=world.other_department.pk)
    inactive.active = False
    inactive.save()
    with pytest.raises(ValidationError) as info:
        workflow.assign(
            suggestion=world.suggestion,
            lead=world.lead_department,
            co_handlers=[inactive],
            by=world.staff,
        )
    assert "lead" in info.value.message_dict
    assert snapshot(world.suggestion)[0] == S.REGISTERED
    assert not world.s.assignments.exists()


def test_assign_can_mark_key_supervision(world):
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, key_supervision=True, by=world.staff
    )
    assert world.s.key_supervision is True


def test_set_key_supervision_rejects_no_change_and_records_the_note(world):
    with pytest.raises(ValidationError):
        workflow.set_key_supervision(suggestion=world.suggestion, on=False, by=world.staff)
    workflow.set_key_supervision(suggestion=world.suggestion, on=True, note="群众关注度高", by=world.staff)
    event = world.s.events.get(kind=EventKind.SUPERVISION)
    assert (event.note, event.data) == ("群众关注度高", {"key_supervision": True})


# ---------------------------------------------------------------------------
# Acknowledge and reassignment
# ---------------------------------------------------------------------------


def test_co_handler_acknowledging_does_not_start_the_handling(world):
    world.at(S.ASSIGNED)
    workflow.acknowledge(suggestion=world.suggestion, by=world.co_handler)
    assert world.s.status == S.ASSIGNED
    co = world.s.assignments.get(role=HandlerRole.CO)
    assert co.status == AssignmentStatus.ACKNOWLEDGED
    assert co.acknowledged_on is not None
    with pytest.raises(ValidationError):
        workflow.acknowledge(suggestion=world.suggestion, by=world.co_handler)


def test_staff_acknowledge_on_behalf_is_recorded(world):
    world.at(S.ASSIGNED)
    workflow.acknowledge(suggestion=world.suggestion, department=world.co_department, by=world.staff)
    event = world.s.events.get(kind=EventKind.ACKNOWLEDGE)
    assert event.data == {"role": HandlerRole.CO, "on_behalf": True}
    assert event.department == world.co_department
    workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)
    own = world.s.events.filter(kind=EventKind.ACKNOWLEDGE).last()
    assert "on_behalf" not in own.data
    assert own.actor == world.lead_handler


def test_staff_name_a_department_that_is_not_assigned(world):
    world.at(S.ASSIGNED)
    with pytest.raises(ValidationError) as info:
        workflow.acknowledge(suggestion=world.suggestion, department=world.other_department, by=world.staff)
    assert "department" in info.value.message_dict


def test_request_reassignment_needs_a_reason_and_a_pending_assignment(world):
    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        workflow.request_reassignment(suggestion=world.suggestion, reason=" ", by=world.co_handler)
    assert "reason" in info.value.message_dict
    with pytest.raises(ValidationError):  # the lead has acknowledged
        workflow.request_reassignment(suggestion=world.suggestion, reason="不是我们的", by=world.lead_handler)
    workflow.request_reassignment(suggestion=world.suggestion, reason="不是我们的", by=world.co_handler)
    with pytest.raises(ValidationError):  # already asked
        workflow.request_reassignment(suggestion=world.suggestion, reason="不是我们的", by=world.co_handler)
    assert world.s.assignments.get(role=HandlerRole.CO).reassignment_reason == "不是我们的"


def test_approve_reassignment_of_the_lead_restarts_the_clock(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 1, 18))
    workflow.assign(
        suggestion=world.suggestion,
        lead=world.lead_department,
        co_handlers=[world.co_department],
        by=world.staff,
    )
    workflow.request_reassignment(
        suggestion=world.suggestion, reason="属于交通部门职责", by=world.lead_handler
    )
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 9, 27))

    new = workflow.approve_reassignment(
        suggestion=world.suggestion, new_department=world.other_department, note="同意", by=world.staff
    )

    s = world.s
    assert s.status == S.ASSIGNED
    assert s.due_date == dt.date(2023, 12, 27)  # 3 months from the approval, not from the first assignment
    assert (new.department, new.role, new.round) == (world.other_department, HandlerRole.LEAD, 1)
    assert new.assigned_on == dt.date(2023, 9, 27)
    assert new.acknowledge_due == dt.date(2023, 10, 12)  # across National Day 2023 and its 调休 weekend
    assert new.due_date == dt.date(2023, 12, 27)
    assert new.status == AssignmentStatus.PENDING
    old = s.assignments.get(department=world.lead_department)
    assert (old.status, old.reassignment_decision, old.reassignment_note) == (
        AssignmentStatus.REPLACED,
        RequestStatus.APPROVED,
        "同意",
    )
    assert s.lead_assignment == new
    event = s.events.get(kind=EventKind.APPROVE_REASSIGNMENT)
    assert event.data["old_department"] == world.lead_department.name
    assert event.data["new_department"] == world.other_department.name
    assert event.data["due"] == "2023-12-27"
    # the replaced department can no longer act, the new one can
    with pytest.raises(PermissionDenied):
        workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)
    workflow.acknowledge(suggestion=world.suggestion, by=world.other_handler)
    assert world.s.status == S.IN_PROGRESS


def test_approve_reassignment_of_a_co_handler_keeps_the_lead_and_its_due_date(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 1, 18))
    world.drive(S.IN_PROGRESS)
    workflow.request_reassignment(suggestion=world.suggestion, reason="不涉及本单位", by=world.co_handler)
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 2, 1))

    new = workflow.approve_reassignment(
        suggestion=world.suggestion, new_department=world.other_department, by=world.staff
    )

    s = world.s
    assert s.status == S.IN_PROGRESS
    assert s.due_date == dt.date(2023, 4, 18)
    assert (new.role, new.assigned_on, new.due_date) == (
        HandlerRole.CO,
        dt.date(2023, 2, 1),
        dt.date(2023, 3, 1),
    )


def test_approve_reassignment_to_a_department_already_handling_is_rejected(world):
    world.at(S.ASSIGNED)
    workflow.request_reassignment(suggestion=world.suggestion, reason="不涉及", by=world.lead_handler)
    for department in (world.lead_department, world.co_department):
        with pytest.raises(ValidationError) as info:
            workflow.approve_reassignment(
                suggestion=world.suggestion, new_department=department, by=world.staff
            )
        assert "new_department" in info.value.message_dict


def test_reassignment_decisions_need_a_pending_request(world):
    world.at(S.ASSIGNED)
    with pytest.raises(ValidationError):
        workflow.approve_reassignment(
            suggestion=world.suggestion, new_department=world.other_department, by=world.staff
        )
    with pytest.raises(ValidationError):
        workflow.reject_reassignment(suggestion=world.suggestion, note="不同意", by=world.staff)


def test_reject_reassignment_keeps_the_department(world):
    world.at(S.ASSIGNED)
    workflow.request_reassignment(suggestion=world.suggestion, reason="不涉及", by=world.lead_handler)
    with pytest.raises(ValidationError) as info:
        workflow.reject_reassignment(suggestion=world.suggestion, note="", by=world.staff)
    assert "note" in info.value.message_dict

    workflow.reject_reassignment(suggestion=world.suggestion, note="属于你单位职责", by=world.staff)

    s = world.s
    lead = s.assignments.get(role=HandlerRole.LEAD)
    assert lead.department == world.lead_department
    assert (lead.status, lead.reassignment_decision) == (AssignmentStatus.PENDING, RequestStatus.REJECTED)
    assert s.assignments.count() == 2
    workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)
    assert world.s.status == S.IN_PROGRESS


# ---------------------------------------------------------------------------
