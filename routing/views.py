"""多年多次提出: the staff's page of a session's repeated topics (routing.similar.repeated_topics)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from routing.similar import repeated_topics
from suggestions.models import CongressSession, Verdict
from suggestions.policy import permissions


@login_required
def repeated(request: HttpRequest) -> HttpResponse:
    """Each suggestion of the chosen session (default the latest) that restates earlier ones, with their
    lead department, reply category and rating: it names handling, so it is for committee staff only."""
    if not permissions.is_staff(request.user):
        raise PermissionDenied
    sessions = list(CongressSession.objects.order_by("-start_date"))
    chosen = request.GET.get("session", "")
    session = next((s for s in sessions if chosen.isdigit() and s.pk == int(chosen)), None)
    session = session or (sessions[0] if sessions else None)
    rows = repeated_topics(session) if session else []
    verdicts = dict(Verdict.choices)
    for row in rows:
        for entry in row["earlier"]:
            entry["rating_label"] = verdicts.get(entry["rating"], "")
    return render(request, "routing/repeated.html", {"sessions": sessions, "session": session, "rows": rows})
