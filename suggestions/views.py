"""The HTML pages: a home page per role, the lists, the suggestion page with its steps, 交办, statistics.

Views are thin adapters: reads go through the QuerySet methods (`visible_to`, `for_list`) and the shared
`SuggestionFilter`; every state change goes through a step form (`forms.STEPS` + `run_step`) or, on the
bulk 交办 screen, straight through `workflow.assign`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.paging import CachedCountPaginator
from delegates.models import Delegate
from departments.models import Department
from suggestions import calendar, permissions, stats, workflow
from suggestions.filters import SuggestionFilter
from suggestions.forms import DATE_WIDGET, STEPS, available_steps, run_step
from suggestions.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    CongressSession,
    ContactMethod,
    ContactRecord,
    Event,
    ExtensionRequest,
    HandlerRole,
    ProgressUpdate,
    Proposer,
    Publication,
    Rating,
    Reply,
    RequestStatus,
    Status,
    Suggestion,
    Verdict,
    chinese_ordinal,
)
from suggestions.remarks import remarks_for, search_remarks

PAGE_SIZE = 20
ASSIGN_PAGE_SIZE = 50
HOME_ROWS = 5
REMARK_HITS = 20


def _paginate(request: HttpRequest, items, per_page: int = PAGE_SIZE) -> Page:
    return CachedCountPaginator(items, per_page).get_page(request.GET.get("page"))


@dataclass(frozen=True)
class Countdown:
    """Days until a due date (negative once it has passed), as the pages show it."""

    days: int

    @property
    def late(self) -> bool:
        return self.days < 0

    @property
    def abs_days(self) -> int:
        return abs(self.days)

    @property
    def soon(self) -> bool:
        return 0 <= self.days <= settings.TRACKER_DEADLINES["reminder_days"]


def _days_left(due: dt.date | None, today: dt.date) -> Countdown | None:
    return None if due is None else Countdown((due - today).days)


def _current_session() -> CongressSession | None:
    return CongressSession.objects.first()  # ordered newest first


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
        context["queues"] = [
            (queue, _with_suggestion_countdown(queue.rows(HOME_ROWS), today), queue.count())
            for queue in QUEUES.values()
        ]
        context["registered_count"] = stats.cached_count(Suggestion.objects.filter(status=Status.REGISTERED))
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
        session = _current_session()
        context["session"] = session
        context["themes"] = _public_suggestions(user, session)
        context["overview"] = _overview(user, session)
    return render(request, "suggestions/home.html", context)


# -- staff queues (督办) --------------------------------------------------------------------------------


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


def _staff_only(request: HttpRequest) -> None:
    if not permissions.is_staff(request.user):
        raise PermissionDenied


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    """督办 queues: one staff work queue, paginated."""
    _staff_only(request)
    chosen = QUEUES.get(slug)
    if chosen is None:
        raise Http404
    page = _paginate(request, chosen.queryset())
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
        a.days_left = None if done else _days_left(a.due_date, today)
        a.ack_days_left = (
            _days_left(a.acknowledge_due, today) if a.status == AssignmentStatus.PENDING else None
        )
    return assignments


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """待办: the assignments of the user's departments, with a countdown to each due date."""
    r = permissions.roles(request.user)
    if not r.handler:
        raise PermissionDenied
    show_all = request.GET.get("show") == "all"
    page = _paginate(request, _inbox_assignments(r, show_all=show_all))
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
        s.days_left = _days_left(s.due_date, today) if s.status in OPEN_STATUSES else None
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
    page = _paginate(request, _my_suggestions(r.delegate_id))
    _with_suggestion_countdown(page.object_list, timezone.localdate())
    delegate = Delegate.objects.get(pk=r.delegate_id)
    return render(request, "suggestions/my_suggestions.html", {"page_obj": page, "delegate": delegate})


# -- public ----------------------------------------------------------------------------------------------


def _public_suggestions(user, session: CongressSession | None) -> list[Suggestion]:
    if session is None:
        return []
    return list(
        Suggestion.objects.visible_to(user)
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
    return _with_percents(stats.overview(_stats_queryset(user, session)))


# ---------------------------------------------------------------------------
# The suggestion list and page
# ---------------------------------------------------------------------------

MAIN_FILTERS = ("q", "session", "theme", "status", "department", "category", "overdue", "ordering")
ID_ONLY_FILTERS = ("delegate", "lead_delegate")


def suggestion_list(request: HttpRequest) -> HttpResponse:
    """建议列表: the shared FilterSet, its values in the query string, paginated."""
    queryset = Suggestion.objects.visible_to(request.user).for_list()
    filterset = SuggestionFilter(request.GET, queryset=queryset, request=request)
    form = filterset.form
    form.fields["status"].widget = forms.CheckboxSelectMultiple(choices=form.fields["status"].choices)
    form.fields["category"].widget = forms.CheckboxSelectMultiple(choices=form.fields["category"].choices)
    if not filterset.is_valid():
        page = _paginate(request, queryset.none())
    else:
        page = _paginate(request, filterset.qs)
    _with_suggestion_countdown(page.object_list, timezone.localdate())
    main = [form[name] for name in MAIN_FILTERS if name in form.fields]
    # A <select> of every delegate would make the page grow with the delegates: the page offers the
    # name filter instead and keeps an id filter from a link (a delegate's page) as a hidden field.
    hidden = [form[name] for name in ID_ONLY_FILTERS if name in form.fields]
    more = [form[name] for name in form.fields if name not in MAIN_FILTERS and name not in ID_ONLY_FILTERS]
    return render(
        request,
        "suggestions/suggestion_list.html",
        {
            "filterset": filterset,
            "main_filters": main,
            "more_filters": more,
            "hidden_filters": hidden,
            "more_open": any(request.GET.get(b.name) for b in more),
            "page_obj": page,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


EVENT_FIELDS: dict[str, tuple[str, bool]] = {
    # data key: (label, shown on the public timeline); a reply's content shows only once published
    "lead": (gettext_lazy("主办单位"), True),
    "co_handlers": (gettext_lazy("协办单位"), True),
    "due": (gettext_lazy("答复期限"), True),
    "assigned_on": (gettext_lazy("交办日期"), True),
    "key_supervision": (gettext_lazy("重点督办"), True),
    "proposers": (gettext_lazy("提出代表"), True),
    "old_department": (gettext_lazy("原单位"), True),
    "new_department": (gettext_lazy("新单位"), True),
    "role": (gettext_lazy("承办方式"), True),
    "category": (gettext_lazy("答复分类"), False),
    "doc_number": (gettext_lazy("文号"), False),
    "replied_on": (gettext_lazy("答复日期"), False),
    "on_time": (gettext_lazy("按期"), False),
    "mode": (gettext_lazy("公开方式"), True),
    "method": (gettext_lazy("方式"), False),
    "contacted_on": (gettext_lazy("日期"), False),
    "delegates": (gettext_lazy("沟通代表"), False),
    "current_due": (gettext_lazy("原答复期限"), False),
    "requested_due": (gettext_lazy("申请延至"), False),
    "old_due": (gettext_lazy("原答复期限"), False),
    "delegate": (gettext_lazy("评价代表"), False),
    "attitude": (gettext_lazy("办理态度"), False),
    "result": (gettext_lazy("办理结果"), False),
    "fulfilled": (gettext_lazy("承诺已兑现"), False),
    "on_behalf": (gettext_lazy("代录"), False),
}
EVENT_VALUE_LABELS: dict[str, Callable[[str], str]] = {
    "method": lambda v: ContactMethod(v).label if v in ContactMethod.values else v,
    "attitude": lambda v: Verdict(v).label if v in Verdict.values else v,
    "result": lambda v: Verdict(v).label if v in Verdict.values else v,
    "role": lambda v: HandlerRole(v).label if v in HandlerRole.values else v,
    "mode": lambda v: Publication(v).label if v in Publication.values else v,
}


def _event_facts(event: Event, details: bool) -> list[tuple[str, str]]:
    """The event's data as (label, value) pairs, without what the viewer may not see."""
    facts = []
    for key, (label, public) in EVENT_FIELDS.items():
        if key not in event.data or not (public or details):
            continue
        value = event.data[key]
        if isinstance(value, bool):
            value = _("是") if value else _("否")
        elif isinstance(value, list):
            value = "、".join(str(v) for v in value)
        elif key in EVENT_VALUE_LABELS:
            value = EVENT_VALUE_LABELS[key](value)
        facts.append((str(label), str(value)))
    return facts


def _visible_suggestion(request: HttpRequest, pk: int) -> Suggestion:
    suggestion = get_object_or_404(Suggestion.objects.visible_to(request.user).for_list(), pk=pk)
    if not permissions.can_view(request.user, suggestion):
        raise Http404
    return suggestion


def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """建议详情: text, proposers, departments, due dates, timeline, replies and ratings, and the actions."""
    user = request.user
    s = _visible_suggestion(request, pk)
    details = permissions.can_view_details(user, s)
    today = timezone.localdate()
    events = list(Event.objects.visible_to(user).filter(suggestion=s).select_related("department"))
    for event in events:
        event.facts = _event_facts(event, details)
    replies = list(Reply.objects.visible_to(user).filter(suggestion=s).select_related("department"))
    context = {
        "s": s,
        "details": details,
        "today": today,
        "days_left": _days_left(s.due_date, today) if s.status in OPEN_STATUSES else None,
        "proposers": s.ordered_proposers(),
        "events": events,
        "replies": replies,
        "steps": available_steps(user, s),
    }
    if details:
        context.update(
            assignments=list(s.assignments.select_related("department").order_by("round", "-role", "id")),
            ratings=list(Rating.objects.visible_to(user).filter(suggestion=s).select_related("delegate")),
            contacts=list(
                ContactRecord.objects.visible_to(user)
                .filter(suggestion=s)
                .select_related("department")
                .prefetch_related("delegates")
            ),
            progress=list(
                ProgressUpdate.objects.visible_to(user).filter(suggestion=s).select_related("department")
            ),
            opinions=list(
                CoHandlerOpinion.objects.visible_to(user)
                .filter(suggestion=s)
                .select_related("assignment__department")
            ),
            extensions=list(
                ExtensionRequest.objects.visible_to(user)
                .filter(suggestion=s)
                .select_related("assignment__department")
            ),
        )
        unpublished = [r for r in replies if not r.is_published]
        if unpublished:
            context["publication_due"] = calendar.publication_due(unpublished[-1].replied_on)
        current = next((r for r in replies if r.round == s.round), None)
        if current and s.status == Status.REPLIED:
            context["rating_due"] = calendar.rating_due(current.replied_on)
    else:
        context["assignments"] = s.current_assignments()
    return render(request, "suggestions/suggestion_detail.html", context)


# Who may ever take a step; a step that is allowed but not possible now is a message, not a 403.
STEP_PERMISSIONS: dict[str, Callable] = {
    "assign": permissions.can_assign,
    "not_accept": permissions.can_decide,
    "supervision": permissions.can_decide,
    "acknowledge": permissions.can_acknowledge,
    "request_reassignment": permissions.can_request_reassignment,
    "approve_reassignment": permissions.can_decide,
    "reject_reassignment": permissions.can_decide,
    "contact": permissions.can_log_contact,
    "progress": permissions.can_add_progress,
    "co_opinion": permissions.can_give_co_opinion,
    "request_extension": permissions.can_request_extension,
    "approve_extension": permissions.can_decide,
    "reject_extension": permissions.can_decide,
    "reply": permissions.can_reply,
    "rate": permissions.can_rate,
    "rehandle": permissions.can_decide,
    "close": permissions.can_decide,
    "withdraw": permissions.can_withdraw,
    "publish": permissions.can_decide,
    "unpublish": permissions.can_decide,
    "follow_up": permissions.can_follow_up,
}
CONTEXT_REPLY_STEPS = {"rate", "close", "rehandle", "publish", "unpublish", "follow_up"}


@login_required
def suggestion_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One workflow step on the suggestion page: GET shows the form, POST runs it (then redirect)."""
    suggestion = _visible_suggestion(request, pk)
    chosen = STEPS.get(step)
    if chosen is None:
        raise Http404
    may = STEP_PERMISSIONS.get(step, lambda u, s: False)
    if permissions.roles(request.user).names == ["dashboard"] or not may(request.user, suggestion):
        raise PermissionDenied
    detail_url = reverse("suggestion_detail", args=[suggestion.pk])
    if not chosen.available(request.user, suggestion):
        # A second submit lands here once the first has changed the state: no second record.
        messages.warning(request, _("当前不能进行「%(step)s」。") % {"step": chosen.label})
        return redirect(detail_url)
    form = chosen.form(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        suggestion=suggestion,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        done = run_step(chosen, form)  # PermissionDenied propagates: 403
        if done is not None:
            messages.success(request, _("已完成「%(step)s」。") % {"step": chosen.label})
            return redirect(detail_url)
    context = {"s": suggestion, "step": chosen, "form": form}
    if step in CONTEXT_REPLY_STEPS:
        context["reply"] = (
            Reply.objects.visible_to(request.user)
            .filter(suggestion=suggestion)
            .select_related("department")
            .order_by("-round")
            .first()
        )
    if step == "rate":
        context["rating_due"] = context["reply"] and calendar.rating_due(context["reply"].replied_on)
    return render(request, "suggestions/suggestion_step.html", context)


def reply_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """答复函 PDF: served through the app so an unpublished reply's letter stays private."""
    answer = get_object_or_404(Reply.objects.visible_to(request.user).select_related("suggestion"), pk=pk)
    suggestion = answer.suggestion
    if not permissions.can_view(request.user, suggestion):
        raise Http404
    if not permissions.can_view_details(request.user, suggestion) and answer.publication != Publication.FULL:
        raise Http404
    if not answer.pdf:
        raise Http404
    try:
        letter = answer.pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        letter,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{answer.doc_number or 'reply'}.pdf",
    )


# ---------------------------------------------------------------------------
# 交办: the assignment meeting's screen, many suggestions at once
# ---------------------------------------------------------------------------


class AssignRowForm(forms.Form):
    """One row of the 交办 screen; a row without a lead department is left as it is."""

    lead = forms.TypedChoiceField(label=gettext_lazy("主办单位"), coerce=int, required=False)
    co_handlers = forms.TypedMultipleChoiceField(label=gettext_lazy("协办单位"), coerce=int, required=False)
    due = forms.DateField(label=gettext_lazy("答复期限"), required=False, widget=DATE_WIDGET)
    key_supervision = forms.BooleanField(label=gettext_lazy("重点督办"), required=False)

    def __init__(self, *args, department_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = [("", _("（暂不交办）")), *department_choices]
        self.fields["co_handlers"].choices = department_choices
        self.fields["co_handlers"].widget.attrs["size"] = 4

    def clean(self):
        data = super().clean()
        if not data.get("lead") and data.get("co_handlers"):
            self.add_error("lead", _("请选择主办单位。"))
        return data

    @property
    def chosen(self) -> bool:
        return bool(self.cleaned_data.get("lead"))


@login_required
def assign_bulk(request: HttpRequest) -> HttpResponse:
    """交办会: assign many registered suggestions at once.

    Each row is its own transaction (`workflow.assign` is atomic): valid rows are assigned, rows with
    errors are shown again with their errors and their input, rows left without a lead stay registered.
    """
    _staff_only(request)
    departments = list(Department.objects.filter(active=True).order_by("kind", "name"))
    by_pk = {d.pk: d for d in departments}
    choices = [(d.pk, d.name) for d in departments]
    today = timezone.localdate()
    default_due = calendar.reply_due(today)
    registered = Suggestion.objects.filter(status=Status.REGISTERED).for_list().order_by("session", "number")

    if request.method == "POST":
        try:
            row_ids = [int(v) for v in request.POST.getlist("rows")]
        except ValueError:
            row_ids = []
        suggestions = list(registered.filter(pk__in=row_ids))
        gone = set(row_ids) - {s.pk for s in suggestions}
        if gone:
            messages.warning(request, _("%(n)s 条建议已不是待交办状态，已跳过。") % {"n": len(gone)})
        rows = [
            (s, AssignRowForm(request.POST, prefix=f"s{s.pk}", department_choices=choices))
            for s in suggestions
        ]
        done, failed = [], 0
        for s, form in rows:
            if not form.is_valid():
                failed += 1
                continue
            if not form.chosen:
                continue
            data = form.cleaned_data
            try:
                workflow.assign(
                    suggestion=s,
                    lead=by_pk[data["lead"]],
                    co_handlers=[by_pk[pk] for pk in data["co_handlers"]],
                    due=data["due"] or None,
                    key_supervision=data["key_supervision"],
                    by=request.user,
                )
            except ValidationError as error:
                failed += 1
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
                continue
            done.append(s)
        if done:
            messages.success(
                request,
                _("已交办 %(n)s 条建议：%(numbers)s。")
                % {"n": len(done), "numbers": "、".join(f"第{s.number}号" for s in done)},
            )
        if not failed:
            if not done and not gone:
                messages.info(request, _("没有选择主办单位的建议，未交办任何建议。"))
            return redirect(reverse("assign_bulk") + (f"?{request.GET.urlencode()}" if request.GET else ""))
        messages.error(request, _("%(n)s 条建议未能交办，请修改后重新提交。") % {"n": failed})
        remaining = [(s, form) for s, form in rows if s not in done]
        return render(
            request,
            "suggestions/assign_bulk.html",
            {"rows": remaining, "page_obj": None, "default_due": default_due, "total": len(remaining)},
        )

    page = _paginate(request, registered, ASSIGN_PAGE_SIZE)
    rows = [
        (
            s,
            AssignRowForm(
                prefix=f"s{s.pk}",
                department_choices=choices,
                initial={"due": default_due, "key_supervision": s.key_supervision},
            ),
        )
        for s in page.object_list
    ]
    return render(
        request,
        "suggestions/assign_bulk.html",
        {"rows": rows, "page_obj": page, "default_due": default_due, "total": page.paginator.count},
    )


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def _stats_queryset(user, session: CongressSession | None) -> QuerySet:
    qs = Suggestion.objects.visible_to(user)
    return qs.filter(session=session) if session is not None else qs


@dataclass
class Bar:
    label: str
    value: float  # a rate in 0..1, or a count
    text: str
    y: int = 0
    width: float = 0.0


def _bars(rows: list[tuple[str, float | None, str]], *, scale: float = 1.0) -> dict:
    """Geometry of a horizontal bar chart drawn server-side as SVG (no script, no external asset)."""
    row_height, label_width, bar_area = 28, 220, 300
    bars = []
    for i, (label, value, text) in enumerate(rows):
        v = float(value or 0)
        bars.append(
            Bar(
                label=label,
                value=v,
                text=text,
                y=i * row_height,
                width=round(bar_area * (v / scale if scale else 0), 1),
            )
        )
    return {
        "bars": bars,
        "height": max(len(bars), 1) * row_height,
        "label_width": label_width,
        "bar_area": bar_area,
        "width": label_width + bar_area + 70,
    }


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _with_percents(row: dict) -> dict:
    """A stats row plus `pct`: each rate as the text the tables show (一 for no denominator)."""
    return {**row, "pct": {key: _percent(value) for key, value in row.items() if key.endswith("_rate")}}


def dashboard(request: HttpRequest) -> HttpResponse:
    """统计: the committee's report figures (DOMAIN.md) as charts and tables, from `suggestions.stats`."""
    sessions = list(CongressSession.objects.all())
    session = None
    chosen = request.GET.get("session")
    if chosen and chosen.isdigit():
        session = next((x for x in sessions if x.pk == int(chosen)), None)
    if session is None and sessions:
        session = sessions[0]
    qs = _stats_queryset(request.user, session)
    overview = _with_percents(stats.overview(qs))
    by_theme = [_with_percents(row) for row in stats.by_theme(qs)]
    by_department = [_with_percents(row) for row in stats.by_department(qs)]
    by_round = [_with_percents(row) for row in stats.by_round(qs)]
    by_month = [_with_percents(row) for row in stats.by_month(qs)]
    ranking = sorted(
        (row for row in by_department if row["assigned"]),
        key=lambda row: (
            -(row["on_time_rate"] or 0),
            -(row["satisfaction_rate"] or 0),
            -row["assigned"],
            row["department_name"],
        ),
    )
    context = {
        "sessions": sessions,
        "session": session,
        "overview": overview,
        "by_theme": by_theme,
        "by_department": by_department,
        "by_round": by_round,
        "by_month": by_month,
        "ranking": ranking,
        "charts": _dashboard_charts(overview, by_theme, ranking, by_month),
        "rate_labels": RATE_LABELS,
    }
    return render(request, "suggestions/dashboard.html", context)


RATE_LABELS = (
    ("reply_rate", gettext_lazy("答复率")),
    ("on_time_rate", gettext_lazy("按期答复率")),
    ("close_rate", gettext_lazy("办结率")),
    ("meeting_rate", gettext_lazy("见面率")),
    ("satisfaction_rate", gettext_lazy("满意率")),
    ("first_satisfaction_rate", gettext_lazy("初次满意率")),
    ("solved_rate", gettext_lazy("解决率（A类）")),
    ("solved_or_planned_rate", gettext_lazy("解决率（A+B类）")),
)


def _dashboard_charts(
    overview: dict, by_theme: list[dict], ranking: list[dict], by_month: list[dict]
) -> dict:
    replied = overview["replied"]
    month_max = max((row["replied"] for row in by_month), default=0)
    return {
        "rates": _bars([(str(label), overview[key], _percent(overview[key])) for key, label in RATE_LABELS]),
        "categories": _bars(
            [
                (
                    _("%(c)s类") % {"c": code},
                    overview[f"category_{code.lower()}"] / replied if replied else 0,
                    str(overview[f"category_{code.lower()}"]),
                )
                for code in "ABCD"
            ]
        ),
        "themes": _bars(
            [
                (
                    f"{chinese_ordinal(row['theme_ordinal'])}、{row['theme_title']}",
                    row["reply_rate"],
                    _percent(row["reply_rate"]),
                )
                for row in by_theme
            ]
        ),
        "themes_satisfaction": _bars(
            [
                (
                    f"{chinese_ordinal(row['theme_ordinal'])}、{row['theme_title']}",
                    row["satisfaction_rate"],
                    _percent(row["satisfaction_rate"]),
                )
                for row in by_theme
            ]
        ),
        "departments": _bars(
            [
                (
                    row["department_short_name"] or row["department_name"],
                    row["on_time_rate"],
                    _percent(row["on_time_rate"]),
                )
                for row in ranking
            ]
        ),
        "months": _bars(
            [(f"{row['month']:%Y-%m}", row["replied"], str(row["replied"])) for row in by_month],
            scale=month_max or 1,
        ),
    }


# ---------------------------------------------------------------------------
# Delegates: 履职档案
# ---------------------------------------------------------------------------


def delegate_list(request: HttpRequest) -> HttpResponse:
    """代表名录: the delegates with the number of suggestions they lead or co-propose."""
    qs = Delegate.objects.annotate(
        led=Count("proposals", filter=Q(proposals__position=1)),
        joined=Count("proposals", filter=Q(proposals__position__gt=1)),
    ).order_by("name")
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:32]  # PostgreSQL refuses NUL bytes
    remark_hits = []
    if q:
        qs = qs.filter(name__icontains=q)
        remark_hits = list(search_remarks(q)[:REMARK_HITS])
    page = _paginate(request, qs, 50)
    return render(
        request, "delegates/delegate_list.html", {"page_obj": page, "q": q, "remark_hits": remark_hits}
    )


def delegate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """履职档案: a delegate's suggestions (领衔 and 联名), the ratings they gave, and their remarks."""
    delegate = get_object_or_404(Delegate, pk=pk)
    user = request.user
    position = Proposer.objects.filter(suggestion=OuterRef("pk"), delegate=delegate).values("position")[:1]
    suggestions = list(
        Suggestion.objects.visible_to(user)
        .filter(pk__in=Proposer.objects.filter(delegate=delegate).values("suggestion"))
        .for_list()
        .annotate(my_position=Subquery(position))
        .order_by("session", "number")
    )
    ratings = list(
        Rating.objects.visible_to(user)
        .filter(delegate=delegate)
        .select_related("suggestion", "reply__department")
        .order_by("suggestion__number", "round")
    )
    remarks = list(remarks_for(delegate))
    return render(
        request,
        "delegates/delegate_detail.html",
        {
            "delegate": delegate,
            "show_contact": permissions.can_see_contact_data(user, delegate),
            "led": [s for s in suggestions if s.my_position == 1],
            "joined": [s for s in suggestions if s.my_position != 1],
            "ratings": ratings,
            "remarks": remarks,
            "final_statuses": FINAL_STATUSES,
        },
    )
