"""The suggestion list's filters, shared by the HTML list, the API list, the exports and the statistics.

Callers scope first and filter second: ``SuggestionFilter(params, queryset=visible(Suggestion, user)
.for_list(), request=request)``. The FilterSet only narrows the queryset it is given; the filters that look
at replies (reply category, reply dates) read only the replies the requesting user may see, so a filter
never reveals what the list would hide.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delegates.models import Delegate
from departments.models import Department
from suggestions.models import (
    OPEN_STATUSES,
    Assignment,
    Category,
    CongressSession,
    HandlerRole,
    Proposer,
    Reply,
    Status,
    Suggestion,
    Theme,
)
from suggestions.policy import permissions, redaction
from suggestions.policy.scoping import visible
from suggestions.queries.choices import CachedModelChoiceFilter

SEARCH_MAX_LENGTH = 100
NUMBER_MAX_DIGITS = 6


class StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no); anything else is an error rather than silently "no filter"."""

    widget = forms.Select(choices=[("", "---------"), ("true", _("是")), ("false", _("否"))])
    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, "") or isinstance(value, bool):
            return None if value == "" else value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("请填写 true 或 false。"), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StableOrderingFilter(django_filters.OrderingFilter):
    """排序: the requested order, then the primary key, so that pages never overlap or skip rows."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


class SuggestionFilter(django_filters.FilterSet):
    """建议筛选: every filter of the suggestion lists (query parameters in brackets).

    - ``session`` / ``theme``: the 会议 / 主题 (ids).
    - ``status``: one or more statuses (``?status=assigned&status=in_progress``).
    - ``department``: suggestions with an active (not replaced) assignment of that department, in any round;
      with ``role`` (``lead`` 主办 / ``co`` 协办) only those it handles in that role. ``role`` alone applies to
      the requesting handler's own departments (and is ignored for users without a department).
    - ``category``: the A–D category of the latest reply the user may see, when they may read its category
      (``redaction.readable``: not under a title-only publication for the public) (one or more).
    - ``delegate``: a proposer (领衔 or 联名); ``lead_delegate``: the lead proposer (领衔代表).
    - ``key_supervision``: 重点督办 (true/false); ``round``: the current handling round.
    - ``overdue``: true = a reply is due and its date has passed (逾期); false = not overdue.
    - ``due_before`` / ``due_after``: the current reply due date, inclusive.
    - ``replied_after`` / ``replied_before``: a visible reply dated within the range, inclusive.
    - ``q``: text search; digits alone match the number exactly, otherwise every word must occur in the
      title or the text (substring match, so Chinese words are found without word splitting).
    - ``ordering``: ``number``, ``due_date``, ``status``, ``updated_at`` (prefix ``-`` to reverse).
    """

    # The offered sessions, themes and departments come from the cache (suggestions/choices.py).
    session = CachedModelChoiceFilter(
        label=_("会议"), queryset=CongressSession.objects.all(), field_name="session"
    )
    theme = CachedModelChoiceFilter(label=_("主题"), queryset=Theme.objects.all(), field_name="theme")
    # distinct=False: a column of the suggestion itself (and the other filters use semi-joins), so no
    # SELECT DISTINCT over every column is needed.
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=Status.choices, field_name="status", distinct=False
    )
    department = CachedModelChoiceFilter(
        label=_("承办单位"), queryset=Department.objects.all(), method="filter_department"
    )
    role = django_filters.ChoiceFilter(label=_("承办方式"), choices=HandlerRole.choices, method="filter_role")
    category = django_filters.MultipleChoiceFilter(
        label=_("答复分类"), choices=Category.choices, method="filter_category", distinct=False
    )
    delegate = django_filters.ModelChoiceFilter(
        label=_("提出代表"), queryset=Delegate.objects.all(), method="filter_delegate"
    )
    lead_delegate = django_filters.ModelChoiceFilter(
        label=_("领衔代表"), queryset=Delegate.objects.all(), method="filter_lead_delegate"
    )
    delegate_name = django_filters.CharFilter(
        label=_("提出代表姓名"), method="filter_delegate_name", max_length=32
    )
    key_supervision = StrictBooleanFilter(label=_("重点督办"), field_name="key_supervision")
    round = django_filters.NumberFilter(label=_("办理轮次"), field_name="round", min_value=1, max_value=100)
    overdue = StrictBooleanFilter(label=_("逾期"), method="filter_overdue")
    due_before = django_filters.DateFilter(
        label=_("答复期限不晚于"), field_name="due_date", lookup_expr="lte"
    )
    due_after = django_filters.DateFilter(label=_("答复期限不早于"), field_name="due_date", lookup_expr="gte")
    replied_after = django_filters.DateFilter(label=_("答复日期不早于"), method="filter_replied_after")
    replied_before = django_filters.DateFilter(label=_("答复日期不晚于"), method="filter_replied_before")
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_q",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("编号、标题或建议内容"),
    )
    ordering = StableOrderingFilter(
        label=_("排序"),
        fields=(
            ("number", "number"),
            ("due_date", "due_date"),
            ("status", "status"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "number": _("编号"),
            "due_date": _("答复期限"),
            "status": _("状态"),
            "updated_at": _("最后变更"),
        },
    )

    class Meta:
        model = Suggestion
        fields: list[str] = []  # every filter is declared above

    # -- departments -----------------------------------------------------------------------------------

    def _role(self) -> str | None:
        return self.form.cleaned_data.get("role") or None

    def filter_department(self, qs: QuerySet, name: str, value: Department | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(
            pk__in=self._assignments(role=self._role()).filter(department=value).values("suggestion")
        )

    def filter_role(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if not value or self.form.cleaned_data.get("department") is not None:
            return qs  # combined with the department in filter_department
        department_ids = permissions.roles(self._user()).department_ids
        if not department_ids:
            return qs
        assignments = self._assignments(role=value).filter(department_id__in=department_ids)
        return qs.filter(pk__in=assignments.values("suggestion"))

    @staticmethod
    def _assignments(*, role: str | None) -> QuerySet:
        assignments = Assignment.objects.active()
        return assignments.filter(role=role) if role else assignments

    # -- delegates -------------------------------------------------------------------------------------

    def filter_delegate(self, qs: QuerySet, name: str, value: Delegate | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(pk__in=Proposer.objects.filter(delegate=value).values("suggestion"))

    def filter_delegate_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Suggestions with a proposer whose name contains the text (领衔 or 联名)."""
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Proposer.objects.filter(delegate__name__icontains=value).values("suggestion_id")
        )

    def filter_lead_delegate(self, qs: QuerySet, name: str, value: Delegate | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(pk__in=Proposer.objects.filter(delegate=value, position=1).values("suggestion"))

    # -- replies (only those the user may see) ---------------------------------------------------------

    def _user(self):
        return getattr(self.request, "user", None)

    def _visible_replies(self) -> QuerySet:
        return visible(Reply, self._user())

    def filter_category(self, qs: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return qs
        # The category of the latest reply the user sees, when they may read it (redaction's rule: not
        # under a title-only publication for the public), so the filter tells no more than the reply.
        readable = redaction.readable(self._user(), "category")
        shown = (
            F("category")
            if readable is None
            else Case(When(readable, then=F("category")), default=Value(None), output_field=CharField())
        )
        latest = (
            self._visible_replies()
            .filter(suggestion=OuterRef("pk"))
            .order_by("-round")
            .annotate(_shown_category=shown)
        )
        return qs.alias(_latest_reply_category=Subquery(latest.values("_shown_category")[:1])).filter(
            _latest_reply_category__in=value
        )

    def filter_replied_after(self, qs: QuerySet, name: str, value) -> QuerySet:
        return self._replied(qs, replied_on__gte=value) if value else qs

    def filter_replied_before(self, qs: QuerySet, name: str, value) -> QuerySet:
        return self._replied(qs, replied_on__lte=value) if value else qs

    def _replied(self, qs: QuerySet, **lookup) -> QuerySet:
        return qs.filter(Exists(self._visible_replies().filter(suggestion=OuterRef("pk"), **lookup)))

    # -- state -----------------------------------------------------------------------------------------

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        overdue = Q(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
        return qs.filter(overdue) if value else qs.exclude(overdue)

    # -- text ------------------------------------------------------------------------------------------

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Each word in the title or the text (icontains); on PostgreSQL also via the bigram index (search.py)."""
        from suggestions.queries import search

        words = (value or "").split()
        if not words:
            return qs
        if len(words) == 1 and words[0].isdigit() and len(words[0]) <= NUMBER_MAX_DIGITS:
            return qs.filter(number=int(words[0]))
        for condition in search.word_conditions(words, using=qs.db):
            qs = qs.filter(condition)
        return qs


def filter_suggestions(request, queryset: QuerySet | None = None) -> SuggestionFilter:
    """The FilterSet bound to a request's query string, over what the user may see (the usual call)."""
    if queryset is None:
        queryset = visible(Suggestion, request.user).for_list()
    return SuggestionFilter(request.GET, queryset=queryset, request=request)
