"""The statistics facts (SuggestionFacts, RoundFacts, DepartmentFacts): computed from the records, stored per
suggestion, and the statistics counters summed from them (``counters.py``).

The definitions live in ``stats.fact_expressions``: the same subqueries the statistics used to run for
every suggestion on every cold read (2–3 s at 100,000 suggestions). Here they run for one suggestion
at the end of each workflow step (``workflow._record`` calls ``refresh``), and for everything at once
after bulk loads (``refresh()`` without ids; the migration and ``generate_demo_load`` do that).
``check_invariants`` compares the stored facts with a fresh computation.

The facts also carry the suggestion's own fields as the counters counted them (``COUNTED``), and
``refresh`` keeps the counters: it subtracts the suggestions' contribution as their stored facts say,
stores the new facts, and adds the new contribution, in the caller's transaction. A refresh of many
suggestions (``BULK`` or more, or all) rebuilds the counters instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, F, IntegerField, Max, Q, Value, When

from suggestions.models import (
    Assignment,
    DepartmentFacts,
    HandlerRole,
    RoundFacts,
    Suggestion,
    SuggestionFacts,
)
from suggestions.queries import counters
from suggestions.queries.measures import FACT_NAMES, ROUND_UNIT, SUGGESTION_UNIT, fact_expressions

#: The suggestion's own fields as counted (``counted_<name>``) and the round's.
COUNTED = ("session", "theme", "status", "key_supervision", "round", "due_date")
ROUND_COUNTED = ("round", "department")
FIELDS = FACT_NAMES  # the facts the statistics read, in stats.py
WHOLE_FIELDS = (*FIELDS, *(f"counted_{name}" for name in COUNTED))
ROUND_FIELDS = (*FIELDS, *(f"counted_{name}" for name in ROUND_COUNTED))
CHUNK = 5_000
BULK = 10_000  # from this many suggestions on, a refresh rebuilds the counters


def compute(suggestion_ids: Iterable[int] | None = None) -> tuple[list[SuggestionFacts], list[RoundFacts]]:
    """Fresh facts for the given suggestions (all when None), without saving them."""
    suggestions = Suggestion.objects.order_by()
    rounds = Assignment.objects.active().filter(role=HandlerRole.LEAD).order_by()
    if suggestion_ids is not None:
        ids = list(suggestion_ids)
        suggestions = suggestions.filter(pk__in=ids)
        rounds = rounds.filter(suggestion_id__in=ids)
    names = {f"_{name}": name for name in FIELDS}
    whole_names = {**names, **{f"_counted_{name}": f"counted_{name}" for name in COUNTED}}
    round_names = {**names, "_counted_round": "counted_round", "_counted_department": "counted_department"}
    counted = {
        f"_counted_{name}": F(f"{name}_id" if name in ("session", "theme") else name) for name in COUNTED
    }
    whole = [
        SuggestionFacts(suggestion_id=row.pop("pk"), **{whole_names[k]: v for k, v in row.items()})
        for row in suggestions.annotate(**fact_expressions(SUGGESTION_UNIT), **counted).values(
            "pk", *whole_names
        )
    ]
    per_round = [
        RoundFacts(assignment_id=row.pop("pk"), **{round_names[k]: v for k, v in row.items()})
        for row in rounds.annotate(
            **fact_expressions(ROUND_UNIT), _counted_round=F("round"), _counted_department=F("department_id")
        ).values("pk", *round_names)
    ]
    return whole, per_round


def compute_departments(suggestion_ids: Iterable[int] | None = None) -> list[DepartmentFacts]:
    """Fresh department facts: one per (suggestion, department with an active assignment on it)."""
    assignments = Assignment.objects.active().order_by()
    if suggestion_ids is not None:
        assignments = assignments.filter(suggestion_id__in=list(suggestion_ids))
    co_now = Q(role=HandlerRole.CO, round=F("suggestion__round"))
    rows = assignments.values("suggestion_id", "department_id").annotate(
        co=Max(Case(When(co_now, then=Value(1)), default=Value(0), output_field=IntegerField()))
    )
    return [
        DepartmentFacts(
            facts_id=r["suggestion_id"], department_id=r["department_id"], co_handling=bool(r["co"])
        )
        for r in rows
    ]


def _save(ids: list[int], whole: list[SuggestionFacts], per_round: list[RoundFacts]) -> None:
    for model, rows, key, fields in (
        (SuggestionFacts, whole, "suggestion", WHOLE_FIELDS),
        (RoundFacts, per_round, "assignment", ROUND_FIELDS),
    ):
        if rows:
            model.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=[key], update_fields=list(fields), batch_size=1000
            )
    # a round no longer led by the assignment (reassigned) is no longer counted
    RoundFacts.objects.filter(assignment__suggestion_id__in=ids).exclude(
        assignment_id__in=[r.assignment_id for r in per_round]
    ).delete()
    DepartmentFacts.objects.filter(facts_id__in=ids).delete()
    DepartmentFacts.objects.bulk_create(compute_departments(ids), batch_size=1000)


def refresh(suggestion_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the facts of the given suggestions (all when None) and keep the counters;
    returns how many suggestions."""
    if suggestion_ids is None:
        ids = list(Suggestion.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = list(suggestion_ids)
    bulk = suggestion_ids is None or len(ids) >= BULK
    done = 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            if not bulk:
                counters.add(chunk, -1)
            whole, per_round = compute(chunk)
            _save(chunk, whole, per_round)
            if not bulk:
                counters.add(chunk, 1)
            done += len(whole)
        if bulk and ids:
            counters.rebuild_counters()
    return done


def differences(suggestion_ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    """(suggestion id, what differs) for stored facts that differ from a fresh computation."""
    whole, per_round = compute(suggestion_ids)
    round_of = dict(
        Assignment.objects.filter(pk__in=[r.assignment_id for r in per_round]).values_list(
            "pk", "suggestion_id"
        )
    )
    problems = []
    for model, rows, key in (
        (SuggestionFacts, whole, "suggestion_id"),
        (RoundFacts, per_round, "assignment_id"),
    ):
        stored = {
            getattr(f, key): f
            for f in model.objects.filter(**{f"{key}__in": [getattr(r, key) for r in rows]})
        }
        fields = WHOLE_FIELDS if model is SuggestionFacts else ROUND_FIELDS
        for row in rows:
            have = stored.get(getattr(row, key))
            want = {name: getattr(row, name) for name in fields}
            got = {name: getattr(have, name) for name in fields} if have else None
            if got != want:
                suggestion_id = row.suggestion_id if key == "suggestion_id" else round_of[row.assignment_id]
                what = (
                    model._meta.model_name
                    if key == "suggestion_id"
                    else f"{model._meta.model_name} {row.assignment_id}"
                )
                problems.append((suggestion_id, f"{what}: stored {got}, computed {want}"))
    problems.extend(_department_differences(suggestion_ids, {r.assignment_id for r in per_round}))
    return problems


def _department_differences(suggestion_ids, active_rounds: set[int]) -> list[tuple[int, str]]:
    """Stored department facts and counted rounds that differ from a fresh computation."""
    stored_rounds = RoundFacts.objects.all()
    stored_departments = DepartmentFacts.objects.all()
    if suggestion_ids is not None:
        ids = list(suggestion_ids)
        stored_rounds = stored_rounds.filter(assignment__suggestion_id__in=ids)
        stored_departments = stored_departments.filter(facts_id__in=ids)
    problems = [
        (suggestion_id, f"roundfacts {pk}: stored for an assignment that leads no round")
        for pk, suggestion_id in stored_rounds.exclude(assignment_id__in=active_rounds).values_list(
            "pk", "assignment__suggestion_id"
        )
    ]
    want = {(d.facts_id, d.department_id): d.co_handling for d in compute_departments(suggestion_ids)}
    have = {
        (f, d): co for f, d, co in stored_departments.values_list("facts_id", "department_id", "co_handling")
    }
    for key in sorted(set(want) | set(have)):
        if want.get(key) != have.get(key):
            problems.append(
                (key[0], f"departmentfacts {key[1]}: stored {have.get(key)}, computed {want.get(key)}")
            )
    return problems
