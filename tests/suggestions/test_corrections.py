"""更正 (suggestions/workflow/corrections.py): every correction is an event with its reason and what was
before and after, moves the data version, and refuses what a correction may not do."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from delegates.models import DelegateKind
from suggestions import workflow
from suggestions.models import Event, EventKind, Status
from suggestions.policy.groups import ensure_role_groups
from suggestions.queries import dataversion
from tests import factories


@pytest.fixture
def staff(db):
    ensure_role_groups()
    return factories.staff_user(username="corrections_staff")


@pytest.fixture
def handled(staff):
    """An in-progress suggestion with a reply from its lead department."""
    suggestion = factories.SuggestionFactory()
    department = factories.DepartmentFactory()
    handler = factories.handler_user(department, username="corrections_handler")
    workflow.assign(suggestion=suggestion, lead=department, by=staff)
    workflow.acknowledge(suggestion=suggestion, by=handler)
    factories.reply(suggestion, handler, "B")
    suggestion.refresh_from_db()
    return suggestion


def test_correcting_a_text_records_before_and_after_and_moves_the_data_version(staff):
    s = factories.SuggestionFactory(title="旧标题", text="旧内容")
    version = dataversion.current()
    workflow.correct_text(suggestion=s, title="新标题", text="旧内容", reason="错别字", by=staff)
    s.refresh_from_db()
    assert s.title == "新标题"
    event = s.events.latest("id")
    assert (event.kind, event.actor, event.note) == (EventKind.CORRECT_TEXT, staff, "错别字")
    assert event.data["changes"] == {"title": {"before": "旧标题", "after": "新标题"}}
    assert dataversion.current() == event.pk > version
    history = s.history.first()
    assert (history.history_user, history.history_change_reason, history.title) == (staff, "错别字", "新标题")


def test_a_correction_changing_nothing_writes_nothing(staff):
    s = factories.SuggestionFactory(title="标题")
    events = Event.objects.count()
    workflow.correct_text(suggestion=s, title="标题", reason="", by=staff)
    assert Event.objects.count() == events


def test_a_correction_needs_a_reason_and_staff(staff):
    s = factories.SuggestionFactory()
    with pytest.raises(ValidationError) as info:
        workflow.correct_text(suggestion=s, title="另一个标题", reason="  ", by=staff)
    assert "reason" in info.value.message_dict
    delegate_user = factories.delegate_user(s.lead_delegate, username="corrections_delegate")
    with pytest.raises(PermissionDenied):
        workflow.correct_text(suggestion=s, title="另一个标题", reason="想改", by=delegate_user)
    s.refresh_from_db()
    assert s.title != "另一个标题"


def test_a_suggestion_moves_to_another_theme_of_its_session_only(staff):
    s = factories.SuggestionFactory()
    other = factories.ThemeFactory(session=s.session, ordinal=s.theme.ordinal + 1)
    assert not other.suggestions.exists()
    foreign = factories.ThemeFactory(session=factories.SessionFactory(meeting=3, name="市十七届人大三次会议"))
    with pytest.raises(ValidationError):
        workflow.correct_text(suggestion=s, theme=foreign, reason="归错主题", by=staff)
    old_place = s.place
    workflow.correct_text(suggestion=s, theme=other, position=1, reason="归错主题", by=staff)
    s.refresh_from_db()
    assert s.theme == other
    assert s.events.latest("id").data["changes"]["place"] == {"before": old_place, "after": s.place}
    taken = factories.SuggestionFactory(session=s.session, theme=other, position=2)
    with pytest.raises(ValidationError) as info:
        workflow.correct_text(suggestion=taken, position=1, reason="重复", by=staff)
    assert "position" in info.value.message_dict


def test_a_handled_suggestion_keeps_its_status_when_corrected(staff, handled):
    workflow.correct_text(suggestion=handled, text="更正后的内容", reason="原文录入有误", by=staff)
    event = handled.events.latest("id")
    assert event.from_status == event.to_status == Status.REPLIED


def test_proposers_are_replaced_only_while_registered(staff, handled):
    s = factories.SuggestionFactory(proposers__count=2)
    names = [p.delegate.name for p in s.ordered_proposers()]
    newcomer = factories.DelegateFactory(name="新来的代表")
    lead = s.ordered_proposers()[0].delegate
    workflow.replace_proposers(suggestion=s, delegates=[newcomer, lead], reason="领衔有误", by=staff)
    assert [p.delegate for p in s.ordered_proposers()] == [newcomer, lead]
    event = s.events.latest("id")
    assert event.kind == EventKind.REPLACE_PROPOSERS
    assert event.data["changes"]["proposers"] == {"before": names, "after": ["新来的代表", lead.name]}
    with pytest.raises(ValidationError):
        workflow.replace_proposers(suggestion=s, delegates=[lead, lead], reason="重复", by=staff)
    with pytest.raises(ValidationError):
        workflow.replace_proposers(suggestion=s, delegates=[], reason="没人", by=staff)
    with pytest.raises(ValidationError) as info:
        workflow.replace_proposers(suggestion=handled, delegates=[newcomer], reason="晚了", by=staff)
    assert info.value.code == "invalid_state"


def test_a_reply_text_correction_is_an_event_and_leaves_its_facts(staff, handled):
    reply = handled.replies.get()
    workflow.correct_reply(
        suggestion=handled,
        reply=reply,
        text="经研究，更正后的答复。",
        signer="王五",
        reason="签发人有误",
        by=staff,
    )
    reply.refresh_from_db()
    assert (reply.text, reply.signer, reply.category) == ("经研究，更正后的答复。", "王五", "B")
    event = handled.events.latest("id")
    assert (event.kind, event.department, event.note) == (
        EventKind.CORRECT_REPLY,
        reply.department,
        "签发人有误",
    )
    assert event.data["changes"]["signer"] == {"before": "张三", "after": "王五"}
    assert reply.history.first().history_change_reason == "签发人有误"
    with pytest.raises(ValidationError):
        workflow.correct_reply(suggestion=handled, reply=reply, category="A", reason="想改分类", by=staff)
    other = factories.SuggestionFactory()
    with pytest.raises(ValidationError):
        workflow.correct_reply(suggestion=other, reply=reply, text="别人的答复", reason="x", by=staff)


def test_reference_corrections_record_an_event_on_each_suggestion_they_show_on(staff):
    s1 = factories.SuggestionFactory()
    s2 = factories.SuggestionFactory(session=s1.session, theme=s1.theme, position=900)
    other_theme = factories.ThemeFactory(session=s1.session, ordinal=5)
    elsewhere = factories.SuggestionFactory(session=s1.session, theme=other_theme)
    workflow.correct_theme(theme=s1.theme, title="更正后的主题", reason="错字", by=staff)
    theme_events = Event.objects.filter(kind=EventKind.CORRECT_REFERENCE)
    assert sorted(e.suggestion_id for e in theme_events) == sorted([s1.pk, s2.pk])
    delegate = s1.lead_delegate
    workflow.correct_delegate(delegate=delegate, kind=DelegateKind.ATTENDEE, reason="身份有误", by=staff)
    delegate.refresh_from_db()
    assert delegate.kind == DelegateKind.ATTENDEE
    assert elsewhere.events.filter(kind=EventKind.CORRECT_REFERENCE).count() == 0
    assert (
        s1.events.filter(kind=EventKind.CORRECT_REFERENCE, data__what=f"delegate:{delegate.name}").count()
        == 1
    )


def test_corrections_are_not_offered_as_steps():
    assert {"correct_text", "replace_proposers", "correct_reply"} <= set(workflow.UNLISTED)
    assert not {"correct_text", "replace_proposers", "correct_reply"} & set(workflow.STEPS)
