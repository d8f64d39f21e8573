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
    # The same facts as a viewer without the handling record may read them (suggestions/policy/redaction.py):
    # published replies only, a category and the on-time mark only under a full publication, a rating once
    # its reply is published, contacts and extensions once the reply is published in full.
    public_first_replied_on = models.DateField(_("首轮答复日期（公开）"), null=True, blank=True)
    public_replied = models.BooleanField(_("已答复（公开）"), default=False)
    public_on_time = models.BooleanField(_("按期答复（公开）"), null=True, blank=True)  # NULL: not readable
    public_category = models.CharField(_("最新答复分类（公开）"), max_length=1, null=True, blank=True)  # noqa: DJ001 NULL = none readable
    public_face_to_face = models.BooleanField(_("见面（公开）"), default=False)
    public_result = models.CharField(_("最新领衔评价结果（公开）"), max_length=16, null=True, blank=True)  # noqa: DJ001 NULL = none readable
    public_first_result = models.CharField(  # noqa: DJ001 NULL = none readable
        _("初次领衔评价结果（公开）"), max_length=16, null=True, blank=True
    )
    public_extensions = models.PositiveIntegerField(_("批准延期数（公开）"), default=0)

    class Meta:
        abstract = True


class SuggestionFacts(FactsFields):
    """统计事实: a suggestion's facts over its whole history (see stats.py for each definition)."""

    suggestion = models.OneToOneField(
        Suggestion, primary_key=True, on_delete=models.CASCADE, related_name="facts", verbose_name=_("建议")
    )
    # The suggestion's own fields as the statistics counters counted them (suggestions/queries/counters.py):
    # a step changes the suggestion before its facts are refreshed, so the old contribution to the counters
    # is read from here, not from the suggestion.
    counted_session = models.PositiveIntegerField(_("计数会议"), default=0)
    counted_theme = models.PositiveIntegerField(_("计数主题"), default=0)
    counted_status = models.CharField(_("计数状态"), max_length=16, default="")
    counted_key_supervision = models.BooleanField(_("计数重点督办"), default=False)
    counted_round = models.PositiveSmallIntegerField(_("计数轮次"), default=1)
    counted_due_date = models.DateField(_("计数答复期限"), null=True, blank=True)

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
    # The assignment's round and department as the statistics counters counted them.
    counted_round = models.PositiveSmallIntegerField(_("计数轮次"), default=1)
    counted_department = models.PositiveIntegerField(_("计数承办单位"), default=0)

    class Meta:
        verbose_name = _("轮次统计事实")
        verbose_name_plural = _("轮次统计事实")

    def __str__(self) -> str:
        return f"{self.assignment_id}"


class DepartmentFacts(models.Model):
    """统计事实 of one department on one suggestion: it has an active (not replaced) assignment on it in
    some round, so its handlers follow the suggestion (``policy.scoping.followed``); ``co_handling``: one
    of them is a co-handling (协办) of the current round. Kept with the suggestion's facts."""

    facts = models.ForeignKey(
        SuggestionFacts, on_delete=models.CASCADE, related_name="departments", verbose_name=_("建议统计事实")
    )
    department_id = models.PositiveIntegerField(_("承办单位"))
    co_handling = models.BooleanField(_("本轮协办"), default=False)

    class Meta:
        verbose_name = _("单位统计事实")
        verbose_name_plural = _("单位统计事实")
        constraints = [
            models.UniqueConstraint(fields=["facts", "department_id"], name="department_facts_once"),
        ]
        indexes = [models.Index(fields=["department_id"], name="department_facts_department")]

    def __str__(self) -> str:
        return f"{self.facts_id}/{self.department_id}"


class CounterKey(models.Model):
    """The dimensions of a statistics cell (suggestions/queries/counters.py says what each means)."""

    grain = models.CharField(_("粒度"), max_length=1)
    view = models.CharField(_("读者"), max_length=1)
    follower = models.PositiveIntegerField(_("关注单位"), default=0)
    session_id = models.PositiveIntegerField(_("会议"))
    theme_id = models.PositiveIntegerField(_("主题"))
    status = models.CharField(_("状态"), max_length=16)
    dim = models.IntegerField(_("分组"), default=0)
    n = models.IntegerField(default=0)

    class Meta:
        abstract = True


class StatCounter(CounterKey):
    """统计计数: the sums of the statistics facts over the suggestions that share one cell, kept by the
    workflow in the same transaction as each step (suggestions/queries/counters.py, which says what each
    key and value means). The statistics read sums over these cells instead of every suggestion."""

    replied = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    due_known = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    face_to_face = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    first_rated = models.IntegerField(default=0)
    first_satisfied = models.IntegerField(default=0)
    category_a = models.IntegerField(default=0)
    category_b = models.IntegerField(default=0)
    category_c = models.IntegerField(default=0)
    category_d = models.IntegerField(default=0)
    key_supervision = models.IntegerField(default=0)
    extensions = models.IntegerField(default=0)
    reassignments = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("统计计数")
        verbose_name_plural = _("统计计数")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "view", "follower", "theme_id", "session_id", "status", "dim"],
                name="stat_counter_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.view}{self.follower}:{self.session_id}/{self.theme_id}/{self.status}/{self.dim}"


class StatDueCounter(CounterKey):
    """统计期限计数: the handled suggestions still waiting (open, or not replied as the view reads it) per
    cell and reply due date, so that 逾期 and 应答复 are sums over the cells due before today, correct every
    day without a write. Only waiting suggestions have a cell here: a small table beside StatCounter."""

    due = models.DateField(_("答复期限"))
    unreplied = models.IntegerField(_("未答复"), default=0)

    class Meta:
        verbose_name = _("统计期限计数")
        verbose_name_plural = _("统计期限计数")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "view", "follower", "theme_id", "session_id", "status", "dim", "due"],
                name="stat_due_counter_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.view}{self.follower}:{self.session_id}/{self.theme_id}/{self.status}/{self.dim}@{self.due}"
