"""The bulk 交办 screen, the statistics page and the delegate's page (履职档案)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from suggestions import calendar, workflow
from suggestions.models import Assignment, Status, Suggestion
from suggestions.queries import stats
from tests import factories
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


# -- 交办 ----------------------------------------------------------------------------------------------


def _row(s, **values) -> dict:
    return {f"s{s.pk}-{key}": value for key, value in values.items()}


def test_assign_screen_defaults_the_due_date_from_the_rules(staff, suggestion):
    html = login(staff).get(reverse("assign_bulk")).content.decode()
    default = calendar.reply_due(timezone.localdate()).isoformat()
    assert suggestion.title in html
    assert f'value="{default}"' in html


def test_assign_many_at_once_each_row_on_its_own(staff, lead_department, co_department, other_department):
    ok, bad, untouched = (factories.SuggestionFactory() for _ in range(3))
    too_late = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    data = {
        "rows": [ok.pk, bad.pk, untouched.pk],
        **_row(ok, lead=lead_department.pk, co_handlers=[co_department.pk], key_supervision="on"),
        **_row(bad, lead=lead_department.pk, due=too_late),
        **_row(untouched, lead=""),
    }
    response = login(staff).post(reverse("assign_bulk"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "答复期限不能超过交办后六个月" in html  # the bad row is shown again with its error
    assert "已交办 1 条建议" in html
    ok.refresh_from_db(), bad.refresh_from_db(), untouched.refresh_from_db()
    assert ok.status == Status.ASSIGNED and ok.key_supervision
    assert set(ok.assignments.values_list("department__name", "role")) == {
        ("太仓市发展和改革委员会", "lead"),
        ("太仓市交通运输局", "co"),
    }
    assert bad.status == Status.REGISTERED and untouched.status == Status.REGISTERED


def test_assign_rejects_a_lead_that_is_also_co_handler(staff, lead_department):
    s = factories.SuggestionFactory()
    data = {"rows": [s.pk], **_row(s, lead=lead_department.pk, co_handlers=[lead_department.pk])}
    html = login(staff).post(reverse("assign_bulk"), data).content.decode()
    assert "主办单位不能同时是协办单位" in html
    assert not Assignment.objects.exists()


def test_assign_all_valid_redirects_and_a_double_submit_assigns_nothing_twice(staff, lead_department):
    s = factories.SuggestionFactory()
    data = {"rows": [s.pk], **_row(s, lead=lead_department.pk)}
    client = login(staff)
    response = client.post(reverse("assign_bulk"), data)
    assert response.status_code == 302
    again = client.post(reverse("assign_bulk"), data, follow=True)
    assert "已不是待交办状态" in again.content.decode()
    assert Assignment.objects.filter(suggestion=s).count() == 1


def test_assign_screen_is_for_staff_only(lead_handler, dashboard, suggestion, lead_department):
    data = {"rows": [suggestion.pk], **_row(suggestion, lead=lead_department.pk)}
    assert login(lead_handler).get(reverse("assign_bulk")).status_code == 403
    assert login(dashboard).post(reverse("assign_bulk"), data).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REGISTERED


# -- statistics ----------------------------------------------------------------------------------------


def test_dashboard_shows_the_same_numbers_as_the_stats(client, replied, lead_delegate_user, staff):
    workflow.rate(suggestion=replied, attitude="satisfied", result="satisfied", by=lead_delegate_user)
    factories.SuggestionFactory(session=replied.session)
    client.force_login(staff)  # the public counts only published replies (tests/api/test_stats.py)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    overview = stats.overview(Suggestion.objects.all())
    assert response.context["overview"]["total"] == overview["total"] == 2
    assert response.context["overview"]["reply_rate"] == overview["reply_rate"] == 1.0
    html = response.content.decode()
    assert "100.0%" in html  # the reply rate, in the table and the chart
    assert "<svg" in html and 'role="img"' in html
    assert "太仓市发展和改革委员会" in html  # the department ranking


def test_dashboard_ranks_departments_on_on_time_replies(
    client, staff, lead_department, co_department, lead_handler
):
    late_handler = factories.handler_user(co_department, username="late")
    on_time = factories.SuggestionFactory()
    late = factories.SuggestionFactory()
    assigned_on = timezone.localdate() - dt.timedelta(days=120)
    for s, dept, handler in ((on_time, lead_department, lead_handler), (late, co_department, late_handler)):
        workflow.assign(suggestion=s, lead=dept, on=assigned_on, by=staff)
        workflow.acknowledge(suggestion=s, by=handler)
    factories.reply(on_time, lead_handler, replied_on=assigned_on + dt.timedelta(days=30))
    factories.reply(late, late_handler, replied_on=timezone.localdate())
    client.force_login(staff)
    ranking = client.get(reverse("dashboard")).context["ranking"]
    assert [row["department_name"] for row in ranking] == ["太仓市发展和改革委员会", "太仓市交通运输局"]


# -- 履职档案 ------------------------------------------------------------------------------------------


def test_delegate_page_lists_suggestions_and_hides_contact_data_from_the_public(client, assigned):
    lead = assigned.lead_delegate
    lead.email = "lead@example.cn"
    lead.save()
    html = client.get(reverse("delegate_detail", args=[lead.pk])).content.decode()
    assert assigned.title in html
    assert "lead@example.cn" not in html and lead.phone not in html


def test_delegate_sees_own_contact_data_and_ratings(replied, lead_delegate_user):
    workflow.rate(suggestion=replied, attitude="satisfied", result="basically", by=lead_delegate_user)
    lead = replied.lead_delegate
    html = login(lead_delegate_user).get(reverse("delegate_detail", args=[lead.pk])).content.decode()
    assert lead.phone in html
    assert "基本满意" in html


def test_public_does_not_see_the_ratings_a_delegate_gave(client, replied, lead_delegate_user):
    workflow.rate(suggestion=replied, attitude="satisfied", result="basically", by=lead_delegate_user)
    html = client.get(reverse("delegate_detail", args=[replied.lead_delegate.pk])).content.decode()
    assert "基本满意" not in html


def test_unknown_delegate_is_404(client, db):
    assert client.get(reverse("delegate_detail", args=[999999])).status_code == 404


def test_delegate_list_search(client, suggestion):
    lead = suggestion.lead_delegate
    html = client.get(reverse("delegate_list"), {"q": lead.name[1:]}).content.decode()
    assert lead.name in html


def test_the_dashboard_and_the_report_say_what_each_figure_means(client, staff):
    from suggestions.queries.stats import DEFINITIONS

    factories.SuggestionFactory()  # a session to report on
    client.force_login(staff)
    for url in (reverse("dashboard"), reverse("reports:report")):
        html = client.get(url).content.decode()
        assert "指标口径" in html
        assert str(DEFINITIONS["on_time_rate"]) in html and "应答复" in str(DEFINITIONS["on_time_rate"])
        assert html.count("data-definition=") == len(DEFINITIONS)
    cards = client.get(reverse("dashboard")).content.decode().split('class="cards"')[1].split("</ul>")[0]
    assert cards.count('class="definition"') == 6  # under each card
