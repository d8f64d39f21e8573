"""建议 and its proposers (领衔 / 联名)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegates.models import Delegate
from departments.models import Department

if TYPE_CHECKING:
    from suggestions.models.handling import Assignment

from suggestions.models.choices import OPEN_STATUSES, HandlerRole, Status, _choices_check, chinese_ordinal
from suggestions.models.session import CongressSession, Theme

# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def for_list(self) -> SuggestionQuerySet:
        """The shape every list (admin, pages, API, exports) reads."""
        return self.select_related("session", "theme").prefetch_related(
            models.Prefetch(
                "proposers", queryset=Proposer.objects.select_related("delegate").order_by("position")
            ),
            models.Prefetch(
                "assignments",
                queryset=apps.get_model("suggestions", "Assignment")
                .objects.active()
                .select_related("department")
                .order_by("role", "id"),
                to_attr="active_assignments",
            ),
        )

    def overdue(self, today: dt.date | None = None) -> SuggestionQuerySet:
        """逾期: a reply is due and its date has passed."""
        return self.filter(status__in=OPEN_STATUSES, due_date__lt=today or timezone.localdate())

    def due_soon(self, today: dt.date | None = None, days: int | None = None) -> SuggestionQuerySet:
        """临期: a reply is due within the reminder window (15 days by default)."""
        today = today or timezone.localdate()
        days = settings.TRACKER_DEADLINES["reminder_days"] if days is None else days
        return self.filter(
            status__in=OPEN_STATUSES, due_date__gte=today, due_date__lte=today + dt.timedelta(days=days)
        )

    def handled_by(self, department: Department, role: str | None = None) -> SuggestionQuerySet:
        assignments = (
            apps.get_model("suggestions", "Assignment").objects.active().filter(department=department)
        )
        if role:
            assignments = assignments.filter(role=role)
        return self.filter(pk__in=assignments.values("suggestion"))


class SuggestionManager(models.Manager.from_queryset(SuggestionQuerySet)):  # type: ignore[misc]
    def get_by_natural_key(self, term: int, meeting: int, number: int) -> Suggestion:
        return self.get(session__term=term, session__meeting=meeting, number=number)


class Suggestion(models.Model):
    """代表建议: one suggestion, from registration to the delegates' verdict."""

    session = models.ForeignKey(
        CongressSession, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="suggestions"
    )
    theme = models.ForeignKey(
        Theme, verbose_name=_("主题"), on_delete=models.PROTECT, related_name="suggestions"
    )
    number = models.PositiveIntegerField(_("编号"))
    position = models.PositiveSmallIntegerField(_("主题内序号"))
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("建议内容"))
    delegates = models.ManyToManyField(
        Delegate, through="Proposer", verbose_name=_("提出代表"), related_name="suggestions"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    key_supervision = models.BooleanField(_("重点督办"), default=False)
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    disclosure_consent = models.BooleanField(_("同意公开"), default=True)
    due_date = models.DateField(_("答复期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("最后变更"), auto_now=True)

    objects = SuggestionManager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("建议")
        verbose_name_plural = _("建议")
        # Newest session first, then document order; on columns, so no join is needed to sort.
        ordering = ["-session_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="suggestion_unique_number"),
            models.UniqueConstraint(fields=["theme", "position"], name="suggestion_unique_position"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(position__gte=1), name="suggestion_numbers_positive"
            ),
            models.CheckConstraint(condition=Q(round__gte=1), name="suggestion_round_positive"),
            _choices_check("status", Status, "suggestion_status_valid"),
            models.CheckConstraint(
                condition=Q(due_date__isnull=False)
                | Q(status__in=[Status.REGISTERED, Status.NOT_ACCEPTED, Status.WITHDRAWN]),
                name="suggestion_due_date_once_assigned",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="suggestion_status_due"),
            models.Index(fields=["updated_at"], name="suggestion_updated"),
            models.Index(fields=["-session", "number"], name="suggestion_list_order"),
            # 逾期 / 临期 queues: open suggestions in due-date order, read a page at a time
            models.Index(
                fields=["due_date", "number"],
                condition=Q(status__in=OPEN_STATUSES),
                name="suggestion_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.number}号 {self.title}"

    def natural_key(self) -> tuple[int, int, int]:
        return (*self.session.natural_key(), self.number)

    natural_key.dependencies = ["suggestions.congresssession", "suggestions.theme", "delegates.delegate"]  # type: ignore[attr-defined]

    @property
    def place(self) -> str:
        """Position in the theme, as the document writes it: 二-3."""
        return f"{chinese_ordinal(self.theme.ordinal)}-{self.position}"

    def ordered_proposers(self) -> list[Proposer]:
        return sorted(self.proposers.all(), key=lambda p: p.position)

    @property
    def lead_delegate(self) -> Delegate | None:
        proposers = self.ordered_proposers()
        return proposers[0].delegate if proposers else None

    @property
    def co_proposers(self) -> list[Delegate]:
        return [p.delegate for p in self.ordered_proposers()[1:]]

    def current_assignments(self) -> list[Assignment]:
        if hasattr(self, "active_assignments"):
            return [a for a in self.active_assignments if a.round == self.round]
        return list(self.assignments.active().filter(round=self.round).select_related("department"))

    def current_handlers(self) -> list[Assignment]:
        """This round's departments, the lead (主办) first."""
        return sorted(self.current_assignments(), key=lambda a: (a.role != HandlerRole.LEAD, a.pk))

    @property
    def lead_assignment(self) -> Assignment | None:
        return next((a for a in self.current_assignments() if a.role == HandlerRole.LEAD), None)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in OPEN_STATUSES
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class ProposerManager(models.Manager["Proposer"]):
    def get_by_natural_key(self, term: int, meeting: int, number: int, name: str) -> Proposer:
        return self.get(
            suggestion__session__term=term,
            suggestion__session__meeting=meeting,
            suggestion__number=number,
            delegate__name=name,
        )


class Proposer(models.Model):
    """提出人: a delegate on a suggestion; position 1 is the lead (领衔), the rest co-proposers (联名)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="proposers")
    delegate = models.ForeignKey(
        Delegate, verbose_name=_("代表"), on_delete=models.PROTECT, related_name="proposals"
    )
    position = models.PositiveSmallIntegerField(_("排序"))

    objects = ProposerManager()

    class Meta:
        verbose_name = _("提出代表")
        verbose_name_plural = _("提出代表")
        ordering = ["suggestion", "position"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "delegate"], name="proposer_unique_delegate"),
            models.UniqueConstraint(fields=["suggestion", "position"], name="proposer_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="proposer_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.delegate}（{'领衔' if self.is_lead else '联名'}）"

    def natural_key(self) -> tuple:
        return (*self.suggestion.natural_key(), self.delegate.name)

    natural_key.dependencies = ["suggestions.suggestion", "delegates.delegate"]  # type: ignore[attr-defined]

    @property
    def is_lead(self) -> bool:
        return self.position == 1


# ---------------------------------------------------------------------------
