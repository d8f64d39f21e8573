"""The statistics facts (SuggestionFacts, RoundFacts): computed from the records, stored per suggestion.

The definitions live in ``stats.fact_expressions``: the same subqueries the statistics used to run for
every suggestion on every cold read (2–3 s at 100,000 suggestions). Here they run for one suggestion
at the end of each workflow step (``workflow._record`` calls ``refresh``), and for everything at once
after bulk loads (``refresh()`` without ids; the migration and ``generate_demo_load`` do that).
``check_invariants`` compares the stored facts with a fresh computation.
"""

from __future__ import annotations

from collections.abc import Iterable

from suggestions.models import (
    Assignment,
    HandlerRole,
    RoundFacts,
    Suggestion,
    SuggestionFacts,
)
from suggestions.queries.stats import FACT_NAMES, ROUND_UNIT, SUGGESTION_UNIT, fact_expressions

FIELDS = FACT_NAMES  # the facts the statistics read, in stats.py
CHUNK = 5_000


def compute(suggestion_ids: Iterable[int] | None = None) -> tuple[list[SuggestionFacts], list[RoundFacts]]:
    """Fresh facts for the given suggestions (all when None), without saving them."""
    suggestions = Suggestion.objects.order_by()
    rounds = Assignment.objects.active().filter(role=HandlerRole.LEAD).order_by()
    if suggestion_ids is not None:
        ids = list(suggestion_ids)
        suggestions = suggestions.filter(pk__in=ids)
        rounds = rounds.filter(suggestion_id__in=ids)
    names = {f"_{name}": name for name in FIELDS}
    whole = [
        SuggestionFacts(suggestion_id=row.pop("pk"), **{names[k]: v for k, v in row.items()})
        for row in suggestions.annotate(**fact_expressions(SUGGESTION_UNIT)).values("pk", *names)
    ]
    per_round = [
        RoundFacts(assignment_id=row.pop("pk"), **{names[k]: v for k, v in row.items()})
        for row in rounds.annotate(**fact_expressions(ROUND_UNIT)).values("pk", *names)
    ]
    return whole, per_round


def _save(whole: list[SuggestionFacts], per_round: list[RoundFacts]) -> None:
    for model, rows, key in ((SuggestionFacts, whole, "suggestion"), (RoundFacts, per_round, "assignment")):
        if rows:
            model.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=[key], update_fields=list(FIELDS), batch_size=1000
            )


def refresh(suggestion_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the facts of the given suggestions (all when None); returns how many."""
    if suggestion_ids is None:
        ids = list(Suggestion.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = list(suggestion_ids)
    done = 0
    for start in range(0, len(ids), CHUNK):
        whole, per_round = compute(ids[start : start + CHUNK])
        _save(whole, per_round)
        done += len(whole)
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
        empty = {name: model._meta.get_field(name).get_default() for name in FIELDS}
        for row in rows:
            have = stored.get(getattr(row, key))
            want = {name: getattr(row, name) for name in FIELDS}
            got = {name: getattr(have, name) for name in FIELDS} if have else None
            if got != want and not (got is None and want == empty):
                suggestion_id = row.suggestion_id if key == "suggestion_id" else round_of[row.assignment_id]
                what = (
                    model._meta.model_name
                    if key == "suggestion_id"
                    else f"{model._meta.model_name} {row.assignment_id}"
                )
                problems.append((suggestion_id, f"{what}: stored {got}, computed {want}"))
    return problems
