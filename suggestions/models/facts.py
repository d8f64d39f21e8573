"""Statistics facts per suggestion and per round, kept by the workflow."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from suggestions.models.handling import Assignment
from suggestions.models.suggestion import Suggestion

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
