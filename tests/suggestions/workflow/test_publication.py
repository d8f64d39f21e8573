"""suggestions/workflow/: 公开 · 跟踪落实: publication and follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from suggestions import calendar, workflow
from suggestions.models import (
    EventKind,
    ProgressKind,
    Publication,
    Suggestion,
)
from tests import factories
from tests.suggestions.workflow.cast import (
    S,
    rate_lead,
)

# Publication and follow-up
# ---------------------------------------------------------------------------


def test_publish_full_needs_disclosure_consent(world):
    world.at(S.CLOSED)
    Suggestion.objects.filter(pk=world.suggestion.pk).update(disclosure_consent=False)
    with pytest.raises(ValidationError) as info:
        workflow.publish(suggestion=world.suggestion, mode=Publication.FULL, by=world.staff)
    assert "mode" in info.value.message_dict
    assert world.s.replies.get().publication == Publication.UNPUBLISHED

    answer = workflow.publish(suggestion=world.suggestion, mode=Publication.TITLE_ONLY, by=world.staff)

    assert answer.publication == Publication.TITLE_ONLY and answer.published_at is not None


def test_publish_rejects_the_same_mode_twice_and_unknown_modes(world):
    world.at(S.CLOSED)
    with pytest.raises(ValidationError) as info:
        workflow.publish(suggestion=world.suggestion, mode="everything", by=world.staff)
    assert "mode" in info.value.message_dict
    workflow.publish(suggestion=world.suggestion, mode=Publication.FULL, by=world.staff)
    with pytest.raises(ValidationError):
        workflow.publish(suggestion=world.suggestion, mode=Publication.FULL, by=world.staff)
    workflow.publish(suggestion=world.suggestion, mode=Publication.TITLE_ONLY, by=world.staff)
    assert world.s.events.filter(kind=EventKind.PUBLISH).count() == 2


@pytest.mark.parametrize(("long_ago", "on_time"), [(False, True), (True, False)])
def test_publish_records_whether_it_was_within_20_working_days(world, monkeypatch, long_ago, on_time):
    if long_ago:
        monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 3, 1))
    world.drive(S.REPLIED)
    monkeypatch.undo()
    workflow.publish(suggestion=world.suggestion, mode=Publication.FULL, by=world.staff)
    assert world.s.events.get(kind=EventKind.PUBLISH).data["on_time"] is on_time


def test_unpublish_needs_a_note_and_a_published_reply(world):
    world.at(S.CLOSED)
    with pytest.raises(ValidationError):
        workflow.unpublish(suggestion=world.suggestion, note="撤销", by=world.staff)
    workflow.publish(suggestion=world.suggestion, by=world.staff)
    with pytest.raises(ValidationError) as info:
        workflow.unpublish(suggestion=world.suggestion, note="", by=world.staff)
    assert "note" in info.value.message_dict
    answer = workflow.unpublish(suggestion=world.suggestion, note="含个人信息", by=world.staff)
    assert (answer.publication, answer.published_at) == (Publication.UNPUBLISHED, None)


def test_publish_a_chosen_reply_of_an_earlier_round(world):
    world.at(S.REVIEW)
    first = world.s.replies.get()
    workflow.rehandle(suggestion=world.suggestion, note="重新办理", by=world.staff)
    factories.reply(world.suggestion, world.lead_handler, category="A", doc_number="太发改函〔2023〕30号")
    workflow.publish(suggestion=world.suggestion, reply=first, by=world.staff)
    assert {r.round: r.publication for r in world.s.replies.all()} == {
        1: Publication.FULL,
        2: Publication.UNPUBLISHED,
    }
    workflow.publish(suggestion=world.suggestion, by=world.staff)  # default: the latest
    assert world.s.replies.get(round=2).publication == Publication.FULL


def _closed_with(world, category: str) -> None:
    world.at(S.IN_PROGRESS)
    factories.reply(world.suggestion, world.lead_handler, category=category)
    rate_lead(world, world.lead_delegate)


@pytest.mark.parametrize(("category", "allowed"), [("A", False), ("B", True), ("C", True), ("D", False)])
def test_follow_up_only_for_b_and_c_replies(world, category, allowed):
    _closed_with(world, category)
    if allowed:
        update = workflow.follow_up(
            suggestion=world.suggestion, text="已列入2024年计划", by=world.lead_handler
        )
        assert (update.kind, update.department, update.fulfilled) == (
            ProgressKind.FOLLOW_UP,
            world.lead_department,
            False,
        )
    else:
        with pytest.raises(ValidationError) as info:
            workflow.follow_up(suggestion=world.suggestion, text="已列入计划", by=world.lead_handler)
        assert info.value.code == "no_promise"


def test_follow_up_stops_once_the_promise_is_fulfilled(world):
    _closed_with(world, "B")
    with pytest.raises(ValidationError):
        workflow.follow_up(suggestion=world.suggestion, text="", by=world.lead_handler)
    workflow.follow_up(suggestion=world.suggestion, text="项目已开工", by=world.lead_handler)
    workflow.follow_up(suggestion=world.suggestion, text="项目已完工", fulfilled=True, by=world.staff)
    with pytest.raises(ValidationError) as info:
        workflow.follow_up(suggestion=world.suggestion, text="再报", by=world.lead_handler)
    assert info.value.code == "fulfilled"
    assert info.value.message in workflow.STEPS["follow_up"].refusal(world.lead_handler, world.s)
    assert world.s.events.filter(kind=EventKind.FOLLOW_UP).count() == 2


def test_follow_up_not_before_closing(world):
    world.at(S.REPLIED)  # a B reply
    with pytest.raises(ValidationError):
        workflow.follow_up(suggestion=world.suggestion, text="项目已开工", by=world.lead_handler)


# ---------------------------------------------------------------------------
