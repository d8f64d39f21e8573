"""督办 queues: the suggestions waiting for a committee decision, as the staff home, the queue pages and
the queue exports list them (one definition for every door)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext_lazy

from suggestions.models import (
    Assignment,
    AssignmentStatus,
    ExtensionRequest,
    Publication,
    Rating,
    Reply,
    RequestStatus,
    Status,
    Suggestion,
)
from suggestions.queries import stats


@dataclass(frozen=True)
class Queue:
    """A staff work queue: suggestions waiting for a committee decision."""

    slug: str
    label: str
    description: str
    step: str | None  # the step a row links to
    select: Callable[[], QuerySet]
    prefetch: tuple = ()

    def queryset(self) -> QuerySet:
        qs = self.select().for_list()
        return qs.prefetch_related(*self.prefetch) if self.prefetch else qs

    def rows(self, limit: int | None = None) -> list[Suggestion]:
        qs = self.queryset()
        return list(qs[:limit] if limit else qs)

    def count(self) -> int:
        return stats.cached_count(self.select())


def _reassignment_requests() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(status=AssignmentStatus.REASSIGN_REQUESTED).select_related(
            "department"
        ),
        to_attr="reassignment_requests",
    )


def _pending_extensions() -> Prefetch:
    return Prefetch(
        "extension_requests",
        queryset=ExtensionRequest.objects.filter(status=RequestStatus.PENDING).select_related(
            "assignment__department"
        ),
        to_attr="pending_extensions",
    )


def _unpublished_replies() -> Prefetch:
    return Prefetch(
        "replies",
        queryset=Reply.objects.filter(publication=Publication.UNPUBLISHED).select_related("department"),
        to_attr="unpublished_replies",
    )


def _lead_ratings() -> Prefetch:
    return Prefetch(
        "ratings",
        queryset=Rating.objects.filter(is_lead=True).select_related("delegate").order_by("-round"),
        to_attr="lead_ratings",
    )


# Newest session first, then the number: the suggestion_list_order index serves the queues' first page
# without sorting every matching row (the publication queue: 21 ms → 0.1 ms at 100,000 suggestions).
LIST_ORDER = tuple(Suggestion._meta.ordering)

QUEUES: dict[str, Queue] = {
    queue.slug: queue
    for queue in [
        Queue(
            "reassignment",
            gettext_lazy("调整申请"),
            gettext_lazy("承办单位申请调整，等待审核。"),
            "approve_reassignment",
            lambda: Suggestion.objects.filter(
                Exists(
                    Assignment.objects.filter(
                        suggestion=OuterRef("pk"),
                        round=OuterRef("round"),
                        status=AssignmentStatus.REASSIGN_REQUESTED,
                    )
                )
            ).order_by(*LIST_ORDER),
            (_reassignment_requests(),),
        ),
        Queue(
            "extension",
            gettext_lazy("延期申请"),
            gettext_lazy("主办单位申请延期答复，等待审核。"),
            "approve_extension",
            lambda: Suggestion.objects.filter(
                Exists(
                    ExtensionRequest.objects.filter(suggestion=OuterRef("pk"), status=RequestStatus.PENDING)
                )
            ).order_by(*LIST_ORDER),
            (_pending_extensions(),),
        ),
        Queue(
            "review",
            gettext_lazy("不满意待复核"),
            gettext_lazy("领衔代表评价不满意：重新办理或说明理由后办结。"),
            "rehandle",
            lambda: Suggestion.objects.filter(status=Status.REVIEW).order_by(*LIST_ORDER),
            (_lead_ratings(),),
        ),
        Queue(
            "overdue",
            gettext_lazy("已逾期"),
            gettext_lazy("答复期限已过仍未答复（督办）。"),
            None,
            lambda: Suggestion.objects.overdue().order_by("due_date", "number"),
        ),
        Queue(
            "due_soon",
            gettext_lazy("临近期限"),
            gettext_lazy("答复期限在提醒期内（督办）。"),
            None,
            lambda: Suggestion.objects.due_soon().order_by("due_date", "number"),
        ),
        Queue(
            "publication",
            gettext_lazy("待公开答复"),
            gettext_lazy("已答复但尚未公开的答复。"),
            "publish",
            lambda: (
                Suggestion.objects.filter(
                    Exists(
                        Reply.objects.filter(suggestion=OuterRef("pk"), publication=Publication.UNPUBLISHED)
                    )
                )
                .exclude(status=Status.WITHDRAWN)
                .order_by(*LIST_ORDER)
            ),
            (_unpublished_replies(),),
        ),
    ]
}
