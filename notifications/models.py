"""Reminders and in-app notifications: one row per (kind, suggestion, round, recipient, deadline)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suggestions.models import Suggestion


class Kind(models.TextChoices):
    # Written by the workflow step itself, in its transaction (notifications/events.py).
    ASSIGNED = "assigned", _("新交办")
    REASSIGNMENT_DECIDED = "reassignment_decided", _("调整申请已审核")
    EXTENSION_DECIDED = "extension_decided", _("延期申请已审核")
    LEAD_REPLIED = "lead_replied", _("主办单位已答复")
    UNSATISFIED = "unsatisfied", _("代表不满意")
    # Found by the reminder run (notifications/reminders.py).
    REPLY_DUE_SOON = "reply_due_soon", _("答复即将到期")
    REPLY_OVERDUE = "reply_overdue", _("答复已逾期")
    CO_OPINION_DUE_SOON = "co_opinion_due_soon", _("协办意见即将到期")
    CO_OPINION_OVERDUE = "co_opinion_overdue", _("协办意见已逾期")
    RATING_REQUEST = "rating_request", _("答复已送达，请评价")
    RATING_DUE_SOON = "rating_due_soon", _("评价即将到期")
    RATING_OVERDUE = "rating_overdue", _("评价已逾期")
    PUBLICATION_DUE_SOON = "publication_due_soon", _("答复即将到公开期限")
    PUBLICATION_OVERDUE = "publication_overdue", _("答复公开已逾期")


# The kinds whose e-mail carries the delegate's one-click rating link.
RATING_KINDS = (Kind.RATING_REQUEST, Kind.RATING_DUE_SOON, Kind.RATING_OVERDUE)


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    QUEUED = "queued", _("已排队")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    NO_ADDRESS = "no_address", _("无邮箱")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user) -> NotificationQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def for_list(self) -> NotificationQuerySet:
        return self.select_related("suggestion")


class Notification(models.Model):
    """提醒: a reminder about one deadline of one suggestion, shown in the app and sent by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.CASCADE, related_name="notifications"
    )
    round = models.PositiveSmallIntegerField(_("轮次"))
    # The deadline the reminder is about (ISO date): a new deadline (an extension, a reassignment)
    # gets a new reminder, the same deadline never a second one.
    key = models.CharField(_("期限键"), max_length=32)
    due_date = models.DateField(_("期限"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    message = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    email_status = models.CharField(
        _("邮件状态"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    # When the e-mail last moved to queued or sending: one stuck there too long (the worker died) is
    # queued again by the next reminder run (reminders.requeue_stuck_emails).
    email_queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    email_error = models.TextField(_("发送错误"), blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "suggestion", "round", "recipient", "key"],
                name="notification_once_per_deadline",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="notification_kind_valid"),
            models.CheckConstraint(
                condition=Q(email_status__in=EmailStatus.values), name="notification_email_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
            models.Index(fields=["email_status"], name="notification_email_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def carries_rating_link(self) -> bool:
        return self.kind in RATING_KINDS


class ReminderSchedule(models.Model):
    """The one chain of reminder passes the task worker runs (notifications/schedule.py): a single row.

    `task_id` names the one `run_reminders` task that is the chain's next pass; a `run_reminders` task
    with another id (an extra enqueue, a worker's late duplicate) finds it is not the chain and does
    nothing. The row is locked while the chain moves on, so two workers never start two chains.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    task_id = models.CharField(_("下次提醒任务"), max_length=64, blank=True)
    next_run_at = models.DateTimeField(_("下次提醒时间"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("上次开始时间"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("上次完成时间"), null=True, blank=True)
    last_result = models.JSONField(_("上次结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("提醒排程")
        verbose_name_plural = _("提醒排程")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="reminder_schedule_one_row")]

    def __str__(self) -> str:
        return f"reminder pass: next {self.next_run_at or 'now'} ({self.task_id or 'not scheduled'})"
