"""What a suggestion's records must show before a step is offered (the ``ready`` of each ``@step``).

These read the prefetched records when the API detail has loaded them, so listing the available steps
costs no query there; the workflow function still checks the same facts under its row lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from suggestions import calendar
from suggestions.models import (
    PROMISE_CATEGORIES,
    Assignment,
    AssignmentStatus,
    EventKind,
    HandlerRole,
    ProgressKind,
    Publication,
    RequestStatus,
    Status,
    Suggestion,
)
from suggestions.policy import permissions


def why(reason: str) -> Callable[[Callable], Callable]:
    """What a refusal says when this check fails (``Step.refusal``): every refusal says why."""

    def mark(check: Callable) -> Callable:
        check.why = reason
        return check

    return mark


def _prefetched(s: Suggestion, relation: str):
    """The suggestion's prefetched ``relation`` records (the API detail loads them), else None.

    Prefetched records may be scoped to the viewer (replies are); the checks below read them only for
    users who may read the whole handling record, for whom they are all the suggestion's records.
    """
    return getattr(s, "_prefetched_objects_cache", {}).get(relation)


def _exists(s: Suggestion, relation: str, **equal) -> bool:
    """``s.<relation>.filter(**equal).exists()`` (plain equality lookups), read from prefetched records."""
    records = _prefetched(s, relation)
    if records is None:
        return getattr(s, relation).filter(**equal).exists()
    return any(all(getattr(r, name) == value for name, value in equal.items()) for r in records)


@why(_("没有待签收的交办：已签收，或交办已调整。"))
def has_pending_assignment(user, s: Suggestion) -> bool:
    pending = [a for a in s.current_assignments() if a.status == AssignmentStatus.PENDING]
    if permissions.is_staff(user):
        return bool(pending)
    return any(a.department_id in permissions.roles(user).department_ids for a in pending)


@why(_("没有待审核的调整申请。"))
def pending_reassignment(user, s: Suggestion) -> bool:
    # A request is this round's assignment awaiting the decision (so not a replaced one).
    return any(a.status == AssignmentStatus.REASSIGN_REQUESTED for a in s.current_assignments())


@why(_("没有待审核的延期申请。"))
def pending_extension(user, s: Suggestion) -> bool:
    return _exists(s, "extension_requests", status=RequestStatus.PENDING)


@why(_("本轮没有待提交的协办意见：已提交，或本单位不是协办单位。"))
def co_opinion_due(user, s: Suggestion) -> bool:
    """A current-round co-handling assignment (the user's own, or any for staff) still without an opinion."""
    due = [a for a in s.current_assignments() if a.role == HandlerRole.CO]
    if not permissions.is_staff(user):
        due = [a for a in due if a.department_id in permissions.roles(user).department_ids]
    if not due:
        return False
    opinions = _prefetched(s, "co_opinions")
    if opinions is None:
        return s.assignments.filter(pk__in=[a.pk for a in due], opinion__isnull=True).exists()
    answered = {o.assignment_id for o in opinions}
    return any(a.pk not in answered for a in due)


def awaited_co_opinions(suggestion: Suggestion, on: dt.date | None = None) -> list[Assignment]:
    """The co-handlers of this round whose opinion the lead must still wait for before replying: none
    sent, its deadline (one month) not passed on `on`, and staff have not let the lead reply first."""
    on = on or calendar.today()
    waived: set[int] = set()
    for data in suggestion.events.filter(kind=EventKind.WAIVE_CO_OPINION, round=suggestion.round).values_list(
        "data", flat=True
    ):
        waived.update(data.get("department_ids", []))
    return [
        a
        for a in suggestion.assignments.active()
        .filter(round=suggestion.round, role=HandlerRole.CO, opinion__isnull=True, due_date__gte=on)
        .select_related("department")
        .order_by("department__sort_order", "department__name")
        if a.department_id not in waived
    ]


@why(_("没有需要等待的协办意见：协办意见已提交、已过期限，或已准予先行答复。"))
def co_opinion_awaited(user, s: Suggestion) -> bool:
    """A co-handler's opinion the lead must still wait for (offers 准予先行答复 to staff)."""
    return co_opinion_due(user, s) and bool(awaited_co_opinions(s))


@why(_("尚无答复。"))
def has_reply(user, s: Suggestion) -> bool:
    replies = _prefetched(s, "replies")
    return s.replies.exists() if replies is None else bool(replies)


@why(_("没有已公开的答复。"))
def has_published_reply(user, s: Suggestion) -> bool:
    replies = _prefetched(s, "replies")
    if replies is None:
        return s.replies.published().exists()
    return any(r.publication != Publication.UNPUBLISHED for r in replies)


@why(_("只有 B 类、C 类答复需要跟踪落实，且承诺尚未兑现。"))
def promise_open(user, s: Suggestion) -> bool:
    """The latest reply is B or C and its promise is not yet reported fulfilled (as workflow.follow_up checks)."""
    replies = _prefetched(s, "replies")
    if replies is None:
        last = s.replies.order_by("-round").first()
    else:
        last = max(replies, key=lambda r: r.round, default=None)  # one reply per round
    return (
        last is not None
        and last.category in PROMISE_CATEGORIES
        and not _exists(s, "progress_updates", kind=ProgressKind.FOLLOW_UP, fulfilled=True)
    )


@why(_("现在不能评价：本轮尚无答复，或您已评价。"))
def can_rate_now(user, s: Suggestion) -> bool:
    if not permissions.can_rate(user, s) or not _exists(s, "replies", round=s.round):
        return False
    r = permissions.roles(user)
    if permissions.is_proposer(user, s):
        rated = _exists(s, "ratings", round=s.round, delegate_id=r.delegate_id)
        lead = permissions.is_lead_delegate(user, s)
        allowed = [Status.REPLIED] if lead else [Status.REPLIED, Status.REVIEW, Status.CLOSED]
        return not rated and s.status in allowed
    return s.status == Status.REPLIED


@why(_("已有待审核的延期申请。"))
def no_pending_extension(user, s: Suggestion) -> bool:
    return not pending_extension(user, s)
