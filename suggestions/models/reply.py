"""答复 and 评价: the formal reply of each round and the proposers' ratings of it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegates.models import Delegate
from departments.models import Department
from suggestions.models.choices import Category, Publication, Verdict, _choices_check
from suggestions.models.suggestion import Suggestion

User = settings.AUTH_USER_MODEL


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


def reply_letter_path(instance, filename: str) -> str:
    """Where a reply letter is stored: a generated name ending in .pdf, whatever the upload was called.

    The letter is checked to be a PDF by content (``validate_pdf``), but a file that starts with ``%PDF-``
    can also be valid HTML or a script; stored as ``x.html`` it would be served as a web page by any server
    that guesses the type from the name. The uploaded name is kept out of the path altogether.
    """
    return f"replies/{timezone.now():%Y}/{uuid.uuid4().hex}.pdf"


class ReplyQuerySet(models.QuerySet["Reply"]):
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
    pdf = models.FileField(
        _("答复函 PDF"), upload_to=reply_letter_path, blank=True, validators=[validate_pdf]
    )
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
