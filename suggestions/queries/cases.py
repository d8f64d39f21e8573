"""并案办理: which suggestions staff linked (suggestions.workflow.merging), read from the link's events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch

from suggestions.models import Assignment, Event, EventKind, HandlerRole, Suggestion


def partner_ids(suggestion_id: int) -> set[int]:
    """The suggestions linked with ``suggestion_id`` by 并案办理."""
    return set(
        Event.objects.filter(suggestion_id=suggestion_id, kind=EventKind.MERGE).values_list(
            "data__other_id", flat=True
        )
    )


@dataclass(frozen=True)
class Partner:
    """A linked suggestion and the departments now handling it (the 交办 screen offers them)."""

    id: int
    number: int
    title: str
    status: str
    status_label: str
    lead: tuple[int, str] | None  # (department id, name)
    co_handlers: tuple[tuple[int, str], ...]


def partners(suggestion_ids: Iterable[int]) -> dict[int, list[Partner]]:
    """For each of ``suggestion_ids``, its linked suggestions with their current-round departments, in
    number order (two queries whatever the number of suggestions)."""
    links = defaultdict(list)
    for sid, other in Event.objects.filter(
        suggestion_id__in=list(suggestion_ids), kind=EventKind.MERGE
    ).values_list("suggestion_id", "data__other_id"):
        links[sid].append(other)
    if not links:
        return {}
    wanted = {o for others in links.values() for o in others}
    current = (
        Assignment.objects.active()
        .select_related("department")
        .order_by("role", "department__sort_order", "department__name")
    )
    found = {
        s.pk: s
        for s in Suggestion.objects.filter(pk__in=wanted).prefetch_related(
            Prefetch("assignments", queryset=current, to_attr="partner_assignments")
        )
    }
    result: dict[int, list[Partner]] = {}
    for sid, others in links.items():
        rows = []
        for s in sorted((found[o] for o in set(others) if o in found), key=lambda s: s.number):
            now = [a for a in s.partner_assignments if a.round == s.round]
            lead = next(
                ((a.department_id, a.department.name) for a in now if a.role == HandlerRole.LEAD), None
            )
            co = tuple((a.department_id, a.department.name) for a in now if a.role == HandlerRole.CO)
            rows.append(Partner(s.pk, s.number, s.title, s.status, s.get_status_display(), lead, co))
        result[sid] = rows
    return result
