"""What a suggestion's records must show before a step is offered (the ``ready`` of each ``@step``).

These read the prefetched records when the API detail has loaded them, so listing the available steps
costs no query there; ``@step`` asks the same check again under the row lock before the workflow function
runs, and raises its ``@why`` (or its ``No``) as the ValidationError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

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


def why(reason: str, code: str, field: str = "") -> Callable[[Callable], Callable]:
    """What a refusal says when this check fails, its error code and the input it concerns (if one): the
    step's page says it (``Step.refusal``) and the workflow raises it (``@step`` checks ``ready`` under the
    row lock; with ``field``, as that field's error, so the API's 400 names it)."""

    def mark(check: Callable) -> Callable:
        check.why = reason
        check.code = code
        check.field = field
        return check

    return mark


@dataclass(frozen=True)
class No:
    """A check's "no" with a reason more precise than its ``@why`` (falsy, like ``False``)."""

    why: str
    code: str

    def __bool__(self) -> bool:
        return False


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


@why(_("没有待签收的交办：已签收，或交办已调整。"), "invalid_state")
def has_pending_assignment(user, s: Suggestion) -> bool:
    pending = [a for a in s.current_assignments() if a.status == AssignmentStatus.PENDING]
    if permissions.is_staff(user):
        return bool(pending)
    return any(a.department_id in permissions.roles(user).department_ids for a in pending)


@why(_("没有待审核的调整申请。"), "no_request", field="assignment")
def pending_reassignment(user, s: Suggestion) -> bool:
    # A request is this round's assignment awaiting the decision (so not a replaced one).
    return any(a.status == AssignmentStatus.REASSIGN_REQUESTED for a in s.current_assignments())


@why(_("没有待审核的延期申请。"), "no_request")
def pending_extension(user, s: Suggestion) -> bool:
    return _exists(s, "extension_requests", status=RequestStatus.PENDING)


@why(_("本轮没有待提交的协办意见：已提交，或本单位不是协办单位。"), "duplicate")
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


@why(
    _("没有需要等待的协办意见：协办意见已提交、已过期限，或已准予先行答复。"),
    "nothing_awaited",
    field="department",
)
def co_opinion_awaited(user, s: Suggestion) -> bool:
    """A co-handler's opinion the lead must still wait for (offers 准予先行答复 to staff)."""
    return co_opinion_due(user, s) and bool(awaited_co_opinions(s))


@why(_("尚无答复。"), "no_reply")
def has_reply(user, s: Suggestion) -> bool:
    replies = _prefetched(s, "replies")
    return s.replies.exists() if replies is None else bool(replies)


@why(_("没有已公开的答复。"), "unchanged")
def has_published_reply(user, s: Suggestion) -> bool:
    replies = _prefetched(s, "replies")
    if replies is None:
        return s.replies.published().exists()
    return any(r.publication != Publication.UNPUBLISHED for r in replies)


@why(_("只有 B 类、C 类答复需要跟踪落实，且承诺尚未兑现。"), "no_promise")
def promise_open(user, s: Suggestion) -> bool | No:
    """The latest reply is B or C and its promise is not yet reported fulfilled."""
    replies = _prefetched(s, "replies")
    if replies is None:
        last = s.replies.order_by("-round").first()
    else:
        last = max(replies, key=lambda r: r.round, default=None)  # one reply per round
    if last is None or last.category not in PROMISE_CATEGORIES:
        return False
    if _exists(s, "progress_updates", kind=ProgressKind.FOLLOW_UP, fulfilled=True):
        return No(_("承诺已兑现，无需再跟踪。"), "fulfilled")
    return True


@why(_("现在不能评价：本轮尚无答复，或您已评价。"), "invalid_state")
def can_rate_now(user, s: Suggestion) -> bool | No:
    """A proposer who has not rated this round's reply (the lead only while it awaits the rating);
    staff, recording a rating on a proposer's behalf, while a proposer has not rated this round."""
    if not permissions.can_rate(user, s) or not _exists(s, "replies", round=s.round):
        return False
    r = permissions.roles(user)
    if permissions.is_proposer(user, s):
        if _exists(s, "ratings", round=s.round, delegate_id=r.delegate_id):
            return No(_("您已评价过本轮答复。"), "duplicate")
        return s.status == Status.REPLIED or not permissions.is_lead_delegate(user, s)
    if s.status == Status.REPLIED:
        return True
    ratings = _prefetched(s, "ratings")
    if ratings is None:
        rated = set(s.ratings.filter(round=s.round).values_list("delegate_id", flat=True))
    else:
        rated = {x.delegate_id for x in ratings if x.round == s.round}
    proposers = _prefetched(s, "proposers")
    if proposers is None:
        return s.proposers.exclude(delegate_id__in=rated).exists()
    return any(p.delegate_id not in rated for p in proposers)


@why(_("已有待审核的延期申请。"), "duplicate")
def no_pending_extension(user, s: Suggestion) -> bool:
    return not pending_extension(user, s)
