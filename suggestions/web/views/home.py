"""The home page per role (staff queues, the department inbox, the delegate's suggestions, the public)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegates.models import Delegate
from departments.models import Department
from suggestions import calendar
from suggestions.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    CongressSession,
    HandlerRole,
    Proposer,
    Publication,
    Rating,
    Reply,
    Status,
    Suggestion,
)
from suggestions.policy import permissions
from suggestions.policy.scoping import visible
from suggestions.queries import stats
from suggestions.queries.queues import QUEUES
from suggestions.web.views.common import HOME_ROWS, current_session, paginate, staff_only
from suggestions.web.views.dashboard import stats_queryset, with_percents

# ---------------------------------------------------------------------------
# Home: one section per role the user holds
# ---------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """首页: staff queues, a department's inbox, a delegate's suggestions, or the public overview."""
    user = request.user
    r = permissions.roles(user)
    today = timezone.localdate()
    context: dict = {"roles": r, "today": today}
    if r.staff:
        context["tasks"] = _staff_tasks(today)
    if r.handler:
        inbox = _inbox_assignments(r)
        context["inbox"] = _with_countdown(list(inbox[:HOME_ROWS]), today)
        context["inbox_count"] = inbox.count()
    if r.delegate:
        mine = _my_suggestions(r.delegate_id)
        context["mine"] = _with_suggestion_countdown(list(mine[:HOME_ROWS]), today)
        context["mine_count"] = mine.count()
        context["to_rate"] = [s for s in context["mine"] if s.can_rate_now]
    if not (r.staff or r.handler or r.delegate):
        session = current_session()
        context["session"] = session
        context["themes"] = _public_suggestions(user, session)
        context["overview"] = _overview(user, session)
    return render(request, "suggestions/home.html", context)


@dataclass
class Task:
    """One line of the staff's task list: what waits, how many, and where to act."""

    label: str
    count: int
    url: str
    action: str
    description: str = ""
    slug: str = ""
    rows: list = field(default_factory=list)


def _staff_tasks(today: dt.date) -> dict:
    """The staff home as a task list: the items with something to do first (with their first rows), the
    empty ones after, muted, in one line."""
    tasks = [
        Task(
            label=_("待交办"),
            count=stats.cached_count(Suggestion.objects.filter(status=Status.REGISTERED)),
            url=reverse("assign_bulk"),
            action=_("去交办"),
            description=_("已登记的建议，等待交办会确定承办单位。"),
            slug="assign",
        )
    ]
    for queue in QUEUES.values():
        tasks.append(
            Task(
                label=str(queue.label),
                count=queue.count(),
                url=reverse("queue", args=[queue.slug]),
                action=_("去处理"),
                description=str(queue.description),
                slug=queue.slug,
            )
        )
    for task in tasks:
        if task.count and task.slug in QUEUES:
            task.rows = _with_suggestion_countdown(QUEUES[task.slug].rows(HOME_ROWS), today)
    return {"todo": [t for t in tasks if t.count], "done": [t for t in tasks if not t.count]}


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    """督办 queues: one staff work queue, paginated."""
    staff_only(request)
    chosen = QUEUES.get(slug)
    if chosen is None:
        raise Http404
    page = paginate(request, chosen.queryset())
    today = timezone.localdate()
    _with_suggestion_countdown(page.object_list, today)
    return render(
        request, "suggestions/queue.html", {"queue": chosen, "queues": QUEUES.values(), "page_obj": page}
    )


# -- department inbox ----------------------------------------------------------------------------------


def _inbox_assignments(r: permissions.Roles, *, show_all: bool = False) -> QuerySet:
    qs = (
        Assignment.objects.active()
        .filter(department_id__in=r.department_ids, round=F("suggestion__round"))
        .select_related("suggestion__theme", "department")
        .annotate(
            has_opinion=Exists(CoHandlerOpinion.objects.filter(assignment=OuterRef("pk"))),
            has_reply=Exists(
                Reply.objects.filter(suggestion=OuterRef("suggestion"), round=OuterRef("round"))
            ),
        )
        .order_by("due_date", "suggestion__number", "pk")
    )
    if not show_all:
        qs = qs.filter(suggestion__status__in=OPEN_STATUSES)
    return qs


def _with_countdown(assignments: list[Assignment], today: dt.date) -> list[Assignment]:
    for a in assignments:
        a.is_open = a.suggestion.status in OPEN_STATUSES
        done = a.has_reply or (a.role == HandlerRole.CO and a.has_opinion) or not a.is_open
        a.days_left = None if done else calendar.days_left(a.due_date, today)
        a.ack_days_left = (
            calendar.days_left(a.acknowledge_due, today) if a.status == AssignmentStatus.PENDING else None
        )
    return assignments


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """待办: the assignments of the user's departments, with a countdown to each due date."""
    r = permissions.roles(request.user)
    if not r.handler:
        raise PermissionDenied
    show_all = request.GET.get("show") == "all"
    page = paginate(request, _inbox_assignments(r, show_all=show_all))
    _with_countdown(page.object_list, timezone.localdate())
    departments = Department.objects.filter(pk__in=r.department_ids)
    return render(
        request,
        "suggestions/inbox.html",
        {"page_obj": page, "show_all": show_all, "departments": departments},
    )


# -- delegate: my suggestions ----------------------------------------------------------------------------


def _my_suggestions(delegate_id: int) -> QuerySet:
    mine = Proposer.objects.filter(suggestion=OuterRef("pk"), delegate_id=delegate_id)
    return (
        Suggestion.objects.filter(Exists(mine))
        .for_list()
        .annotate(
            my_position=Subquery(mine.values("position")[:1]),
            has_current_reply=Exists(
                Reply.objects.filter(suggestion=OuterRef("pk"), round=OuterRef("round"))
            ),
            i_rated=Exists(
                Rating.objects.filter(
                    suggestion=OuterRef("pk"), round=OuterRef("round"), delegate_id=delegate_id
                )
            ),
        )
        .order_by("session", "number")
    )


def _with_suggestion_countdown(suggestions, today: dt.date):
    for s in suggestions:
        s.days_left = calendar.days_left(s.due_date, today) if s.status in OPEN_STATUSES else None
        if hasattr(s, "i_rated"):
            allowed = (
                (Status.REPLIED,) if s.my_position == 1 else (Status.REPLIED, Status.REVIEW, Status.CLOSED)
            )
            s.can_rate_now = s.has_current_reply and not s.i_rated and s.status in allowed
    return suggestions


@login_required
def my_suggestions(request: HttpRequest) -> HttpResponse:
    """我的建议: the delegate's suggestions (领衔 or 联名) with status, due dates and ratings to give."""
    r = permissions.roles(request.user)
    if not r.delegate:
        raise PermissionDenied
    page = paginate(request, _my_suggestions(r.delegate_id))
    _with_suggestion_countdown(page.object_list, timezone.localdate())
    delegate = Delegate.objects.get(pk=r.delegate_id)
    return render(request, "suggestions/my_suggestions.html", {"page_obj": page, "delegate": delegate})


# -- public ----------------------------------------------------------------------------------------------


def _public_suggestions(user, session: CongressSession | None) -> list[Suggestion]:
    if session is None:
        return []
    return list(
        visible(Suggestion, user)
        .filter(session=session)
        .for_list()
        .annotate(
            has_published_reply=Exists(
                Reply.objects.filter(suggestion=OuterRef("pk")).exclude(publication=Publication.UNPUBLISHED)
            )
        )
        .order_by("theme__ordinal", "position")
    )


def _overview(user, session: CongressSession | None) -> dict | None:
    if session is None:
        return None
    return with_percents(stats.overview(stats_queryset(user, session)))
