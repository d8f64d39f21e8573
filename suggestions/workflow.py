"""THE write path: one function per workflow step (DOMAIN.md), used by the admin, pages, API and commands.

Every function is keyword-only, owns its transaction, locks the suggestion row, checks who may act
(`permissions.can_*`) and from which state (`TRANSITIONS` / `_require_status`), writes the change,
records an immutable `Event`, and raises only `ValidationError` or `PermissionDenied`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from delegates.models import Delegate
from departments.models import Department
from suggestions import calendar, facts, permissions
from suggestions.models import (
    OPEN_STATUSES,
    PROMISE_CATEGORIES,
    Assignment,
    AssignmentStatus,
    Category,
    CoHandlerOpinion,
    CongressSession,
    ContactMethod,
    ContactRecord,
    Event,
    EventKind,
    ExtensionRequest,
    HandlerRole,
    ProgressKind,
    ProgressUpdate,
    Proposer,
    Publication,
    Rating,
    Reply,
    RequestStatus,
    Status,
    Suggestion,
    Theme,
    Verdict,
    validate_pdf,
)

# The allowed status changes: from each state, the states a step may lead to.
TRANSITIONS: dict[str, set[str]] = {
    Status.REGISTERED: {Status.ASSIGNED, Status.NOT_ACCEPTED, Status.WITHDRAWN},
    Status.ASSIGNED: {Status.ASSIGNED, Status.IN_PROGRESS, Status.WITHDRAWN},
    Status.IN_PROGRESS: {Status.REPLIED, Status.WITHDRAWN},
    Status.REPLIED: {Status.CLOSED, Status.REVIEW},
    Status.REVIEW: {Status.IN_PROGRESS, Status.CLOSED},
    Status.CLOSED: set(),
    Status.WITHDRAWN: set(),
    Status.NOT_ACCEPTED: set(),
}
HANDLING_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)
CONTACT_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REPLIED, Status.REVIEW)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _lock(suggestion: Suggestion | int) -> Suggestion:
    """Re-read the suggestion under a row lock so concurrent steps serialise (no lost updates)."""
    pk = suggestion.pk if isinstance(suggestion, Suggestion) else suggestion
    try:
        return Suggestion.objects.select_for_update().get(pk=pk)
    except Suggestion.DoesNotExist:
        raise ValidationError(_("建议不存在。"), code="not_found") from None


def _check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权进行此操作。"))


def _require_status(suggestion: Suggestion, allowed: Sequence[str], action: str) -> None:
    if suggestion.status not in allowed:
        raise ValidationError(
            _("建议当前状态为「%(status)s」，不能%(action)s。"),
            code="invalid_state",
            params={"status": suggestion.get_status_display(), "action": action},
        )


def _move(suggestion: Suggestion, to: str) -> str:
    """Change the status if the transition table allows it; return the previous status."""
    before = suggestion.status
    if to not in TRANSITIONS[before]:
        raise ValidationError(
            _("不能从「%(from)s」变为「%(to)s」。"),
            code="invalid_transition",
            params={"from": Status(before).label, "to": Status(to).label},
        )
    suggestion.status = to
    return before


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _record(
    suggestion: Suggestion,
    kind: str,
    by,
    *,
    before: str | None = None,
    department: Department | None = None,
    note: str = "",
    **data: Any,
) -> Event:
    """Save the suggestion, append the event that tells who did what, when, and refresh the suggestion's
    statistics facts (every step writes its records before it records its event)."""
    suggestion.save()
    actor = by if by is not None and by.is_authenticated else None
    event = Event.objects.create(
        suggestion=suggestion,
        kind=kind,
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else _("系统"),
        round=suggestion.round,
        from_status=before or suggestion.status,
        to_status=suggestion.status,
        department=department,
        data=_jsonable({k: v for k, v in data.items() if v not in (None, "", [])}),
        note=note,
    )
    facts.refresh([suggestion.pk])
    return event


def _text(
    value: str | None, field: str, label: str, *, required: bool = True, max_length: int | None = None
) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}}, code="required")
    if max_length and len(value) > max_length:
        raise ValidationError(
            {field: _("%(label)s不能超过 %(n)s 个字。") % {"label": label, "n": max_length}}
        )
    return value


def _date_not_future(value: dt.date | None, field: str, *, not_before: dt.date | None = None) -> dt.date:
    value = value or _today()
    if value > _today():
        raise ValidationError({field: _("日期不能晚于今天。")}, code="future_date")
    if not_before and value < not_before:
        raise ValidationError({field: _("日期不能早于 %(d)s。") % {"d": not_before}}, code="too_early")
    return value


def _on_behalf(by, suggestion: Suggestion, own: Callable[[Any, Suggestion], bool]) -> bool:
    """True when staff take the step for a department or a delegate (代录)."""
    return not own(by, suggestion) and permissions.is_staff(by)


def _assignment_for(
    suggestion: Suggestion, by, department: Department | None, *, role: str | None = None
) -> Assignment:
    """The current-round assignment the user acts on: their own department's, or the one staff name."""
    qs = suggestion.assignments.active().filter(round=suggestion.round).select_related("department")
    if role:
        qs = qs.filter(role=role)
    if department is not None:
        qs = qs.filter(department=department)
    if not permissions.is_staff(by):
        qs = qs.filter(department_id__in=permissions.roles(by).department_ids)
    found = list(qs)
    if not found:
        if permissions.roles(by).handler or permissions.is_staff(by):
            raise ValidationError({"department": _("该单位没有本轮的交办任务。")}, code="no_assignment")
        raise PermissionDenied(_("您无权进行此操作。"))
    if len(found) > 1:
        leads = [a for a in found if a.role == HandlerRole.LEAD]
        if department is None and len(leads) == 1 and permissions.is_staff(by):
            return leads[0]
        raise ValidationError({"department": _("请指定以哪个单位的名义操作。")}, code="ambiguous_department")
    return found[0]


def _department_list(lead: Department, co_handlers: Sequence[Department]) -> list[Department]:
    co = list(dict.fromkeys(co_handlers))
    if lead in co:
        raise ValidationError({"co_handlers": _("主办单位不能同时是协办单位。")}, code="lead_in_co")
    for d in [lead, *co]:
        if not d.active:
            raise ValidationError(
                {"lead": _("「%(name)s」已停用，不能交办。") % {"name": d.name}}, code="inactive"
            )
    return co


def _new_assignment(
    suggestion: Suggestion,
    department: Department,
    role: str,
    *,
    on: dt.date,
    by,
    due: dt.date | None = None,
    acknowledged: bool = False,
) -> Assignment:
    lead_due = suggestion.due_date
    if role == HandlerRole.LEAD:
        due_date = due or lead_due
    else:
        due_date = min(calendar.co_opinion_due(on), lead_due) if lead_due else calendar.co_opinion_due(on)
        due_date = max(due_date, on)
    return Assignment.objects.create(
        suggestion=suggestion,
        department=department,
        role=role,
        round=suggestion.round,
        assigned_on=on,
        acknowledge_due=calendar.acknowledge_due(on),
        due_date=due_date,
        status=AssignmentStatus.ACKNOWLEDGED if acknowledged else AssignmentStatus.PENDING,
        acknowledged_on=on if acknowledged else None,
        assigned_by=by if by is not None and by.is_authenticated else None,
    )


# ---------------------------------------------------------------------------
# Registration and assignment
# ---------------------------------------------------------------------------


@transaction.atomic
def register(
    *,
    session: CongressSession,
    theme: Theme,
    number: int,
    position: int,
    title: str,
    text: str,
    proposers: Sequence[Delegate],
    disclosure_consent: bool = True,
    by=None,
    at: dt.datetime | None = None,
) -> Suggestion:
    """登记: record a new suggestion with its proposers (the first is the lead, 领衔)."""
    if by is not None:
        _check(permissions.can_register(by))
    if theme.session_id != session.pk:
        raise ValidationError({"theme": _("主题不属于该会议。")})
    if not proposers:
        raise ValidationError({"proposers": _("至少需要一名提出代表。")}, code="required")
    if len(set(proposers)) != len(proposers):
        raise ValidationError({"proposers": _("提出代表不能重复。")}, code="duplicate")
    if Suggestion.objects.filter(session=session, number=number).exists():
        raise ValidationError({"number": _("该会议已有第 %(n)s 号建议。") % {"n": number}}, code="duplicate")
    if Suggestion.objects.filter(theme=theme, position=position).exists():
        raise ValidationError({"position": _("该主题已有第 %(n)s 条。") % {"n": position}}, code="duplicate")
    suggestion = Suggestion.objects.create(
        session=session,
        theme=theme,
        number=number,
        position=position,
        title=_text(title, "title", _("标题"), max_length=200),
        text=_text(text, "text", _("建议内容")),
        disclosure_consent=disclosure_consent,
        created_at=at or timezone.now(),
    )
    Proposer.objects.bulk_create(
        Proposer(suggestion=suggestion, delegate=d, position=i) for i, d in enumerate(proposers, start=1)
    )
    _record(suggestion, EventKind.REGISTER, by, proposers=[d.name for d in proposers])
    return suggestion


@transaction.atomic
def record_registration(*, suggestion: Suggestion, by) -> Suggestion:
    """登记 of a suggestion created with its proposers outside `register` (the admin form, an import)."""
    if by is not None:
        _check(permissions.can_register(by))
    suggestion = _lock(suggestion)
    names = list(suggestion.proposers.order_by("position").values_list("delegate__name", flat=True))
    if not names:
        raise ValidationError({"proposers": _("至少需要一名提出代表。")}, code="required")
    _record(suggestion, EventKind.REGISTER, by, proposers=names)
    return suggestion


@dataclass(frozen=True)
class NewSuggestion:
    """One suggestion for `register_many`: what `register` takes, minus the session."""

    theme: Theme
    number: int
    position: int
    title: str
    text: str
    proposers: Sequence[Delegate]
    disclosure_consent: bool = True


@transaction.atomic
def register_many(
    *,
    session: CongressSession,
    suggestions: Sequence[NewSuggestion],
    by=None,
    at: dt.datetime | None = None,
) -> list[Suggestion]:
    """登记 of many suggestions at once (an import): `register`'s checks and records, written in bulk."""
    if by is not None:
        _check(permissions.can_register(by))
    at = at or timezone.now()
    errors: list[str] = []
    numbers = Counter(item.number for item in suggestions)
    slots = Counter((item.theme.pk, item.position) for item in suggestions)
    taken_numbers = set(
        Suggestion.objects.filter(session=session, number__in=list(numbers)).values_list("number", flat=True)
    )
    taken_slots = set(
        Suggestion.objects.filter(theme__in={t for t, _p in slots}).values_list("theme_id", "position")
    )
    objs: list[Suggestion] = []
    for item in suggestions:
        found = []
        if item.theme.session_id != session.pk:
            found.append(_("主题不属于该会议。"))
        if not item.proposers:
            found.append(_("至少需要一名提出代表。"))
        if len(set(item.proposers)) != len(item.proposers):
            found.append(_("提出代表不能重复。"))
        if item.number in taken_numbers or numbers[item.number] > 1:
            found.append(_("该会议已有第 %(n)s 号建议。") % {"n": item.number})
        if (item.theme.pk, item.position) in taken_slots or slots[item.theme.pk, item.position] > 1:
            found.append(_("该主题已有第 %(n)s 条。") % {"n": item.position})
        title, text = item.title.strip(), item.text.strip()
        if not title or len(title) > 200 or not text:
            try:
                _text(title, "title", _("标题"), max_length=200)
                _text(text, "text", _("建议内容"))
            except ValidationError as error:
                found.extend(error.messages)
        if found:
            errors.extend(_("第 %(n)s 号：") % {"n": item.number} + m for m in found)
            continue
        objs.append(
            Suggestion(
                session=session,
                theme=item.theme,
                number=item.number,
                position=item.position,
                title=title,
                text=text,
                disclosure_consent=item.disclosure_consent,
                created_at=at,
            )
        )
    if errors:
        raise ValidationError(errors)
    actor = by if by is not None and by.is_authenticated else None
    actor_name = (actor.get_full_name() or actor.get_username()) if actor else _("系统")
    created = bulk_create_with_history(objs, Suggestion, default_user=actor, default_date=at)
    Proposer.objects.bulk_create(
        Proposer(suggestion=s, delegate=d, position=i)
        for s, item in zip(created, suggestions, strict=True)
        for i, d in enumerate(item.proposers, start=1)
    )
    now = timezone.now()
    Event.objects.bulk_create(
        Event(
            suggestion=s,
            kind=EventKind.REGISTER,
            actor=actor,
            actor_name=actor_name,
            at=now,
            round=s.round,
            from_status=s.status,
            to_status=s.status,
            data={"proposers": [d.name for d in item.proposers]},
        )
        for s, item in zip(created, suggestions, strict=True)
    )
    return created


@transaction.atomic
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
    suggestion = _lock(suggestion)
    _check(permissions.can_assign(by, suggestion))
    _require_status(suggestion, [Status.REGISTERED], _("交办"))
    on = on or _today()
    co = _department_list(lead, co_handlers)
    default_due = calendar.reply_due(on)
    due = due or default_due
    if due < on:
        raise ValidationError({"due": _("答复期限不能早于交办日期。")}, code="due_before_assigned")
    if due > calendar.latest_extension(on):
        raise ValidationError({"due": _("答复期限不能超过交办后六个月。")}, code="due_too_late")
    before = _move(suggestion, Status.ASSIGNED)
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


@transaction.atomic
def set_key_supervision(*, suggestion: Suggestion, on: bool, note: str = "", by) -> Suggestion:
    """重点督办: mark or unmark a suggestion for the committee's key supervision."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    if suggestion.status in (Status.WITHDRAWN, Status.NOT_ACCEPTED):
        _require_status(suggestion, [], _("设置重点督办"))
    if suggestion.key_supervision == on:
        raise ValidationError(_("重点督办标记没有变化。"), code="unchanged")
    suggestion.key_supervision = on
    _record(suggestion, EventKind.SUPERVISION, by, note=note, key_supervision=on)
    return suggestion


@transaction.atomic
def acknowledge(*, suggestion: Suggestion, department: Department | None = None, by) -> Assignment:
    """签收: the department acknowledges its assignment; the lead's acknowledgement starts the handling."""
    suggestion = _lock(suggestion)
    _check(permissions.can_acknowledge(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("签收"))
    assignment = _assignment_for(suggestion, by, department)
    if assignment.status != AssignmentStatus.PENDING:
        raise ValidationError(
            _("该交办当前为「%(s)s」，不能签收。") % {"s": assignment.get_status_display()},
            code="invalid_state",
        )
    today = _today()
    assignment.status = AssignmentStatus.ACKNOWLEDGED
    assignment.acknowledged_on = max(today, assignment.assigned_on)
    assignment.save(update_fields=["status", "acknowledged_on"])
    before = suggestion.status
    if assignment.is_lead and suggestion.status == Status.ASSIGNED:
        _move(suggestion, Status.IN_PROGRESS)
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


@transaction.atomic
def request_reassignment(
    *, suggestion: Suggestion, reason: str, department: Department | None = None, by
) -> Assignment:
    """申请调整: a department says the suggestion is not theirs and asks staff to reassign it."""
    suggestion = _lock(suggestion)
    _check(permissions.can_request_reassignment(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("申请调整"))
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


@transaction.atomic
def approve_reassignment(
    *,
    suggestion: Suggestion,
    new_department: Department,
    assignment: Assignment | None = None,
    note: str = "",
    by,
) -> Assignment:
    """同意调整: staff move the assignment to another department; its clock restarts today."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("审核调整申请"))
    old = _pending_reassignment(suggestion, assignment)
    others = suggestion.assignments.active().filter(round=suggestion.round).exclude(pk=old.pk)
    if new_department.pk == old.department_id or others.filter(department=new_department).exists():
        raise ValidationError({"new_department": _("新单位已承办该建议，请选择其他单位。")}, code="duplicate")
    _department_list(new_department, [])
    old.status = AssignmentStatus.REPLACED
    old.reassignment_decision = RequestStatus.APPROVED
    old.reassignment_note = note
    old.save(update_fields=["status", "reassignment_decision", "reassignment_note"])
    today = _today()
    before = suggestion.status
    if old.is_lead:
        suggestion.due_date = calendar.reply_due(today)
        _move(suggestion, Status.ASSIGNED)
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


@transaction.atomic
def reject_reassignment(
    *, suggestion: Suggestion, note: str, assignment: Assignment | None = None, by
) -> Assignment:
    """不同意调整: staff keep the department; it must acknowledge."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("审核调整申请"))
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
# ---------------------------------------------------------------------------


@transaction.atomic
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
    suggestion = _lock(suggestion)
    _check(permissions.can_log_contact(by, suggestion))
    _require_status(suggestion, CONTACT_STATUSES, _("记录沟通"))
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


@transaction.atomic
def add_progress(
    *,
    suggestion: Suggestion,
    text: str,
    reported_on: dt.date | None = None,
    department: Department | None = None,
    by,
) -> ProgressUpdate:
    """办理进度: a department reports how the handling is going."""
    suggestion = _lock(suggestion)
    _check(permissions.can_add_progress(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("报告办理进度"))
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


@transaction.atomic
def give_co_opinion(
    *, suggestion: Suggestion, text: str, department: Department | None = None, by
) -> CoHandlerOpinion:
    """协办意见: a co-handler sends its opinion to the lead department (once per round)."""
    suggestion = _lock(suggestion)
    _check(permissions.can_give_co_opinion(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("提交协办意见"))
    text = _text(text, "text", _("协办意见"))
    assignment = _assignment_for(suggestion, by, department, role=HandlerRole.CO)
    if CoHandlerOpinion.objects.filter(assignment=assignment).exists():
        raise ValidationError(_("本单位本轮已提交协办意见。"), code="duplicate")
    opinion = CoHandlerOpinion.objects.create(
        assignment=assignment, suggestion=suggestion, text=text, submitted_on=_today(), created_by=by
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


@transaction.atomic
def request_extension(*, suggestion: Suggestion, requested_due: dt.date, reason: str, by) -> ExtensionRequest:
    """申请延期: the lead department asks for a later reply date, at most 6 months after assignment."""
    suggestion = _lock(suggestion)
    _check(permissions.can_request_extension(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("申请延期"))
    reason = _text(reason, "reason", _("延期理由"))
    lead = _assignment_for(suggestion, by, None, role=HandlerRole.LEAD)
    if suggestion.extension_requests.filter(status=RequestStatus.PENDING).exists():
        raise ValidationError(_("已有待审核的延期申请。"), code="duplicate")
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


def _check_extension_date(suggestion: Suggestion, lead: Assignment, requested_due: dt.date | None) -> None:
    if requested_due is None:
        raise ValidationError({"requested_due": _("请填写延期后的答复期限。")}, code="required")
    if requested_due <= suggestion.due_date:
        raise ValidationError(
            {"requested_due": _("延期后的期限必须晚于现在的期限 %(d)s。") % {"d": suggestion.due_date}}
        )
    limit = calendar.latest_extension(lead.assigned_on)
    if requested_due > limit:
        raise ValidationError(
            {"requested_due": _("延期后的期限不能晚于交办后六个月（%(d)s）。") % {"d": limit}},
            code="too_late",
        )


def _pending_extension(suggestion: Suggestion) -> ExtensionRequest:
    request = (
        suggestion.extension_requests.filter(status=RequestStatus.PENDING)
        .select_related("assignment")
        .first()
    )
    if request is None:
        raise ValidationError(_("没有待审核的延期申请。"), code="no_request")
    return request


@transaction.atomic
def approve_extension(
    *, suggestion: Suggestion, note: str = "", due: dt.date | None = None, by
) -> ExtensionRequest:
    """同意延期: staff move the reply date (to the requested date, or an earlier one they choose)."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("审核延期申请"))
    request = _pending_extension(suggestion)
    new_due = due or request.requested_due
    _check_extension_date(suggestion, request.assignment, new_due)
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


@transaction.atomic
def reject_extension(*, suggestion: Suggestion, note: str, by) -> ExtensionRequest:
    """不同意延期: staff keep the reply date."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    _require_status(suggestion, HANDLING_STATUSES, _("审核延期申请"))
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
# ---------------------------------------------------------------------------


@transaction.atomic
def reply(
    *,
    suggestion: Suggestion,
    category: str,
    doc_number: str,
    signer: str,
    contact_person: str,
    contact_phone: str,
    text: str,
    pdf: UploadedFile | None = None,
    replied_on: dt.date | None = None,
    by,
) -> Reply:
    """答复: the lead department files the formal reply of this round, marked A–D."""
    suggestion = _lock(suggestion)
    _check(permissions.can_reply(by, suggestion))
    _require_status(suggestion, [Status.IN_PROGRESS], _("答复"))
    if category not in Category.values:
        raise ValidationError({"category": _("答复分类必须是 A、B、C 或 D。")}, code="invalid_choice")
    fields = {
        "doc_number": _text(doc_number, "doc_number", _("文号"), max_length=64),
        "signer": _text(signer, "signer", _("签发人"), max_length=32),
        "contact_person": _text(contact_person, "contact_person", _("联系人"), max_length=32),
        "contact_phone": _text(contact_phone, "contact_phone", _("联系电话"), max_length=32),
        "text": _text(text, "text", _("答复内容")),
    }
    if not all(ch.isdigit() or ch in "-+ （）()转" for ch in fields["contact_phone"]):
        raise ValidationError({"contact_phone": _("联系电话只能包含数字和 - + ( )。")}, code="invalid")
    lead = _assignment_for(suggestion, by, None, role=HandlerRole.LEAD)
    replied_on = _date_not_future(replied_on, "replied_on", not_before=lead.assigned_on)
    if pdf:
        try:
            validate_pdf(pdf)
        except ValidationError as error:
            raise ValidationError({"pdf": error.messages}) from None
    try:
        with transaction.atomic():
            answer = Reply.objects.create(
                suggestion=suggestion,
                department=lead.department,
                round=suggestion.round,
                category=category,
                replied_on=replied_on,
                due_date=suggestion.due_date,
                created_by=by,
                **fields,
            )
    except IntegrityError:
        raise ValidationError(_("本轮已有答复。"), code="duplicate") from None
    if pdf:
        answer.pdf.save(pdf.name or "reply.pdf", pdf, save=True)
    before = _move(suggestion, Status.REPLIED)
    _record(
        suggestion,
        EventKind.REPLY,
        by,
        before=before,
        department=lead.department,
        category=category,
        doc_number=fields["doc_number"],
        replied_on=replied_on,
        on_time=answer.on_time,
        on_behalf=_on_behalf(by, suggestion, permissions.is_lead_handler) or None,
    )
    # The reply e-mail with each proposer's one-click rating link, once the reply is committed.
    from notifications.tasks import notify_replied

    suggestion_id = suggestion.pk
    transaction.on_commit(lambda: notify_replied.enqueue(suggestion_id=suggestion_id))
    return answer


@transaction.atomic
def rate(
    *,
    suggestion: Suggestion,
    attitude: str,
    result: str,
    comment: str = "",
    delegate: Delegate | None = None,
    by,
) -> Rating:
    """评价: a proposer rates this round's reply; the lead's rating closes it or sends it to review."""
    suggestion = _lock(suggestion)
    _check(permissions.can_rate(by, suggestion))
    roles = permissions.roles(by)
    own = permissions.is_proposer(by, suggestion)
    if delegate is None:
        if own:
            delegate = Delegate.objects.get(pk=roles.delegate_id)
        else:
            delegate = suggestion.lead_delegate
    elif delegate.pk != roles.delegate_id and not roles.staff:
        raise PermissionDenied(_("只能以本人名义评价。"))
    positions = dict(suggestion.proposers.values_list("delegate_id", "position"))
    if delegate is None or delegate.pk not in positions:
        raise ValidationError({"delegate": _("只有该建议的提出代表可以评价。")}, code="not_proposer")
    is_lead = positions[delegate.pk] == 1
    for field, value in (("attitude", attitude), ("result", result)):
        if value not in Verdict.values:
            raise ValidationError({field: _("评价必须是满意、基本满意或不满意。")}, code="invalid_choice")
    comment = (comment or "").strip()
    if Verdict.UNSATISFIED in (attitude, result) and not comment:
        raise ValidationError({"comment": _("评价为不满意时必须填写意见。")}, code="required")
    answer = suggestion.replies.filter(round=suggestion.round).first()
    if answer is None:
        raise ValidationError(_("本轮尚未答复，不能评价。"), code="invalid_state")
    if is_lead:
        _require_status(suggestion, [Status.REPLIED], _("评价"))
    else:
        _require_status(suggestion, [Status.REPLIED, Status.REVIEW, Status.CLOSED], _("评价"))
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                suggestion=suggestion,
                reply=answer,
                round=suggestion.round,
                delegate=delegate,
                is_lead=is_lead,
                attitude=attitude,
                result=result,
                comment=comment,
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s 已评价过本轮答复。") % {"name": delegate.name}, code="duplicate"
        ) from None
    before = suggestion.status
    if is_lead:
        _move(suggestion, Status.REVIEW if rating.unsatisfied else Status.CLOSED)
    _record(
        suggestion,
        EventKind.RATE,
        by,
        before=before,
        note=comment,
        delegate=delegate.name,
        lead=is_lead,
        attitude=attitude,
        result=result,
        on_behalf=(delegate.pk != roles.delegate_id) or None,
    )
    return rating


@transaction.atomic
def rehandle(
    *, suggestion: Suggestion, note: str, lead: Department | None = None, due: dt.date | None = None, by
) -> Suggestion:
    """重新办理: after a 不满意 rating staff send it back; round + 1, reply due in 1 month."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    _require_status(suggestion, [Status.REVIEW], _("重新办理"))
    note = _text(note, "note", _("重新办理意见"))
    previous = list(
        suggestion.assignments.active().filter(round=suggestion.round).select_related("department")
    )
    old_lead = next(a.department for a in previous if a.is_lead)
    new_lead = lead or old_lead
    today = _today()
    due = due or calendar.rehandling_due(today)
    if due < today or due > calendar.latest_extension(today):
        raise ValidationError({"due": _("答复期限须在今天之后、六个月之内。")}, code="invalid_due")
    before = _move(suggestion, Status.IN_PROGRESS)
    suggestion.round += 1
    suggestion.due_date = due
    suggestion.save()
    _new_assignment(suggestion, new_lead, HandlerRole.LEAD, on=today, by=by, due=due, acknowledged=True)
    for a in previous:
        if not a.is_lead and a.department != new_lead:
            _new_assignment(suggestion, a.department, HandlerRole.CO, on=today, by=by, acknowledged=True)
    _record(
        suggestion,
        EventKind.REHANDLE,
        by,
        before=before,
        department=new_lead,
        note=note,
        lead=new_lead.name,
        due=due,
    )
    return suggestion


@transaction.atomic
def close(*, suggestion: Suggestion, reason: str, by) -> Suggestion:
    """办结 by staff: after a 不满意 review, or a reply the delegates never rated, with a written reason."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    _require_status(suggestion, [Status.REVIEW, Status.REPLIED], _("办结"))
    reason = _text(reason, "reason", _("办结理由"))
    before = _move(suggestion, Status.CLOSED)
    _record(suggestion, EventKind.CLOSE, by, before=before, note=reason)
    return suggestion


@transaction.atomic
def withdraw(*, suggestion: Suggestion, reason: str = "", by) -> Suggestion:
    """撤回: the lead delegate (or staff at their request) withdraws the suggestion."""
    suggestion = _lock(suggestion)
    _check(permissions.can_withdraw(by, suggestion))
    _require_status(suggestion, [Status.REGISTERED, *OPEN_STATUSES], _("撤回"))
    reason = _text(reason, "reason", _("撤回理由"), required=not permissions.is_lead_delegate(by, suggestion))
    before = _move(suggestion, Status.WITHDRAWN)
    _record(
        suggestion,
        EventKind.WITHDRAW,
        by,
        before=before,
        note=reason,
        on_behalf=_on_behalf(by, suggestion, permissions.is_lead_delegate) or None,
    )
    return suggestion


@transaction.atomic
def not_accept(*, suggestion: Suggestion, reason: str, by) -> Suggestion:
    """不予受理: staff decline a registered suggestion, with the reason."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    _require_status(suggestion, [Status.REGISTERED], _("不予受理"))
    reason = _text(reason, "reason", _("不予受理理由"))
    before = _move(suggestion, Status.NOT_ACCEPTED)
    _record(suggestion, EventKind.NOT_ACCEPT, by, before=before, note=reason)
    return suggestion


# ---------------------------------------------------------------------------
# Publication and follow-up
# ---------------------------------------------------------------------------


def _reply_of(suggestion: Suggestion, answer: Reply | None) -> Reply:
    qs = suggestion.replies.all()
    if answer is not None:
        qs = qs.filter(pk=answer.pk)
    found = qs.order_by("-round").first()
    if found is None:
        raise ValidationError(_("该建议还没有答复。"), code="no_reply")
    return found


@transaction.atomic
def publish(*, suggestion: Suggestion, mode: str = Publication.FULL, reply: Reply | None = None, by) -> Reply:
    """公开答复: publish a reply, whole or title only (whole needs the delegates' consent)."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    if mode not in (Publication.FULL, Publication.TITLE_ONLY):
        raise ValidationError({"mode": _("公开方式必须是全文公开或仅公开标题。")}, code="invalid_choice")
    if suggestion.status == Status.WITHDRAWN:
        _require_status(suggestion, [], _("公开答复"))
    answer = _reply_of(suggestion, reply)
    if mode == Publication.FULL and not suggestion.disclosure_consent:
        raise ValidationError({"mode": _("代表未同意公开，只能公开标题。")}, code="no_consent")
    if answer.publication == mode:
        raise ValidationError(_("该答复已按此方式公开。"), code="unchanged")
    answer.publication = mode
    answer.published_at = timezone.now()
    answer.save(update_fields=["publication", "published_at"])
    _record(
        suggestion,
        EventKind.PUBLISH,
        by,
        department=answer.department,
        mode=mode,
        reply_round=answer.round,
        on_time=timezone.localdate() <= calendar.publication_due(answer.replied_on),
    )
    return answer


@transaction.atomic
def unpublish(*, suggestion: Suggestion, note: str, reply: Reply | None = None, by) -> Reply:
    """撤销公开: take a published reply back."""
    suggestion = _lock(suggestion)
    _check(permissions.can_decide(by, suggestion))
    note = _text(note, "note", _("撤销理由"))
    answer = _reply_of(suggestion, reply)
    if not answer.is_published:
        raise ValidationError(_("该答复未公开。"), code="unchanged")
    answer.publication = Publication.UNPUBLISHED
    answer.published_at = None
    answer.save(update_fields=["publication", "published_at"])
    _record(
        suggestion, EventKind.UNPUBLISH, by, department=answer.department, note=note, reply_round=answer.round
    )
    return answer


@transaction.atomic
def follow_up(*, suggestion: Suggestion, text: str, fulfilled: bool = False, by) -> ProgressUpdate:
    """跟踪落实: after closing, the lead department reports on the promise of a B/C reply."""
    suggestion = _lock(suggestion)
    _check(permissions.can_follow_up(by, suggestion))
    _require_status(suggestion, [Status.CLOSED], _("报告跟踪落实情况"))
    text = _text(text, "text", _("落实情况"))
    last = suggestion.replies.order_by("-round").first()
    if last is None or last.category not in PROMISE_CATEGORIES:
        raise ValidationError(_("只有 B 类、C 类答复需要跟踪落实。"), code="no_promise")
    if suggestion.progress_updates.filter(kind=ProgressKind.FOLLOW_UP, fulfilled=True).exists():
        raise ValidationError(_("承诺已兑现，无需再跟踪。"), code="fulfilled")
    update = ProgressUpdate.objects.create(
        suggestion=suggestion,
        department=last.department,
        round=suggestion.round,
        kind=ProgressKind.FOLLOW_UP,
        text=text,
        fulfilled=fulfilled,
        reported_on=_today(),
        created_by=by,
    )
    _record(
        suggestion,
        EventKind.FOLLOW_UP,
        by,
        department=last.department,
        note=text,
        fulfilled=fulfilled,
        on_behalf=_on_behalf(by, suggestion, permissions.is_lead_handler_any_round) or None,
    )
    return update
