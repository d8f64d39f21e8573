"""The committee's statistics (办理情况统计): sums over the counter cells the workflow keeps, cached.

Every function takes a queryset of suggestions (scoped with ``visible`` and filtered) and returns plain
dicts, so the dashboard page, the API and the committee's report show the same numbers. What each figure
means is ``measures.DEFINITIONS``, the one place: the pages show it under each figure, and the API's
documentation is built from it (this docstring's last part, generated). How each is computed exactly is
``measures.reference_*``; this module reads the same numbers from the counters (``queries.counters``)
when the filter allows, else from those functions, and caches every result per data version.

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

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import (
    Q,
    QuerySet,
)
from django.utils import timezone

from departments.models import Department
from suggestions.models import (
    OPEN_STATUSES,
    StatCounter,
    StatDueCounter,
    Status,
    Suggestion,
    Theme,
)
from suggestions.policy import scoping  # the viewer's facts follow redaction's rule
from suggestions.policy.permissions import ANONYMOUS
from suggestions.queries import counters, dataversion
from suggestions.queries.measures import (  # the definitions, re-exported for the doors: one import
    COUNT_FIELDS,
    DEFINITIONS,
    HANDLED_STATUSES,
    RATE_FIELDS,
    TOTAL_FIELDS,
    VIEWER_NOTE,
    _base,
    _documentation,
    _row,
    _View,
    _view,
    rate,
    reference_by_department,
    reference_by_month,
    reference_by_round,
    reference_by_theme,
    reference_overview,
    with_rates,
)

__all__ = [
    "COUNT_FIELDS",
    "DEFINITIONS",
    "RATE_FIELDS",
    "TOTAL_FIELDS",
    "VIEWER_NOTE",
    "by_department",
    "by_month",
    "by_round",
    "by_theme",
    "cached_count",
    "overview",
    "rate",
    "reference_by_department",
    "reference_by_month",
    "reference_by_round",
    "reference_by_theme",
    "reference_overview",
    "with_rates",
]


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
        # Every cache backend pickles what it stores: the caller gets rows of its own to change, a hit
        # or a miss (a deep copy here was a tenth of 按主题's time at 1,000,000 suggestions).
        return result

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


#: The sums read from StatCounter's cells: (name, column); ``x_due_known`` is the first half of 应答复.
_SUMS = (
    ("x_assigned", "n"),
    ("x_replied", "replied"),
    ("x_replied_on_time", "on_time"),
    ("x_due_known", "due_known"),
    ("x_closed", "closed"),
    ("x_face_to_face", "face_to_face"),
    ("x_rated", "rated"),
    ("x_satisfied", "satisfied"),
    ("x_unsatisfied", "unsatisfied"),
    ("x_first_round_rated", "first_rated"),
    ("x_first_round_satisfied", "first_satisfied"),
    ("x_category_a", "category_a"),
    ("x_category_b", "category_b"),
    ("x_category_c", "category_c"),
    ("x_category_d", "category_d"),
    ("x_key_supervision", "key_supervision"),
    ("x_extensions_granted", "extensions"),
    ("x_reassignments", "reassignments"),
)
#: With ``totals``: how many there are in all, and of the statuses never handled (name, status or None).
_TOTALS = (
    ("x_total", None),
    ("x_registered", Status.REGISTERED),
    ("x_not_accepted", Status.NOT_ACCEPTED),
    ("x_withdrawn", Status.WITHDRAWN),
)
#: The sums read from StatDueCounter's cells due before today: 应答复's second half (not replied, past the
#: due date) and 逾期 (still open).
_WAITING = ("x_due_late", "x_overdue_now")


def _statuses(statuses) -> tuple[str, list[str]]:
    return f"status IN ({', '.join(['%s'] * len(statuses))})", [str(x) for x in statuses]


def _sum(column: str, condition: tuple[str, list] | None) -> tuple[str, list]:
    if condition is None:
        return f"COALESCE(SUM({column}), 0)", []
    return f"COALESCE(SUM(CASE WHEN {condition[0]} THEN {column} ELSE 0 END), 0)", list(condition[1])


def _sum_columns(totals: bool) -> tuple[list[str], list[tuple[str, list]], list[tuple[str, list]]]:
    """The sums' names, and each one's SQL over StatCounter's and over StatDueCounter's cells (0 where
    the other table has none). With ``totals`` the cells hold every status, and the counts of ``_SUMS`` and
    ``_WAITING`` read the handled ones only."""
    handled = _statuses(HANDLED_STATUSES) if totals else None
    zero = ("0", [])
    names, counted, waiting = [], [], []
    if totals:
        for name, status in _TOTALS:
            names.append(name)
            counted.append(_sum("n", None if status is None else _statuses([status])))
            waiting.append(zero)
    for name, column in _SUMS:
        names.append(name)
        counted.append(_sum(column, handled))
        waiting.append(zero)
    open_sql, open_params = _statuses(OPEN_STATUSES)
    if handled is not None:
        open_sql, open_params = f"{open_sql} AND {handled[0]}", [*open_params, *handled[1]]
    names += _WAITING
    counted += [zero, zero]
    waiting += [_sum("unreplied", handled), _sum("n", (open_sql, open_params))]
    return names, counted, waiting


def _where(model, cells: Q, **more: Any) -> tuple[str, list]:
    """The WHERE of ``model``'s ``cells``, compiled by Django (a few lookups; the ORM's compilation of
    the twenty-odd sums around them was most of a statistic's time, so those are written out)."""
    query = model.objects.filter(cells, **more).query
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except FullResultSet:
        return "1 = 1", []
    return sql, list(params)


def _summed(
    cells: Q,
    today: dt.date,
    *fields: str,
    totals: bool = False,
    names: tuple[type, str, dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """One query: the sums (``_SUMS``, with ``totals`` ``_TOTALS`` too) over StatCounter's ``cells`` and
    ``_WAITING`` over StatDueCounter's same cells due before today, one row per group of ``fields`` (none:
    one row). Each table's cells are grouped apart, joined as UNION ALL and added up per group around it;
    ``names`` (model, key, {column: alias}) joins the names of the groups' theme or department after the
    grouping (thousands of cells, a few hundred rows). With ``totals``, every status is read (the counts
    of the handled cells, the totals of all); without, ``cells`` must hold handled suggestions only (the
    grains ``L``, ``R`` and ``C``, and ``S`` with a month: counters.py), so that no sum filters row by row
    (at 1,000,000 suggestions the row-by-row filters were half the time of 按承办单位) and no status list
    multiplies the index scans."""
    quote = connection.ops.quote_name
    sums, counted, waiting = _sum_columns(totals)
    keys = [quote(name) for name in fields] or ["1"]
    aliases = [quote(name) for name in fields] or [quote("one")]
    parts, params = [], []
    for model, columns, more in ((StatCounter, counted, {}), (StatDueCounter, waiting, {"due__lt": today})):
        try:
            where, where_params = _where(model, cells, **more)
        except EmptyResultSet:
            return []
        select = [f"{key} AS {alias}" for key, alias in zip(keys, aliases, strict=True)]
        for name, (sql, p) in zip(sums, columns, strict=True):
            select.append(f"{sql} AS {quote(name)}")
            params += p
        group = f" GROUP BY {', '.join(keys)}" if fields else ""
        parts.append(f"SELECT {', '.join(select)} FROM {quote(model._meta.db_table)} WHERE {where}{group}")
        params += where_params
    outer = [f"g.{alias}" for alias in aliases]
    select = [*outer, *(f"SUM(g.{quote(name)}) AS {quote(name)}" for name in sums)]
    join = ""
    if names is not None:
        model, key, columns = names
        named = [f"n.{quote(column)}" for column in columns]
        select += [
            f"{column} AS {quote(alias)}" for column, alias in zip(named, columns.values(), strict=True)
        ]
        outer += named
        join = f" LEFT JOIN {quote(model._meta.db_table)} AS n ON n.id = g.{quote(key)}"
    union = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(select)} FROM ({union}) AS g{join} GROUP BY {', '.join(outer)}", params
        )
        header = [c[0] for c in cursor.description]
        return [dict(zip(header, row, strict=True)) for row in cursor.fetchall()]


_SUMMED = tuple((name, f"x_{name}") for name in (*COUNT_FIELDS, *TOTAL_FIELDS) if name != "reply_due")


def _counts(values: dict[str, Any]) -> dict[str, Any]:
    """A row of counts from the cells' sums (``x_`` names), the other keys as they are."""
    row = {k: v for k, v in values.items() if not k.startswith("x_")}
    for name, summed in _SUMMED:
        if summed in values:
            row[name] = int(values[summed] or 0)
    row["reply_due"] = int(values["x_due_known"] or 0) + int(values["x_due_late"] or 0)
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


@cached
def overview(qs: QuerySet, today: dt.date | None = None) -> dict[str, Any]:
    """总体情况: one row over all the given suggestions, plus how many there are in all (``total``) and how
    many are still registered, not accepted or withdrawn."""
    today = today or timezone.localdate()
    plan = _cell_plan(qs)
    if plan is None:
        return reference_overview(qs, today)
    dims, views, followed = plan
    (row,) = _summed(dims & views & Q(grain="S"), today, totals=True)
    row = _counts({k: v for k, v in row.items() if k != "one"})
    (row,) = _corrected([row], qs, followed, reference_overview, today, ())
    return _rated(_row(row))


@cached
def by_theme(qs: QuerySet, today: dt.date | None = None) -> list[dict[str, Any]]:
    """按主题: one row per theme (建议主题), in the order of the document; keys ``theme_id``,
    ``theme_ordinal``, ``theme_title``, ``session_id``, with the totals of ``overview``."""
    today = today or timezone.localdate()
    plan = _cell_plan(qs)
    if plan is None:
        return reference_by_theme(qs, today)
    dims, views, followed = plan
    names = (Theme, "theme_id", {"ordinal": "theme_ordinal", "title": "theme_title"})
    found = _summed(dims & views & Q(grain="S"), today, "theme_id", "session_id", totals=True, names=names)
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
    if "theme_id" not in (_cell_filters(qs) or {}):
        dims &= Q(theme_id=counters.ALL_THEMES)  # the cells of every theme: a seventh as many
    cells = dims & ((Q(grain="L") & views) | Q(grain="C", view="A", follower=0))
    names = (Department, "dim", {"name": "department_name", "short_name": "department_short_name"})
    found = _summed(cells, today, "grain", "dim", names=names)
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
    found = [{**r, "round": r["dim"]} for r in _summed(dims & views & Q(grain="R"), today, "dim")]
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
    found = _summed(dims & views & Q(grain="S") & ~Q(dim=0), today, "dim")
    rows = [{**_counts(v), "month": dt.date(v["dim"] // 100, v["dim"] % 100, 1)} for v in found]
    for r in rows:
        del r["dim"]
    rows = _corrected(rows, qs, followed, reference_by_month, today, ("month",))
    return sorted((_row(r, ("month",)) for r in rows if r["assigned"] > 0), key=lambda r: r["month"])


# The API documents each statistics endpoint with its function's docstring and this module's: the latter
# ends with the definitions above, so the documentation an outside developer reads is the one place.
__doc__ = f"{__doc__}\n{_documentation()}\n"
