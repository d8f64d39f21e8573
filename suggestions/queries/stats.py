"""The committee's statistics (办理情况统计), computed by the database with conditional aggregates.

Every function takes a queryset of suggestions (already scoped with ``visible`` and filtered) and
returns plain dicts, so the dashboard page, the API and the committee's report show the same numbers.

Definitions (DOMAIN.md, "Statistics the committee reports"):

- ``assigned`` 交办数: suggestions that have been handed to departments and are still handled or done:
  status 已交办, 办理中, 已答复, 不满意待复核 or 办结. Registered (已登记) and not accepted (不予受理)
  suggestions were never assigned; withdrawn (已撤回) ones are left out too, because no reply is due for
  them any more and counting them would lower every rate through no fault of a department. Every other
  count below is taken among the assigned suggestions.
- ``replied`` 已答复: suggestions with at least one formal reply (any round).
- ``replied_on_time`` 按期答复: suggestions whose first-round reply is dated on or before the reply due
  date in force when it was filed (extensions included).
- ``closed`` 办结; ``face_to_face`` 见面: at least one 面商 / 走访 / 座谈 contact record.
- ``rated`` 已评价: suggestions with a lead delegate's (领衔代表) rating; ``satisfied`` / ``unsatisfied``:
  the *result* (办理结果) of the latest such rating is 满意 or 基本满意 / 不满意. Co-proposers' ratings are
  recorded but not counted here.
- ``first_round_rated`` / ``first_round_satisfied``: the same on the lead delegate's first-round rating.
- ``category_a`` … ``category_d``: the A–D category of the latest reply (they add up to ``replied``).
- ``key_supervision`` 重点督办; ``extensions_granted``: approved extension requests (requests, not
  suggestions); ``reassignments``: approved reassignment requests; ``overdue_now`` 逾期: a reply is due
  (已交办 / 办理中) and the due date is before today.
- Rates, as fractions rounded to 4 places, ``None`` when the denominator is 0:
  ``reply_rate`` 答复率 = replied / assigned; ``on_time_rate`` 按期答复率 = replied_on_time / assigned;
  ``close_rate`` 办结率 = closed / assigned; ``meeting_rate`` 见面率 = face_to_face / assigned;
  ``satisfaction_rate`` 满意率 = satisfied / rated; ``first_satisfaction_rate`` 初次满意率 =
  first_round_satisfied / first_round_rated; ``solved_rate`` 解决率 = category_a / replied;
  ``solved_or_planned_rate`` = (category_a + category_b) / replied.

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
from django.db.models import (
    Case,
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
    Verdict,
)
from suggestions.queries import dataversion

HANDLED_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REPLIED, Status.REVIEW, Status.CLOSED)
SATISFIED_VERDICTS = (Verdict.SATISFIED, Verdict.BASICALLY)

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


def rate(numerator: int, denominator: int) -> float | None:
    """A share rounded to 4 places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


def with_rates(counts: dict[str, Any]) -> dict[str, Any]:
    """Add the rates of DOMAIN.md to a row of counts."""
    row = dict(counts)
    assigned, replied = row["assigned"], row["replied"]
    row["reply_rate"] = rate(replied, assigned)
    row["on_time_rate"] = rate(row["replied_on_time"], assigned)
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

    They are computed per suggestion by the workflow and stored (suggestions/facts.py); the statistics
    read the stored facts (``_aliases``). ``facts.differences`` checks the two agree.
    """
    replies = unit.related(Reply.objects.all())
    lead_ratings = unit.related(Rating.objects.filter(is_lead=True))
    if unit.per_round:
        on_time = replies.filter(replied_on__lte=F("due_date"))
        first_result = Case(
            When(round=1, then=Subquery(lead_ratings.values("result")[:1])), default=Value(None)
        )
    else:
        first_round = Reply.objects.filter(suggestion=unit.suggestion_ref(), round=1)
        on_time = first_round.filter(replied_on__lte=F("due_date"))
        first_result = Subquery(
            Rating.objects.filter(suggestion=unit.suggestion_ref(), is_lead=True, round=1).values("result")[
                :1
            ]
        )
    first_replied_on = (replies if unit.per_round else replies.filter(round=1)).values("replied_on")[:1]
    return {
        "_first_replied_on": Subquery(first_replied_on),
        "_replied": Exists(replies),
        "_on_time": Exists(on_time),
        "_category": Subquery(replies.order_by("-round").values("category")[:1]),
        "_face_to_face": Exists(unit.related(ContactRecord.objects.filter(method__in=FACE_TO_FACE_METHODS))),
        "_result": Subquery(lead_ratings.order_by("-round").values("result")[:1]),
        "_first_result": first_result,
        "_extensions": _count_of(
            unit.related(ExtensionRequest.objects.filter(status=RequestStatus.APPROVED))
        ),
        "_reassignments": _count_of(
            unit.related(
                Assignment.objects.filter(
                    status=AssignmentStatus.REPLACED, reassignment_decision=RequestStatus.APPROVED
                )
            )
        ),
    }


FACT_NAMES = (
    "first_replied_on",
    "replied",
    "on_time",
    "category",
    "face_to_face",
    "result",
    "first_result",
    "extensions",
    "reassignments",
)


def _aliases(unit: _Unit, today: dt.date) -> dict[str, Any]:
    """The stored facts of each base row, under the names the aggregates use (``_replied`` …).

    A suggestion without a facts row (never assigned) reads NULL everywhere: not replied, not rated,
    no extensions — what the subqueries give for it.
    """
    if unit.per_round:
        path = "round_facts__"  # the base rows are lead assignments, one per round
    else:
        path = f"{unit.prefix}facts__"
    return {f"_{name}": F(f"{path}{name}") for name in FACT_NAMES}


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
# (function, the scoped and filtered query, today) and per data version. Every workflow step appends an
# Event, and so do imports and the load generator, so the newest event id is a version that changes
# whenever the numbers can change. A cache check costs at most one index-only query per request
# (see suggestions/dataversion.py; an authenticated request reads it along with its user).
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
    return f"stats:{digest}:{dataversion.current()}"


def cached(function: Callable) -> Callable:
    @functools.wraps(function)
    def wrapper(qs: QuerySet, today: dt.date | None = None):
        today = today or timezone.localdate()
        key = _cache_key(function.__name__, qs, today)
        result = _through_cache(key, lambda: function(qs, today), settings.STATS_CACHE_SECONDS)
        return copy.deepcopy(result)

    return wrapper


@cached
def overview(qs: QuerySet, today: dt.date | None = None) -> dict[str, Any]:
    """总体情况: one row over all the given suggestions, plus how many there are in all (``total``) and how
    many are still registered, not accepted or withdrawn."""
    today = today or timezone.localdate()
    values = (
        _base(qs)
        .annotate(**_aliases(SUGGESTION_UNIT, today))  # aggregate() reads annotations, not aliases
        .aggregate(**_totals(), **_aggregates(SUGGESTION_UNIT, today, HANDLED))
    )
    return _row(values)


@cached
def by_theme(qs: QuerySet, today: dt.date | None = None) -> list[dict[str, Any]]:
    """按主题: one row per theme (建议主题), in the order of the document; keys ``theme_id``,
    ``theme_ordinal``, ``theme_title``, ``session_id``, with the totals of ``overview``."""
    today = today or timezone.localdate()
    rows = (
        _base(qs)
        .alias(**_aliases(SUGGESTION_UNIT, today))
        .values("theme_id", "session_id", theme_ordinal=F("theme__ordinal"), theme_title=F("theme__title"))
        .annotate(**_totals(), **_aggregates(SUGGESTION_UNIT, today, HANDLED))
        .order_by("session_id", "theme_ordinal")
    )
    keys = ("theme_id", "theme_ordinal", "theme_title", "session_id")
    return [_row(values, keys) for values in rows]


@cached
def by_department(qs: QuerySet, today: dt.date | None = None) -> list[dict[str, Any]]:
    """按承办单位: one row per department, counting the suggestions it leads (主办) in their current round;
    ``co_handled`` counts, separately, the suggestions it co-handles (协办) in their current round.
    Departments with neither are left out. Ordered by the number led, then by name."""
    today = today or timezone.localdate()
    led = (
        _lead_assignments(qs)
        .filter(round=F("suggestion__round"))
        .alias(**_aliases(ASSIGNMENT_UNIT, today))
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
    rows = (
        _lead_assignments(qs)
        .alias(**_aliases(ROUND_UNIT, today))
        .values("round")
        .annotate(**_aggregates(ROUND_UNIT, today, Q()))
        .order_by("round")
    )
    return [_row(values, ("round",)) for values in rows]


@cached
def by_month(qs: QuerySet, today: dt.date | None = None) -> list[dict[str, Any]]:
    """按答复月份: one row per month of the first (first-round) reply, key ``month`` (the 1st of the month);
    suggestions not yet replied to are left out, so ``reply_rate`` is 1 in every row."""
    today = today or timezone.localdate()
    rows = (
        _base(qs)
        .filter(HANDLED)
        .alias(**_aliases(SUGGESTION_UNIT, today))
        .filter(_first_replied_on__isnull=False)
        .values(month=TruncMonth("_first_replied_on"))
        .annotate(**_aggregates(SUGGESTION_UNIT, today, Q()))
        .order_by("month")
    )
    return [_row(values, ("month",)) for values in rows]
