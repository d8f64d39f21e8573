"""What is proposed and how it is handled: sessions, themes, suggestions and their handling records."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from delegates.models import Delegate
from departments.models import Department

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

User = settings.AUTH_USER_MODEL
CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    if 1 <= n <= 10:
        return CHINESE_NUMERALS[n - 1]
    if n < 20:
        return "十" + CHINESE_NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return CHINESE_NUMERALS[tens - 1] + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")


# ---------------------------------------------------------------------------
# Choices
# ---------------------------------------------------------------------------


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已答复")
    REVIEW = "review", _("不满意待复核")
    CLOSED = "closed", pgettext_lazy("status", "办结")  # the state ("Closed"), not the step ("Close")
    WITHDRAWN = "withdrawn", _("已撤回")
    NOT_ACCEPTED = "not_accepted", _("不予受理")


OPEN_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)  # a reply is due
FINAL_STATUSES = (Status.CLOSED, Status.WITHDRAWN, Status.NOT_ACCEPTED)


class HandlerRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    REASSIGN_REQUESTED = "reassign_requested", _("申请调整")
    REPLACED = "replaced", _("已调整")


class ContactMethod(models.TextChoices):
    MEET = "meet", _("面商")
    VISIT = "visit", _("走访")
    FORUM = "forum", _("座谈")
    PHONE = "phone", _("电话")
    WRITTEN = "written", _("书面")


FACE_TO_FACE_METHODS = (ContactMethod.MEET, ContactMethod.VISIT, ContactMethod.FORUM)


class ProgressKind(models.TextChoices):
    PROGRESS = "progress", _("办理进度")
    FOLLOW_UP = "follow_up", _("跟踪落实")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("未同意")


class Category(models.TextChoices):
    A = "A", _("A类：所提问题已经解决或者基本解决")
    B = "B", _("B类：所提问题正在解决或者列入规划逐步解决")
    C = "C", _("C类：所提问题因目前条件限制或者其他原因需待以后解决")
    D = "D", _("D类：所提问题留作参考")


PROMISE_CATEGORIES = (Category.B, Category.C)


class Publication(models.TextChoices):
    UNPUBLISHED = "unpublished", _("未公开")
    FULL = "full", _("全文公开")
    TITLE_ONLY = "title_only", _("仅公开标题")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class EventKind(models.TextChoices):
    REGISTER = "register", _("登记")
    ASSIGN = "assign", _("交办")
    ACKNOWLEDGE = "acknowledge", _("签收")
    REQUEST_REASSIGNMENT = "request_reassignment", _("申请调整")
    APPROVE_REASSIGNMENT = "approve_reassignment", _("同意调整")
    REJECT_REASSIGNMENT = "reject_reassignment", _("不同意调整")
    CONTACT = "contact", _("沟通联系")
    PROGRESS = "progress", _("办理进度")
    CO_OPINION = "co_opinion", _("协办意见")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("同意延期")
    REJECT_EXTENSION = "reject_extension", _("不同意延期")
    REPLY = "reply", _("答复")
    RATE = "rate", _("评价")
    REHANDLE = "rehandle", _("重新办理")
    CLOSE = "close", _("办结")
    WITHDRAW = "withdraw", _("撤回")
    NOT_ACCEPT = "not_accept", _("不予受理")
    PUBLISH = "publish", _("公开答复")
    UNPUBLISH = "unpublish", _("撤销公开")
    FOLLOW_UP = "follow_up", _("跟踪落实")
    SUPERVISION = "supervision", _("重点督办")


# Events anyone may see on a suggestion's public timeline (without their private data).
PUBLIC_EVENT_KINDS = (
    EventKind.REGISTER,
    EventKind.ASSIGN,
    EventKind.APPROVE_REASSIGNMENT,
    EventKind.REPLY,
    EventKind.REHANDLE,
    EventKind.CLOSE,
    EventKind.WITHDRAW,
    EventKind.NOT_ACCEPT,
    EventKind.PUBLISH,
    EventKind.SUPERVISION,
)


def _choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


# ---------------------------------------------------------------------------
# Session and themes
# ---------------------------------------------------------------------------


class CongressSessionManager(models.Manager["CongressSession"]):
    def get_by_natural_key(self, term: int, meeting: int) -> CongressSession:
        return self.get(term=term, meeting=meeting)


class CongressSession(models.Model):
    """人代会会议: one meeting of a congress, e.g. 市十七届人大二次会议."""

    name = models.CharField(_("名称"), max_length=64)
    term = models.PositiveSmallIntegerField(_("届次"))
    meeting = models.PositiveSmallIntegerField(_("次"))
    start_date = models.DateField(_("开幕日期"))
    end_date = models.DateField(_("闭幕日期"))

    objects = CongressSessionManager()

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-term", "-meeting"]
        constraints = [
            models.UniqueConstraint(fields=["term", "meeting"], name="session_unique_term_meeting"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="session_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(term__gte=1) & Q(meeting__gte=1), name="session_numbers_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[int, int]:
        return (self.term, self.meeting)


class ThemeManager(models.Manager["Theme"]):
    def get_by_natural_key(self, term: int, meeting: int, ordinal: int) -> Theme:
        return self.get(session__term=term, session__meeting=meeting, ordinal=ordinal)


class Theme(models.Model):
    """建议主题: one of the groups (一是…七是) the suggestions are listed under."""

    session = models.ForeignKey(
        CongressSession, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="themes"
    )
    ordinal = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("标题"), max_length=100)

    objects = ThemeManager()

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["session", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["session", "ordinal"], name="theme_unique_ordinal"),
            models.CheckConstraint(condition=Q(ordinal__gte=1), name="theme_ordinal_positive"),
        ]

    def __str__(self) -> str:
        return f"{chinese_ordinal(self.ordinal)}、{self.title}"

    def natural_key(self) -> tuple[int, int, int]:
        return (*self.session.natural_key(), self.ordinal)

    natural_key.dependencies = ["suggestions.congresssession"]  # type: ignore[attr-defined]

    @property
    def chinese_ordinal(self) -> str:
        return chinese_ordinal(self.ordinal)


# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> SuggestionQuerySet:
        from suggestions import permissions

        return permissions.scope_suggestions(self, user)

    def for_list(self) -> SuggestionQuerySet:
        """The shape every list (admin, pages, API, exports) reads."""
        return self.select_related("session", "theme").prefetch_related(
            models.Prefetch(
                "proposers", queryset=Proposer.objects.select_related("delegate").order_by("position")
            ),
            models.Prefetch(
                "assignments",
                queryset=Assignment.objects.active().select_related("department").order_by("role", "id"),
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
        assignments = Assignment.objects.active().filter(department=department)
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
# Handling
# ---------------------------------------------------------------------------


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active(self) -> AssignmentQuerySet:
        return self.exclude(status=AssignmentStatus.REPLACED)

    def visible_to(self, user) -> AssignmentQuerySet:
        from suggestions import permissions

        return permissions.scope_related(self, user)


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


class RelatedQuerySet(models.QuerySet):
    """Handling records: scoped to the suggestions a user may follow in detail."""

    def visible_to(self, user):
        from suggestions import permissions

        return permissions.scope_related(self, user)


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

    objects = RelatedQuerySet.as_manager()

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

    objects = RelatedQuerySet.as_manager()

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

    objects = RelatedQuerySet.as_manager()

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

    objects = RelatedQuerySet.as_manager()

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


def validate_pdf(upload) -> None:
    """A reply letter must be a PDF (checked by content, not by name) within the size limit."""
    if upload is None:
        return
    if upload.size > settings.REPLY_PDF_MAX_BYTES:
        raise ValidationError(
            _("文件不能超过 %(mb)s MB。"), params={"mb": settings.REPLY_PDF_MAX_BYTES // (1024 * 1024)}
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(5)
    upload.seek(position)
    if head != b"%PDF-":
        raise ValidationError(_("只能上传 PDF 文件。"))


class ReplyQuerySet(models.QuerySet["Reply"]):
    def visible_to(self, user) -> ReplyQuerySet:
        from suggestions import permissions

        return permissions.scope_replies(self, user)

    def published(self) -> ReplyQuerySet:
        return self.exclude(publication=Publication.UNPUBLISHED)


class Reply(models.Model):
    """答复: the lead department's formal reply for one round, marked A–D."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="replies"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("答复单位"), on_delete=models.PROTECT, related_name="replies"
    )
    round = models.PositiveSmallIntegerField(_("轮次"))
    category = models.CharField(_("答复分类"), max_length=1, choices=Category.choices)
    doc_number = models.CharField(_("文号"), max_length=64)
    signer = models.CharField(_("签发人"), max_length=32)
    contact_person = models.CharField(_("联系人"), max_length=32)
    contact_phone = models.CharField(_("联系电话"), max_length=32)
    text = models.TextField(_("答复内容"))
    pdf = models.FileField(_("答复函 PDF"), upload_to="replies/%Y/", blank=True, validators=[validate_pdf])
    replied_on = models.DateField(_("答复日期"))
    due_date = models.DateField(_("当时的答复期限"))
    publication = models.CharField(
        _("公开状态"), max_length=16, choices=Publication.choices, default=Publication.UNPUBLISHED
    )
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ReplyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["suggestion", "round"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "round"], name="reply_one_per_round"),
            _choices_check("category", Category, "reply_category_valid"),
            _choices_check("publication", Publication, "reply_publication_valid"),
            models.CheckConstraint(
                condition=Q(publication="unpublished") | Q(published_at__isnull=False),
                name="reply_published_has_time",
            ),
            models.CheckConstraint(condition=Q(round__gte=1), name="reply_round_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_number}（{self.category}类，第{self.round}轮）"

    @property
    def on_time(self) -> bool:
        return self.replied_on <= self.due_date

    @property
    def is_published(self) -> bool:
        return self.publication != Publication.UNPUBLISHED


class Rating(models.Model):
    """评价: a proposer's verdict on a round's reply: attitude 办理态度 and result 办理结果."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="ratings"
    )
    reply = models.ForeignKey(Reply, verbose_name=_("答复"), on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField(_("轮次"))
    delegate = models.ForeignKey(
        Delegate, verbose_name=_("评价代表"), on_delete=models.PROTECT, related_name="ratings"
    )
    is_lead = models.BooleanField(_("领衔代表"), default=False)
    attitude = models.CharField(_("办理态度"), max_length=16, choices=Verdict.choices)
    result = models.CharField(_("办理结果"), max_length=16, choices=Verdict.choices)
    comment = models.TextField(_("意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    objects = RelatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["suggestion", "round", "-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "round", "delegate"], name="rating_one_per_delegate_round"
            ),
            _choices_check("attitude", Verdict, "rating_attitude_valid"),
            _choices_check("result", Verdict, "rating_result_valid"),
            models.CheckConstraint(
                condition=(~Q(attitude="unsatisfied") & ~Q(result="unsatisfied")) | ~Q(comment=""),
                name="rating_unsatisfied_needs_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} 第{self.round}轮：{self.get_attitude_display()}/{self.get_result_display()}"

    @property
    def unsatisfied(self) -> bool:
        return Verdict.UNSATISFIED in (self.attitude, self.result)


# Events are the data version (the newest id keys the caches: suggestions/dataversion.py), so their ids
# must become visible in id order. On PostgreSQL a transaction takes this advisory lock before it appends
# an event and holds it to its commit: a later id can never commit before an earlier one, and a reader
# that sees version N sees every change up to N. (SQLite serializes its writers anyway.)
EVENT_ORDER_LOCK = 7_310_2023


def lock_event_order(using: str) -> None:
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_ORDER_LOCK])


class EventQuerySet(models.QuerySet["Event"]):
    def visible_to(self, user) -> EventQuerySet:
        from suggestions import permissions

        return permissions.scope_events(self, user)

    def update(self, **kwargs):  # noqa: ANN201
        raise ValidationError(_("办理记录不可修改。"))

    def delete(self):  # noqa: ANN201
        raise ValidationError(_("办理记录不可删除。"))

    def bulk_create(  # noqa: ANN201
        self, objs, batch_size=None, ignore_conflicts=False, update_conflicts=False, **kwargs
    ):
        if update_conflicts:  # an upsert would rewrite the existing events
            raise ValidationError(_("办理记录不可修改。"))
        from suggestions import dataversion

        dataversion.forget()
        lock_event_order(self.db)
        return super().bulk_create(objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts)


class Event(models.Model):
    """办理记录: the immutable record of one workflow step; a suggestion's timeline."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("事项"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    round = models.PositiveSmallIntegerField(_("轮次"))
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(_("数据"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["suggestion", "at", "id"]
        constraints = [
            _choices_check("kind", EventKind, "event_kind_valid"),
            _choices_check("from_status", Status, "event_from_status_valid"),
            _choices_check("to_status", Status, "event_to_status_valid"),
        ]
        indexes = [models.Index(fields=["suggestion", "at"], name="event_suggestion_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("办理记录不可修改。"))
        from suggestions import dataversion

        dataversion.forget()
        lock_event_order(kwargs.get("using") or router.db_for_write(Event, instance=self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN201
        raise ValidationError(_("办理记录不可删除。"))


class WorkdayCorrection(models.Model):
    """工作日调整: a staff correction to the official calendar (a day made a workday or a holiday)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"


class Remark(models.Model):
    """审议发言: delegates' remarks on the government work report (parts 一 and 二 of the summary)."""

    session = models.ForeignKey(
        CongressSession, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="remarks"
    )
    part = models.PositiveSmallIntegerField(
        _("部分"), help_text=_("1：对上一年工作的评价；2：对本年任务的意见")
    )
    section = models.PositiveSmallIntegerField(_("节"))
    heading = models.CharField(_("节标题"), max_length=200)
    position = models.PositiveSmallIntegerField(_("节内序号"))
    text = models.TextField(_("发言内容"))
    delegates = models.ManyToManyField(Delegate, verbose_name=_("发言代表"), related_name="remarks")

    class Meta:
        verbose_name = _("审议发言")
        verbose_name_plural = _("审议发言")
        ordering = ["session", "part", "section", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "part", "section", "position"], name="remark_unique_place"
            ),
            models.CheckConstraint(condition=Q(part__in=[1, 2]), name="remark_part_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.heading[:20]}…（{self.position}）"


# ---------------------------------------------------------------------------
# Statistics facts: what the committee's statistics need to know of each suggestion and each round,
# kept by the workflow (every step refreshes its suggestion's rows: suggestions/facts.py), so that the
# statistics are single conditional counts over a join instead of eight subqueries per suggestion.
# ---------------------------------------------------------------------------


class FactsFields(models.Model):
    first_replied_on = models.DateField(_("首轮答复日期"), null=True, blank=True)
    replied = models.BooleanField(_("已答复"), default=False)
    on_time = models.BooleanField(_("按期答复"), default=False)
    category = models.CharField(_("最新答复分类"), max_length=1, null=True, blank=True)  # noqa: DJ001 NULL = none yet, as the subqueries give
    face_to_face = models.BooleanField(_("见面"), default=False)
    result = models.CharField(_("最新领衔评价结果"), max_length=16, null=True, blank=True)  # noqa: DJ001 NULL = none yet, as the subqueries give
    first_result = models.CharField(_("初次领衔评价结果"), max_length=16, null=True, blank=True)  # noqa: DJ001 NULL = none yet, as the subqueries give
    extensions = models.PositiveIntegerField(_("批准延期数"), default=0)
    reassignments = models.PositiveIntegerField(_("批准调整数"), default=0)

    class Meta:
        abstract = True


class SuggestionFacts(FactsFields):
    """统计事实: a suggestion's facts over its whole history (see stats.py for each definition)."""

    suggestion = models.OneToOneField(
        Suggestion, primary_key=True, on_delete=models.CASCADE, related_name="facts", verbose_name=_("建议")
    )

    class Meta:
        verbose_name = _("建议统计事实")
        verbose_name_plural = _("建议统计事实")

    def __str__(self) -> str:
        return f"{self.suggestion_id}"


class RoundFacts(FactsFields):
    """统计事实 of one handling round: the records of its lead assignment's round only."""

    assignment = models.OneToOneField(
        Assignment,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="round_facts",
        verbose_name=_("主办交办"),
    )

    class Meta:
        verbose_name = _("轮次统计事实")
        verbose_name_plural = _("轮次统计事实")

    def __str__(self) -> str:
        return f"{self.assignment_id}"
