"""Exports (汇总表 Excel, CSV of the list pages), the supervision page (督办) and the committee's report."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from reports import exports
from suggestions import calendar
from suggestions.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Assignment,
    CongressSession,
    Proposer,
    Rating,
    Status,
    Suggestion,
    Verdict,
)
from suggestions.policy import permissions
from suggestions.policy.scoping import visible
from suggestions.queries import stats
from suggestions.queries.filters import SuggestionFilter
from suggestions.queries.queues import QUEUES

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUPERVISION_ROWS = 100  # per list; the full lists are one link away


class BadExportRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# ---------------------------------------------------------------------------
# Which suggestions an export holds: the page's scope, then the shared filters
# ---------------------------------------------------------------------------


def _queue_selection(slug: str | None) -> QuerySet:
    queue = QUEUES.get(slug or "")
    if queue is None:
        raise Http404
    return queue.select()


def export_suggestions(request: HttpRequest) -> QuerySet:
    """The suggestions of the list page the export link came from, as its viewer sees them.

    ``scope``: none = the suggestion list; ``mine`` = the delegate's own (我的建议); ``inbox`` = the
    current assignments of the handler's departments (待办; ``show=all`` includes closed ones);
    ``queue`` with ``queue=<slug>`` = a staff queue (督办). Then every SuggestionFilter parameter applies.
    """
    user = request.user
    r = permissions.roles(user)
    qs = visible(Suggestion, user)
    scope = request.GET.get("scope", "")
    if scope == "mine":
        if not r.delegate:
            raise PermissionDenied
        qs = qs.filter(pk__in=Proposer.objects.filter(delegate_id=r.delegate_id).values("suggestion"))
    elif scope == "inbox":
        if not r.handler:
            raise PermissionDenied
        assignments = Assignment.objects.active().filter(
            department_id__in=r.department_ids, round=F("suggestion__round")
        )
        if request.GET.get("show") != "all":
            assignments = assignments.filter(suggestion__status__in=OPEN_STATUSES)
        qs = qs.filter(pk__in=assignments.values("suggestion"))
    elif scope == "queue":
        if not r.staff:
            raise PermissionDenied
        qs = qs.filter(pk__in=_queue_selection(request.GET.get("queue")).values("pk"))
    elif scope:
        raise BadExportRequest(_("scope：无效的范围“%(scope)s”。") % {"scope": scope[:20]})
    filterset = SuggestionFilter(request.GET, queryset=qs, request=request)
    if not filterset.is_valid():
        errors = "; ".join(f"{field}：{' '.join(messages)}" for field, messages in filterset.errors.items())
        raise BadExportRequest(errors)
    return filterset.qs


def _suggestion_export(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        qs = export_suggestions(request)
    except BadExportRequest as error:
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
    columns = exports.summary_columns()
    rows = exports.summary_rows(request.user, qs)
    name = _("代表建议汇总表")
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream([c.header for c in columns], rows), content_type="text/csv; charset=utf-8"
        )
        return _attachment(response, f"{name}-{exports.stamp()}.csv")
    workbook = exports.xlsx_bytes(_("汇总表"), columns, rows, heading=exports.summary_heading(qs))
    response = HttpResponse(workbook, content_type=XLSX_TYPE)
    return _attachment(response, f"{name}-{exports.stamp()}.xlsx")


def suggestions_csv(request: HttpRequest) -> HttpResponse:
    """建议列表 CSV: the list page's rows with its filters, streamed."""
    return _suggestion_export(request, "csv")


def suggestions_xlsx(request: HttpRequest) -> HttpResponse:
    """汇总表 Excel: one row per suggestion, Chinese headers, frozen header row."""
    return _suggestion_export(request, "xlsx")


def delegates_csv(request: HttpRequest) -> HttpResponse:
    """代表名录 CSV; contact data for staff only."""
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:32]  # PostgreSQL refuses NUL bytes
    columns, rows = exports.delegate_rows(request.user, q)
    response = StreamingHttpResponse(
        exports.csv_stream([c.header for c in columns], rows), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, f"{_('代表名录')}-{exports.stamp()}.csv")


# ---------------------------------------------------------------------------
# Supervision (督办) and the committee's report (办理情况报告)
# ---------------------------------------------------------------------------


def _require_overview_role(request: HttpRequest) -> None:
    if not permissions.roles(request.user).sees_everything:
        raise PermissionDenied


def _with_days(suggestions: list[Suggestion], today) -> list[Suggestion]:
    for s in suggestions:
        open_ = s.status in OPEN_STATUSES and s.due_date is not None
        s.days_left = calendar.days_left(s.due_date, today) if open_ else None
        s.days_overdue = max(0, (today - s.due_date).days) if open_ else 0
    return suggestions


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    """督办: overdue, due-soon and key-supervision suggestions, with their counts."""
    _require_overview_role(request)
    today = timezone.localdate()
    base = visible(Suggestion, request.user)
    overdue = base.overdue(today).order_by("due_date", "number")
    due_soon = base.due_soon(today).order_by("due_date", "number")
    key = base.filter(key_supervision=True).exclude(status__in=FINAL_STATUSES).order_by("due_date", "number")
    open_statuses = "&".join(f"status={s}" for s in Status.values if s not in FINAL_STATUSES)
    # (slug, label, rows, the full list's page, the export's query string)
    lists = [
        ("overdue", _("已逾期"), overdue, reverse("suggestion_list") + "?overdue=true", "overdue=true"),
        (
            "due_soon",
            _("临近期限"),
            due_soon,
            reverse("queue", args=["due_soon"]),
            "scope=queue&queue=due_soon",
        ),
        (
            "key",
            _("重点督办（未办结）"),
            key,
            reverse("suggestion_list") + "?key_supervision=true&" + open_statuses,
            "key_supervision=true&" + open_statuses,
        ),
    ]
    sections = [
        {
            "slug": slug,
            "label": label,
            "count": qs.count(),
            "rows": _with_days(list(qs.for_list()[:SUPERVISION_ROWS]), today),
            "list_url": list_url,
            "export_query": export_query,
        }
        for slug, label, qs, list_url, export_query in lists
    ]
    return render(
        request,
        "reports/supervision.html",
        {
            "sections": sections,
            "today": today,
            "window": settings.TRACKER_DEADLINES["reminder_days"],
            "limit": SUPERVISION_ROWS,
        },
    )


def report_data(session: CongressSession, user, today=None) -> dict:
    """The numbers of the committee's report for one session (办理情况报告)."""
    today = today or timezone.localdate()
    qs = visible(Suggestion, user).filter(session=session)
    overview = stats.overview(qs, today)
    replied = overview["replied"]
    distribution = [
        {
            "category": c,
            "count": overview[f"category_{c.lower()}"],
            "share": stats.rate(overview[f"category_{c.lower()}"], replied),
        }
        for c in "ABCD"
    ]
    unsatisfied = list(
        Rating.objects.filter(suggestion__in=qs, is_lead=True)
        .filter(Q(attitude=Verdict.UNSATISFIED) | Q(result=Verdict.UNSATISFIED))
        .select_related("suggestion", "reply__department", "delegate")
        .order_by("suggestion__number", "round")
    )
    return {
        "session": session,
        "today": today,
        "overview": overview,
        "themes": stats.by_theme(qs, today),
        "departments": stats.by_department(qs, today),
        "rounds": stats.by_round(qs, today),
        "distribution": distribution,
        "overdue": _with_days(list(qs.overdue(today).for_list().order_by("due_date", "number")), today),
        "unsatisfied": unsatisfied,
    }


def _session(request: HttpRequest) -> CongressSession:
    chosen = request.GET.get("session")
    if chosen:
        if not chosen.isdigit():
            raise Http404
        return get_object_or_404(CongressSession, pk=int(chosen))
    session = CongressSession.objects.first()  # the newest
    if session is None:
        raise Http404
    return session


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """办理情况报告: a printable page with the session's statistics (打印或另存为 PDF)."""
    _require_overview_role(request)
    session = _session(request)
    context = report_data(session, request.user)
    context["sessions"] = CongressSession.objects.all()
    return render(request, "reports/report.html", context)


@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    """The same report as a PDF (WeasyPrint); without the system's pango, a page that says to print."""
    _require_overview_role(request)
    session = _session(request)
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError):  # OSError: WeasyPrint installed but the pango libraries are missing
        return render(request, "reports/pdf_unavailable.html", {"session": session}, status=503)
    html = render_to_string("reports/report_pdf.html", report_data(session, request.user), request=request)
    stylesheet = finders.find("css/report.css")
    # Made from the template and one local stylesheet: no URL is fetched, from anywhere.
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf(
        stylesheets=[CSS(filename=stylesheet)] if stylesheet else None
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    return _attachment(response, f"{session.name}{_('代表建议办理情况报告')}.pdf")
