"""What every step shares: the transition table, the row lock, the checks, and the event it records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from suggestions import calendar
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    Event,
    HandlerRole,
    Status,
    Suggestion,
)
from suggestions.policy import permissions
from suggestions.queries import facts

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


def move(suggestion: Suggestion, to: str) -> str:
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


def _actor(by) -> tuple[Any, str]:
    """Who an event names: the user (none for the system or an anonymous caller) and their name."""
    actor = by if by is not None and by.is_authenticated else None
    return actor, (actor.get_full_name() or actor.get_username()) if actor else _("系统")


def _record_many(
    suggestions: Sequence[Suggestion],
    kind: str,
    by,
    *,
    data: Sequence[dict[str, Any]] | None = None,
    note: str = "",
) -> list[Event]:
    """One event per suggestion, in one insert, its status unchanged (a registration in bulk, a
    correction of what many suggestions show); ``data`` is each one's, in the same order."""
    actor, actor_name = _actor(by)
    at = timezone.now()
    return Event.objects.bulk_create(
        Event(
            suggestion=s,
            kind=kind,
            actor=actor,
            actor_name=actor_name,
            at=at,
            round=s.round,
            from_status=s.status,
            to_status=s.status,
            note=note,
            data=_jsonable(d),
        )
        for s, d in zip(suggestions, data if data is not None else [{}] * len(suggestions), strict=True)
    )


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
    actor, actor_name = _actor(by)
    event = Event.objects.create(
        suggestion=suggestion,
        kind=kind,
        actor=actor,
        actor_name=actor_name,
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
    value = value or calendar.today()
    if value > calendar.today():
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
