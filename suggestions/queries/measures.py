"""What each statistic is: its definition, and its exact computation from the statistics facts.

``DEFINITIONS`` is the one text per figure (the pages show it under each figure, the API's documentation
is built from it). The ``reference_*`` functions compute each statistic with conditional aggregates over
``SuggestionFacts`` / ``RoundFacts`` joined to the suggestions, counting each suggestion with what its
viewer may read of it (``_View``, the rule of ``policy.redaction``). They are the definitions the counters
are tested against, and ``queries.stats`` falls back to them for any filter the counter cells do not
hold. ``fact_expressions`` is what the facts tables store (``queries.facts`` refreshes them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from suggestions.models import (
    FACE_TO_FACE_METHODS,
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    Category,
    ContactRecord,
    ExtensionRequest,
    HandlerRole,
    Rating,
    Reply,
    RequestStatus,
    Status,
    Suggestion,
    SuggestionFacts,
    Verdict,
)
from suggestions.policy import redaction, scoping  # the viewer's facts follow redaction's rule
from suggestions.policy.permissions import Roles
from suggestions.queries import counters

HANDLED_STATUSES = counters.HANDLED_STATUSES
SATISFIED_VERDICTS = counters.SATISFIED_VERDICTS

COUNT_FIELDS = (
    "assigned",
    "replied",
    "replied_on_time",
    "closed",
    "face_to_face",
    "rated",
    "satisfied",
    "unsatisfied",
    "first_round_rated",
    "first_round_satisfied",
    "category_a",
    "category_b",
    "category_c",
    "category_d",
    "key_supervision",
    "extensions_granted",
    "reassignments",
    "overdue_now",
    "reply_due",
)
TOTAL_FIELDS = ("total", "registered", "not_accepted", "withdrawn")
RATE_FIELDS = (
    "reply_rate",
    "on_time_rate",
    "close_rate",
    "meeting_rate",
    "satisfaction_rate",
    "first_satisfaction_rate",
    "solved_rate",
    "solved_or_planned_rate",
)


# ---------------------------------------------------------------------------
# The definitions: one short text per figure (for the pages, under each figure, and the API's docs)
# ---------------------------------------------------------------------------

_DEFINITION_TEXTS: dict[str, str] = {
    "total": gettext_noop("建议总数：统计范围内的全部建议，不论状态。"),
    "registered": gettext_noop("已登记：尚未交办的建议。"),
    "not_accepted": gettext_noop("不予受理的建议。"),
    "withdrawn": gettext_noop("已撤回的建议（不计入交办数）。"),
    "assigned": gettext_noop(
        "交办数：已交办、办理中、已答复、不满意待复核或已办结的建议；不含已登记、不予受理和已撤回的。"
        "以下各数都在交办数之内统计。"
    ),
    "replied": gettext_noop("已答复：至少有一次正式答复的建议。"),
    "replied_on_time": gettext_noop("按期答复：首轮答复日期不晚于当时的答复期限（含批准的延期）。"),
    "reply_due": gettext_noop("应答复：已答复的建议，加上尚未答复但答复期限已过的建议；期限未到的不计入。"),
    "closed": gettext_noop("办结：已办结的建议。"),
    "face_to_face": gettext_noop("见面：至少有一次面商、走访或座谈的建议。"),
    "rated": gettext_noop("已评价：领衔代表已评价的建议（联名代表的评价不计入）。"),
    "satisfied": gettext_noop("满意：领衔代表最近一次评价的办理结果为满意或基本满意。"),
    "unsatisfied": gettext_noop("不满意：领衔代表最近一次评价的办理结果为不满意。"),
    "first_round_rated": gettext_noop("初次已评价：领衔代表对首轮答复已评价的建议。"),
    "first_round_satisfied": gettext_noop("初次满意：领衔代表对首轮答复评价为满意或基本满意。"),
    "category_a": gettext_noop("A 类：最新一次答复为 A 类（已经解决或者基本解决）。"),
    "category_b": gettext_noop("B 类：最新一次答复为 B 类（正在解决或者列入规划逐步解决）。"),
    "category_c": gettext_noop("C 类：最新一次答复为 C 类（因条件限制等原因需待以后解决）。"),
    "category_d": gettext_noop("D 类：最新一次答复为 D 类（留作参考）。"),
    "key_supervision": gettext_noop("重点督办的建议。"),
    "extensions_granted": gettext_noop("批准延期：批准的延期申请数（按申请计，不按建议计）。"),
    "reassignments": gettext_noop("调整承办单位：批准的调整申请数。"),
    "overdue_now": gettext_noop("逾期：尚未答复（已交办或办理中）且答复期限早于今天的建议。"),
    "reply_rate": gettext_noop("答复率 = 已答复 ÷ 交办数。"),
    "on_time_rate": gettext_noop(
        "按期答复率 = 按期答复 ÷ 应答复（已答复的，加上未答复但已过期限的）；没有应答复的建议时为“—”。"
    ),
    "close_rate": gettext_noop("办结率 = 办结 ÷ 交办数。"),
    "meeting_rate": gettext_noop("见面率 = 见面 ÷ 交办数。"),
    "satisfaction_rate": gettext_noop("满意率 =（满意 + 基本满意）÷ 已评价，按领衔代表最近一次评价。"),
    "first_satisfaction_rate": gettext_noop("初次满意率 = 初次满意 ÷ 初次已评价。"),
    "solved_rate": gettext_noop("解决率 = A 类 ÷ 已答复。"),
    "solved_or_planned_rate": gettext_noop("解决和列入计划率 =（A 类 + B 类）÷ 已答复。"),
}

#: What each figure means, one short text per key of the statistics' rows, translated when shown.
DEFINITIONS: dict[str, Any] = {key: _(text) for key, text in _DEFINITION_TEXTS.items()}

#: How the figures depend on the viewer (for the pages and the API documentation).
VIEWER_NOTE = _(
    "公众和其他账号看到的统计只计入其可以查看的内容：已公开的答复（仅公开标题的不显示分类和是否按期），"
    "答复公开后的领衔代表评价；比率的分母为 0 时显示“—”。"
)


def _documentation() -> str:
    """The definitions as text for the API's documentation (the source texts: no translation at import)."""
    lines = [f"- `{key}`: {text}" for key, text in _DEFINITION_TEXTS.items()]
    return "Definitions (定义):\n\n" + "\n".join(lines)


def rate(numerator: int, denominator: int) -> float | None:
    """A share rounded to 4 places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


def with_rates(counts: dict[str, Any]) -> dict[str, Any]:
    """Add the rates (``DEFINITIONS``) to a row of counts."""
    row = dict(counts)
    assigned, replied = row["assigned"], row["replied"]
    row["reply_rate"] = rate(replied, assigned)
    row["on_time_rate"] = rate(row["replied_on_time"], row["reply_due"])
    row["close_rate"] = rate(row["closed"], assigned)
    row["meeting_rate"] = rate(row["face_to_face"], assigned)
    row["satisfaction_rate"] = rate(row["satisfied"], row["rated"])
    row["first_satisfaction_rate"] = rate(row["first_round_satisfied"], row["first_round_rated"])
    row["solved_rate"] = rate(row["category_a"], replied)
    row["solved_or_planned_rate"] = rate(row["category_a"] + row["category_b"], replied)
    return row


# ---------------------------------------------------------------------------
# The measures, as expressions over one counting unit
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """What one row of the base queryset stands for.

    ``prefix`` leads from the base row to its suggestion ("" for suggestions, "suggestion__" for
    assignments); ``per_round`` restricts the handling records to the base row's own round.
    """

    prefix: str
    per_round: bool

    def suggestion_ref(self) -> OuterRef:
        return OuterRef(f"{self.prefix}pk") if self.prefix else OuterRef("pk")

    def related(self, qs: QuerySet) -> QuerySet:
        qs = qs.filter(suggestion=self.suggestion_ref())
        return qs.filter(round=OuterRef("round")) if self.per_round else qs

    def field(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def current_round(self) -> Q:
        """For a per-round unit: the row's round is the suggestion's current round."""
        return Q(**{self.field("round"): F("round")}) if self.per_round else Q()


def _count_of(qs: QuerySet) -> Coalesce:
    counted = qs.order_by().values("suggestion").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def fact_expressions(unit: _Unit) -> dict[str, Any]:
    """The facts of each base row as subqueries over its records: the definitions.

    They are computed per suggestion by the workflow and stored (suggestions/queries/facts.py); the
    statistics read the stored facts (``_aliases``). ``facts.differences`` checks the two agree. The
    ``_public_*`` facts are the same as read by a viewer without the handling record
    (``suggestions/policy/redaction.py``).
    """
    shows = redaction.publications_showing
    replies = unit.related(Reply.objects.all())
    lead_ratings = unit.related(Rating.objects.filter(is_lead=True))
    if unit.per_round:
        first_round = replies
        first_ratings = Rating.objects.filter(suggestion=unit.suggestion_ref(), is_lead=True, round=1)
        first_ratings = first_ratings.filter(round=OuterRef("round"))
    else:
        first_round = Reply.objects.filter(suggestion=unit.suggestion_ref(), round=1)
        first_ratings = Rating.objects.filter(suggestion=unit.suggestion_ref(), is_lead=True, round=1)
    on_time = first_round.filter(replied_on__lte=F("due_date"))
    published = replies.filter(publication__in=shows("replied_on"))
    public_ratings = lead_ratings.filter(reply__publication__in=redaction.RATINGS_PUBLIC_UNDER)
    public_first_ratings = first_ratings.filter(reply__publication__in=redaction.RATINGS_PUBLIC_UNDER)
    record_public = Exists(replies.filter(publication__in=redaction.RECORD_PUBLIC_UNDER))
    face_to_face = Exists(unit.related(ContactRecord.objects.filter(method__in=FACE_TO_FACE_METHODS)))
    extensions = _count_of(unit.related(ExtensionRequest.objects.filter(status=RequestStatus.APPROVED)))
    latest_published = published.order_by("-round").annotate(
        _shown=Case(
            When(publication__in=shows("category"), then=F("category")),
            default=Value(None),
            output_field=CharField(),
        )
    )
    return {
        "_first_replied_on": Subquery(first_round.values("replied_on")[:1]),
        "_replied": Exists(replies),
        "_on_time": Exists(on_time),
        "_category": Subquery(replies.order_by("-round").values("category")[:1]),
        "_face_to_face": face_to_face,
        "_result": Subquery(lead_ratings.order_by("-round").values("result")[:1]),
        "_first_result": Subquery(first_ratings.values("result")[:1]),
        "_extensions": extensions,
        "_reassignments": _count_of(
            unit.related(
                Assignment.objects.filter(
                    status=AssignmentStatus.REPLACED, reassignment_decision=RequestStatus.APPROVED
                )
            )
        ),
        "_public_first_replied_on": Subquery(
            first_round.filter(publication__in=shows("replied_on")).values("replied_on")[:1]
        ),
        "_public_replied": Exists(published),
        "_public_on_time": Case(
            When(Exists(first_round.filter(publication__in=shows("on_time"))), then=Exists(on_time)),
            default=Value(None),
            output_field=BooleanField(null=True),
        ),
        "_public_category": Subquery(latest_published.values("_shown")[:1]),
        "_public_face_to_face": Case(
            When(record_public, then=face_to_face), default=Value(False), output_field=BooleanField()
        ),
        "_public_result": Subquery(public_ratings.order_by("-round").values("result")[:1]),
        "_public_first_result": Subquery(public_first_ratings.values("result")[:1]),
        "_public_extensions": Case(
            When(record_public, then=extensions), default=Value(0), output_field=IntegerField()
        ),
    }


#: The facts a viewer reads as stored (``name``) or, without the handling record, as ``public_<name>``.
VIEWER_FACTS = counters.VIEWER_FACTS
FACT_NAMES = (
    "first_replied_on",
    "replied",
    "on_time",
    "category",
    "face_to_face",
    "result",
    "first_result",
    "extensions",
    "reassignments",  # approved reassignments are public (the event is)
    *(f"public_{name}" for name in VIEWER_FACTS),
)


@dataclass(frozen=True)
class _View:
    """Whose statistics: the roles of the ``visible(Suggestion, …)`` that started the queryset.

    ``None`` (a queryset no viewer scoped: the code's own counts) and staff / the dashboard read every
    fact; anyone else reads the stored fact of the suggestions whose handling record they read and the
    public fact of the others.
    """

    roles: Roles | None

    @property
    def everything(self) -> bool:
        return self.roles is None or self.roles.sees_everything

    def key(self) -> str:
        if self.everything:
            return "all"
        r = self.roles
        return f"d{sorted(r.department_ids)}:p{r.delegate_id}"

    def fact(self, unit: _Unit, path: str, name: str):
        if self.everything or name not in VIEWER_FACTS:
            return F(f"{path}{name}")
        public = F(f"{path}public_{name}")
        if not (self.roles.handler or self.roles.delegate):
            return public  # the public, a user with no role: no handling record anywhere
        follows = scoping.followed(self.roles, unit.field("pk"))
        output = SuggestionFacts._meta.get_field(name).__class__()
        return Case(When(follows, then=F(f"{path}{name}")), default=public, output_field=output)


def _view(qs: QuerySet) -> _View:
    return _View(scoping.viewer_of(qs))


def _aliases(unit: _Unit, today: dt.date, view: _View | None = None) -> dict[str, Any]:
    """The stored facts of each base row as ``view`` may read them, under the names the aggregates use
    (``_replied`` …).

    A suggestion without a facts row (never assigned) reads NULL everywhere: not replied, not rated,
    no extensions — what the subqueries give for it.
    """
    view = view or _View(None)
    if unit.per_round:
        path = "round_facts__"  # the base rows are lead assignments, one per round
    else:
        path = f"{unit.prefix}facts__"
    return {f"_{name}": view.fact(unit, path, name) for name in FACT_NAMES if not name.startswith("public_")}


def _aggregates(unit: _Unit, today: dt.date, among: Q) -> dict[str, Any]:
    """Conditional counts over the unit's rows; ``among`` limits them to the assigned suggestions."""

    def count(condition: Q | None = None) -> Count:
        condition = among & (condition or Q())
        return Count("pk", filter=condition) if condition else Count("pk")

    def total(name: str) -> Coalesce:
        return Coalesce(Sum(name, filter=among) if among else Sum(name), Value(0))

    return {
        "assigned": count(),
        "replied": count(Q(_replied=True)),
        "replied_on_time": count(Q(_on_time=True)),
        # 应答复: replied (and the viewer reads whether on time), or not replied and past its due date
        "reply_due": count(
            (Q(_replied=True) & Q(_on_time__isnull=False))
            | (~Q(_replied=True) & Q(**{f"{unit.field('due_date')}__lt": today}) & unit.current_round())
        ),
        "closed": count(Q(**{unit.field("status"): Status.CLOSED}) & unit.current_round()),
        "face_to_face": count(Q(_face_to_face=True)),
        "rated": count(Q(_result__isnull=False)),
        "satisfied": count(Q(_result__in=SATISFIED_VERDICTS)),
        "unsatisfied": count(Q(_result=Verdict.UNSATISFIED)),
        "first_round_rated": count(Q(_first_result__isnull=False)),
        "first_round_satisfied": count(Q(_first_result__in=SATISFIED_VERDICTS)),
        "category_a": count(Q(_category=Category.A)),
        "category_b": count(Q(_category=Category.B)),
        "category_c": count(Q(_category=Category.C)),
        "category_d": count(Q(_category=Category.D)),
        "key_supervision": count(Q(**{unit.field("key_supervision"): True})),
        "extensions_granted": total("_extensions"),
        "reassignments": total("_reassignments"),
        "overdue_now": count(
            Q(**{f"{unit.field('status')}__in": OPEN_STATUSES, f"{unit.field('due_date')}__lt": today})
            & unit.current_round()
        ),
    }


def _totals() -> dict[str, Count]:
    return {
        "total": Count("pk"),
        "registered": Count("pk", filter=Q(status=Status.REGISTERED)),
        "not_accepted": Count("pk", filter=Q(status=Status.NOT_ACCEPTED)),
        "withdrawn": Count("pk", filter=Q(status=Status.WITHDRAWN)),
    }


SUGGESTION_UNIT = _Unit(prefix="", per_round=False)
ASSIGNMENT_UNIT = _Unit(prefix="suggestion__", per_round=False)
ROUND_UNIT = _Unit(prefix="suggestion__", per_round=True)
HANDLED = Q(status__in=HANDLED_STATUSES)


def _base(qs: QuerySet) -> QuerySet:
    """The caller's suggestions, without their ordering, annotations or prefetches.

    A plain filtered queryset is used as it is (its WHERE clause); one with annotations, a DISTINCT or a
    slice is wrapped as ``pk IN (…)`` so that nothing of its shape reaches the aggregates.
    """
    query = qs.query
    if qs.model is Suggestion and not (
        query.annotations or query.distinct or query.is_sliced or query.combinator
    ):
        base = qs.order_by()
        base.query.select_related = False
        base._prefetch_related_lookups = ()
        return base
    return Suggestion.objects.filter(pk__in=qs.order_by().values("pk")).order_by()


def _lead_assignments(qs: QuerySet) -> QuerySet:
    return (
        Assignment.objects.active()
        .filter(role=HandlerRole.LEAD, suggestion__in=_base(qs).filter(HANDLED))
        .order_by()
    )


def _row(values: dict[str, Any], keys: tuple[str, ...] = ()) -> dict[str, Any]:
    fields = (*keys, *COUNT_FIELDS, *(name for name in TOTAL_FIELDS if name in values))
    return with_rates({name: values[name] for name in fields})


def reference_overview(
    qs: QuerySet, today: dt.date | None = None, view: _View | None = None
) -> dict[str, Any]:
    """总体情况: one row over all the given suggestions, plus how many there are in all (``total``) and how
    many are still registered, not accepted or withdrawn."""
    today = today or timezone.localdate()
    view = view or _view(qs)
    values = (
        _base(qs)
        .annotate(**_aliases(SUGGESTION_UNIT, today, view))  # aggregate() reads annotations
        .aggregate(**_totals(), **_aggregates(SUGGESTION_UNIT, today, HANDLED))
    )
    return _row(values)


def reference_by_theme(
    qs: QuerySet, today: dt.date | None = None, view: _View | None = None
) -> list[dict[str, Any]]:
    """按主题: one row per theme (建议主题), in the order of the document; keys ``theme_id``,
    ``theme_ordinal``, ``theme_title``, ``session_id``, with the totals of ``overview``."""
    today = today or timezone.localdate()
    view = view or _view(qs)
    rows = (
        _base(qs)
        .alias(**_aliases(SUGGESTION_UNIT, today, view))
        .values("theme_id", "session_id", theme_ordinal=F("theme__ordinal"), theme_title=F("theme__title"))
        .annotate(**_totals(), **_aggregates(SUGGESTION_UNIT, today, HANDLED))
        .order_by("session_id", "theme_ordinal")
    )
    keys = ("theme_id", "theme_ordinal", "theme_title", "session_id")
    return [_row(values, keys) for values in rows]


def reference_by_department(
    qs: QuerySet, today: dt.date | None = None, view: _View | None = None
) -> list[dict[str, Any]]:
    """按承办单位: one row per department, counting the suggestions it leads (主办) in their current round;
    ``co_handled`` counts, separately, the suggestions it co-handles (协办) in their current round.
    Departments with neither are left out. Ordered by the number led, then by name."""
    today = today or timezone.localdate()
    view = view or _view(qs)
    led = (
        _lead_assignments(qs)
        .filter(round=F("suggestion__round"))
        .alias(**_aliases(ASSIGNMENT_UNIT, today, view))
        .values(
            "department_id",
            department_name=F("department__name"),
            department_short_name=F("department__short_name"),
        )
        .annotate(**_aggregates(ASSIGNMENT_UNIT, today, Q()))
    )
    co = (
        Assignment.objects.active()
        .filter(role=HandlerRole.CO, round=F("suggestion__round"), suggestion__in=_base(qs).filter(HANDLED))
        .order_by()
        .values(
            "department_id",
            department_name=F("department__name"),
            department_short_name=F("department__short_name"),
        )
        .annotate(co_handled=Count("suggestion", distinct=True))
    )
    keys = ("department_id", "department_name", "department_short_name")
    rows: dict[int, dict[str, Any]] = {}
    for values in led:
        rows[values["department_id"]] = {**_row(values, keys), "co_handled": 0}
    for values in co:
        row = rows.get(values["department_id"])
        if row is None:
            empty = dict.fromkeys(COUNT_FIELDS, 0)
            row = rows[values["department_id"]] = {**_row({**values, **empty}, keys), "co_handled": 0}
        row["co_handled"] = values["co_handled"]
    return sorted(rows.values(), key=lambda r: (-r["assigned"], -r["co_handled"], r["department_name"]))


def reference_by_round(
    qs: QuerySet, today: dt.date | None = None, view: _View | None = None
) -> list[dict[str, Any]]:
    """按办理轮次: one row per handling round (1 = first handling, 2 = first re-handling 重新办理 …).

    A suggestion counts in every round it reached, with that round's records only: ``assigned`` = it was
    handled in the round (an active lead assignment of that round); ``replied`` / ``replied_on_time`` /
    the categories = that round's reply; ``rated`` / ``satisfied`` / ``unsatisfied`` = the lead delegate's
    rating of that round (so the first-round fields equal the rated fields in round 1 and are 0 after);
    ``face_to_face``, ``extensions_granted`` and ``reassignments`` = records of that round; ``closed`` and
    ``overdue_now`` = the suggestion is closed / overdue and the round is its current one;
    ``key_supervision`` = its current flag."""
    today = today or timezone.localdate()
    view = view or _view(qs)
    rows = (
        _lead_assignments(qs)
        .alias(**_aliases(ROUND_UNIT, today, view))
        .values("round")
        .annotate(**_aggregates(ROUND_UNIT, today, Q()))
        .order_by("round")
    )
    return [_row(values, ("round",)) for values in rows]


def reference_by_month(
    qs: QuerySet, today: dt.date | None = None, view: _View | None = None
) -> list[dict[str, Any]]:
    """按答复月份: one row per month of the first (first-round) reply, key ``month`` (the 1st of the month);
    suggestions not yet replied to are left out, so ``reply_rate`` is 1 in every row."""
    today = today or timezone.localdate()
    view = view or _view(qs)
    rows = (
        _base(qs)
        .filter(HANDLED)
        .alias(**_aliases(SUGGESTION_UNIT, today, view))
        .filter(_first_replied_on__isnull=False)
        .values(month=TruncMonth("_first_replied_on"))
        .annotate(**_aggregates(SUGGESTION_UNIT, today, Q()))
        .order_by("month")
    )
    return [_row(values, ("month",)) for values in rows]
