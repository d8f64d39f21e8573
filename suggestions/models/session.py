"""会议 and 主题: the congress sessions and the themes their suggestions are listed under."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suggestions.models.choices import chinese_ordinal

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
