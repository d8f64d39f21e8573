"""代表: the delegate list and each delegate's 履职档案."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from config.paging import paginate
from delegates.models import Delegate
from suggestions.models import (
    FINAL_STATUSES,
    Proposer,
    Rating,
    Suggestion,
)
from suggestions.policy import permissions
from suggestions.policy.scoping import visible
from suggestions.queries.remarks import remarks_for, search_remarks

# ---------------------------------------------------------------------------
# Delegates: 履职档案
# ---------------------------------------------------------------------------


REMARK_HITS = 20  # remarks shown for a name search


def delegate_list(request: HttpRequest) -> HttpResponse:
    """代表名录: the delegates with the number of suggestions they lead or co-propose."""
    qs = Delegate.objects.annotate(
        led=Count("proposals", filter=Q(proposals__position=1)),
        joined=Count("proposals", filter=Q(proposals__position__gt=1)),
    ).order_by("name")
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:32]  # PostgreSQL refuses NUL bytes
    remark_hits = []
    if q:
        qs = qs.filter(name__icontains=q)
        remark_hits = list(search_remarks(q)[:REMARK_HITS])
    page = paginate(request, qs, 50)
    return render(
        request, "delegates/delegate_list.html", {"page_obj": page, "q": q, "remark_hits": remark_hits}
    )


def delegate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """履职档案: a delegate's suggestions (领衔 and 联名), the ratings they gave, and their remarks."""
    delegate = get_object_or_404(Delegate, pk=pk)
    user = request.user
    position = Proposer.objects.filter(suggestion=OuterRef("pk"), delegate=delegate).values("position")[:1]
    suggestions = list(
        visible(Suggestion, user)
        .filter(pk__in=Proposer.objects.filter(delegate=delegate).values("suggestion"))
        .for_list()
        .annotate(my_position=Subquery(position))
        .order_by("session", "number")
    )
    ratings = list(
        visible(Rating, user)
        .filter(delegate=delegate)
        .select_related("suggestion", "reply__department")
        .order_by("suggestion__number", "round")
    )
    remarks = list(remarks_for(delegate))
    return render(
        request,
        "delegates/delegate_detail.html",
        {
            "delegate": delegate,
            "show_contact": permissions.can_see_contact_data(user, delegate),
            "led": [s for s in suggestions if s.my_position == 1],
            "joined": [s for s in suggestions if s.my_position != 1],
            "ratings": ratings,
            "remarks": remarks,
            "final_statuses": FINAL_STATUSES,
        },
    )
