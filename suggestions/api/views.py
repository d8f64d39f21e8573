"""REST API (/api/v1/): suggestions and their handling records, the workflow steps, and the statistics.

Thin adapters: lists are scoped in ``get_queryset`` by the same ``visible(Model, user)`` rules as the pages,
filtered by the same FilterSets, and every state change goes through ``suggestions/workflow/`` (one POST action per ``STEPS`` entry).
Errors of every kind leave as one JSON body: ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import get_error_detail
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.rest import DashboardReadOnly, ExportPagination
from config.schema import FilteredObjectSchema
from suggestions import workflow
from suggestions.api import output
from suggestions.api import serializers as s
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    Category,
    CoHandlerOpinion,
    CongressSession,
    ContactMethod,
    ContactRecord,
    Event,
    EventKind,
    ExtensionRequest,
    HandlerRole,
    ProgressKind,
    ProgressUpdate,
    Publication,
    Rating,
    Reply,
    RequestStatus,
    Suggestion,
    Theme,
    Verdict,
)
from suggestions.policy.scoping import visible
from suggestions.queries import stats
from suggestions.queries.filters import SuggestionFilter
from suggestions.workflow import STEPS

# ---------------------------------------------------------------------------
# Errors: one JSON body for every failure
# ---------------------------------------------------------------------------


NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def _flatten(
    detail: Any, prefix: str, fields: dict[str, list[str]], general: list[str], codes: list[str]
) -> None:
    """Collect messages per dotted field name (``co_handlers.0``), the field-less ones, and their codes."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in NON_FIELD_KEYS and not prefix else (f"{prefix}.{key}" if prefix else str(key))
            _flatten(value, name, fields, general, codes)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                _flatten(value, f"{prefix}.{index}" if prefix else str(index), fields, general, codes)
            else:
                _flatten(value, prefix, fields, general, codes)
    else:
        codes.append(getattr(detail, "code", None) or "invalid")
        if prefix:
            fields.setdefault(prefix, []).append(str(detail))
        else:
            general.append(str(detail))


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    """{"error": {"code", "message", "fields"}} for a DRF exception.

    A 400 with field messages has the code ``invalid``; one without (a workflow step refused as a whole)
    carries the workflow's own code, e.g. ``invalid_state``, ``unchanged``, ``no_request``.
    """
    if isinstance(exc, exceptions.ValidationError):
        fields: dict[str, list[str]] = {}
        general: list[str] = []
        codes: list[str] = []
        _flatten(exc.detail, "", fields, general, codes)
        code = "invalid" if fields or not codes else codes[0]
        message = general[0] if general else _("请检查填写的内容。")
        return {"error": {"code": code, "message": message, "fields": fields}}
    detail = exc.detail
    code = getattr(detail, "code", None) or exc.default_code
    return {"error": {"code": str(code), "message": str(detail), "fields": {}}}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map Django's and DRF's exceptions onto DRF ones, then render the single error body."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=get_error_detail(exc))
    elif isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(exc)
    return response


@csrf_exempt  # it changes nothing: a POST to an unknown address is a JSON 404, not the CSRF page's 403
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any /api/ address no route matches: the JSON 404, not the HTML page."""
    return JsonResponse(error_body(exceptions.NotFound()), status=404)


# ---------------------------------------------------------------------------
# Read-only resources
# ---------------------------------------------------------------------------


def within_visible_suggestions(qs: QuerySet, user) -> QuerySet:
    """Records of the suggestions the user may see at all (a handler only sees their departments')."""
    return qs.filter(suggestion__in=visible(Suggestion, user))


class ReadViewSet(viewsets.ReadOnlyModelViewSet):
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    ordering = ["pk"]


class IdFilter(filters.NumberFilter):
    """A row id: a whole number a database column can hold (a larger one is a 400, never a crash)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class RecordFilter(filters.FilterSet):
    """Filters common to the handling records."""

    suggestion = IdFilter(field_name="suggestion_id", help_text=gettext_lazy("suggestion id"))
    round = filters.NumberFilter(field_name="round", min_value=1, max_value=100)


class DepartmentRecordFilter(RecordFilter):
    department = IdFilter(field_name="department_id", help_text=gettext_lazy("department id"))


@extend_schema_view(
    list=extend_schema(summary="会议 (congress sessions)"),
    retrieve=extend_schema(summary="会议 (one session)"),
)
class SessionViewSet(ReadViewSet):
    queryset = CongressSession.objects.all()
    serializer_class = s.SessionSerializer
    ordering_fields = ["term", "meeting", "start_date"]
    ordering = ["-term", "-meeting"]


class ThemeFilter(filters.FilterSet):
    session = IdFilter(field_name="session_id")


@extend_schema_view(
    list=extend_schema(summary="主题 (themes)"), retrieve=extend_schema(summary="主题 (one theme)")
)
class ThemeViewSet(ReadViewSet):
    queryset = Theme.objects.all()
    serializer_class = s.ThemeSerializer
    filterset_class = ThemeFilter
    ordering_fields = ["ordinal"]
    ordering = ["session", "ordinal"]


class AssignmentFilter(DepartmentRecordFilter):
    role = filters.ChoiceFilter(choices=HandlerRole.choices)
    status = filters.MultipleChoiceFilter(choices=AssignmentStatus.choices)


@extend_schema_view(
    list=extend_schema(summary="交办 (assignments), of the suggestions whose handling record you may read"),
    retrieve=extend_schema(summary="交办 (one assignment)"),
)
class AssignmentViewSet(ReadViewSet):
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["assigned_on", "due_date", "round"]

    def get_queryset(self):
        return visible(Assignment, self.request.user).select_related("department")


class ContactFilter(DepartmentRecordFilter):
    method = filters.MultipleChoiceFilter(choices=ContactMethod.choices)


@extend_schema_view(
    list=extend_schema(summary="沟通联系 (contact records)"), retrieve=extend_schema(summary="沟通联系 (one)")
)
class ContactRecordViewSet(ReadViewSet):
    serializer_class = s.ContactRecordSerializer
    filterset_class = ContactFilter
    ordering_fields = ["contacted_on", "created_at"]

    def get_queryset(self):
        return (
            visible(ContactRecord, self.request.user)
            .select_related("department")
            .prefetch_related("delegates")
        )


class ProgressFilter(DepartmentRecordFilter):
    kind = filters.ChoiceFilter(choices=ProgressKind.choices)


@extend_schema_view(
    list=extend_schema(summary="办理进度与跟踪落实 (progress updates)"),
    retrieve=extend_schema(summary="办理进度 (one)"),
)
class ProgressUpdateViewSet(ReadViewSet):
    serializer_class = s.ProgressUpdateSerializer
    filterset_class = ProgressFilter
    ordering_fields = ["reported_on", "created_at"]

    def get_queryset(self):
        return visible(ProgressUpdate, self.request.user).select_related("department")


class OpinionFilter(filters.FilterSet):
    suggestion = IdFilter(field_name="suggestion_id")
    department = IdFilter(field_name="assignment__department_id")


@extend_schema_view(
    list=extend_schema(summary="协办意见 (co-handlers' opinions)"),
    retrieve=extend_schema(summary="协办意见 (one)"),
)
class CoHandlerOpinionViewSet(ReadViewSet):
    serializer_class = s.CoHandlerOpinionSerializer
    filterset_class = OpinionFilter
    ordering_fields = ["submitted_on"]

    def get_queryset(self):
        return visible(CoHandlerOpinion, self.request.user).select_related("assignment__department")


class ExtensionFilter(RecordFilter):
    status = filters.MultipleChoiceFilter(choices=RequestStatus.choices)


@extend_schema_view(
    list=extend_schema(summary="延期申请 (extension requests)"),
    retrieve=extend_schema(summary="延期申请 (one)"),
)
class ExtensionRequestViewSet(ReadViewSet):
    serializer_class = s.ExtensionRequestSerializer
    filterset_class = ExtensionFilter
    ordering_fields = ["created_at", "requested_due"]

    def get_queryset(self):
        return visible(ExtensionRequest, self.request.user).select_related("assignment__department")


class ReplyFilter(DepartmentRecordFilter):
    category = filters.MultipleChoiceFilter(choices=Category.choices)
    publication = filters.MultipleChoiceFilter(choices=Publication.choices)
    replied_after = filters.DateFilter(field_name="replied_on", lookup_expr="gte")
    replied_before = filters.DateFilter(field_name="replied_on", lookup_expr="lte")


@extend_schema_view(
    list=extend_schema(
        summary="答复 (replies)",
        description="Published replies for everyone (text omitted when published by title only); "
        "unpublished ones for those who may read the suggestion's handling record.",
    ),
    retrieve=extend_schema(summary="答复 (one reply)"),
)
class ReplyViewSet(ReadViewSet):
    serializer_class = s.ReplySerializer
    filterset_class = ReplyFilter
    ordering_fields = ["replied_on", "published_at", "round"]

    def get_queryset(self):
        user = self.request.user
        return within_visible_suggestions(visible(Reply, user), user).select_related("department")


class RatingFilter(RecordFilter):
    is_lead = filters.BooleanFilter()
    result = filters.MultipleChoiceFilter(choices=Verdict.choices)


@extend_schema_view(
    list=extend_schema(summary="评价 (ratings)"), retrieve=extend_schema(summary="评价 (one rating)")
)
class RatingViewSet(ReadViewSet):
    serializer_class = s.RatingSerializer
    filterset_class = RatingFilter
    ordering_fields = ["rated_at", "round"]

    def get_queryset(self):
        return visible(Rating, self.request.user).select_related("delegate")


class EventFilter(RecordFilter):
    kind = filters.MultipleChoiceFilter(choices=EventKind.choices)
    after = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    before = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")


@extend_schema_view(
    list=extend_schema(
        summary="办理记录 (events, the timeline)",
        description="Every step of the suggestions whose handling record you may read; the public steps "
        "(register, assign, reassignment, reply, re-handling, close, withdraw, not accepted, publish, "
        "supervision) of the others, without actor, data or note.",
    ),
    retrieve=extend_schema(summary="办理记录 (one event)"),
    export=extend_schema(
        summary="办理记录 export (cursor pages, oldest first)", responses=s.EventExportSerializer(many=True)
    ),
)
class EventViewSet(ReadViewSet):
    serializer_class = s.EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["at"]

    def get_queryset(self):
        user = self.request.user
        return within_visible_suggestions(visible(Event, user), user).select_related("department")

    @action(
        detail=False,
        methods=["get"],
        pagination_class=ExportPagination,
        filter_backends=[filters.DjangoFilterBackend],
    )
    def export(self, request):
        return self.list(request)


# ---------------------------------------------------------------------------
# Suggestions and the workflow steps
# ---------------------------------------------------------------------------


def input_named(exc: DjangoValidationError, names: dict[str, str]) -> exceptions.ValidationError:
    """The workflow's error with its fields renamed to the input's (``StepInput.workflow_fields``)."""
    detail = get_error_detail(exc)
    if names and isinstance(detail, dict):
        detail = {names.get(key, key): value for key, value in detail.items()}
    return exceptions.ValidationError(detail=detail)


WRITE_PERMISSIONS = [IsAuthenticated, DashboardReadOnly]

#: The suggestion list, export and detail and the statistics render through ``suggestions/api/output.py``
#: (the hot paths); False renders them through their serializers, as every other endpoint (what the tests
#: compare with).
OUTPUT_FUNCTIONS = True


def _step_action(name: str):
    """A POST action for one workflow step: validate with its input serializer, run it, return the suggestion."""
    step = STEPS[name]

    def view(self, request, pk=None):
        return self.run_step(name, request)

    view.__name__ = view.__qualname__ = name  # DRF routes the method by its name
    view = action(
        detail=True,
        methods=["post"],
        url_path=name,
        url_name=name.replace("_", "-"),
        permission_classes=WRITE_PERMISSIONS,
    )(view)
    return extend_schema(
        summary=f"{step.label} ({name})",
        description=f"`workflow.{step.run.__name__}`: {(step.run.__doc__ or '').strip()}",
        request=step.input_class(),
        responses={200: s.SuggestionDetailSerializer},
    )(view)


@extend_schema_view(
    list=extend_schema(summary="建议 (suggestions)", responses=s.SuggestionListSerializer(many=True)),
    retrieve=extend_schema(summary="建议 (one suggestion, with what the viewer may read of its handling)"),
    create=extend_schema(
        summary="登记 (register)",
        description="`workflow.register`: staff record a new suggestion with its proposers.",
        request=s.RegisterInput,
        responses={
            201: OpenApiResponse(
                s.SuggestionDetailSerializer,
                description="登记 done: the new suggestion; `Location` names its address",
            )
        },
    ),
    export=extend_schema(
        summary="建议 export (cursor pages, with the full text)",
        responses=s.SuggestionExportSerializer(many=True),
    ),
)
class SuggestionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """代表建议: lists scoped by ``visible(Suggestion, user)``, filtered by ``SuggestionFilter``."""

    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SuggestionFilter

    def get_permissions(self):
        if self.action == "create":
            return [permission() for permission in WRITE_PERMISSIONS]
        return super().get_permissions()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """The list filters narrow lists only: one suggestion is found by its id and the viewer's scope.

        A list without any filter parameter skips building the FilterSet and its form (about 1 ms): every
        filter would leave the queryset as it is.
        """
        params = set(self.request.query_params) - {"page", "page_size", "cursor", "format"}
        if self.action in ("list", "export") and params:
            return super().filter_queryset(queryset)
        return queryset

    def get_queryset(self):
        scoped = visible(Suggestion, self.request.user)
        if self.action in ("list", "export"):
            return scoped.for_list()
        if self.action == "retrieve":
            return self.detail_queryset(scoped)
        return scoped

    def detail_queryset(self, scoped: QuerySet) -> QuerySet:
        """What every viewer reads of one suggestion; the serializer loads the handling record (contacts,
        progress, opinions, extensions, ratings) only for a viewer who may read it."""
        user = self.request.user
        return scoped.select_related("session", "theme").prefetch_related(
            *s.detail_prefetches(),
            Prefetch(
                "replies",
                queryset=visible(Reply, user).select_related("department").order_by(*s.record_order(Reply)),
            ),
            Prefetch(
                "events",
                queryset=visible(Event, user).select_related("department").order_by(*s.record_order(Event)),
            ),
        )

    def get_serializer_class(self):
        return {
            "list": s.SuggestionListSerializer,
            "export": s.SuggestionExportSerializer,
            "create": s.RegisterInput,
        }.get(self.action, s.SuggestionDetailSerializer)

    def list(self, request, *args, **kwargs):
        if not OUTPUT_FUNCTIONS:
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        row = output.suggestion_export_row if self.action == "export" else output.suggestion_row
        return self.get_paginated_response([row(suggestion) for suggestion in page])

    def retrieve(self, request, *args, **kwargs):
        return Response(self.render_detail(self.get_object()))

    def render_detail(self, suggestion: Suggestion) -> dict[str, Any]:
        """SuggestionDetailSerializer's output for the request's viewer."""
        if OUTPUT_FUNCTIONS:
            return output.suggestion_detail(suggestion, self.request)
        return s.SuggestionDetailSerializer(suggestion, context=self.get_serializer_context()).data

    def detail_response(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        suggestion = self.detail_queryset(visible(Suggestion, self.request.user)).get(pk=pk)
        return Response(self.render_detail(suggestion), status=status_code)

    def create(self, request, *args, **kwargs):
        data = s.RegisterInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        suggestion = workflow.register(by=request.user, **data.validated_data)
        response = self.detail_response(suggestion.pk, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("suggestion-detail", args=[suggestion.pk]))
        return response

    def run_step(self, name: str, request) -> Response:
        suggestion = self.get_object()
        data = STEPS[name].input_class()(
            data=request.data, context={**self.get_serializer_context(), "suggestion": suggestion}
        )
        data.is_valid(raise_exception=True)
        try:
            STEPS[name].run(suggestion=suggestion, by=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise input_named(exc, data.workflow_fields) from exc
        return self.detail_response(suggestion.pk)

    @action(detail=False, methods=["get"], pagination_class=ExportPagination)
    def export(self, request):
        return self.list(request)


for _name in STEPS:
    setattr(SuggestionViewSet, _name, _step_action(_name))


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def _stats_action(function, serializer, *, many: bool, url_path: str):
    names = tuple(serializer().fields)

    def view(self, request):
        rows = function(self.filter_queryset(self.get_queryset()))
        if not OUTPUT_FUNCTIONS:
            return Response(serializer(rows, many=many).data)
        if many:
            return Response([output.stats_row(row, names) for row in rows])
        return Response(output.stats_row(rows, names))

    view.__name__ = view.__qualname__ = function.__name__  # DRF routes the method by its name
    view = action(detail=False, methods=["get"], url_path=url_path, url_name=url_path)(view)
    return extend_schema(
        summary=(function.__doc__ or "").split(":")[0],
        description=f"{(function.__doc__ or '').strip()}\n\n{stats.__doc__}",
        responses={200: serializer(many=many)},
    )(view)


class StatsViewSet(viewsets.GenericViewSet):
    """办理情况统计 over the suggestions the user may see, narrowed by the suggestion filters."""

    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SuggestionFilter
    pagination_class = None
    schema = FilteredObjectSchema()

    def get_queryset(self):
        return visible(Suggestion, self.request.user)

    overview = _stats_action(stats.overview, s.StatsOverviewSerializer, many=False, url_path="overview")
    by_theme = _stats_action(stats.by_theme, s.StatsThemeSerializer, many=True, url_path="by-theme")
    by_department = _stats_action(
        stats.by_department, s.StatsDepartmentSerializer, many=True, url_path="by-department"
    )
    by_round = _stats_action(stats.by_round, s.StatsRoundSerializer, many=True, url_path="by-round")
    by_month = _stats_action(stats.by_month, s.StatsMonthSerializer, many=True, url_path="by-month")


__all__ = [
    "ApiDocsView",
    "AssignmentViewSet",
    "CoHandlerOpinionViewSet",
    "ContactRecordViewSet",
    "EventViewSet",
    "ExtensionRequestViewSet",
    "ProgressUpdateViewSet",
    "RatingViewSet",
    "ReplyViewSet",
    "SessionViewSet",
    "StatsViewSet",
    "SuggestionViewSet",
    "ThemeViewSet",
    "exception_handler",
    "not_found",
]


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI served by the app (drf-spectacular-sidecar assets, no CDN), its script a separate file."""

    template_name = "api/swagger_ui.html"
