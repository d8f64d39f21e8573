"""Suggestions raised before (多年多次提出) and near-duplicates within one session.

The most similar suggestions of earlier sessions, each with what the viewer may read of its handling:
the lead department, the reply's category and the lead delegate's verdict are the handling record, read
in full by who may read that suggestion's record (``permissions.can_view_details``, the same rule as
``scoping.followed``); anyone else reads what the suggestion's published reply shows
(``redaction.fields_for``): its department and, under 全文公开, its category; and the lead's verdict once
the rated reply is published (``redaction.RATINGS_PUBLIC_UNDER``).
"""

from __future__ import annotations

from routing import index as routing_index
from suggestions.models import Suggestion
from suggestions.policy import redaction, scoping
from suggestions.policy.permissions import roles

REPEATED = 0.18  # cosine from which an earlier suggestion is the same topic raised again (make evaluate)
DUPLICATE = 0.5  # cosine from which two suggestions of one session are near-duplicates
FLOOR = 0.12  # below this nothing is shown as similar
LIMIT = 5


def _readable_ids(user, ids) -> set[int]:
    q = scoping.followed(roles(user), "pk")
    if q is None:
        return set(ids)
    return set(Suggestion.objects.filter(pk__in=list(ids)).filter(q).values_list("pk", flat=True))


def _entry(past: routing_index.Past, s: float, idx, details: bool) -> dict:
    lead = idx.remits.get(past.lead_id)
    entry = {
        "id": past.id,
        "number": past.number,
        "session": past.session_name,
        "title": past.title,
        "similarity": round(s, 4),
        "repeated": s >= REPEATED,
        "lead_department": None,
        "category": None,
        "rating": None,
    }
    fields = redaction.fields_for(details=details, publication=past.publication or "unpublished")
    if details or "department" in fields:
        entry["lead_department"] = lead.short_name if lead else None
    if past.category and "category" in fields:
        entry["category"] = past.category
    if past.verdict and (details or past.publication in redaction.RATINGS_PUBLIC_UNDER):
        entry["rating"] = past.verdict
    return entry


def similar(suggestion: Suggestion, user, *, limit: int = LIMIT) -> dict:
    """What was raised before like ``suggestion``, and its near-duplicates of the same session."""
    idx = routing_index.current()
    start = suggestion.session.start_date
    near = idx.neighbours(
        idx.vector(suggestion.title, suggestion.text),
        exclude=suggestion.pk,
        limit=limit * 4,
        keep=lambda p: p.session_id == suggestion.session_id or p.session_start < start,
    )
    earlier = [(s, p) for s, p in near if p.session_id != suggestion.session_id and s >= FLOOR][:limit]
    same = [(s, p) for s, p in near if p.session_id == suggestion.session_id and s >= DUPLICATE][:limit]
    readable = _readable_ids(user, [p.id for _s, p in earlier + same])
    sessions = {p.session_id for s, p in earlier if s >= REPEATED}
    return {
        "suggestion": suggestion.pk,
        "data_version": idx.version,
        "repeated": bool(sessions),
        "repeated_sessions": len(sessions),
        "earlier": [_entry(p, s, idx, p.id in readable) for s, p in earlier],
        "duplicates": [_entry(p, s, idx, p.id in readable) for s, p in same],
    }


def merge_candidates(suggestion: Suggestion, user, *, limit: int = LIMIT) -> list[dict]:
    """The 并案办理 page's choice: the suggestions of the same session closest to ``suggestion`` (above
    ``FLOOR``), each flagged ``duplicate`` from ``DUPLICATE`` on; what each shows is cut to the viewer."""
    idx = routing_index.current()
    near = idx.neighbours(
        idx.vector(suggestion.title, suggestion.text),
        exclude=suggestion.pk,
        limit=limit,
        keep=lambda p: p.session_id == suggestion.session_id,
    )
    near = [(s, p) for s, p in near if s >= FLOOR]
    readable = _readable_ids(user, [p.id for _s, p in near])
    return [_entry(p, s, idx, p.id in readable) | {"duplicate": s >= DUPLICATE} for s, p in near]


def repeated_topics(session) -> list[dict]:
    """The staff's list of a session's repeated topics: each suggestion of ``session`` that restates one
    of an earlier session (cosine ≥ ``REPEATED``), with those earlier suggestions, the most sessions first.
    Staff read it whole (the command ``repeated_topics``); it names handling, so no public door shows it."""
    idx = routing_index.current()
    rows = []
    for s in Suggestion.objects.filter(session=session).order_by("number"):
        near = idx.neighbours(
            idx.vector(s.title, s.text),
            exclude=s.pk,
            limit=LIMIT,
            keep=lambda p: p.session_start < session.start_date,
        )
        earlier = [(sim, p) for sim, p in near if sim >= REPEATED]
        if earlier:
            rows.append(
                {
                    "id": s.pk,
                    "number": s.number,
                    "title": s.title,
                    "sessions": len({p.session_id for _sim, p in earlier}),
                    "earlier": [_entry(p, sim, idx, True) for sim, p in earlier],
                }
            )
    rows.sort(key=lambda r: (-r["sessions"], r["number"]))
    return rows
