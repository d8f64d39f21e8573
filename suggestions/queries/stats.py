"""The committee's statistics (办理情况统计), computed by the database with conditional aggregates.

Every function takes a queryset of suggestions (scoped with ``visible`` and filtered) and returns plain
dicts, so the dashboard page, the API and the committee's report show the same numbers. What each figure
means is ``DEFINITIONS`` below, the one place: the pages show it under each figure, and the API's
documentation is built from it (this docstring's last part, generated).

Whose numbers: a queryset from ``visible(Suggestion, user)`` remembers its viewer, and each suggestion is
counted with what that viewer may read of it (the rule of the replies' fields). Staff and the
dashboard read everything; anyone else reads the handling record of the suggestions they follow (their
departments', their own) and, of every other suggestion, its public facts: published replies only, their
category and whether on time only under a full publication, the lead delegate's rating once the rated
reply is published, contacts and extensions once the reply is published in full. So a filter narrowed to
one suggestion says no more than that suggestion's public page. A queryset no viewer scoped (commands,
checks) counts everything.

``by_round`` counts each handling round of a suggestion on its own (see its docstring); the others count
each suggestion once, with its whole history.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
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

from departments.models import Department
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
    StatCounter,
    StatDueCounter,
    Status,
    Suggestion,
    SuggestionFacts,
    Theme,
    Verdict,
)
from suggestions.policy import redaction, scoping  # the viewer's facts follow redaction's rule
from suggestions.policy.permissions import ANONYMOUS, Roles
from suggestions.queries import counters, dataversion

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


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Caching: the aggregates are exact but scan every suggestion; their results are cached per
# (function, the scoped and filtered query, today) and per ``dataversion.token()``: the data version (every
# workflow step appends an Event, and so do imports and the load generator, so the newest event id changes
# whenever the numbers can change) with the reference generation (a department renamed in its admin, a
# theme added: the names the statistics show). The same key as the filter choices: one scheme. A cache
# check costs at most one index-only query per request and one cache read (suggestions/queries/
# dataversion.py; an authenticated request reads the version along with its user).
# ---------------------------------------------------------------------------

# Models whose every change comes with an Event (the workflow is their only write path), so their counts
# may be cached per data version. Reference data (delegates, departments, users) is not versioned.
VERSIONED_MODELS = {
    "suggestions.suggestion",
    "suggestions.assignment",
    "suggestions.contactrecord",
    "suggestions.progressupdate",
    "suggestions.cohandleropinion",
    "suggestions.extensionrequest",
    "suggestions.reply",
    "suggestions.rating",
    "suggestions.event",
}


def cached_count(qs: QuerySet) -> int:
    """``qs.count()``, cached per (query, data version) for the versioned models; exact either way.

    A list page's total otherwise costs a scan of every visible row on each request (7 ms at 100,000
    suggestions, more with text filters); the cached total is the one the same query gave under the
    same data version. The entry also expires after ``COUNT_CACHE_SECONDS``.
    """
    if qs.model._meta.label_lower not in VERSIONED_MODELS:
        return qs.count()
    narrow = qs.order_by().values("pk")  # the key's SELECT: narrow compiles faster
    return _through_cache(
        _cache_key("count", narrow, timezone.localdate()), qs.count, settings.COUNT_CACHE_SECONDS
    )


def _through_cache(key: str | None, compute: Callable[[], Any], timeout: int) -> Any:
    """The cached value under ``key``, computed and stored when missing (not cached when key is None)."""
    if key is None:
        return compute()
    result = cache.get(key)
    if result is None:
        result = compute()
        cache.set(key, result, timeout=timeout)
    return result


def _cache_key(name: str, qs: QuerySet, today: dt.date) -> str | None:
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        sql, params = "empty", ()
    except Exception:  # a query that cannot be compiled here is simply not cached
        return None
    digest = hashlib.sha256(f"{name}|{sql}|{params!r}|{today}".encode()).hexdigest()
    return f"stats:{digest}:{dataversion.token()}"


def cached(function: Callable) -> Callable:
    @functools.wraps(function)
    def wrapper(qs: QuerySet, today: dt.date | None = None):
        today = today or timezone.localdate()
        key = _cache_key(f"{function.__name__}|{_view(qs).key()}", qs, today)
        result = _through_cache(key, lambda: function(qs, today), settings.STATS_CACHE_SECONDS)
        return copy.deepcopy(result)

    return wrapper


# ---------------------------------------------------------------------------
# The statistics from the counters (suggestions/queries/counters.py): sums over a few thousand cells, kept
# by the workflow, instead of a join over every suggestion. A queryset filtered only by session, theme or
# status is read from the cells; any other filter (text, department, category, dates …) is computed from
# the facts (``reference_*``, the definitions the counters are tested against).
# ---------------------------------------------------------------------------

_CELL_FILTERS = {"session_id": "session_id", "theme_id": "theme_id", "status": "status"}


def _cell_filters(qs: QuerySet) -> dict[str, set] | None:
    """The session / theme / status values ``qs`` is limited to ({} for none), or None when it has any
    other filter or shape (then the statistics are computed from the facts)."""
    query = qs.query
    if qs.model is not Suggestion or (
        query.annotations
        or query.distinct
        or query.is_sliced
        or query.combinator
        or any(n for alias, n in query.alias_refcount.items() if alias != query.base_table)  # a join
    ):
        return None
    where = query.where
    if where.negated or (len(where.children) > 1 and where.connector != "AND"):
        return None
    found: dict[str, set] = {}
    for child in where.children:
        lhs, rhs = getattr(child, "lhs", None), getattr(child, "rhs", None)
        name = getattr(getattr(lhs, "target", None), "attname", None)
        if (
            getattr(child, "lookup_name", None) not in ("exact", "in")
            or name not in _CELL_FILTERS
            or getattr(lhs, "alias", None) != query.base_table
            or hasattr(rhs, "resolve_expression")
        ):
            return None
        values = rhs if child.lookup_name == "in" else [rhs]
        values = {getattr(v, "pk", v) for v in values}
        if any(hasattr(v, "resolve_expression") for v in values):
            return None
        found[name] = found[name] & values if name in found else values
    return found


def _cell_plan(qs: QuerySet) -> tuple[Q, Q, Q | None] | None:
    """The cells ``qs`` covers, those of them its viewer reads, and, for a viewer whose followed
    suggestions no cell holds apart, a Q of those suggestions to correct from the facts; None: the
    statistics of ``qs`` are not read from the counters."""
    filters = _cell_filters(qs)
    if filters is None:
        return None
    dims = Q(**{f"{_CELL_FILTERS[name]}__in": sorted(values) for name, values in filters.items()})
    roles = scoping.viewer_of(qs)
    if _View(roles).everything:
        return dims, Q(view="F", follower=0), None
    if not (roles.handler or roles.delegate):
        return dims, Q(view="P", follower=0), None
    if len(roles.department_ids) == 1 and not roles.delegate:
        (department,) = roles.department_ids
        return dims, Q(view="P", follower=0) | Q(view="D", follower=department), None
    # several departments, or a delegate: the public cells, corrected by the followed suggestions' facts
    return dims, Q(view="P", follower=0), scoping.followed(roles, "pk")


def _sums() -> dict[str, Any]:
    """The counts of ``COUNT_FIELDS`` over StatCounter's handled cells (``x_`` names; ``x_due_known``: the
    first half of 应答复), but the two that depend on today (``_waiting``)."""
    handled = Q(status__in=HANDLED_STATUSES)

    def total(value) -> Coalesce:
        return Coalesce(Sum(value, filter=handled), Value(0))

    return {
        "x_assigned": total("n"),
        "x_replied": total("replied"),
        "x_replied_on_time": total("on_time"),
        "x_due_known": total("due_known"),
        "x_closed": total("closed"),
        "x_face_to_face": total("face_to_face"),
        "x_rated": total("rated"),
        "x_satisfied": total("satisfied"),
        "x_unsatisfied": total("unsatisfied"),
        "x_first_round_rated": total("first_rated"),
        "x_first_round_satisfied": total("first_satisfied"),
        "x_category_a": total("category_a"),
        "x_category_b": total("category_b"),
        "x_category_c": total("category_c"),
        "x_category_d": total("category_d"),
        "x_key_supervision": total("key_supervision"),
        "x_extensions_granted": total("extensions"),
        "x_reassignments": total("reassignments"),
    }


def _waiting() -> dict[str, Any]:
    """The counts over StatDueCounter's cells due before today: ``x_due_late`` (应答复's second half: not
    replied, past the due date) and ``x_overdue_now`` (逾期)."""
    handled = Q(status__in=HANDLED_STATUSES)
    return {
        "x_due_late": Coalesce(Sum("unreplied", filter=handled), Value(0)),
        "x_overdue_now": Coalesce(Sum("n", filter=handled & Q(status__in=OPEN_STATUSES)), Value(0)),
    }


def _summed(cells: Q, sums: dict[str, Any], today: dt.date, *fields: str, **expressions: Any) -> QuerySet:
    """One query: ``sums`` over StatCounter's ``cells`` and ``_waiting`` over StatDueCounter's same cells
    due before today, each grouped by ``fields`` / ``expressions`` (none: one row), as UNION ALL. Each
    group comes back as up to two rows, the other table's sums 0 in each; ``_merged`` adds them up."""
    waiting = _waiting()

    def zeros(names) -> dict[str, Value]:
        return {name: Value(0, output_field=IntegerField()) for name in names}

    if not fields and not expressions:
        expressions = {"one": Value(1, output_field=IntegerField())}
    counted = (
        StatCounter.objects.filter(cells)
        .order_by()
        .values(*fields, **expressions)
        .annotate(**sums, **zeros(waiting))
    )
    late = (
        StatDueCounter.objects.filter(cells, due__lt=today)
        .order_by()
        .values(*fields, **expressions)
        .annotate(**zeros(sums), **waiting)
    )
    return counted.union(late, all=True)


def _merged(rows, *key: str) -> list[dict[str, Any]]:
    """The rows of ``_summed`` with one row per group (the ``x_`` sums added up)."""
    out: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        k = tuple(row[f] for f in key)
        have = out.get(k)
        if have is None:
            out[k] = dict(row)
            continue
        for name, value in row.items():
            if name.startswith("x_"):
                have[name] = int(have[name] or 0) + int(value or 0)
    return list(out.values())


def _cell_totals() -> dict[str, Any]:
    def total(condition: Q | None = None) -> Coalesce:
        return Coalesce(Sum("n", filter=condition) if condition else Sum("n"), Value(0))

    return {
        "x_total": total(),
        "x_registered": total(Q(status=Status.REGISTERED)),
        "x_not_accepted": total(Q(status=Status.NOT_ACCEPTED)),
        "x_withdrawn": total(Q(status=Status.WITHDRAWN)),
    }


def _counts(values: dict[str, Any]) -> dict[str, Any]:
    """A row of counts from the cells' sums (``x_`` names), the other keys as they are."""
    row = {k: v for k, v in values.items() if not k.startswith("x_")}
    for name in (*COUNT_FIELDS, *TOTAL_FIELDS):
        if f"x_{name}" in values or name == "reply_due":
            row[name] = int(values.get(f"x_{name}", 0))
    row["reply_due"] = int(values["x_due_known"]) + int(values["x_due_late"])
    return row


def _corrected(rows: list[dict], qs: QuerySet, followed: Q | None, reference: Callable, today, key: tuple):
    """The rows from the public cells, plus what the followed suggestions add as their viewer reads them
    (every fact) minus what the public cells counted of them (the public facts)."""
    if followed is None:
        return rows
    mine = _base(qs).filter(followed)
    plus, minus = reference(mine, today, _View(None)), reference(mine, today, _View(ANONYMOUS))
    if isinstance(plus, dict):
        plus, minus, rows = [plus], [minus], rows
    numbers = [f for f in (*COUNT_FIELDS, *TOTAL_FIELDS, "co_handled") if f in (rows or plus or [{}])[0]]
    merged: dict[tuple, dict] = {}
    for sign, source in ((1, rows), (1, plus), (-1, minus)):
        for r in source:
            k = tuple(r[f] for f in key)
            cur = merged.get(k)
            if cur is None:
                cur = merged[k] = {f: v for f, v in r.items() if f not in RATE_FIELDS and f != "pct"}
                cur.update(dict.fromkeys(numbers, 0))
            for f in numbers:
                cur[f] += sign * r.get(f, 0)
    return list(merged.values())


def _rated(row: dict[str, Any]) -> dict[str, Any]:
    return with_rates({k: v for k, v in row.items() if k not in RATE_FIELDS})


def _named(grouped: QuerySet, model, key: str, names: dict[str, str]) -> list[dict[str, Any]]:
    """The grouped cells' rows with the names of their theme or department, in one query (the names joined
    after the grouping: thousands of cells, a few dozen rows)."""
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:
        return []
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(f"n.{quote(column)} AS {quote(alias)}" for column, alias in names.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT g.*, {columns} FROM ({sql}) AS g LEFT JOIN {table} AS n ON n.id = g.{quote(key)}", params
        )
        header = [c[0] for c in cursor.description]
        return [dict(zip(header, row, strict=True)) for row in cursor.fetchall()]


@cached
def overview(qs: QuerySet, today: dt.date | None = None) -> dict[str, Any]:
    """总体情况: one row over all the given suggestions, plus how many there are in all (``total``) and how
    many are still registered, not accepted or withdrawn."""
    today = today or timezone.localdate()
    plan = _cell_plan(qs)
    if plan is None:
        return reference_overview(qs, today)
    dims, views, followed = plan
    (row,) = _merged(_summed(dims & views & Q(grain="S"), _totals_and_sums(), today), "one")
    row = _counts({k: v for k, v in row.items() if k != "one"})
    (row,) = _corrected([row], qs, followed, reference_overview, today, ())
    return _rated(_row(row))


def _totals_and_sums() -> dict[str, Any]:
    return {**_cell_totals(), **_sums()}


@cached
def by_theme(qs: QuerySet, today: dt.date | None = None) -> list[dict[str, Any]]:
    """按主题: one row per theme (建议主题), in the order of the document; keys ``theme_id``,
    ``theme_ordinal``, ``theme_title``, ``session_id``, with the totals of ``overview``."""
    today = today or timezone.localdate()
    plan = _cell_plan(qs)
    if plan is None:
        return reference_by_theme(qs, today)
    dims, views, followed = plan
    grouped = _summed(dims & views & Q(grain="S"), _totals_and_sums(), today, "theme_id", "session_id")
    names = {"ordinal": "theme_ordinal", "title": "theme_title"}
    found = _merged(_named(grouped, Theme, "theme_id", names), "theme_id", "session_id")
    rows = _corrected([_counts(v) for v in found], qs, followed, reference_by_theme, today, ("theme_id",))
    keys = ("theme_id", "theme_ordinal", "theme_title", "session_id")
    rows = [_row(r, keys) for r in rows if r["total"] > 0]
    return sorted(rows, key=lambda r: (r["session_id"], r["theme_ordinal"]))


@cached
def by_department(qs: QuerySet, today: dt.date | None = None) -> list[dict[str, Any]]:
    """按承办单位: one row per department, counting the suggestions it leads (主办) in their current round;
    ``co_handled`` counts, separately, the suggestions it co-handles (协办) in their current round.
    Departments with neither are left out. Ordered by the number led, then by name."""
    today = today or timezone.localdate()
    plan = _cell_plan(qs)
    if plan is None:
        return reference_by_department(qs, today)
    dims, views, followed = plan
    grouped = _summed(
        dims & ((Q(grain="L") & views) | Q(grain="C", view="A")), _sums(), today, "grain", "dim"
    )
    names = {"name": "department_name", "short_name": "department_short_name"}
    found = _merged(_named(grouped, Department, "dim", names), "grain", "dim")
    rows: dict[int, dict[str, Any]] = {}
    for values in found:
        row = rows.setdefault(
            values["dim"],
            {
                "department_id": values["dim"],
                "department_name": values["department_name"],
                "department_short_name": values["department_short_name"],
                **dict.fromkeys(COUNT_FIELDS, 0),
                "co_handled": 0,
            },
        )
        counts = _counts(values)
        if values["grain"] == "C":
            row["co_handled"] += counts["assigned"]
        else:
            row.update({f: counts[f] for f in COUNT_FIELDS})
    keys = ("department_id", "department_name", "department_short_name")
    merged = _corrected(list(rows.values()), qs, followed, reference_by_department, today, ("department_id",))
    out = [
        {**_row(r, keys), "co_handled": r["co_handled"]}
        for r in merged
        if r["assigned"] > 0 or r["co_handled"] > 0
    ]
    return sorted(out, key=lambda r: (-r["assigned"], -r["co_handled"], r["department_name"]))


@cached
def by_round(qs: QuerySet, today: dt.date | None = None) -> list[dict[str, Any]]:
    """按办理轮次: one row per handling round (1 = first handling, 2 = first re-handling 重新办理 …).

    A suggestion counts in every round it reached, with that round's records only: ``assigned`` = it was
    handled in the round (an active lead assignment of that round); ``replied`` / ``replied_on_time`` /
    the categories = that round's reply; ``rated`` / ``satisfied`` / ``unsatisfied`` = the lead delegate's
    rating of that round (so the first-round fields equal the rated fields in round 1 and are 0 after);
    ``face_to_face``, ``extensions_granted`` and ``reassignments`` = records of that round; ``closed`` and
    ``overdue_now`` = the suggestion is closed / overdue and the round is its current one;
    ``key_supervision`` = its current flag."""
    today = today or timezone.localdate()
    plan = _cell_plan(qs)
    if plan is None:
        return reference_by_round(qs, today)
    dims, views, followed = plan
    found = _merged(_summed(dims & views & Q(grain="R"), _sums(), today, round=F("dim")), "round")
    rows = _corrected([_counts(v) for v in found], qs, followed, reference_by_round, today, ("round",))
    return sorted((_row(r, ("round",)) for r in rows if r["assigned"] > 0), key=lambda r: r["round"])


@cached
def by_month(qs: QuerySet, today: dt.date | None = None) -> list[dict[str, Any]]:
    """按答复月份: one row per month of the first (first-round) reply, key ``month`` (the 1st of the month);
    suggestions not yet replied to are left out, so ``reply_rate`` is 1 in every row."""
    today = today or timezone.localdate()
    plan = _cell_plan(qs)
    if plan is None:
        return reference_by_month(qs, today)
    dims, views, followed = plan
    found = _merged(_summed(dims & views & Q(grain="S") & ~Q(dim=0), _sums(), today, "dim"), "dim")
    rows = [{**_counts(v), "month": dt.date(v["dim"] // 100, v["dim"] % 100, 1)} for v in found]
    for r in rows:
        del r["dim"]
    rows = _corrected(rows, qs, followed, reference_by_month, today, ("month",))
    return sorted((_row(r, ("month",)) for r in rows if r["assigned"] > 0), key=lambda r: r["month"])


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


# The API documents each statistics endpoint with its function's docstring and this module's: the latter
# ends with the definitions above, so the documentation an outside developer reads is the one place.
__doc__ = f"{__doc__}\n{_documentation()}\n"
