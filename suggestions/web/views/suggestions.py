"""The suggestion list, the suggestion page, its workflow steps, and the reply letters."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suggestions import calendar
from suggestions.forms import take_step
from suggestions.models import (
    OPEN_STATUSES,
    AssignmentStatus,
    CoHandlerOpinion,
    ContactMethod,
    ContactRecord,
    Event,
    EventKind,
    ExtensionRequest,
    HandlerRole,
    ProgressUpdate,
    Publication,
    Rating,
    Reply,
    Status,
    Suggestion,
    Verdict,
)
from suggestions.policy import permissions, redaction
from suggestions.policy.scoping import visible
from suggestions.queries.filters import SuggestionFilter
from suggestions.web.views.common import chinese_empty_choices, paginate
from suggestions.web.views.home import _with_suggestion_countdown
from suggestions.web.views.progress import (
    next_message,
    on_behalf,
    ordered_actions,
    sees_internal_deadlines,
    step_bar,
)
from suggestions.workflow import STEPS, available_steps
from suggestions.workflow.ready import awaited_co_opinions

# ---------------------------------------------------------------------------
# The suggestion list and page
# ---------------------------------------------------------------------------

MAIN_FILTERS = ("q", "session", "theme", "status", "department", "category", "overdue", "ordering")
ID_ONLY_FILTERS = ("delegate", "lead_delegate")


def suggestion_list(request: HttpRequest) -> HttpResponse:
    """建议列表: the shared FilterSet, its values in the query string, paginated."""
    queryset = visible(Suggestion, request.user).for_list()
    filterset = SuggestionFilter(request.GET, queryset=queryset, request=request)
    form = filterset.form
    form.fields["status"].widget = forms.CheckboxSelectMultiple(choices=form.fields["status"].choices)
    form.fields["category"].widget = forms.CheckboxSelectMultiple(choices=form.fields["category"].choices)
    chinese_empty_choices(form)
    if not filterset.is_valid():
        page = paginate(request, queryset.none())
    else:
        page = paginate(request, filterset.qs)
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
            "active_filters": len({k for k, v in request.GET.items() if v and k not in ("page", "ordering")}),
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
    "merged_with": (gettext_lazy("并案建议"), True),
}
EVENT_VALUE_LABELS: dict[str, Callable[[str], str]] = {
    "method": lambda v: ContactMethod(v).label if v in ContactMethod.values else v,
    "attitude": lambda v: Verdict(v).label if v in Verdict.values else v,
    "result": lambda v: Verdict(v).label if v in Verdict.values else v,
    "role": lambda v: HandlerRole(v).label if v in HandlerRole.values else v,
    "mode": lambda v: Publication(v).label if v in Publication.values else v,
    "merged_with": lambda v: _("第%(n)s号") % {"n": v},
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
    suggestion = get_object_or_404(visible(Suggestion, request.user).for_list(), pk=pk)
    if not permissions.can_view(request.user, suggestion):
        raise Http404
    return suggestion


def _with_state(assignments, replies: list[Reply]) -> list:
    """The assignments, each with ``unacknowledged_after_reply``: a co-handler that never acknowledged
    while the lead department has replied in its round (no longer 待签收: nothing waits for it)."""
    replied_rounds = {r.round for r in replies}
    rows = list(assignments)
    for a in rows:
        a.unacknowledged_after_reply = (
            a.role == HandlerRole.CO and a.status == AssignmentStatus.PENDING and a.round in replied_rounds
        )
    return rows


def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """建议详情: text, proposers, departments, due dates, timeline, replies and ratings, and the actions."""
    user = request.user
    s = _visible_suggestion(request, pk)
    details = permissions.can_view_details(user, s)
    today = timezone.localdate()
    events = list(visible(Event, user).filter(suggestion=s).select_related("department"))
    for event in events:
        event.facts = _event_facts(event, details)
    replies = list(visible(Reply, user).filter(suggestion=s).select_related("department"))
    for answer in replies:
        answer.readable = redaction.fields_for(details=details, publication=answer.publication)
    internal = sees_internal_deadlines(user, s)
    current_reply = next((r for r in replies if r.round == s.round), None)
    context = {
        "s": s,
        "details": details,
        "internal": internal,
        "is_proposer": permissions.is_proposer(user, s),
        "today": today,
        "days_left": calendar.days_left(s.due_date, today) if s.status in OPEN_STATUSES else None,
        "proposers": s.ordered_proposers(),
        "events": events,
        "replies": replies,
        "actions": ordered_actions(user, s, available_steps(user, s)),
        "bar": step_bar(s, today=today, internal=internal, current_reply=current_reply),
        # 并案办理: the suggestions it is linked with, read from its own events (no other query)
        "merged": [
            {"id": e.data["other_id"], "number": e.data.get("merged_with")}
            for e in events
            if e.kind == EventKind.MERGE and "other_id" in e.data
        ],
    }
    if details:
        context.update(
            assignments=_with_state(
                s.assignments.select_related("department").order_by("round", "-role", "id"), replies
            ),
            ratings=list(visible(Rating, user).filter(suggestion=s).select_related("delegate")),
            contacts=list(
                visible(ContactRecord, user)
                .filter(suggestion=s)
                .select_related("department")
                .prefetch_related("delegates")
            ),
            progress=list(visible(ProgressUpdate, user).filter(suggestion=s).select_related("department")),
            opinions=list(
                visible(CoHandlerOpinion, user).filter(suggestion=s).select_related("assignment__department")
            ),
            extensions=list(
                visible(ExtensionRequest, user).filter(suggestion=s).select_related("assignment__department")
            ),
        )
        # The handling records with nothing in them fold into one line.
        context["empty_handling"] = [
            str(label)
            for key, label in (
                ("contacts", gettext_lazy("沟通联系")),
                ("progress", gettext_lazy("办理进度")),
                ("opinions", gettext_lazy("协办意见")),
                ("extensions", gettext_lazy("延期申请")),
            )
            if not context[key]
        ]
        unpublished = [r for r in replies if not r.is_published]
        if unpublished and internal:
            context["publication_due"] = calendar.publication_due(unpublished[-1].replied_on)
        if current_reply and s.status == Status.REPLIED:
            context["rating_due"] = calendar.rating_due(current_reply.replied_on)
        if context["is_proposer"]:
            me = permissions.roles(user).delegate_id
            context["my_rating"] = next(
                (r for r in context["ratings"] if r.delegate_id == me and r.round == s.round), None
            )
    else:
        context["assignments"] = s.current_assignments()
    return render(request, "suggestions/suggestion_detail.html", context)


@login_required
def suggestion_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One workflow step on the suggestion page: GET shows the form, POST runs it (then redirect)."""
    suggestion = _visible_suggestion(request, pk)
    chosen = STEPS.get(step)
    if chosen is None:
        raise Http404
    # Who may never take the step gets 403; a step allowed but not possible now is a message.
    if permissions.roles(request.user).names == ["dashboard"] or not chosen.may(request.user, suggestion):
        raise PermissionDenied
    detail_url = reverse("suggestion_detail", args=[suggestion.pk])
    if not chosen.available(request.user, suggestion):
        # A second submit lands here once the first has changed the state: no second record.
        messages.warning(
            request,
            chosen.refusal(request.user, suggestion)
            or _("当前不能进行「%(step)s」。") % {"step": chosen.label},
        )
        return redirect(detail_url)
    form, done = take_step(request, chosen, suggestion)  # PermissionDenied propagates: 403
    if done is not None:
        suggestion = _visible_suggestion(request, pk)
        messages.success(request, next_message(chosen.name, chosen.label, suggestion, done))
        return redirect(detail_url)
    context = {
        "s": suggestion,
        "step": chosen,
        "form": form,
        "on_behalf": on_behalf(request.user, chosen.name, suggestion),
        "warning": chosen.weight == "warning",
    }
    if chosen.shows_reply:
        context["reply"] = (
            visible(Reply, request.user)
            .filter(suggestion=suggestion)
            .select_related("department")
            .order_by("-round")
            .first()
        )
        if context["reply"] is not None:
            context["reply"].readable = redaction.reply_fields(request.user, context["reply"], suggestion)
    if step == "rate":
        context["rating_due"] = context["reply"] and calendar.rating_due(context["reply"].replied_on)
    if step in ("rehandle", "close") and permissions.can_view_details(request.user, suggestion):
        # The 不满意 that caused the review: its comment beside the decision.
        context["unsatisfied_ratings"] = [
            r
            for r in visible(Rating, request.user)
            .filter(suggestion=suggestion, round=suggestion.round)
            .select_related("delegate")
            if r.unsatisfied
        ]
    if step in ("reply", "waive_co_opinion"):
        # The co-handlers' opinions beside the lead's reply, and those still awaited (the co-handling rule).
        context["co_assignments"] = list(
            suggestion.assignments.active()
            .filter(round=suggestion.round, role=HandlerRole.CO)
            .select_related("department", "opinion")
            .order_by("department__sort_order", "department__name")
        )
        context["awaited"] = {a.pk for a in awaited_co_opinions(suggestion)}
    return render(request, "suggestions/suggestion_step.html", context)


def reply_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """答复函 PDF: served through the app so an unpublished reply's letter stays private."""
    answer = get_object_or_404(visible(Reply, request.user).select_related("suggestion"), pk=pk)
    suggestion = answer.suggestion
    if not permissions.can_view(request.user, suggestion):
        raise Http404
    if "pdf" not in redaction.reply_fields(request.user, answer, suggestion):
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
