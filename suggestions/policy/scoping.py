"""What a viewer may list: the QuerySet scoping of every list, endpoint, export and report.

``visible(Model, user)`` is the one entry point: the pages, the API, the exports and the report all start
their queries from it, so a role sees the same rows through every door.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from suggestions.models import (
    PUBLIC_EVENT_KINDS,
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    ContactRecord,
    Event,
    ExtensionRequest,
    ProgressUpdate,
    Publication,
    Rating,
    Reply,
    Suggestion,
)
from suggestions.policy.permissions import Roles, roles

# ---------------------------------------------------------------------------
# Scoping: the QuerySet rules every list, endpoint and export uses
# ---------------------------------------------------------------------------


def _handled_suggestion_ids(r: Roles):
    from suggestions.models import Assignment

    return (
        Assignment.objects.filter(department_id__in=r.department_ids)
        .exclude(status=AssignmentStatus.REPLACED)
        .values("suggestion_id")
    )


def _own_suggestion_ids(r: Roles):
    from suggestions.models import Proposer

    return Proposer.objects.filter(delegate_id=r.delegate_id).values("suggestion_id")


def scope_suggestions(qs: QuerySet, user) -> QuerySet:
    """Every suggestion, for every viewer: the public reads each one's public part, and a signed-in role
    sees at least what the public sees (a handler too, beyond its departments' suggestions); what of a
    suggestion a viewer reads beyond its public part is ``permissions.can_view_details`` and
    ``redaction``. So a 404 means "no such suggestion", never "not yours"."""
    return qs


def followed(r: Roles, field: str) -> Q | None:
    """A Q on ``field`` (a suggestion id) limiting it to the suggestions whose handling record the roles
    read (``permissions.can_view_details``); None = all of them."""
    if r.sees_everything:
        return None
    q = Q(pk__in=[])
    if r.handler:
        q |= Q(**{f"{field}__in": _handled_suggestion_ids(r)})
    if r.delegate:
        q |= Q(**{f"{field}__in": _own_suggestion_ids(r)})
    return q


def detail_filter(user, prefix: str = "suggestion") -> Q | None:
    """A Q on related records limiting them to suggestions the user follows in detail; None = all."""
    return followed(roles(user), f"{prefix}_id")


def viewer_of(qs: QuerySet) -> Roles | None:
    """The roles whose ``visible(Suggestion, …)`` started ``qs`` (kept through filters); None for a
    queryset no viewer scoped (the code's own counts: commands, checks)."""
    return getattr(qs.query, "tracker_viewer", None)


def scope_related(qs: QuerySet, user) -> QuerySet:
    q = detail_filter(user)
    return qs if q is None else qs.filter(q)


def scope_replies(qs: QuerySet, user) -> QuerySet:
    q = detail_filter(user)
    if q is None:
        return qs
    return qs.filter(q | ~Q(publication=Publication.UNPUBLISHED))


def scope_events(qs: QuerySet, user) -> QuerySet:
    q = detail_filter(user)
    if q is None:
        return qs
    return qs.filter(q | Q(kind__in=PUBLIC_EVENT_KINDS))


_SCOPES = {
    Suggestion: scope_suggestions,
    Reply: scope_replies,
    Event: scope_events,
    Assignment: scope_related,
    ContactRecord: scope_related,
    ProgressUpdate: scope_related,
    CoHandlerOpinion: scope_related,
    ExtensionRequest: scope_related,
    Rating: scope_related,
}


def visible(model, user, queryset: QuerySet | None = None) -> QuerySet:
    """The rows of ``model`` that ``user`` may list (``queryset`` narrows the start, default all).

    A suggestion queryset remembers its viewer (``viewer_of``), so that what is computed from it later
    (the statistics) counts only what that viewer may read of each suggestion."""
    qs = _SCOPES[model](model.objects.all() if queryset is None else queryset, user)
    if model is Suggestion:
        qs = qs.all()
        qs.query.tracker_viewer = roles(user)
    return qs
