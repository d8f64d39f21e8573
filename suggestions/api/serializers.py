"""REST serializers: output serializers present a resource to one viewer; input serializers validate a step.

Output rule: a field the viewer may not see is present with the value ``null`` (never left out, never
filled). Who sees what comes from ``suggestions/permissions.py``; serializers only apply it.
Input rule: one input serializer per workflow step; it checks types and shapes, rejects unknown fields,
and leaves every business rule to ``suggestions/workflow.py``.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Collection, Mapping
from functools import partialmethod
from operator import attrgetter
from types import FunctionType
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.manager import BaseManager
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PKOnlyObject
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
# Output rendered from a plan compiled once per class
# ---------------------------------------------------------------------------
#
# DRF builds a serializer's fields anew for every request and renders each value through two method
# calls; for a suggestion's detail or a page of the list that is most of the request's time. The output
# serializers below render from a plan compiled once per class from their declared fields: the same
# keys in the same order and the same values as DRF's (the field's own ``to_representation``, or its
# plain equivalent: ``int``, ``str``, ISO 8601 dates and times in the current time zone). The declared
# fields stay the schema's source. A class with a field the plan does not know renders through DRF;
# tests/api/test_fast_output.py compares every output with DRF's.

FAST_OUTPUT = True  # False: render through DRF's fields (what the tests compare with)

_VALUE, _ONE, _MANY, _METHOD, _REQUEST = range(5)  # how a plan entry renders its value
_NULL, _SKIP, _RAISE = range(3)  # what a missing attribute gives (DRF's Field.get_attribute), or a default


class _Unsupported(Exception):
    """A field the plan cannot render as DRF does."""


def _display_getter(model_field: models.Field) -> Callable[[Any], Any]:
    """``get_<field>_display()`` with the labels translated once per language (Django rebuilds and
    translates the whole choices table on every call)."""
    labels_by_language: dict[str | None, dict[Any, Any]] = {}

    def get(instance: Any) -> Any:
        value = getattr(instance, model_field.attname)
        if type(value) is not str:
            return instance._get_FIELD_display(model_field)
        language = translation.get_language()
        labels = labels_by_language.get(language)
        if labels is None:
            labels = {key: force_str(label, strings_only=True) for key, label in model_field.flatchoices}
            labels_by_language[language] = labels
        return labels.get(value, value)

    return get


def _getter(model: type | None, attrs: list[str]) -> Callable[[Any], Any]:
    """DRF's ``get_attribute`` for one dotted source, resolved once: attributes read, methods called."""
    if len(attrs) == 1 and model is not None:
        static = inspect.getattr_static(model, attrs[0], None)
        if isinstance(static, partialmethod) and static.func is models.Model._get_FIELD_display:
            return _display_getter(static.keywords["field"])
    steps: list[tuple[str, bool]] = []
    for attr in attrs:
        static = inspect.getattr_static(model, attr, None) if model is not None else None
        if static is None or isinstance(static, staticmethod | classmethod):
            raise _Unsupported(attr)
        steps.append((attr, isinstance(static, FunctionType | partialmethod)))
        try:
            model = model._meta.get_field(attr).related_model  # type: ignore[union-attr]
        except (AttributeError, FieldDoesNotExist):
            model = None
    if not any(call for _, call in steps):
        return attrgetter(".".join(attrs))

    def get(instance: Any) -> Any:
        for attr, call in steps:
            instance = getattr(instance, attr)
            if call:
                try:
                    instance = instance()
                except (AttributeError, KeyError) as exc:  # as DRF: not to be taken for a missing field
                    raise ValueError(f'Exception raised in callable attribute "{attr}": {exc}') from exc
        return instance

    return get


def _date(field: serializers.DateField) -> Callable[[Any], Any]:
    if (getattr(field, "format", api_settings.DATE_FORMAT) or "").lower() != ISO_8601:
        return field.to_representation

    def convert(value: Any) -> Any:
        return value.isoformat() if type(value) is dt.date else field.to_representation(value)

    return convert


def _datetime(field: serializers.DateTimeField) -> Callable[[Any], Any]:
    fmt = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if (fmt or "").lower() != ISO_8601 or hasattr(field, "timezone"):
        return field.to_representation

    def convert(value: Any) -> Any:
        if type(value) is dt.datetime and value.utcoffset() is not None and settings.USE_TZ:
            text = value.astimezone(timezone.get_current_timezone()).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return field.to_representation(value)

    return convert


def _boolean(field: serializers.BooleanField) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return value if value is True or value is False else field.to_representation(value)

    return convert


def _big_integer(field: serializers.BigIntegerField) -> Callable[[Any], Any]:
    if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
        return field.to_representation
    return int


# Value fields by exact class (a subclass may render otherwise): field -> value converter.
_CONVERTERS: dict[type, Callable[[Any], Callable[[Any], Any]]] = {
    serializers.IntegerField: lambda field: int,
    serializers.BigIntegerField: _big_integer,
    serializers.CharField: lambda field: str,
    serializers.BooleanField: _boolean,
    serializers.DateField: _date,
    serializers.DateTimeField: _datetime,
    serializers.ChoiceField: lambda field: field.to_representation,
    serializers.JSONField: lambda field: field.to_representation,
}


def _plan_entry(serializer: serializers.ModelSerializer, field: serializers.Field) -> tuple:
    """(name, getter, kind, converter, on_missing) for one readable field."""
    name, kind = field.field_name, _VALUE
    if isinstance(field, serializers.SerializerMethodField):
        return name, None, _METHOD, field.method_name, _RAISE
    model = serializer.Meta.model
    if type(field) is serializers.PrimaryKeyRelatedField and field.pk_field is None:
        # DRF's pk-only optimization: the foreign key's column, not the related row.
        try:
            column = model._meta.get_field(field.source).attname
        except FieldDoesNotExist:
            raise _Unsupported(name) from None
        return name, attrgetter(column), _VALUE, lambda pk: pk, _RAISE
    if type(field) is serializers.ListSerializer and isinstance(field.child, FastOutputSerializer):
        kind, convert = _MANY, type(field.child)
    elif isinstance(field, FastOutputSerializer):
        kind, convert = _ONE, type(field)
    elif isinstance(field, LetterField):
        kind, convert = _REQUEST, LetterField.url
    elif type(field) in _CONVERTERS:
        convert = _CONVERTERS[type(field)](field)
    else:
        raise _Unsupported(name)
    if field.default is not empty:
        on_missing = field.get_default
    else:
        on_missing = _NULL if field.allow_null else _SKIP if not field.required else _RAISE
    return name, _getter(model, field.source_attrs), kind, convert, on_missing


# A ModelSerializer rendering from a plan of its declared fields compiled once per class; the fields
# ``hidden_fields(instance)`` names are null, unevaluated. (No docstring: drf-spectacular would show it
# as the description of every subclass without its own.)
class FastOutputSerializer(serializers.ModelSerializer):
    def hidden_fields(self, instance) -> Collection[str]:
        return ()

    @classmethod
    def output_plan(cls) -> tuple | None:
        """The compiled plan, or None when a field needs DRF's rendering."""
        if "_output_plan" not in cls.__dict__:
            serializer = cls()
            try:
                plan = tuple(_plan_entry(serializer, field) for field in serializer._readable_fields)
            except _Unsupported:
                plan = None
            cls._output_plan = plan
        return cls.__dict__["_output_plan"]

    def to_representation(self, instance) -> dict[str, Any]:
        return self.render(instance, self.hidden_fields(instance))

    def render(self, instance, hidden: Collection[str]) -> dict[str, Any]:
        plan = self.output_plan() if FAST_OUTPUT else None
        if plan is None:
            return self.drf_representation(instance, hidden)
        data: dict[str, Any] = {}
        for name, get, kind, convert, on_missing in plan:
            if name in hidden:
                data[name] = None
                continue
            if kind == _METHOD:
                data[name] = getattr(self, convert)(instance)
                continue
            try:
                value = get(instance)
            except ObjectDoesNotExist:
                value = None
            except AttributeError:
                if on_missing == _RAISE:
                    raise
                if on_missing == _SKIP:
                    continue
                value = None if on_missing == _NULL else on_missing()
            if value is None:
                data[name] = None
            elif kind == _VALUE:
                data[name] = convert(value)
            elif kind == _MANY:
                child = self._nested(convert)
                rows = value.all() if isinstance(value, BaseManager) else value
                data[name] = [child.to_representation(row) for row in rows]
            elif kind == _ONE:
                data[name] = self._nested(convert).to_representation(value)
            else:  # _REQUEST
                data[name] = convert(value, self.context.get("request"))
        return data

    def _nested(self, serializer_class: type[FastOutputSerializer]) -> FastOutputSerializer:
        """One instance per nested class, sharing this serializer's context (the viewer, cached ids)."""
        children = self.__dict__.setdefault("_nested_serializers", {})
        child = children.get(serializer_class)
        if child is None:
            child = children[serializer_class] = serializer_class(context=self.context)
        return child

    def drf_representation(self, instance, hidden: Collection[str] = ()) -> dict[str, Any]:
        """The output as DRF renders it through the fields (``ModelSerializer.to_representation``)."""
        data: dict[str, Any] = {}
        for field in self._readable_fields:
            if field.field_name in hidden:
                data[field.field_name] = None
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            data[field.field_name] = None if check_for_none is None else field.to_representation(attribute)
        return data


class RedactingSerializer(ViewerMixin, FastOutputSerializer):
    """A ModelSerializer that renders the fields ``hidden_fields(instance)`` names as null, unevaluated."""


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


class DepartmentRefSerializer(FastOutputSerializer):
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


class DelegateRefSerializer(FastOutputSerializer):
    class Meta:
        model = Delegate
        fields = ["id", "name", "kind"]


class ProposerSerializer(FastOutputSerializer):
    id = serializers.IntegerField(source="delegate.id", read_only=True)
    name = serializers.CharField(source="delegate.name", read_only=True)
    kind = serializers.CharField(source="delegate.kind", read_only=True)
    is_lead = serializers.BooleanField(read_only=True, help_text=_("领衔代表 (position 1)"))

    class Meta:
        model = Proposer
        fields = ["id", "name", "kind", "position", "is_lead"]


class HandlerSerializer(FastOutputSerializer):
    """A department handling the suggestion in its current round, and how (主办 / 协办)."""

    department = DepartmentRefSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = ["department", "role"]


# ---------------------------------------------------------------------------
# Handling records
# ---------------------------------------------------------------------------


class AssignmentSerializer(FastOutputSerializer):
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


class ContactRecordSerializer(FastOutputSerializer):
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


class ProgressUpdateSerializer(FastOutputSerializer):
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


class CoHandlerOpinionSerializer(FastOutputSerializer):
    department = DepartmentRefSerializer(source="assignment.department", read_only=True)
    round = serializers.IntegerField(source="assignment.round", read_only=True)

    class Meta:
        model = CoHandlerOpinion
        fields = ["id", "suggestion", "department", "round", "text", "submitted_on", "created_at"]


class ExtensionRequestSerializer(FastOutputSerializer):
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


class RatingSerializer(FastOutputSerializer):
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


# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


class SuggestionListSerializer(ViewerMixin, FastOutputSerializer):
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


def detail_prefetches() -> list[Prefetch]:
    """What SuggestionDetailSerializer reads for every viewer besides the replies and events the view
    scopes to the viewer: ``for_list()``'s shape, with every round's assignments loaded once (the active
    ones ``for_list()`` loads apart are derived from them). Use with ``select_related("session", "theme")``."""
    return [
        Prefetch("proposers", queryset=Proposer.objects.select_related("delegate").order_by("position")),
        Prefetch("assignments", queryset=Assignment.objects.select_related("department")),
    ]


def handling_record_prefetches() -> list[Prefetch]:
    """The handling record, which SuggestionDetailSerializer loads only for viewers who may read it."""
    return [
        *detail_prefetches(),
        Prefetch(
            "contacts",
            queryset=ContactRecord.objects.select_related("department").prefetch_related("delegates"),
        ),
        Prefetch("progress_updates", queryset=ProgressUpdate.objects.select_related("department")),
        Prefetch("co_opinions", queryset=CoHandlerOpinion.objects.select_related("assignment__department")),
        Prefetch(
            "extension_requests", queryset=ExtensionRequest.objects.select_related("assignment__department")
        ),
        Prefetch("ratings", queryset=Rating.objects.select_related("delegate")),
    ]


def _derive_active_assignments(suggestion: Suggestion) -> None:
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
    assignments = AssignmentSerializer(many=True, read_only=True, allow_null=True)
    contacts = ContactRecordSerializer(many=True, read_only=True, allow_null=True)
    progress_updates = ProgressUpdateSerializer(many=True, read_only=True, allow_null=True)
    co_opinions = CoHandlerOpinionSerializer(many=True, read_only=True, allow_null=True)
    extension_requests = ExtensionRequestSerializer(many=True, read_only=True, allow_null=True)
    ratings = RatingSerializer(many=True, read_only=True, allow_null=True)

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
        _derive_active_assignments(suggestion)
        details = permissions.can_view_details(self.viewer, suggestion)
        self.context["detail_ids"] = None if details else frozenset()
        if details:  # what is already prefetched is not read again
            prefetch_related_objects([suggestion], *handling_record_prefetches())
        return self.render(suggestion, () if details else DETAIL_FIELDS)


# ---------------------------------------------------------------------------
# Statistics (the field help feeds the OpenAPI schema)
# ---------------------------------------------------------------------------

COUNT_HELP = {
    "assigned": _("交办数: status 已交办, 办理中, 已答复, 不满意待复核 or 办结 (withdrawn ones excluded)"),
    "replied": _("已答复: at least one formal reply"),
    "replied_on_time": _(
        "按期答复: the first-round reply dated on or before its due date (extensions included)"
    ),
    "closed": pgettext_lazy("status", "办结"),
    "face_to_face": _("见面: at least one 面商 / 走访 / 座谈 contact"),
    "rated": _("已评价: a lead delegate's rating exists"),
    "satisfied": _("满意 + 基本满意 on the result of the lead delegate's latest rating"),
    "unsatisfied": _("不满意 on the result of the lead delegate's latest rating"),
    "first_round_rated": _("a first-round lead rating exists"),
    "first_round_satisfied": _("满意 + 基本满意 on the first-round lead rating's result"),
    "category_a": _("A类 (latest reply): solved or mostly solved"),
    "category_b": _("B类 (latest reply): being solved or planned"),
    "category_c": _("C类 (latest reply): to be solved later"),
    "category_d": _("D类 (latest reply): kept for reference"),
    "key_supervision": _("重点督办"),
    "extensions_granted": _("approved extension requests"),
    "reassignments": _("approved reassignment requests"),
    "overdue_now": _("逾期: 已交办 / 办理中 with the due date before today"),
}
TOTAL_HELP = {
    "total": _("all suggestions counted, whatever their status"),
    "registered": _("已登记, not yet assigned"),
    "not_accepted": _("不予受理"),
    "withdrawn": _("已撤回 (not in assigned)"),
}
RATE_HELP = {
    "reply_rate": _("答复率 = replied / assigned"),
    "on_time_rate": _("按期答复率 = replied_on_time / assigned"),
    "close_rate": _("办结率 = closed / assigned"),
    "meeting_rate": _("见面率 = face_to_face / assigned"),
    "satisfaction_rate": _("满意率 = satisfied / rated"),
    "first_satisfaction_rate": _("初次满意率 = first_round_satisfied / first_round_rated"),
    "solved_rate": _("解决率 (A) = category_a / replied"),
    "solved_or_planned_rate": _("A + B share = (category_a + category_b) / replied"),
}


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
    """A workflow step's input. Unknown fields are an error; the suggestion comes in the context."""

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


class RequestExtensionInput(StepInput):
    """申请延期."""

    requested_due = serializers.DateField()
    reason = _text(2000)


class ApproveExtensionInput(OptionalNoteInput):
    """同意延期."""

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
