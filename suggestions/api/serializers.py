"""REST serializers: output serializers present a resource to one viewer; input serializers validate a step.

Output rule: a field the viewer may not see is present with the value ``null`` (never left out, never
filled). Who sees what comes from ``suggestions/policy/`` (``permissions``, ``redaction``); serializers only
apply it. The output serializers are plain DRF serializers: they declare the schema (drf-spectacular) and
render every endpoint; the hot suggestion endpoints render through ``suggestions/api/output.py`` instead,
whose output tests/api/test_fast_output.py compares with these serializers' for every endpoint and role.
Input rule: one input serializer per workflow step; it checks types and shapes, rejects unknown fields,
and leaves every business rule to ``suggestions/workflow.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from delegates.models import Delegate
from departments.models import Department
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    Category,
    CoHandlerOpinion,
    CongressSession,
    ContactMethod,
    ContactRecord,
    Event,
    ExtensionRequest,
    ProgressUpdate,
    Proposer,
    Publication,
    Rating,
    Reply,
    Suggestion,
    Theme,
    Verdict,
)
from suggestions.policy import permissions, redaction, scoping
from suggestions.queries import stats

# ---------------------------------------------------------------------------
# Who sees the details of which suggestion (computed once per request)
# ---------------------------------------------------------------------------


def detail_suggestion_ids(user) -> frozenset[int] | None:
    """The ids of the suggestions whose handling record the user may read; None means all of them."""
    q = scoping.detail_filter(user)
    if q is None:
        return None
    # Every suggestion has proposers, so its proposer rows carry every suggestion id the rule admits.
    return frozenset(Proposer.objects.filter(q).values_list("suggestion_id", flat=True).distinct())


class ViewerMixin:
    """Serializer helpers reading the viewer from the context (``request``, cached ``detail_ids``)."""

    context: dict

    @property
    def viewer(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def sees_details_of(self, suggestion_id: int) -> bool:
        if "detail_ids" not in self.context:
            self.context["detail_ids"] = detail_suggestion_ids(self.viewer)
        ids = self.context["detail_ids"]
        return ids is None or suggestion_id in ids


# ---------------------------------------------------------------------------
# Redaction: fields the viewer may not read are null
# ---------------------------------------------------------------------------


class RedactingSerializer(ViewerMixin, serializers.ModelSerializer):
    """A ModelSerializer whose fields named by ``hidden_fields(instance)`` are null for this viewer.

    For cheap attributes only (the row is loaded; a hidden value is read, then replaced): a field whose
    value would cost a query declares its own ``get_attribute`` (``HandlingRecords``). The fields some
    viewer may get null for are named in ``redactable``: the schema documents them as nullable."""

    redactable: Collection[str] = ()

    def get_fields(self):
        fields = super().get_fields()
        for name in self.redactable:
            fields[name].allow_null = True
        return fields

    def hidden_fields(self, instance) -> Collection[str]:
        return ()

    def to_representation(self, instance) -> dict[str, Any]:
        data = super().to_representation(instance)
        for name in self.hidden_fields(instance):
            data[name] = None
        return data


class HandlingRecords(serializers.ListSerializer):
    """A list of a suggestion's handling record: null, unread, for a viewer who may not read the record."""

    def get_attribute(self, instance):
        if not self.parent.sees_details_of(instance.pk):
            return None
        return super().get_attribute(instance)


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CongressSession
        fields = ["id", "name", "term", "meeting", "start_date", "end_date"]


class ThemeSerializer(serializers.ModelSerializer):
    chinese_ordinal = serializers.CharField(read_only=True, help_text=_("一、二… as the document writes it"))

    class Meta:
        model = Theme
        fields = ["id", "session", "ordinal", "chinese_ordinal", "title"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "kind", "confirmed", "active"]


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "short_name"]


CONTACT_FIELDS = ("phone", "email", "address", "organization")


class DelegateSerializer(RedactingSerializer):
    """代表. Contact data (phone, email, address, organization) is null unless the viewer is committee staff
    or the delegate themself."""

    phone = serializers.CharField(read_only=True, allow_null=True, help_text=_("staff and the delegate only"))
    email = serializers.CharField(read_only=True, allow_null=True, help_text=_("staff and the delegate only"))
    address = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("staff and the delegate only")
    )
    organization = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("staff and the delegate only")
    )

    class Meta:
        model = Delegate
        fields = ["id", "name", "kind", *CONTACT_FIELDS]

    def hidden_fields(self, instance: Delegate) -> set[str]:
        return set() if permissions.can_see_contact_data(self.viewer, instance) else set(CONTACT_FIELDS)


class DelegateRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Delegate
        fields = ["id", "name", "kind"]


class ProposerSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="delegate.id", read_only=True)
    name = serializers.CharField(source="delegate.name", read_only=True)
    kind = serializers.CharField(source="delegate.kind", read_only=True)
    is_lead = serializers.BooleanField(read_only=True, help_text=_("领衔代表 (position 1)"))

    class Meta:
        model = Proposer
        fields = ["id", "name", "kind", "position", "is_lead"]


class HandlerSerializer(serializers.ModelSerializer):
    """A department handling the suggestion in its current round, and how (主办 / 协办)."""

    department = DepartmentRefSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = ["department", "role"]


# ---------------------------------------------------------------------------
# Handling records
# ---------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "suggestion",
            "department",
            "role",
            "round",
            "status",
            "assigned_on",
            "acknowledge_due",
            "acknowledged_on",
            "due_date",
            "reassignment_reason",
            "reassignment_decision",
            "reassignment_note",
            "created_at",
        ]


class ContactRecordSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(read_only=True)
    delegates = DelegateRefSerializer(many=True, read_only=True)
    face_to_face = serializers.BooleanField(read_only=True, help_text=_("面商、走访或座谈"))

    class Meta:
        model = ContactRecord
        fields = [
            "id",
            "suggestion",
            "department",
            "round",
            "method",
            "face_to_face",
            "contacted_on",
            "delegates",
            "notes",
            "created_at",
        ]


class ProgressUpdateSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "suggestion",
            "department",
            "round",
            "kind",
            "text",
            "fulfilled",
            "reported_on",
            "created_at",
        ]


class CoHandlerOpinionSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(source="assignment.department", read_only=True)
    round = serializers.IntegerField(source="assignment.round", read_only=True)

    class Meta:
        model = CoHandlerOpinion
        fields = ["id", "suggestion", "department", "round", "text", "submitted_on", "created_at"]


class ExtensionRequestSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(source="assignment.department", read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "suggestion",
            "department",
            "round",
            "reason",
            "current_due",
            "requested_due",
            "status",
            "decision_note",
            "decided_at",
            "created_at",
        ]


REPLY_FULL_TEXT_FIELDS = ("text", "pdf", "signer", "contact_person", "contact_phone")


class LetterField(serializers.FileField):
    """The signed letter's address on the page that checks who may read it (never the file's storage path)."""

    def to_representation(self, value) -> str | None:
        return self.url(value, self.context.get("request"))

    @staticmethod
    def url(value, request) -> str | None:
        if not value:
            return None
        url = reverse("reply_pdf", args=[value.instance.pk])
        return request.build_absolute_uri(url) if request is not None else url


class ReplySerializer(RedactingSerializer):
    """答复. Viewers outside the handling record see published replies only, and of them what
    ``suggestions/policy/redaction.py`` allows: for a full publication (全文公开) the contact person and
    phone are null; for a title-only one (仅公开标题) only the department, the round, the document number
    and the dates of reply and publication are set."""

    redactable = redaction.ALL_FIELDS - redaction.TITLE_ONLY_FIELDS
    department = DepartmentRefSerializer(read_only=True)
    on_time = serializers.BooleanField(read_only=True, help_text=_("答复日期不晚于当时的答复期限"))
    text = serializers.CharField(read_only=True, allow_null=True)
    pdf = LetterField(read_only=True, allow_null=True)
    signer = serializers.CharField(read_only=True, allow_null=True)
    contact_person = serializers.CharField(read_only=True, allow_null=True)
    contact_phone = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Reply
        fields = [
            "id",
            "suggestion",
            "department",
            "round",
            "category",
            "doc_number",
            *REPLY_FULL_TEXT_FIELDS,
            "replied_on",
            "due_date",
            "on_time",
            "publication",
            "published_at",
        ]

    def hidden_fields(self, instance: Reply) -> set[str]:
        readable = redaction.fields_for(
            details=self.sees_details_of(instance.suggestion_id), publication=instance.publication
        )
        hidden = {name for name in self.Meta.fields if name not in readable}
        if not instance.pdf:
            hidden.add("pdf")
        return hidden


class RatingSerializer(serializers.ModelSerializer):
    delegate = DelegateRefSerializer(read_only=True)

    class Meta:
        model = Rating
        fields = [
            "id",
            "suggestion",
            "reply",
            "round",
            "delegate",
            "is_lead",
            "attitude",
            "result",
            "comment",
            "rated_at",
        ]


EVENT_PRIVATE_FIELDS = ("actor_name", "data", "note")


class EventSerializer(RedactingSerializer):
    """办理记录. Outside the handling record only the public kinds are listed, without actor, data or note."""

    department = DepartmentRefSerializer(read_only=True, allow_null=True)
    actor_name = serializers.CharField(read_only=True, allow_null=True)
    data = serializers.JSONField(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "suggestion",
            "kind",
            "at",
            "round",
            "from_status",
            "to_status",
            "department",
            *EVENT_PRIVATE_FIELDS,
        ]

    def hidden_fields(self, instance: Event) -> Collection[str]:
        return () if self.sees_details_of(instance.suggestion_id) else EVENT_PRIVATE_FIELDS


class EventExportSerializer(EventSerializer):
    """办理记录 as the export's cursor pages list them (the same fields; its own page schema)."""


# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


class SuggestionListSerializer(ViewerMixin, serializers.ModelSerializer):
    """代表建议 as lists show it. Reads only what ``Suggestion.objects.for_list()`` loads."""

    session_name = serializers.CharField(source="session.name", read_only=True)
    theme_title = serializers.CharField(source="theme.title", read_only=True)
    place = serializers.CharField(read_only=True, help_text=_("主题内序号, e.g. 二-3"))
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(
        read_only=True, help_text=_("逾期: a reply is due and its date has passed")
    )
    # Nested serializers as fields (built once per list, not once per row).
    proposers = ProposerSerializer(source="ordered_proposers", many=True, read_only=True)
    handlers = HandlerSerializer(
        source="current_handlers", many=True, read_only=True, help_text=_("承办单位 of the current round")
    )

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "number",
            "place",
            "title",
            "session",
            "session_name",
            "theme",
            "theme_title",
            "status",
            "status_display",
            "round",
            "key_supervision",
            "disclosure_consent",
            "due_date",
            "is_overdue",
            "proposers",
            "handlers",
            "created_at",
            "updated_at",
        ]


class SuggestionExportSerializer(SuggestionListSerializer):
    """The list row with the full text, for exports."""

    class Meta(SuggestionListSerializer.Meta):
        fields = [*SuggestionListSerializer.Meta.fields, "text"]


DETAIL_FIELDS = (
    "assignments",
    "contacts",
    "progress_updates",
    "co_opinions",
    "extension_requests",
    "ratings",
)


def record_order(model) -> list[str]:
    """A record model's ``Meta.ordering`` without its leading ``suggestion``: within one suggestion's
    prefetched records the order is the same, and ordering by the suggestion (by its own ordering, through a
    join to the suggestions) cost each prefetch a join and a third of its compilation."""
    return [name for name in model._meta.ordering if name != "suggestion"]


def detail_prefetches() -> list[Prefetch]:
    """What SuggestionDetailSerializer reads for every viewer besides the replies and events the view
    scopes to the viewer: ``for_list()``'s shape, with every round's assignments loaded once (the active
    ones ``for_list()`` loads apart are derived from them). Use with ``select_related("session", "theme")``."""
    return [
        Prefetch("proposers", queryset=Proposer.objects.select_related("delegate").order_by("position")),
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("department").order_by(*record_order(Assignment)),
        ),
    ]


def handling_record_prefetches() -> list[Prefetch]:
    """The handling record, which SuggestionDetailSerializer loads only for viewers who may read it."""
    return [
        *detail_prefetches(),
        Prefetch(
            "contacts",
            queryset=ContactRecord.objects.select_related("department")
            .prefetch_related("delegates")
            .order_by(*record_order(ContactRecord)),
        ),
        Prefetch(
            "progress_updates",
            queryset=ProgressUpdate.objects.select_related("department").order_by(
                *record_order(ProgressUpdate)
            ),
        ),
        Prefetch(
            "co_opinions",
            queryset=CoHandlerOpinion.objects.select_related("assignment__department").order_by(
                *record_order(CoHandlerOpinion)
            ),
        ),
        Prefetch(
            "extension_requests",
            queryset=ExtensionRequest.objects.select_related("assignment__department").order_by(
                *record_order(ExtensionRequest)
            ),
        ),
        Prefetch(
            "ratings",
            queryset=Rating.objects.select_related("delegate").order_by(*record_order(Rating)),
        ),
    ]


def derive_active_assignments(suggestion: Suggestion) -> None:
    """Set the ``active_assignments`` ``for_list()`` loads from every round's prefetched assignments, so
    the handlers and the permission checks need no query of their own."""
    cache = getattr(suggestion, "_prefetched_objects_cache", {})
    if hasattr(suggestion, "active_assignments") or "assignments" not in cache:
        return
    active = [a for a in cache["assignments"] if a.status != AssignmentStatus.REPLACED]
    suggestion.active_assignments = sorted(active, key=lambda a: (a.role, a.pk))  # as for_list() orders them


class SuggestionDetailSerializer(SuggestionExportSerializer):
    """One suggestion for one viewer. Proposers, handlers of its departments, staff and the dashboard read
    the handling record; for everyone else ``details_visible`` is false, the handling-record lists are
    null, ``replies`` holds the published replies and ``events`` the public steps without actor or data."""

    details_visible = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField(
        help_text=_("workflow steps the viewer may take now (POST /api/v1/suggestions/{id}/<step>/)")
    )
    replies = ReplySerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    assignments = HandlingRecords(child=AssignmentSerializer(), read_only=True, allow_null=True)
    contacts = HandlingRecords(child=ContactRecordSerializer(), read_only=True, allow_null=True)
    progress_updates = HandlingRecords(child=ProgressUpdateSerializer(), read_only=True, allow_null=True)
    co_opinions = HandlingRecords(child=CoHandlerOpinionSerializer(), read_only=True, allow_null=True)
    extension_requests = HandlingRecords(child=ExtensionRequestSerializer(), read_only=True, allow_null=True)
    ratings = HandlingRecords(child=RatingSerializer(), read_only=True, allow_null=True)

    class Meta(SuggestionExportSerializer.Meta):
        fields = [
            *SuggestionExportSerializer.Meta.fields,
            "details_visible",
            "available_actions",
            "replies",
            "events",
            *DETAIL_FIELDS,
        ]

    def get_details_visible(self, suggestion: Suggestion) -> bool:
        return permissions.can_view_details(self.viewer, suggestion)

    def get_available_actions(self, suggestion: Suggestion) -> list[str]:
        from suggestions.workflow import available_steps

        return [step.name for step in available_steps(self.viewer, suggestion)]

    def to_representation(self, suggestion: Suggestion) -> dict[str, Any]:
        derive_active_assignments(suggestion)
        details = permissions.can_view_details(self.viewer, suggestion)
        self.context["detail_ids"] = None if details else frozenset()
        if details:  # what is already prefetched is not read again
            prefetch_related_objects([suggestion], *handling_record_prefetches())
        return super().to_representation(suggestion)


# ---------------------------------------------------------------------------
# Statistics (the field help feeds the OpenAPI schema)
# ---------------------------------------------------------------------------

# One definition per figure, in suggestions/queries/stats.py (the pages show the same texts).
COUNT_HELP = {name: stats.DEFINITIONS[name] for name in stats.COUNT_FIELDS}
TOTAL_HELP = {name: stats.DEFINITIONS[name] for name in stats.TOTAL_FIELDS}
RATE_HELP = {name: stats.DEFINITIONS[name] for name in stats.RATE_FIELDS}


def _stats_serializer(name: str, bases: tuple, doc: str, fields: dict) -> type[serializers.Serializer]:
    """A serializer class whose fields are generated from a table of definitions."""
    return serializers.SerializerMetaclass(name, bases, {"__module__": __name__, "__doc__": doc, **fields})


def _stats_fields(help_texts: dict, field_class: type[serializers.Field], **kwargs) -> dict:
    return {name: field_class(read_only=True, help_text=text, **kwargs) for name, text in help_texts.items()}


StatsRowSerializer = _stats_serializer(
    "StatsRowSerializer",
    (serializers.Serializer,),
    "One row of statistics: counts, and rates as fractions rounded to 4 places (null when the denominator is 0).",
    {
        **_stats_fields(COUNT_HELP, serializers.IntegerField),
        **_stats_fields(RATE_HELP, serializers.FloatField, allow_null=True),
    },
)
StatsOverviewSerializer = _stats_serializer(
    "StatsOverviewSerializer",
    (StatsRowSerializer,),
    "总体情况: the statistics over every suggestion the filters select, with the totals by status.",
    _stats_fields(TOTAL_HELP, serializers.IntegerField),
)


class StatsThemeSerializer(StatsOverviewSerializer):
    """按主题: one row per theme."""

    theme_id = serializers.IntegerField(read_only=True)
    theme_ordinal = serializers.IntegerField(read_only=True)
    theme_title = serializers.CharField(read_only=True)
    session_id = serializers.IntegerField(read_only=True)


class StatsDepartmentSerializer(StatsRowSerializer):
    """按承办单位: the suggestions a department leads in their current round; ``co_handled`` apart."""

    department_id = serializers.IntegerField(read_only=True)
    department_name = serializers.CharField(read_only=True)
    department_short_name = serializers.CharField(read_only=True)
    co_handled = serializers.IntegerField(
        read_only=True, help_text=_("协办: suggestions it co-handles in their current round")
    )


class StatsRoundSerializer(StatsRowSerializer):
    """按办理轮次: each round of each suggestion, with that round's records."""

    round = serializers.IntegerField(read_only=True)


class StatsMonthSerializer(StatsRowSerializer):
    """按答复月份: suggestions grouped by the month of their first reply."""

    month = serializers.DateField(read_only=True, help_text=_("the first day of the month"))


# ---------------------------------------------------------------------------
# Input: one serializer per workflow step
# ---------------------------------------------------------------------------

IGNORED_INPUT_KEYS = {"csrfmiddlewaretoken"}


class StepInput(serializers.Serializer):
    """A workflow step's input. Unknown fields are an error; the suggestion comes in the context.

    ``workflow_fields`` maps a field name the workflow's errors use to this input's name for it, so an
    error names what the client sent (``approve_extension``'s ``due`` is the workflow's ``requested_due``)."""

    workflow_fields: dict[str, str] = {}

    def run_validation(self, data=serializers.empty):
        if data is None:  # a JSON body `null`: DRF would answer its field message, code `null`
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("请求体应为 JSON 对象，不能为 null。")]},
                code="invalid",
            )
        return super().run_validation(data)

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields) - IGNORED_INPUT_KEYS)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("未知字段。")] for name in unknown}, code="unknown_field"
                )
        return super().to_internal_value(data)

    @property
    def suggestion(self) -> Suggestion:
        return self.context["suggestion"]


def _text(max_length: int, *, required: bool = True, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=required, allow_blank=not required, trim_whitespace=True, **kwargs
    )


def _departments(**kwargs) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), **kwargs)


class RegisterInput(StepInput):
    """登记."""

    session = serializers.PrimaryKeyRelatedField(queryset=CongressSession.objects.all())
    theme = serializers.PrimaryKeyRelatedField(queryset=Theme.objects.all())
    number = serializers.IntegerField(min_value=1, max_value=100000)
    position = serializers.IntegerField(min_value=1, max_value=10000)
    title = _text(200)
    text = _text(20000)
    proposers = serializers.PrimaryKeyRelatedField(
        queryset=Delegate.objects.all(), many=True, allow_empty=False, help_text=_("the lead (领衔) first")
    )
    disclosure_consent = serializers.BooleanField(required=False)


class AssignInput(StepInput):
    """交办."""

    lead = _departments(help_text=_("主办单位"))
    co_handlers = _departments(many=True, required=False, help_text=_("协办单位"))
    due = serializers.DateField(required=False, help_text=_("答复期限; default 3 months after today"))
    key_supervision = serializers.BooleanField(required=False)


class ReasonInput(StepInput):
    reason = _text(2000)


class MergeInput(StepInput):
    """并案办理: ``other`` is the number of a suggestion of the same session."""

    other = serializers.IntegerField(
        min_value=1, max_value=100000, help_text=_("并案建议的编号（同一次会议）")
    )
    note = _text(2000, required=False)


class NoteInput(StepInput):
    note = _text(2000)


class OptionalNoteInput(StepInput):
    note = _text(2000, required=False)


class WithdrawInput(StepInput):
    """撤回: the lead delegate may leave the reason empty; staff must give one."""

    reason = _text(2000, required=False)


class SupervisionInput(OptionalNoteInput):
    """重点督办."""

    on = serializers.BooleanField(help_text=_("true to mark, false to unmark"))


class DepartmentInput(StepInput):
    """签收 (and others): ``department`` names which of the user's departments acts, when they have several
    (staff: on whose behalf)."""

    department = _departments(required=False)


class RequestReassignmentInput(DepartmentInput):
    """申请调整."""

    reason = _text(2000)


class _AssignmentChoice(serializers.PrimaryKeyRelatedField):
    """An assignment of this suggestion."""

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=Assignment.objects.all(), **kwargs)

    def get_queryset(self):
        return Assignment.objects.filter(suggestion=self.parent.suggestion)


class ApproveReassignmentInput(StepInput):
    """同意调整."""

    new_department = _departments()
    assignment = _AssignmentChoice(required=False, help_text=_("the request, when there are several"))
    note = _text(2000, required=False)


class RejectReassignmentInput(NoteInput):
    """不同意调整."""

    assignment = _AssignmentChoice(required=False, help_text=_("the request, when there are several"))


def _delegates(**kwargs) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=Delegate.objects.all(), **kwargs)


class ContactInput(DepartmentInput):
    """沟通联系."""

    method = serializers.ChoiceField(choices=ContactMethod.choices)
    contacted_on = serializers.DateField(required=False, help_text=_("default today"))
    delegates = _delegates(many=True, required=False, help_text=_("default the lead delegate"))
    notes = _text(5000, required=False)


class ProgressInput(DepartmentInput):
    """办理进度."""

    text = _text(5000)
    reported_on = serializers.DateField(required=False, help_text=_("default today"))


class CoOpinionInput(DepartmentInput):
    """协办意见."""

    text = _text(5000)


class WaiveCoOpinionInput(DepartmentInput):
    """准予先行答复: ``department`` names the co-handler (every one still awaited when omitted)."""

    reason = _text(2000)


class RequestExtensionInput(StepInput):
    """申请延期."""

    requested_due = serializers.DateField()
    reason = _text(2000)


class ApproveExtensionInput(OptionalNoteInput):
    """同意延期."""

    workflow_fields = {"requested_due": "due"}

    due = serializers.DateField(required=False, help_text=_("default the requested date"))


class ReplyInput(StepInput):
    """答复 (JSON, or multipart with the signed letter as ``pdf``)."""

    category = serializers.ChoiceField(choices=Category.choices)
    doc_number = _text(64)
    signer = _text(32)
    contact_person = _text(32)
    contact_phone = _text(32)
    text = _text(50000)
    pdf = serializers.FileField(required=False, allow_empty_file=False)
    replied_on = serializers.DateField(required=False, help_text=_("default today"))


class RateInput(StepInput):
    """评价. ``delegate`` only when staff enter a rating on a delegate's behalf (代录)."""

    attitude = serializers.ChoiceField(choices=Verdict.choices)
    result = serializers.ChoiceField(choices=Verdict.choices)
    comment = _text(5000, required=False, help_text=_("required with 不满意"))
    delegate = _delegates(required=False)


class RehandleInput(NoteInput):
    """重新办理."""

    lead = _departments(required=False, help_text=_("a new lead department; default unchanged"))
    co_handlers = _departments(
        many=True, required=False, help_text=_("this round's co-handlers; default those of the last round")
    )
    due = serializers.DateField(required=False, help_text=_("default one month from today"))


class _ReplyChoice(serializers.PrimaryKeyRelatedField):
    """A reply of this suggestion."""

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=Reply.objects.all(), **kwargs)

    def get_queryset(self):
        return Reply.objects.filter(suggestion=self.parent.suggestion)


class PublishInput(StepInput):
    """公开答复."""

    mode = serializers.ChoiceField(choices=[Publication.FULL, Publication.TITLE_ONLY])
    reply = _ReplyChoice(required=False, help_text=_("default the latest reply"))


class UnpublishInput(NoteInput):
    """撤销公开."""

    reply = _ReplyChoice(required=False, help_text=_("default the latest reply"))


class FollowUpInput(StepInput):
    """跟踪落实."""

    text = _text(5000)
    fulfilled = serializers.BooleanField(required=False)
