"""大屏: the statistics for a wall screen — a few large figures, the department ranking, one chart per
screen, refreshing itself. The dense tables stay on 统计 (dashboard.py); both read `queries.stats`, and
the screen's ranking and charts are the dashboard's own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from suggestions.models import CongressSession
from suggestions.queries import stats
from suggestions.web.views.dashboard import (
    _dashboard_charts,
    _percent,
    chosen_session,
    department_ranking,
    stats_queryset,
)

REFRESH_SECONDS = 300  # the screen reloads itself every five minutes
RANKING_SIZE = 10


def screen(request: HttpRequest) -> HttpResponse:
    session = chosen_session(request, list(CongressSession.objects.all()))
    qs = stats_queryset(request.user, session)
    overview = stats.overview(qs)
    ranking = department_ranking(stats.by_department(qs))[:RANKING_SIZE]
    figures = [
        (_("建议总数"), str(overview["total"]), ""),
        (_("已答复"), str(overview["replied"]), _("答复率 %(r)s") % {"r": _percent(overview["reply_rate"])}),
        (_("按期答复率"), _percent(overview["on_time_rate"]), ""),
        (
            _("满意率"),
            _percent(overview["satisfaction_rate"]),
            _("已评价 %(n)s 件") % {"n": overview["rated"]},
        ),
        (_("逾期未答复"), str(overview["overdue_now"]), ""),
    ]
    charts = _dashboard_charts(overview, stats.by_theme(qs), ranking, by_month=[])
    context = {
        "session": session,
        "figures": figures,
        "ranking": [
            {**row, "on_time": _percent(row["on_time_rate"]), "satisfied": _percent(row["satisfaction_rate"])}
            for row in ranking
        ],
        "charts": [(_("各主题答复率"), charts["themes"]), (_("答复分类"), charts["categories"])],
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, "suggestions/screen.html", context)
