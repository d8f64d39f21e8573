"""大屏: large figures, the department ranking and one chart per screen, reloading itself, for every
viewer as the statistics allow it (the dashboard role sees every figure; the public what is public)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from suggestions.models import Suggestion
from suggestions.queries import stats
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def replied_case(replied, lead_delegate_user):
    from suggestions import workflow

    workflow.rate(suggestion=replied, attitude="satisfied", result="satisfied", by=lead_delegate_user)
    return replied


def figures(html: str) -> dict[str, str]:
    pairs = re.findall(r'figure-value">([^<]+)</span><span class="figure-label">([^<]+)<', html)
    return {label: value for value, label in pairs}


def test_the_screen_shows_the_dashboards_figures_and_reloads_itself(client, dashboard, replied_case):
    client.force_login(dashboard)
    response = client.get(reverse("screen"))
    html = response.text
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="300">' in html
    overview = stats.overview(Suggestion.objects.all())
    shown = figures(html)
    assert shown["建议总数"] == str(overview["total"]) and shown["已答复"] == "1"
    assert shown["满意率"] == "100.0%"
    lead = replied_case.assignments.get(role="lead").department
    assert "承办单位按期答复排名" in html and (lead.short_name or lead.name) in html
    assert html.count('class="screen-page"') == 4  # figures, ranking, two charts: one per screen
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)  # no script, no CDN


def test_the_public_screen_counts_only_what_is_public(client, replied_case):
    shown = figures(client.get(reverse("screen")).text)
    assert shown["已答复"] == "0"  # the reply is not published


def test_the_dashboard_role_finds_the_screen_in_its_navigation(client, dashboard):
    client.force_login(dashboard)
    assert f'href="{reverse("screen")}"' in client.get(reverse("dashboard")).text
    factories.SuggestionFactory()
    assert client.get(reverse("screen") + "?session=x").status_code == 200  # a bad choice: the newest
