"""Recommended departments and similar suggestions from the database: known cases, freshness, remits."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory

from routing import index as routing_index
from routing.models import Remit
from routing.recommend import recommend
from routing.similar import similar
from suggestions import workflow
from suggestions.models import Publication, Suggestion
from tests import factories


def _leads(suggestion):
    return [c.name for c in recommend(suggestion).leads]


def test_the_remit_names_the_lead_and_says_which_words_matched(later, housing):
    rec = recommend(later)
    assert rec.leads[0].department_id == housing.pk
    assert "老旧小区" in rec.leads[0].matched_words
    assert len(rec.leads) == 3


def test_a_past_assignment_counts_at_once_without_a_rebuild(later, earlier, staff, transport):
    """The earlier suggestion goes to 交通运输局 (a clerk's choice the remits would not make): the next
    read of the index sees it (the data version moved) and 交通运输局 rises with that precedent."""
    before = recommend(later)
    assert not any(c.precedents for c in before.leads)
    version = routing_index.current().version
    workflow.assign(suggestion=earlier, lead=transport, co_handlers=[], by=staff)
    after = recommend(later)
    assert routing_index.current().version > version
    transport_row = next(c for c in after.leads if c.department_id == transport.pk)
    assert [p.id for p in transport_row.precedents] == [earlier.pk]
    assert transport_row.history_score > 0


def test_a_good_reply_counts_more_than_a_poor_one(later, earlier_replied, housing):
    housing_row = recommend(later).leads[0]
    assert housing_row.department_id == housing.pk and housing_row.precedents[0].category == "A"
    good = housing_row.history_score
    idx = routing_index.current()
    idx.past[earlier_replied.pk].category = "D"
    assert recommend(later).leads[0].history_score < good


def _row(suggestion, department):
    return next(c for c in recommend(suggestion).leads if c.department_id == department.pk)


def test_an_edited_remit_changes_the_recommendation(later, education, housing):
    before = _row(later, education)
    assert "老旧小区" not in before.matched_words and _leads(later)[0] == housing.name
    Remit.objects.create(department=education, text="学校建设。", keywords="老旧小区 雨污管网 小区道路")
    after = _row(later, education)
    assert "老旧小区" in after.matched_words and after.remit_score > before.remit_score


def test_the_co_handlers_come_from_the_remits_and_the_history(session_2023, db):
    police = factories.DepartmentFactory(name="太仓市公安局", short_name="公安局")
    petitions = factories.DepartmentFactory(name="太仓市信访局", short_name="信访局")
    s = factories.SuggestionFactory(
        session=session_2023,
        title="抓好社会治理",
        text="大力化解信访积案。常态化开展扫黑除恶斗争，坚决防范和打击各类违法犯罪行为。",
    )
    rec = recommend(s)
    assert rec.leads[0].department_id == police.pk
    assert petitions.pk in [c.department_id for c in rec.co_handlers]


def test_nothing_is_assigned_by_recommending(later):
    recommend(later)
    later.refresh_from_db()
    assert later.status == "registered" and not later.assignments.exists()


def test_earlier_sessions_are_found_and_flagged_repeated(later, earlier_replied, staff):
    found = similar(later, staff)
    assert found["repeated"] and found["repeated_sessions"] == 1
    first = found["earlier"][0]
    assert first["id"] == earlier_replied.pk and first["repeated"]
    assert first["lead_department"] == "住房和城乡建设局" and first["category"] == "A"


def test_a_later_session_is_not_raised_before(later, earlier, staff):
    assert similar(earlier, staff)["earlier"] == []


def test_near_duplicates_of_one_session_are_flagged(later, session_2023, staff):
    twin = factories.SuggestionFactory(session=session_2023, title=later.title, text=later.text)
    assert [d["id"] for d in similar(later, staff)["duplicates"]] == [twin.pk]


@pytest.mark.parametrize("who", ["anonymous", "other_handler", "other_delegate"])
def test_no_one_else_reads_an_unpublished_handling(
    who, later, earlier_replied, education_handler, other_delegate_user
):
    user = {
        "anonymous": AnonymousUser(),
        "other_handler": education_handler,
        "other_delegate": other_delegate_user,
    }[who]
    first = similar(later, user)["earlier"][0]
    assert first["title"] == earlier_replied.title
    assert (first["lead_department"], first["category"], first["rating"]) == (None, None, None)


def test_the_handling_department_reads_its_own_handling(later, earlier_replied, housing_handler):
    first = similar(later, housing_handler)["earlier"][0]
    assert first["lead_department"] == "住房和城乡建设局" and first["category"] == "A"


def test_the_public_reads_what_the_published_reply_shows(later, earlier_replied, staff):
    workflow.publish(suggestion=earlier_replied, mode=Publication.TITLE_ONLY, by=staff)
    first = similar(later, AnonymousUser())["earlier"][0]
    assert first["lead_department"] == "住房和城乡建设局" and first["category"] is None
    reply = earlier_replied.replies.get()
    workflow.publish(suggestion=earlier_replied, mode=Publication.FULL, reply=reply, by=staff)
    assert similar(later, AnonymousUser())["earlier"][0]["category"] == "A"


def test_the_build_command_seeds_the_remits_of_the_catalogue(db, capsys):
    call_command("loaddata", "taicang_2023", verbosity=0)
    call_command("build_routing_index")
    assert Remit.objects.count() == 38
    assert "30 suggestions, 38 remits" in capsys.readouterr().out
    call_command("build_routing_index")  # a second run writes no remit twice
    assert Remit.objects.count() == 38


@pytest.mark.parametrize(
    ("number", "lead"),
    [
        (14, "太仓市住房和城乡建设局"),
        (22, "太仓市教育局"),
        (28, "太仓市应急管理局"),
        (30, "太仓市人力资源和社会保障局"),
        (19, "苏州市太仓生态环境局"),
        (4, "太仓市文体广电和旅游局"),
    ],
)
def test_known_cases_of_the_taicang_catalogue(db, number, lead):
    call_command("loaddata", "taicang_2023", verbosity=0)
    assert _leads(Suggestion.objects.get(number=number))[0] == lead


def _render(source, user, suggestion):
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load routing %}" + source).render(Context({"request": request, "s": suggestion}))


def test_the_recommended_include_offers_choices_to_staff_only(later, staff, housing):
    html = _render("{% routing_recommended s %}", staff, later)
    assert f'data-routing-lead="{housing.pk}"' in html and "老旧小区" in html
    assert "data-routing-lead" not in _render("{% routing_recommended s %}", AnonymousUser(), later)


def test_the_similar_include_flags_a_repeated_topic(later, earlier_replied):
    html = _render("{% routing_similar s %}", AnonymousUser(), later)
    assert "多年多次提出" in html and earlier_replied.title in html


def test_the_lead_rating_shows_once_the_reply_is_published(later, earlier_replied, staff):
    lead = factories.delegate_user(earlier_replied.lead_delegate, username="earlier_lead")
    workflow.rate(suggestion=earlier_replied, attitude="satisfied", result="satisfied", by=lead)
    assert similar(later, staff)["earlier"][0]["rating"] == "satisfied"
    assert similar(later, AnonymousUser())["earlier"][0]["rating"] is None
    workflow.publish(suggestion=earlier_replied, mode=Publication.TITLE_ONLY, by=staff)
    assert similar(later, AnonymousUser())["earlier"][0]["rating"] == "satisfied"


def test_a_corrected_text_is_what_the_index_compares(later, earlier, staff):
    assert similar(later, staff)["earlier"][0]["id"] == earlier.pk
    workflow.correct_text(
        suggestion=earlier,
        title="缓解学位紧张",
        text="新城区入学人数快速增长，学位紧张，建议加快新建学校。",
        reason="录入错误",
        by=staff,
    )
    assert similar(later, staff)["earlier"] == []


def test_the_staff_list_of_repeated_topics(later, earlier_replied, session_2023, capsys):
    factories.SuggestionFactory(
        session=session_2023, title="缓解学位紧张", text="新城区学位紧张，建议新建学校。"
    )
    call_command("repeated_topics", "--session", str(session_2023.pk))
    out = capsys.readouterr().out
    assert "1 repeated topics" in out
    assert f"第{later.number}号 {later.title}" in out and "住房和城乡建设局 · A" in out
