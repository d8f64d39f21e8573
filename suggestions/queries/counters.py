"""The statistics counters (StatCounter, StatDueCounter): the statistics facts summed per cell, kept by the workflow.

A cell is one combination of the dimensions the statistics group and filter by; its values are sums of
what its suggestions contribute (how many, how many replied, on time, rated …: ``VALUES``). Every
statistic is then a SUM over cells (about one StatCounter cell per 10 suggestions at 1,000,000, far
fewer at a city's size) instead of a join over every suggestion
(``suggestions/queries/stats.py`` reads them; a filter it cannot express in cells falls back to the
facts).

The key of a cell:

- ``grain``: ``S`` a suggestion (overview, by theme, by month), ``L`` the lead assignment of a handled
  suggestion's current round (by department, with the suggestion's facts), ``R`` every active lead
  assignment of a handled suggestion (by round, with the round's facts), ``C`` a department co-handling
  (协办) a handled suggestion in its current round (by department's ``co_handled``);
- ``view``: ``F`` every fact (staff, the dashboard, the code's own counts), ``P`` the public facts (what a
  viewer without the handling record reads, ``stats.VIEWER_FACTS``), ``D`` the difference F − P of the
  suggestions a department follows (``follower``: it has an active assignment on them), so that its
  handlers' statistics are P + D; ``A`` the same for every viewer (``C``);
- ``session_id``, ``theme_id``, ``status``: the suggestion's; the department grains (``L``, ``C``) have
  each cell twice, once per theme and once with ``theme_id`` 0 (``ALL_THEMES``) summing every theme, so that
  按承办单位 without a theme filter reads one cell per session, status and department;
- ``dim``: by grain, the month of the first reply as ``yyyymm`` (``S``; 0 when none or not handled), the
  department (``L``, ``C``) or the round (``R``).

Beside them, StatDueCounter holds, per cell and reply due date, the suggestions still waiting: handled
(for ``R``: in its current round), with a due date, still open or not replied as the view reads it (``n``
of them, ``unreplied`` not replied). So 逾期 (``overdue_now``) and the late half of 应答复 (``reply_due``)
are sums over the cells due before today: correct every day without any write. Only waiting suggestions
have a cell there, so the date does not multiply the cells the other figures are summed from; and
``fold()`` (the hourly pass) sums the cells of past days into one per key, so the date multiplies only
the cells still ahead.

The workflow keeps them: ``facts.refresh`` (called by every step, under the suggestion's row lock, after
its event, so under the event-order lock too) subtracts the suggestion's contribution as its stored facts
say, stores the new facts, and adds the new contribution: two ``INSERT … SELECT … GROUP BY … ON CONFLICT
DO UPDATE SET n = n + excluded.n`` statements per table, cells in key order. The stored facts carry the
suggestion's own fields as counted (``counted_*``), so the old contribution is known after the step has
changed the suggestion. ``rebuild_counters()`` recomputes every cell from the facts tables, one statement
per table (after bulk loads and imports); ``prune()`` drops the cells left at 0 (the hourly pass); ``differences()`` compares the stored cells with it
(``check_invariants``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from suggestions.models import (
    OPEN_STATUSES,
    Category,
    DepartmentFacts,
    RoundFacts,
    StatCounter,
    StatDueCounter,
    Status,
    SuggestionFacts,
    Verdict,
    lock_event_order,
)

HANDLED_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REPLIED, Status.REVIEW, Status.CLOSED)
SATISFIED_VERDICTS = (Verdict.SATISFIED, Verdict.BASICALLY)
#: The facts a viewer reads as stored or, without the handling record, as ``public_<name>``.
VIEWER_FACTS = (
    "first_replied_on",
    "replied",
    "on_time",
    "category",
    "face_to_face",
    "result",
    "first_result",
    "extensions",
)
NO_DUE = dt.date(9999, 12, 31)  # never before today
ALL_THEMES = 0  # the theme_id of the department grains' cells that sum every theme (``_with_all_themes``)
ROLLED_GRAINS = ("L", "C")
FOLDED = dt.date(1, 1, 1)  # the due cells of every day before the last fold, summed (``fold``)
KEY = ("grain", "view", "follower", "theme_id", "session_id", "status", "dim")  # the unique index's order
DUE_KEY = (*KEY, "due")
DUE_VALUES = ("n", "unreplied")
VALUES = (
    "n",
    "replied",
    "on_time",
    "due_known",  # replied, and the view reads whether on time (the first half of 应答复)
    "closed",
    "face_to_face",
    "rated",
    "satisfied",
    "unsatisfied",
    "first_rated",
    "first_satisfied",
    "category_a",
    "category_b",
    "category_c",
    "category_d",
    "key_supervision",
    "extensions",
    "reassignments",
)
CHUNK = 1_000  # suggestions per statement (their ids are parameters of every branch)


# ---------------------------------------------------------------------------
# What one facts row contributes: the branches of the cells' SELECT
# ---------------------------------------------------------------------------


def _branch(
    qs: QuerySet,
    *,
    grain: str,
    view: str,
    facts: str,
    dims: str,
    dim: Any,
    sign: int,
    follower: Any = None,
    current: Q | None = None,
    view_key: str | None = None,
) -> QuerySet:
    """One row per facts row of ``qs``: its cell key and its values (times ``sign``).

    ``facts`` leads to the facts counted (the suggestion's or the round's), ``dims`` to the suggestion's
    facts row with its fields as counted; ``view`` ``P`` reads the public facts; ``current`` (for rounds):
    the row's round is the suggestion's current one.
    """

    def fact(name: str) -> str:
        public = view == "P" and name in VIEWER_FACTS
        return f"{facts}{'public_' if public else ''}{name}"

    def when(condition: Q, then: Any = None) -> Case:
        return Case(
            When(condition, then=Value(sign) if then is None else then),
            default=Value(0),
            output_field=IntegerField(),
        )

    status = f"{dims}counted_status"
    current = current if current is not None else Q()
    replied = Q(**{fact("replied"): True})
    due = Case(
        When(
            Q(**{f"{status}__in": HANDLED_STATUSES, f"{dims}counted_due_date__isnull": False})
            & current
            & (Q(**{f"{status}__in": OPEN_STATUSES}) | ~replied),
            then=F(f"{dims}counted_due_date"),
        ),
        default=Value(NO_DUE),
    )
    result, first_result, category = fact("result"), fact("first_result"), fact("category")
    columns = {
        "c_grain": Value(grain),
        "c_view": Value(view_key or ("D" if follower is not None else view)),
        "c_follower": follower if follower is not None else Value(0),
        "c_session_id": F(f"{dims}counted_session"),
        "c_theme_id": F(f"{dims}counted_theme"),
        "c_status": F(status),
        "c_dim": dim,
        "c_due": due,
        "c_n": Value(sign),
        "c_replied": when(replied),
        "c_on_time": when(Q(**{fact("on_time"): True})),
        "c_due_known": when(replied & Q(**{f"{fact('on_time')}__isnull": False})),
        "c_closed": when(Q(**{status: Status.CLOSED}) & current),
        "c_face_to_face": when(Q(**{fact("face_to_face"): True})),
        "c_rated": when(Q(**{f"{result}__isnull": False})),
        "c_satisfied": when(Q(**{f"{result}__in": SATISFIED_VERDICTS})),
        "c_unsatisfied": when(Q(**{result: Verdict.UNSATISFIED})),
        "c_first_rated": when(Q(**{f"{first_result}__isnull": False})),
        "c_first_satisfied": when(Q(**{f"{first_result}__in": SATISFIED_VERDICTS})),
        "c_category_a": when(Q(**{category: Category.A})),
        "c_category_b": when(Q(**{category: Category.B})),
        "c_category_c": when(Q(**{category: Category.C})),
        "c_category_d": when(Q(**{category: Category.D})),
        "c_key_supervision": when(Q(**{f"{dims}counted_key_supervision": True})),
        "c_extensions": F(fact("extensions")) * Value(sign),
        "c_reassignments": F(f"{facts}reassignments") * Value(sign),
    }
    names = [f"c_{name}" for name in (*DUE_KEY, *VALUES)]
    return qs.order_by().annotate(**columns).values_list(*names)


def _month(path: str) -> Case:
    return Case(
        When(
            Q(**{f"{path}counted_status__in": HANDLED_STATUSES, f"{path}first_replied_on__isnull": False}),
            then=ExtractYear(f"{path}first_replied_on") * Value(100)
            + ExtractMonth(f"{path}first_replied_on"),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def _public_month(path: str) -> Case:
    first = f"{path}public_first_replied_on"
    return Case(
        When(
            Q(**{f"{path}counted_status__in": HANDLED_STATUSES, f"{first}__isnull": False}),
            then=ExtractYear(first) * Value(100) + ExtractMonth(first),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def _branches(ids: list[int] | None, sign: int) -> list[QuerySet]:
    """Every branch of the cells' SELECT, over the facts of ``ids`` (all when None)."""
    whole = SuggestionFacts.objects.all()
    rounds = RoundFacts.objects.filter(assignment__suggestion__facts__counted_status__in=HANDLED_STATUSES)
    cos = DepartmentFacts.objects.filter(co_handling=True, facts__counted_status__in=HANDLED_STATUSES)
    followed = SuggestionFacts.objects.filter(departments__isnull=False)
    followed_rounds = rounds.filter(assignment__suggestion__facts__departments__isnull=False)
    if ids is not None:
        whole = whole.filter(suggestion_id__in=ids)
        followed = followed.filter(suggestion_id__in=ids)
        rounds = rounds.filter(assignment__suggestion_id__in=ids)
        followed_rounds = followed_rounds.filter(assignment__suggestion_id__in=ids)
        cos = cos.filter(facts_id__in=ids)
    sf = "assignment__suggestion__facts__"
    current = Q(counted_round=F(f"{sf}counted_round"))
    out = []
    for view, views_sign, follower, s_rows, r_rows in (
        ("F", sign, None, whole, rounds),
        ("P", sign, None, whole, rounds),
        ("F", sign, F("departments__department_id"), followed, None),
        ("P", -sign, F("departments__department_id"), followed, None),
        ("F", sign, F(f"{sf}departments__department_id"), None, followed_rounds),
        ("P", -sign, F(f"{sf}departments__department_id"), None, followed_rounds),
    ):
        month = _month("") if view == "F" else _public_month("")
        common = {"view": view, "sign": views_sign, "follower": follower}
        if s_rows is not None:
            out.append(_branch(s_rows, grain="S", facts="", dims="", dim=month, **common))
        if r_rows is not None:
            out.append(
                _branch(
                    r_rows.filter(current),
                    grain="L",
                    facts=sf,
                    dims=sf,
                    dim=F("counted_department"),
                    **common,
                )
            )
            out.append(
                _branch(
                    r_rows, grain="R", facts="", dims=sf, dim=F("counted_round"), current=current, **common
                )
            )
    out.append(
        _branch(
            cos,
            grain="C",
            view="F",
            view_key="A",
            facts="facts__",
            dims="facts__",
            dim=F("department_id"),
            sign=sign,
        )
    )
    return out


def _union(ids: list[int] | None, sign: int) -> tuple[str, list[Any]]:
    """Every branch's rows (key, ``c_due`` and values) as one SELECT."""
    parts, params = [], []
    for qs in _branches(ids, sign):
        sql, p = qs.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS b")
        params.extend(p)
    return " UNION ALL ".join(parts), params


def _with_all_themes(union: str) -> str:
    """The branches' rows, and those of the department grains (``L``, ``C``) once more with theme 0: the
    cells of every theme (``ALL_THEMES``), so that 按承办单位 without a theme filter sums a seventh of the
    cells (one per session, status and department instead of one per theme too)."""
    rolled = ", ".join(
        f"{ALL_THEMES} AS c_theme_id" if name == "theme_id" else f"a.c_{name}" for name in (*DUE_KEY, *VALUES)
    )
    grains = ", ".join(f"'{grain}'" for grain in ROLLED_GRAINS)
    return (
        f"WITH a AS ({union}) SELECT * FROM a UNION ALL SELECT {rolled} FROM a WHERE a.c_grain IN ({grains})"
    )


def _grouped_sql(ids: list[int] | None, sign: int) -> tuple[str, list[Any]]:
    """StatCounter's cells: SELECT key, SUM(values) over the branches, grouped per cell, in key order."""
    union, params = _union(ids, sign)
    union = _with_all_themes(union)
    key = ", ".join(f"u.c_{name}" for name in KEY)
    sums = ", ".join(f"SUM(u.c_{name})" for name in VALUES)
    return f"SELECT {key}, {sums} FROM ({union}) AS u WHERE 1 = 1 GROUP BY {key} ORDER BY {key}", params


def _due_sql(ids: list[int] | None, sign: int) -> tuple[str, list[Any]]:
    """StatDueCounter's cells: the waiting rows (a due date) grouped per cell and due date."""
    union, params = _union(ids, sign)
    union = _with_all_themes(union)
    key = ", ".join(f"u.c_{name}" for name in DUE_KEY)
    sums = "SUM(u.c_n), SUM(u.c_n - u.c_replied)"
    return (
        f"SELECT {key}, {sums} FROM ({union}) AS u WHERE u.c_due < %s GROUP BY {key} ORDER BY {key}",
        [*params, NO_DUE],
    )


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _insert(model, key: tuple[str, ...], values: tuple[str, ...], select: str, params: list, add: bool):
    quote = connection.ops.quote_name
    table = _quoted(model)
    columns = ", ".join(quote(name) for name in (*key, *values))
    sql = f"INSERT INTO {table} ({columns}) {select}"
    if add:
        update = ", ".join(f"{quote(v)} = {table}.{quote(v)} + excluded.{quote(v)}" for v in values)
        sql += f" ON CONFLICT ({', '.join(quote(name) for name in key)}) DO UPDATE SET {update}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _apply(ids: list[int] | None, sign: int) -> None:
    _insert(StatCounter, KEY, VALUES, *_grouped_sql(ids, sign), add=True)
    _insert(StatDueCounter, DUE_KEY, DUE_VALUES, *_due_sql(ids, sign), add=True)


def add(suggestion_ids: Iterable[int], sign: int) -> None:
    """Add (``sign`` 1) or subtract (-1) the contribution of the suggestions as their stored facts say."""
    ids = list(suggestion_ids)
    for start in range(0, len(ids), CHUNK):
        _apply(ids[start : start + CHUNK], sign)


def rebuild_counters() -> int:
    """Recompute every cell from the facts tables (one INSERT … SELECT … GROUP BY per table); returns the
    cells of both tables."""
    with transaction.atomic():
        # Under the event-order lock, as every step's refresh of its cells is: a step waits for the
        # rebuild instead of adding to a cell being replaced. Readers go on reading the old cells (a
        # DELETE, not a TRUNCATE, which would make them wait).
        lock_event_order(connection.alias)
        StatCounter.objects.all().delete()
        StatDueCounter.objects.all().delete()
        _insert(StatCounter, KEY, VALUES, *_grouped_sql(None, 1), add=False)
        _insert(StatDueCounter, DUE_KEY, DUE_VALUES, *_due_sql(None, 1), add=False)
        fold()
        return StatCounter.objects.count() + StatDueCounter.objects.count()


def fold(today: dt.date | None = None) -> int:
    """Sum the due cells of the days before ``today`` into one cell per key (due ``FOLDED``); returns the
    cells folded away.

    The statistics read only "due before today" of these cells, and a day before today stays before it, so
    the sums they read are the same before and after; but they then read one cell per key for the past
    instead of one per key and past day (at 1,000,000 suggestions, 2.6 of the 4.9 million due cells of
    the load were past days). A step later subtracting a suggestion's old contribution from its day's
    cell makes that cell negative, which the sums read just as well, until the next fold merges it. The
    hourly pass and ``rebuild_counters`` fold. It takes the event-order lock (the lock every step's
    ``facts.refresh`` runs under), so no step adds to a cell between the two statements.
    """
    today = today or timezone.localdate()
    quote = connection.ops.quote_name
    table = _quoted(StatDueCounter)
    key = ", ".join(quote(name) for name in KEY)
    values = ", ".join(quote(name) for name in DUE_VALUES)
    sums = ", ".join(f"SUM({quote(name)})" for name in DUE_VALUES)
    update = ", ".join(f"{quote(v)} = {table}.{quote(v)} + excluded.{quote(v)}" for v in DUE_VALUES)
    due = quote("due")
    with transaction.atomic():
        lock_event_order(connection.alias)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({key}, {due}, {values}) SELECT {key}, %s, {sums} FROM {table} "
                f"WHERE {due} < %s AND {due} > %s GROUP BY {key} ORDER BY {key} "
                f"ON CONFLICT ({key}, {due}) DO UPDATE SET {update}",
                [FOLDED, today, FOLDED],
            )
            cursor.execute(f"DELETE FROM {table} WHERE {due} < %s AND {due} > %s", [today, FOLDED])
            return cursor.rowcount


def prune() -> int:
    """Delete the cells whose values are all 0 (a waiting suggestion that was replied leaves its due cell
    at 0; the hourly reminder pass calls this). A step adding to a cell at the same time is safe: the
    DELETE re-checks the values of a row it had to wait for, and ON CONFLICT inserts a deleted cell anew."""
    gone = StatDueCounter.objects.filter(n=0, unreplied=0).delete()[0]
    zero = {name: 0 for name in VALUES}
    return gone + StatCounter.objects.filter(**zero).delete()[0]


def computed() -> dict[tuple, tuple]:
    """The cells as the stored facts give them (without the cells whose values are all 0), keyed by the
    table's letter (``C`` StatCounter, ``W`` StatDueCounter) and the cell's key."""
    cells = {}
    for table, (select, params) in (("C", _grouped_sql(None, 1)), ("W", _due_sql(None, 1))):
        with connection.cursor() as cursor:
            cursor.execute(select, params)
            cells.update(_nonzero(table, cursor.fetchall()))
    return cells


def stored() -> dict[tuple, tuple]:
    return {
        **_nonzero("C", StatCounter.objects.values_list(*KEY, *VALUES).iterator(chunk_size=5_000)),
        **_nonzero("W", StatDueCounter.objects.values_list(*DUE_KEY, *DUE_VALUES).iterator(chunk_size=5_000)),
    }


def _nonzero(table: str, rows) -> dict[tuple, tuple]:
    """The cells of ``rows`` that are not all 0; the due cells of the days before today as folded
    (``fold``), so that stored cells compare with computed ones whenever the last fold ran."""
    width = len(KEY) if table == "C" else len(DUE_KEY)
    today = timezone.localdate()
    cells: dict[tuple, tuple] = {}
    for row in rows:
        key, values = list(row[:width]), tuple(int(v or 0) for v in row[width:])
        if table == "W":
            if isinstance(key[-1], str):  # SQLite returns the raw SELECT's dates as text
                key[-1] = dt.date.fromisoformat(key[-1])
            if key[-1] < today:
                key[-1] = FOLDED
        cell = (table, *key)
        if cell in cells:
            values = tuple(a + b for a, b in zip(cells[cell], values, strict=True))
        cells[cell] = values
    return {cell: values for cell, values in cells.items() if any(values)}


def differences() -> list[str]:
    """What differs between the stored cells and the cells the stored facts give."""
    want, have = computed(), stored()
    problems = []
    for key in sorted(set(want) | set(have), key=repr):
        if want.get(key) != have.get(key):
            names = KEY if key[0] == "C" else DUE_KEY
            model = "StatCounter" if key[0] == "C" else "StatDueCounter"
            problems.append(
                f"{model} {dict(zip(names, key[1:], strict=True))}: stored {have.get(key)}, "
                f"computed {want.get(key)}"
            )
    return problems
