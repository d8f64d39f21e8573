"""交办 and the handling record: assignments, contacts, progress, co-handler opinions, extensions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from delegates.models import Delegate
from departments.models import Department
from suggestions.models.choices import (
    FACE_TO_FACE_METHODS,
    AssignmentStatus,
    ContactMethod,
    HandlerRole,
    ProgressKind,
    RequestStatus,
    _choices_check,
)
from suggestions.models.suggestion import Suggestion

User = settings.AUTH_USER_MODEL

# Handling
# ---------------------------------------------------------------------------


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active(self) -> AssignmentQuerySet:
        return self.exclude(status=AssignmentStatus.REPLACED)


class Assignment(models.Model):
    """交办: a department's task on a suggestion for one round, as lead (主办) or co-handler (协办)."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="assignments"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("承办方式"), max_length=8, choices=HandlerRole.choices)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    status = models.CharField(
        _("签收状态"), max_length=24, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    assigned_on = models.DateField(_("交办日期"))
    acknowledge_due = models.DateField(_("签收期限"))
    acknowledged_on = models.DateField(_("签收日期"), null=True, blank=True)
    due_date = models.DateField(_("办理期限"), help_text=_("主办：答复期限；协办：协办意见期限"))
    reassignment_reason = models.TextField(_("申请调整理由"), blank=True)
    reassignment_decision = models.CharField(
        _("调整审核结果"), max_length=16, choices=RequestStatus.choices, blank=True
    )
    reassignment_note = models.TextField(_("调整审核意见"), blank=True)
    assigned_by = models.ForeignKey(
        User, verbose_name=_("交办人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        ordering = ["suggestion", "round", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "round"],
                condition=Q(role="lead") & ~Q(status="replaced"),
                name="assignment_one_lead_per_round",
            ),
            models.UniqueConstraint(
                fields=["suggestion", "round", "department"],
                condition=~Q(status="replaced"),
                name="assignment_one_per_department_round",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("assigned_on")), name="assignment_due_after_assigned"
            ),
            models.CheckConstraint(
                condition=Q(acknowledge_due__gte=models.F("assigned_on")),
                name="assignment_ack_due_after_assigned",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True) | Q(acknowledged_on__gte=models.F("assigned_on")),
                name="assignment_ack_after_assigned",
            ),
            models.CheckConstraint(condition=Q(round__gte=1), name="assignment_round_positive"),
            _choices_check("role", HandlerRole, "assignment_role_valid"),
            _choices_check("status", AssignmentStatus, "assignment_status_valid"),
        ]
        indexes = [models.Index(fields=["department", "status"], name="assignment_department_status")]

    def __str__(self) -> str:
        return f"{self.suggestion_id}·{self.department}（{self.get_role_display()}，第{self.round}轮）"

    @property
    def is_lead(self) -> bool:
        return self.role == HandlerRole.LEAD

    @property
    def is_active(self) -> bool:
        return self.status != AssignmentStatus.REPLACED


class ContactRecord(models.Model):
    """沟通联系: a department's contact with the delegates (面商, 走访, 座谈, 电话, 书面)."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="contacts"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("轮次"))
    method = models.CharField(_("方式"), max_length=8, choices=ContactMethod.choices)
    contacted_on = models.DateField(_("日期"))
    delegates = models.ManyToManyField(Delegate, verbose_name=_("沟通代表"), related_name="+")
    notes = models.TextField(_("情况记录"), blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("沟通记录")
        verbose_name_plural = _("沟通记录")
        ordering = ["suggestion", "contacted_on", "id"]
        constraints = [_choices_check("method", ContactMethod, "contact_method_valid")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.contacted_on}"

    @property
    def face_to_face(self) -> bool:
        return self.method in FACE_TO_FACE_METHODS


class ProgressUpdate(models.Model):
    """办理进度 / 跟踪落实: a department's progress report, or a follow-up on a B/C promise."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="progress_updates"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("轮次"))
    kind = models.CharField(
        _("类型"), max_length=16, choices=ProgressKind.choices, default=ProgressKind.PROGRESS
    )
    text = models.TextField(_("内容"))
    fulfilled = models.BooleanField(_("承诺已兑现"), default=False)
    reported_on = models.DateField(_("日期"))
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理进度")
        verbose_name_plural = _("办理进度")
        ordering = ["suggestion", "reported_on", "id"]
        constraints = [
            _choices_check("kind", ProgressKind, "progress_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind="follow_up") | Q(fulfilled=False), name="progress_fulfilled_only_follow_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reported_on}"


class CoHandlerOpinion(models.Model):
    """协办意见: a co-handling department's opinion sent to the lead department."""

    assignment = models.OneToOneField(
        Assignment, verbose_name=_("协办交办"), on_delete=models.CASCADE, related_name="opinion"
    )
    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="co_opinions"
    )
    text = models.TextField(_("协办意见"))
    submitted_on = models.DateField(_("提交日期"))
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("协办意见")
        verbose_name_plural = _("协办意见")
        ordering = ["suggestion", "id"]

    def __str__(self) -> str:
        return f"{self.assignment.department} {self.submitted_on}"


class ExtensionRequest(models.Model):
    """申请延期: the lead department asks for a later reply date; staff decide."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("交办"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    round = models.PositiveSmallIntegerField(_("轮次"))
    reason = models.TextField(_("延期理由"))
    current_due = models.DateField(_("原答复期限"))
    requested_due = models.DateField(_("申请延至"))
    status = models.CharField(
        _("审核结果"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decision_note = models.TextField(_("审核意见"), blank=True)
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["suggestion", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion"], condition=Q(status="pending"), name="extension_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(requested_due__gt=models.F("current_due")), name="extension_later_date"
            ),
            _choices_check("status", RequestStatus, "extension_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.current_due} → {self.requested_due}（{self.get_status_display()}）"
