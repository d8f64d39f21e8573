"""审议发言: reading the delegates' remarks (imported from parts 一 and 二 of a deliberation summary)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from delegates.models import Delegate
from suggestions.models import CongressSession, Remark

SEARCH_MAX_LENGTH = 100


def _shaped(qs: QuerySet[Remark]) -> QuerySet[Remark]:
    return qs.select_related("session").prefetch_related(
        Prefetch("delegates", queryset=Delegate.objects.order_by("name"))
    )


def remarks_for(delegate: Delegate) -> QuerySet[Remark]:
    """A delegate's remarks, newest session first, in document order (the delegate page)."""
    return _shaped(Remark.objects.filter(delegates=delegate)).order_by(
        "-session__term", "-session__meeting", "part", "section", "position"
    )


def search_remarks(q: str, *, session: CongressSession | None = None) -> QuerySet[Remark]:
    """Remarks whose text, section heading or delegate's name contains ``q`` (case-insensitive)."""
    q = (q or "").strip()[:SEARCH_MAX_LENGTH]
    qs = Remark.objects.all()
    if session is not None:
        qs = qs.filter(session=session)
    if not q:
        return qs.none()
    named = Remark.delegates.through.objects.filter(delegate__name__icontains=q).values("remark_id")
    qs = qs.filter(Q(text__icontains=q) | Q(heading__icontains=q) | Q(pk__in=named))
    return _shaped(qs).order_by("-session__term", "-session__meeting", "part", "section", "position")
