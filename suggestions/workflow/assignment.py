"""交办 and 签收: assignment, key supervision, acknowledgement and reassignment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from departments.models import Department
from suggestions import calendar
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    EventKind,
    HandlerRole,
    RequestStatus,
    Status,
    Suggestion,
)
from suggestions.policy import permissions

# The allowed status changes: from each state, the states a step may lead to.
from suggestions.workflow import ready
from suggestions.workflow.base import (
    HANDLING_STATUSES,
    _assignment_for,
    _department_list,
    _new_assignment,
    _on_behalf,
    _record,
    _text,
    move,
)
from suggestions.workflow.steps import LIVE, step


@step(
    "assign",
    _("交办"),
    may=permissions.can_assign,
    states=(Status.REGISTERED,),
    form="suggestions.forms.AssignForm",
    input="suggestions.api.serializers.AssignInput",
    weight="primary",
)
def assign(
    *,
    suggestion: Suggestion,
    lead: Department,
    co_handlers: Sequence[Department] = (),
    due: dt.date | None = None,
    on: dt.date | None = None,
    key_supervision: bool | None = None,
    by,
) -> Suggestion:
    """交办: hand a registered suggestion to its lead department (主办) and co-handlers (协办)."""
    on = on or calendar.today()
    co = _department_list(lead, co_handlers)
    default_due = calendar.reply_due(on)
    due = due or default_due
    if due < on:
        raise ValidationError({"due": _("答复期限不能早于交办日期。")}, code="due_before_assigned")
    if due > calendar.latest_extension(on):
        raise ValidationError({"due": _("答复期限不能超过交办后六个月。")}, code="due_too_late")
    before = move(suggestion, Status.ASSIGNED)
    suggestion.due_date = due
    if key_supervision is not None:
        suggestion.key_supervision = key_supervision
    suggestion.save()
    _new_assignment(suggestion, lead, HandlerRole.LEAD, on=on, by=by, due=due)
    for department in co:
        _new_assignment(suggestion, department, HandlerRole.CO, on=on, by=by)
    _record(
        suggestion,
        EventKind.ASSIGN,
        by,
        before=before,
        department=lead,
        lead=lead.name,
        co_handlers=[d.name for d in co],
        due=due,
        assigned_on=on,
        key_supervision=suggestion.key_supervision,
    )
    return suggestion


@step(
    "not_accept",
    _("不予受理"),
    may=permissions.can_decide,
    states=(Status.REGISTERED,),
    form="suggestions.forms.ReasonForm",
    input="suggestions.api.serializers.ReasonInput",
    weight="warning",
)
def not_accept(*, suggestion: Suggestion, reason: str, by) -> Suggestion:
    """不予受理: staff decline a registered suggestion, with the reason."""
    reason = _text(reason, "reason", _("不予受理理由"))
    before = move(suggestion, Status.NOT_ACCEPTED)
    _record(suggestion, EventKind.NOT_ACCEPT, by, before=before, note=reason)
    return suggestion


@step(
    "supervision",
    _("重点督办"),
    may=permissions.can_decide,
    states=LIVE,
    verb=_("设置重点督办"),
    form="suggestions.forms.SupervisionForm",
    input="suggestions.api.serializers.SupervisionInput",
)
def set_key_supervision(*, suggestion: Suggestion, on: bool, note: str = "", by) -> Suggestion:
    """重点督办: mark or unmark a suggestion for the committee's key supervision."""
    if suggestion.key_supervision == on:
        raise ValidationError(_("重点督办标记没有变化。"), code="unchanged")
    suggestion.key_supervision = on
    _record(suggestion, EventKind.SUPERVISION, by, note=note, key_supervision=on)
    return suggestion


@step(
    "acknowledge",
    _("签收"),
    may=permissions.can_acknowledge,
    states=HANDLING_STATUSES,
    ready=ready.has_pending_assignment,
    form="suggestions.forms.AcknowledgeForm",
    input="suggestions.api.serializers.DepartmentInput",
    weight="primary",
)
def acknowledge(*, suggestion: Suggestion, department: Department | None = None, by) -> Assignment:
    """签收: the department acknowledges its assignment; the lead's acknowledgement starts the handling."""
    assignment = _assignment_for(suggestion, by, department)
    if assignment.status != AssignmentStatus.PENDING:
        raise ValidationError(
            _("该交办当前为「%(s)s」，不能签收。") % {"s": assignment.get_status_display()},
            code="invalid_state",
        )
    today = calendar.today()
    assignment.status = AssignmentStatus.ACKNOWLEDGED
    assignment.acknowledged_on = max(today, assignment.assigned_on)
    assignment.save(update_fields=["status", "acknowledged_on"])
    before = suggestion.status
    if assignment.is_lead and suggestion.status == Status.ASSIGNED:
        move(suggestion, Status.IN_PROGRESS)
    _record(
        suggestion,
        EventKind.ACKNOWLEDGE,
        by,
        before=before,
        department=assignment.department,
        role=assignment.role,
        on_behalf=_on_behalf(by, suggestion, permissions.handler_assignments) or None,
    )
    return assignment


@step(
    "request_reassignment",
    _("申请调整"),
    may=permissions.can_request_reassignment,
    states=HANDLING_STATUSES,
    ready=ready.has_pending_assignment,
    form="suggestions.forms.RequestReassignmentForm",
    input="suggestions.api.serializers.RequestReassignmentInput",
)
def request_reassignment(
    *, suggestion: Suggestion, reason: str, department: Department | None = None, by
) -> Assignment:
    """申请调整: a department says the suggestion is not theirs and asks staff to reassign it."""
    reason = _text(reason, "reason", _("申请调整理由"))
    assignment = _assignment_for(suggestion, by, department)
    if assignment.status != AssignmentStatus.PENDING:
        raise ValidationError(_("已签收或已申请调整的交办不能再申请调整。"), code="invalid_state")
    assignment.status = AssignmentStatus.REASSIGN_REQUESTED
    assignment.reassignment_reason = reason
    assignment.reassignment_decision = ""
    assignment.save(update_fields=["status", "reassignment_reason", "reassignment_decision"])
    _record(suggestion, EventKind.REQUEST_REASSIGNMENT, by, department=assignment.department, note=reason)
    return assignment


def _pending_reassignment(suggestion: Suggestion, assignment: Assignment | None) -> Assignment:
    qs = suggestion.assignments.filter(status=AssignmentStatus.REASSIGN_REQUESTED, round=suggestion.round)
    if assignment is not None:
        qs = qs.filter(pk=assignment.pk)
    found = list(qs.select_related("department"))
    if len(found) != 1:
        raise ValidationError(
            {"assignment": _("没有待审核的调整申请。") if not found else _("请指定要审核的调整申请。")},
            code="no_request",
        )
    return found[0]


@step(
    "approve_reassignment",
    _("同意调整"),
    may=permissions.can_decide,
    states=HANDLING_STATUSES,
    verb=_("审核调整申请"),
    ready=ready.pending_reassignment,
    form="suggestions.forms.ApproveReassignmentForm",
    input="suggestions.api.serializers.ApproveReassignmentInput",
    weight="primary",
)
def approve_reassignment(
    *,
    suggestion: Suggestion,
    new_department: Department,
    assignment: Assignment | None = None,
    note: str = "",
    by,
) -> Assignment:
    """同意调整: staff move the assignment to another department; its clock restarts today."""
    old = _pending_reassignment(suggestion, assignment)
    others = suggestion.assignments.active().filter(round=suggestion.round).exclude(pk=old.pk)
    if new_department.pk == old.department_id or others.filter(department=new_department).exists():
        raise ValidationError({"new_department": _("新单位已承办该建议，请选择其他单位。")}, code="duplicate")
    _department_list(new_department, [])
    old.status = AssignmentStatus.REPLACED
    old.reassignment_decision = RequestStatus.APPROVED
    old.reassignment_note = note
    old.save(update_fields=["status", "reassignment_decision", "reassignment_note"])
    today = calendar.today()
    before = suggestion.status
    if old.is_lead:
        suggestion.due_date = calendar.reply_due(today)
        move(suggestion, Status.ASSIGNED)
        suggestion.save()
    new = _new_assignment(suggestion, new_department, old.role, on=today, by=by)
    _record(
        suggestion,
        EventKind.APPROVE_REASSIGNMENT,
        by,
        before=before,
        department=new_department,
        note=note,
        old_department=old.department.name,
        new_department=new_department.name,
        role=old.role,
        due=new.due_date,
    )
    return new


@step(
    "reject_reassignment",
    _("不同意调整"),
    may=permissions.can_decide,
    states=HANDLING_STATUSES,
    verb=_("审核调整申请"),
    ready=ready.pending_reassignment,
    form="suggestions.forms.RejectReassignmentForm",
    input="suggestions.api.serializers.RejectReassignmentInput",
)
def reject_reassignment(
    *, suggestion: Suggestion, note: str, assignment: Assignment | None = None, by
) -> Assignment:
    """不同意调整: staff keep the department; it must acknowledge."""
    note = _text(note, "note", _("审核意见"))
    request = _pending_reassignment(suggestion, assignment)
    request.status = AssignmentStatus.PENDING
    request.reassignment_decision = RequestStatus.REJECTED
    request.reassignment_note = note
    request.save(update_fields=["status", "reassignment_decision", "reassignment_note"])
    _record(suggestion, EventKind.REJECT_REASSIGNMENT, by, department=request.department, note=note)
    return request


# ---------------------------------------------------------------------------
# Handling
