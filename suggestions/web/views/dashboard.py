"""统计: the statistics drawn as server-side SVG charts with their tables."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suggestions.models import (
    CongressSession,
    Suggestion,
    chinese_ordinal,
)
from suggestions.policy.scoping import visible
from suggestions.queries import stats

# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def stats_queryset(user, session: CongressSession | None) -> QuerySet:
    qs = visible(Suggestion, user)
    return qs.filter(session=session) if session is not None else qs


@dataclass
class Bar:
    label: str
    value: float  # a rate in 0..1, or a count
    text: str
    y: int = 0
    width: float = 0.0


def _bars(rows: list[tuple[str, float | None, str]], *, scale: float = 1.0) -> dict:
    """Geometry of a horizontal bar chart drawn server-side as SVG (no script, no external asset).

    Each label sits on its own line above its bar, so the chart is narrow (360 units) and is drawn at
    its own size: on a 375 px phone the 13-unit labels stay about 12 px high instead of shrinking.
    """
    row_height, label_height, bar_area, value_width = 42, 16, 300, 60
    bars = []
    for i, (label, value, text) in enumerate(rows):
        v = float(value or 0)
        bars.append(
            Bar(
                label=label,
                value=v,
                text=text,
                y=i * row_height,
                width=round(bar_area * (v / scale if scale else 0), 1),
            )
        )
    return {
        "bars": bars,
        "height": max(len(bars), 1) * row_height,
        "label_height": label_height,
        "bar_area": bar_area,
        "width": bar_area + value_width,
    }


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def with_percents(row: dict) -> dict:
    """A stats row plus `pct`: each rate as the text the tables show (一 for no denominator)."""
    return {**row, "pct": {key: _percent(value) for key, value in row.items() if key.endswith("_rate")}}


def chosen_session(request: HttpRequest, sessions: list[CongressSession]) -> CongressSession | None:
    """The session named by ``?session=`` among ``sessions``, else the first (the newest)."""
    chosen = request.GET.get("session", "")
    session = next((x for x in sessions if chosen.isdigit() and x.pk == int(chosen)), None)
    return session or (sessions[0] if sessions else None)


def department_ranking(by_department: list[dict]) -> list[dict]:
    """The departments with assignments, best on-time reply rate first (then satisfaction, volume, name)."""
    return sorted(
        (row for row in by_department if row["assigned"]),
        key=lambda row: (
            -(row["on_time_rate"] or 0),
            -(row["satisfaction_rate"] or 0),
            -row["assigned"],
            row["department_name"],
        ),
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    """统计: the committee's report figures (DOMAIN.md) as charts and tables, from `suggestions.queries.stats`."""
    sessions = list(CongressSession.objects.all())
    session = chosen_session(request, sessions)
    qs = stats_queryset(request.user, session)
    overview = with_percents(stats.overview(qs))
    by_theme = [with_percents(row) for row in stats.by_theme(qs)]
    by_department = [with_percents(row) for row in stats.by_department(qs)]
    by_round = [with_percents(row) for row in stats.by_round(qs)]
    by_month = [with_percents(row) for row in stats.by_month(qs)]
    ranking = department_ranking(by_department)
    context = {
        "sessions": sessions,
        "session": session,
        "overview": overview,
        "by_theme": by_theme,
        "by_department": by_department,
        "by_round": by_round,
        "by_month": by_month,
        "ranking": ranking,
        "charts": _dashboard_charts(overview, by_theme, ranking, by_month),
        "rate_labels": RATE_LABELS,
    }
    return render(request, "suggestions/dashboard.html", context)


RATE_LABELS = (
    ("reply_rate", gettext_lazy("答复率")),
    ("on_time_rate", gettext_lazy("按期答复率")),
    ("close_rate", gettext_lazy("办结率")),
    ("meeting_rate", gettext_lazy("见面率")),
    ("satisfaction_rate", gettext_lazy("满意率")),
    ("first_satisfaction_rate", gettext_lazy("初次满意率")),
    ("solved_rate", gettext_lazy("解决率（A类）")),
    ("solved_or_planned_rate", gettext_lazy("解决率（A+B类）")),
)


def _dashboard_charts(
    overview: dict, by_theme: list[dict], ranking: list[dict], by_month: list[dict]
) -> dict:
    replied = overview["replied"]
    month_max = max((row["replied"] for row in by_month), default=0)
    return {
        "rates": _bars([(str(label), overview[key], _percent(overview[key])) for key, label in RATE_LABELS]),
        "categories": _bars(
            [
                (
                    _("%(c)s类") % {"c": code},
                    overview[f"category_{code.lower()}"] / replied if replied else 0,
                    str(overview[f"category_{code.lower()}"]),
                )
                for code in "ABCD"
            ]
        ),
        "themes": _bars(
            [
                (
                    f"{chinese_ordinal(row['theme_ordinal'])}、{row['theme_title']}",
                    row["reply_rate"],
                    _percent(row["reply_rate"]),
                )
                for row in by_theme
            ]
        ),
        "themes_satisfaction": _bars(
            [
                (
                    f"{chinese_ordinal(row['theme_ordinal'])}、{row['theme_title']}",
                    row["satisfaction_rate"],
                    _percent(row["satisfaction_rate"]),
                )
                for row in by_theme
            ]
        ),
        "departments": _bars(
            [
                (
                    row["department_short_name"] or row["department_name"],
                    row["on_time_rate"],
                    _percent(row["on_time_rate"]),
                )
                for row in ranking
            ]
        ),
        "months": _bars(
            [(f"{row['month']:%Y-%m}", row["replied"], str(row["replied"])) for row in by_month],
            scale=month_max or 1,
        ),
    }
