"""Home page per role, the role lists (inbox, my suggestions, staff queues) and the filtered list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from suggestions import workflow
from suggestions.models import Publication
from tests import factories
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


# -- home ----------------------------------------------------------------------------------------------


def test_public_home_lists_suggestions_by_theme_without_contact_data(client, assigned):
    lead = assigned.lead_delegate
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert assigned.title in html
    assert str(assigned.theme) in html
    assert lead.name in html
    assert lead.phone not in html
    assert "建议总数" in html


def test_public_home_marks_a_published_reply(client, replied, staff):
    assert "答复已公开" not in client.get(reverse("home")).content.decode()
    workflow.publish(suggestion=replied, mode=Publication.FULL, by=staff)
    assert "答复已公开" in client.get(reverse("home")).content.decode()


def test_staff_home_shows_the_queues(staff, replied):
    html = login(staff).get(reverse("home")).content.decode()
    assert "代表工委工作台" in html
    for slug in ("reassignment", "extension", "review", "overdue", "due_soon", "publication"):
        assert reverse("queue", args=[slug]) in html
    assert replied.title in html  # its reply waits for publication


def test_handler_home_shows_the_inbox(lead_handler, assigned):
    html = login(lead_handler).get(reverse("home")).content.decode()
    assert "本单位待办" in html
    assert assigned.title in html
    assert reverse("suggestion_step", args=[assigned.pk, "acknowledge"]) in html
    assert "代表工委工作台" not in html


def test_delegate_home_shows_my_suggestions_and_what_to_rate(lead_delegate_user, replied):
    html = login(lead_delegate_user).get(reverse("home")).content.decode()
    assert "我的建议" in html
    assert reverse("suggestion_step", args=[replied.pk, "rate"]) in html


def test_a_user_with_two_roles_sees_both_sections(lead_department, assigned):
    user = factories.delegate_user(assigned.lead_delegate, username="both")
    lead_department.members.add(user)
    html = login(user).get(reverse("home")).content.decode()
    assert "本单位待办" in html and "我的建议" in html


# -- role lists ----------------------------------------------------------------------------------------


def test_inbox_shows_countdown_and_is_for_handlers_only(lead_handler, assigned, lead_delegate_user, staff):
    html = login(lead_handler).get(reverse("inbox")).content.decode()
    assert assigned.title in html
    assert "剩余" in html
    assert login(lead_delegate_user).get(reverse("inbox")).status_code == 403
    assert login(staff).get(reverse("inbox")).status_code == 403


def test_inbox_hides_other_departments(other_handler, assigned):
    html = login(other_handler).get(reverse("inbox")).content.decode()
    assert assigned.title not in html


def test_my_suggestions_for_delegates_only(lead_delegate_user, co_proposer_user, assigned, lead_handler):
    assert assigned.title in login(lead_delegate_user).get(reverse("my_suggestions")).content.decode()
    html = login(co_proposer_user).get(reverse("my_suggestions")).content.decode()
    assert assigned.title in html and "联名" in html
    assert login(lead_handler).get(reverse("my_suggestions")).status_code == 403


def test_queue_pages_for_staff_only(staff, lead_handler, replied, client):
    response = login(staff).get(reverse("queue", args=["publication"]))
    assert response.status_code == 200
    assert replied.title in response.content.decode()
    assert login(staff).get(reverse("queue", args=["nothing"])).status_code == 404
    assert login(lead_handler).get(reverse("queue", args=["publication"])).status_code == 403
    assert client.get(reverse("queue", args=["publication"])).status_code == 302


def test_review_queue_links_to_rehandling(staff, replied, lead_delegate_user):
    workflow.rate(
        suggestion=replied,
        attitude="satisfied",
        result="unsatisfied",
        comment="没解决",
        by=lead_delegate_user,
    )
    html = login(staff).get(reverse("queue", args=["review"])).content.decode()
    assert reverse("suggestion_step", args=[replied.pk, "rehandle"]) in html
    assert "没解决" in html


# -- the filtered list ---------------------------------------------------------------------------------


def test_list_finds_a_chinese_substring(client, db):
    wanted = factories.SuggestionFactory(title="聚焦项目引建", text="大抓项目、抓大项目")
    other = factories.SuggestionFactory(title="加强生态保护", text="守护绿水青山")
    html = client.get(reverse("suggestion_list"), {"q": "项目"}).content.decode()
    assert wanted.title in html and other.title not in html


def test_list_filters_live_in_the_url_and_survive_pagination(client, db):
    for _ in range(25):
        factories.SuggestionFactory(title="老旧小区改造建议")
    factories.SuggestionFactory(title="其他建议")
    response = client.get(reverse("suggestion_list"), {"q": "改造建议", "status": "registered"})
    html = response.content.decode()
    assert "共 25 条建议" in html
    assert "?q=%E6%94%B9%E9%80%A0%E5%BB%BA%E8%AE%AE&amp;status=registered&amp;page=2" in html
    page2 = client.get(reverse("suggestion_list"), {"q": "改造建议", "status": "registered", "page": 2})
    assert "第 2 页，共 2 页" in page2.content.decode()


def test_list_bad_filter_value_is_a_form_error_not_a_500(client, db):
    response = client.get(reverse("suggestion_list"), {"due_before": "not-a-date"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_handler_of_another_department_lists_the_public_part(other_handler, assigned):
    """Every signed-in role sees at least the public part of every suggestion (policy/scoping.py)."""
    html = login(other_handler).get(reverse("suggestion_list")).content.decode()
    assert assigned.title in html
    detail = login(other_handler).get(reverse("suggestion_detail", args=[assigned.pk])).content.decode()
    assert "办理过程" not in detail and "可进行的操作" not in detail
