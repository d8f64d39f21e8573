"""The notifications a workflow step writes itself, in its own transaction.

A step appends its `Event`; this module listens (post_save of `Event`, connected in
`notifications.apps`) and writes the in-app notifications of that step in the same transaction, so a
reply that commits has its "please rate" notification, and one that rolls back has none. Only the
e-mail waits for the task worker: the rows are handed to it once the transaction commits.

| event                      | who is told                                                     |
|----------------------------|-----------------------------------------------------------------|
| 交办 / 重新办理             | the handlers of every department of the round (lead and co-handlers) |
| 同意调整                    | the handlers of the new department and of the one that asked    |
| 不同意调整                  | the handlers of the department that asked                       |
| 同意延期 / 不同意延期        | the handlers of the lead department                             |
| 答复                        | every proposer with an account (the rating request, with its link) and the co-handlers |
| 评价 不满意                 | staff                                                           |

The deadline reminders (due soon, overdue) are found by the hourly reminder run (`reminders.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from notifications import reminders
from notifications.models import Kind, Notification
from suggestions.models import Assignment, EventKind, HandlerRole, Verdict


def _handlers(department_ids: Iterable[int]) -> list[int]:
    found = reminders.members(department_ids)
    return [user_id for ids in found.values() for user_id in ids]


def _round_departments(event, *, role: str | None = None) -> list[Assignment]:
    qs = Assignment.objects.active().filter(suggestion_id=event.suggestion_id, round=event.round)
    if role:
        qs = qs.filter(role=role)
    return list(
        qs.select_related("department").order_by("role", "department__sort_order", "department__name")
    )


def _assigned(event) -> list[Notification]:
    s = event.suggestion
    rows = []
    for a in _round_departments(event):
        names = {
            "n": s.number,
            "title": s.title,
            "role": a.get_role_display(),
            "due": a.due_date,
        }
        if event.kind == EventKind.REHANDLE:
            title = _("第%(n)s号建议重新办理（%(role)s）") % names
            message = (
                _("代表对「%(title)s」的答复不满意，已交贵单位重新办理（%(role)s），请于 %(due)s 前办结。")
                % names
            )
        else:
            title = _("新交办：第%(n)s号建议（%(role)s）") % names
            message = (
                _("「%(title)s」已交贵单位%(role)s，期限 %(due)s。请及时签收，并与领衔代表联系。") % names
            )
        rows += _rows(event, Kind.ASSIGNED, _handlers([a.department_id]), title, message, due=a.due_date)
    return rows


def _reassignment_decided(event) -> list[Notification]:
    s = event.suggestion
    if event.kind == EventKind.APPROVE_REASSIGNMENT:
        names = {
            "n": s.number,
            "title": s.title,
            "old": event.data.get("old_department", ""),
            "new": event.data.get("new_department", ""),
        }
        asked = list(
            Assignment.objects.filter(
                suggestion_id=s.pk, round=event.round, department__name=names["old"]
            ).values_list("department_id", flat=True)
        )
        return _rows(
            event,
            Kind.REASSIGNMENT_DECIDED,
            _handlers([*asked, event.department_id]),
            _("第%(n)s号建议调整申请已同意") % names,
            _("「%(title)s」改由%(new)s办理（原为%(old)s）。") % names,
        )
    names = {"n": s.number, "title": s.title, "note": event.note}
    return _rows(
        event,
        Kind.REASSIGNMENT_DECIDED,
        _handlers([event.department_id]),
        _("第%(n)s号建议调整申请未同意") % names,
        _("「%(title)s」仍由贵单位办理。审核意见：%(note)s") % names,
    )


def _extension_decided(event) -> list[Notification]:
    s = event.suggestion
    names = {"n": s.number, "title": s.title, "due": s.due_date, "note": event.note or _("无")}
    if event.kind == EventKind.APPROVE_EXTENSION:
        title = _("第%(n)s号建议延期申请已同意") % names
        message = _("「%(title)s」的答复期限延至 %(due)s。审核意见：%(note)s") % names
    else:
        title = _("第%(n)s号建议延期申请未同意") % names
        message = _("「%(title)s」的答复期限仍为 %(due)s。审核意见：%(note)s") % names
    return _rows(
        event, Kind.EXTENSION_DECIDED, _handlers([event.department_id]), title, message, due=s.due_date
    )


def _replied(event) -> list[Notification]:
    # The proposers' rating request is the reminder run's rule for this one suggestion (the same text,
    # deadline and key as the hourly run would write, so that run never writes it twice).
    reminders.create(reminders.collect(suggestion_ids=[event.suggestion_id], kinds=[Kind.RATING_REQUEST]))
    s = event.suggestion
    co = [a.department_id for a in _round_departments(event, role=HandlerRole.CO)]
    names = {"n": s.number, "title": s.title, "dept": event.department.name if event.department else ""}
    rows = _rows(
        event,
        Kind.LEAD_REPLIED,
        _handlers(co),
        _("第%(n)s号建议主办单位已答复") % names,
        _("「%(title)s」已由主办单位%(dept)s答复代表，协办工作本轮结束。") % names,
    )
    return rows


def _unsatisfied(event) -> list[Notification]:
    if Verdict.UNSATISFIED not in (event.data.get("attitude"), event.data.get("result")):
        return []
    s = event.suggestion
    names = {"n": s.number, "title": s.title, "who": event.data.get("delegate", ""), "note": event.note}
    return _rows(
        event,
        Kind.UNSATISFIED,
        reminders.staff_user_ids(),
        _("第%(n)s号建议：代表不满意") % names,
        _("%(who)s代表对「%(title)s」的答复不满意：%(note)s。请决定重新办理或办结。") % names,
    )


def _rows(
    event, kind: str, recipients: Iterable[int], title: str, message: str, *, due=None
) -> list[Notification]:
    return [
        Notification(
            recipient_id=user_id,
            kind=kind,
            suggestion_id=event.suggestion_id,
            round=event.round,
            key=f"e{event.pk}",
            due_date=due,
            title=title[:200],
            message=message,
        )
        for user_id in dict.fromkeys(recipients)
        if user_id != event.actor_id  # nobody is told what they did themselves
    ]


WRITERS: dict[str, Callable] = {
    EventKind.ASSIGN: _assigned,
    EventKind.REHANDLE: _assigned,
    EventKind.APPROVE_REASSIGNMENT: _reassignment_decided,
    EventKind.REJECT_REASSIGNMENT: _reassignment_decided,
    EventKind.APPROVE_EXTENSION: _extension_decided,
    EventKind.REJECT_EXTENSION: _extension_decided,
    EventKind.REPLY: _replied,
    EventKind.RATE: _unsatisfied,
}


def on_event(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    """post_save of `Event`: write the step's notifications now; queue their e-mails on commit."""
    writer = WRITERS.get(instance.kind)
    if raw or not created or writer is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        written = writer(instance)
    if written:
        Notification.objects.bulk_create(written)
    transaction.on_commit(reminders.queue_emails)
