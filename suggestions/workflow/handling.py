"""办理: contacts, progress, co-handler opinions and extensions while the suggestion is handled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from delegates.models import Delegate
from departments.models import Department
from suggestions import calendar
from suggestions.models import (
    Assignment,
    CoHandlerOpinion,
    ContactMethod,
    ContactRecord,
    EventKind,
    ExtensionRequest,
    HandlerRole,
    ProgressKind,
    ProgressUpdate,
    RequestStatus,
    Suggestion,
)
from suggestions.policy import permissions

# The allowed status changes: from each state, the states a step may lead to.
from suggestions.workflow import ready
from suggestions.workflow.base import (
    CONTACT_STATUSES,
    HANDLING_STATUSES,
    _assignment_for,
    _date_not_future,
    _on_behalf,
    _record,
    _text,
)
from suggestions.workflow.steps import step

# ---------------------------------------------------------------------------


@step(
    "contact",
    _("记录沟通"),
    may=permissions.can_log_contact,
    states=CONTACT_STATUSES,
    form="suggestions.forms.ContactForm",
    input="suggestions.api.serializers.ContactInput",
)
def log_contact(
    *,
    suggestion: Suggestion,
    method: str,
    contacted_on: dt.date | None = None,
    delegates: Sequence[Delegate] = (),
    notes: str = "",
    department: Department | None = None,
    by,
) -> ContactRecord:
    """沟通联系: log a contact with the delegates (面商, 走访, 座谈, 电话, 书面)."""
    if method not in ContactMethod.values:
        raise ValidationError({"method": _("沟通方式无效。")}, code="invalid_choice")
    assignment = _assignment_for(suggestion, by, department)
    contacted_on = _date_not_future(contacted_on, "contacted_on", not_before=assignment.assigned_on)
    proposer_ids = set(suggestion.proposers.values_list("delegate_id", flat=True))
    met = list(dict.fromkeys(delegates)) or list(
        Delegate.objects.filter(proposals__suggestion=suggestion, proposals__position=1)
    )
    if any(d.pk not in proposer_ids for d in met):
        raise ValidationError({"delegates": _("只能选择该建议的提出代表。")}, code="not_proposer")
    record = ContactRecord.objects.create(
        suggestion=suggestion,
        department=assignment.department,
        round=suggestion.round,
        method=method,
        contacted_on=contacted_on,
        notes=(notes or "").strip(),
        created_by=by,
    )
    record.delegates.set(met)
    _record(
        suggestion,
        EventKind.CONTACT,
        by,
        department=assignment.department,
        note=record.notes,
        method=method,
        contacted_on=contacted_on,
        delegates=[d.name for d in met],
        on_behalf=_on_behalf(by, suggestion, permissions.handler_assignments) or None,
    )
    return record


@step(
    "progress",
    _("报告进度"),
    may=permissions.can_add_progress,
    states=HANDLING_STATUSES,
    verb=_("报告办理进度"),
    form="suggestions.forms.ProgressForm",
    input="suggestions.api.serializers.ProgressInput",
)
def add_progress(
    *,
    suggestion: Suggestion,
    text: str,
    reported_on: dt.date | None = None,
    department: Department | None = None,
    by,
) -> ProgressUpdate:
    """办理进度: a department reports how the handling is going."""
    text = _text(text, "text", _("进度内容"))
    assignment = _assignment_for(suggestion, by, department)
    update = ProgressUpdate.objects.create(
        suggestion=suggestion,
        department=assignment.department,
        round=suggestion.round,
        kind=ProgressKind.PROGRESS,
        text=text,
        reported_on=_date_not_future(reported_on, "reported_on"),
        created_by=by,
    )
    _record(
        suggestion,
        EventKind.PROGRESS,
        by,
        department=assignment.department,
        note=text,
        on_behalf=_on_behalf(by, suggestion, permissions.handler_assignments) or None,
    )
    return update


@step(
    "co_opinion",
    _("协办意见"),
    may=permissions.can_give_co_opinion,
    states=HANDLING_STATUSES,
    verb=_("提交协办意见"),
    ready=ready.co_opinion_due,
    form="suggestions.forms.CoOpinionForm",
    input="suggestions.api.serializers.CoOpinionInput",
    weight="primary",
)
def give_co_opinion(
    *, suggestion: Suggestion, text: str, department: Department | None = None, by
) -> CoHandlerOpinion:
    """协办意见: a co-handler sends its opinion to the lead department (once per round)."""
    text = _text(text, "text", _("协办意见"))
    assignment = _assignment_for(suggestion, by, department, role=HandlerRole.CO)
    if CoHandlerOpinion.objects.filter(assignment=assignment).exists():
        raise ValidationError(_("本单位本轮已提交协办意见。"), code="duplicate")
    opinion = CoHandlerOpinion.objects.create(
        assignment=assignment, suggestion=suggestion, text=text, submitted_on=calendar.today(), created_by=by
    )
    _record(
        suggestion,
        EventKind.CO_OPINION,
        by,
        department=assignment.department,
        on_time=opinion.submitted_on <= assignment.due_date,
        on_behalf=_on_behalf(by, suggestion, permissions.handler_assignments) or None,
    )
    return opinion


@step(
    "waive_co_opinion",
    _("准予先行答复"),
    may=permissions.can_decide,
    states=HANDLING_STATUSES,
    ready=ready.co_opinion_awaited,
    form="suggestions.forms.WaiveCoOpinionForm",
    input="suggestions.api.serializers.WaiveCoOpinionInput",
)
def waive_co_opinion(
    *, suggestion: Suggestion, reason: str, department: Department | None = None, by
) -> list[Assignment]:
    """准予先行答复: staff let the lead reply before a co-handler's opinion is in (its deadline not
    passed), with a written reason; without ``department``, for every co-handler still awaited."""
    reason = _text(reason, "reason", _("理由"))
    awaited = ready.awaited_co_opinions(suggestion)
    if department is not None:
        awaited = [a for a in awaited if a.department_id == department.pk]
    if not awaited:
        raise ValidationError(
            {"department": _("没有需要等待的协办意见：协办意见已提交、已过期限，或已准予先行答复。")},
            code="nothing_awaited",
        )
    _record(
        suggestion,
        EventKind.WAIVE_CO_OPINION,
        by,
        department=awaited[0].department if len(awaited) == 1 else None,
        note=reason,
        department_ids=[a.department_id for a in awaited],
        departments=[a.department.name for a in awaited],
    )
    return awaited


@step(
    "request_extension",
    _("申请延期"),
    may=permissions.can_request_extension,
    states=HANDLING_STATUSES,
    ready=ready.no_pending_extension,
    form="suggestions.forms.RequestExtensionForm",
    input="suggestions.api.serializers.RequestExtensionInput",
)
def request_extension(*, suggestion: Suggestion, requested_due: dt.date, reason: str, by) -> ExtensionRequest:
    """申请延期: the lead department asks for a later reply date, at most 6 months after assignment."""
    reason = _text(reason, "reason", _("延期理由"))
    lead = _assignment_for(suggestion, by, None, role=HandlerRole.LEAD)
    _check_extension_date(suggestion, lead, requested_due)
    request = ExtensionRequest.objects.create(
        suggestion=suggestion,
        assignment=lead,
        round=suggestion.round,
        reason=reason,
        current_due=suggestion.due_date,
        requested_due=requested_due,
        requested_by=by,
    )
    _record(
        suggestion,
        EventKind.REQUEST_EXTENSION,
        by,
        department=lead.department,
        note=reason,
        current_due=suggestion.due_date,
        requested_due=requested_due,
    )
    return request


def _check_extension_date(
    suggestion: Suggestion, lead: Assignment, requested_due: dt.date | None, *, field: str = "requested_due"
) -> None:
    """The new reply date must be later than today's and at most six months after assignment; an error
    names the field the caller was given (``requested_due`` to ask, ``due`` to decide)."""
    if requested_due is None:
        raise ValidationError({field: _("请填写延期后的答复期限。")}, code="required")
    if requested_due <= suggestion.due_date:
        raise ValidationError(
            {field: _("延期后的期限必须晚于现在的期限 %(d)s。") % {"d": suggestion.due_date}}
        )
    limit = calendar.latest_extension(lead.assigned_on)
    if requested_due > limit:
        raise ValidationError(
            {field: _("延期后的期限不能晚于交办后六个月（%(d)s）。") % {"d": limit}},
            code="too_late",
        )


def _pending_extension(suggestion: Suggestion) -> ExtensionRequest:
    """The request the step decides (there is one: ``ready.pending_extension`` checked it)."""
    return suggestion.extension_requests.select_related("assignment").get(status=RequestStatus.PENDING)


@step(
    "approve_extension",
    _("同意延期"),
    may=permissions.can_decide,
    states=HANDLING_STATUSES,
    verb=_("审核延期申请"),
    ready=ready.pending_extension,
    form="suggestions.forms.ApproveExtensionForm",
    input="suggestions.api.serializers.ApproveExtensionInput",
    weight="primary",
)
def approve_extension(
    *, suggestion: Suggestion, note: str = "", due: dt.date | None = None, by
) -> ExtensionRequest:
    """同意延期: staff move the reply date (to the requested date, or an earlier one they choose)."""
    request = _pending_extension(suggestion)
    new_due = due or request.requested_due
    _check_extension_date(suggestion, request.assignment, new_due, field="due" if due else "requested_due")
    request.status = RequestStatus.APPROVED
    request.decision_note = (note or "").strip()
    request.decided_by = by
    request.decided_at = timezone.now()
    request.save()
    suggestion.due_date = new_due
    Assignment.objects.filter(pk=request.assignment_id).update(due_date=new_due)
    _record(
        suggestion,
        EventKind.APPROVE_EXTENSION,
        by,
        department=request.assignment.department,
        note=request.decision_note,
        old_due=request.current_due,
        due=new_due,
    )
    return request


@step(
    "reject_extension",
    _("不同意延期"),
    may=permissions.can_decide,
    states=HANDLING_STATUSES,
    verb=_("审核延期申请"),
    ready=ready.pending_extension,
    form="suggestions.forms.NoteForm",
    input="suggestions.api.serializers.NoteInput",
)
def reject_extension(*, suggestion: Suggestion, note: str, by) -> ExtensionRequest:
    """不同意延期: staff keep the reply date."""
    note = _text(note, "note", _("审核意见"))
    request = _pending_extension(suggestion)
    request.status = RequestStatus.REJECTED
    request.decision_note = note
    request.decided_by = by
    request.decided_at = timezone.now()
    request.save()
    _record(suggestion, EventKind.REJECT_EXTENSION, by, department=request.assignment.department, note=note)
    return request


# ---------------------------------------------------------------------------
# Reply, rating, review
