"""What a suggestion's records must show before a step is offered (the ``ready`` of each ``@step``).

These read the prefetched records when the API detail has loaded them, so listing the available steps
costs no query there; the workflow function still checks the same facts under its row lock.
"""

from __future__ import annotations

from suggestions.models import (
    PROMISE_CATEGORIES,
    AssignmentStatus,
    HandlerRole,
    ProgressKind,
    Publication,
    RequestStatus,
    Status,
    Suggestion,
)
from suggestions.policy import permissions


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


def has_pending_assignment(user, s: Suggestion) -> bool:
    pending = [a for a in s.current_assignments() if a.status == AssignmentStatus.PENDING]
    if permissions.is_staff(user):
        return bool(pending)
    return any(a.department_id in permissions.roles(user).department_ids for a in pending)


def pending_reassignment(user, s: Suggestion) -> bool:
    # A request is this round's assignment awaiting the decision (so not a replaced one).
    return any(a.status == AssignmentStatus.REASSIGN_REQUESTED for a in s.current_assignments())


def pending_extension(user, s: Suggestion) -> bool:
    return _exists(s, "extension_requests", status=RequestStatus.PENDING)


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


def has_reply(user, s: Suggestion) -> bool:
    replies = _prefetched(s, "replies")
    return s.replies.exists() if replies is None else bool(replies)


def has_published_reply(user, s: Suggestion) -> bool:
    replies = _prefetched(s, "replies")
    if replies is None:
        return s.replies.published().exists()
    return any(r.publication != Publication.UNPUBLISHED for r in replies)


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


def no_pending_extension(user, s: Suggestion) -> bool:
    return not pending_extension(user, s)
