"""Reference data staff keep beside the workflow: calendar corrections and remarks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from delegates.models import Delegate
from suggestions.models.session import CongressSession


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
