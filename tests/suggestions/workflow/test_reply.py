"""suggestions/workflow/: 答复 · 评价: the reply, the steps staff enter on behalf (代录), the rating."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from suggestions import calendar, workflow
from suggestions.models import (
    EventKind,
    Publication,
)
from tests import factories
from tests.suggestions.workflow.cast import (
    SPRING_FESTIVAL_ASSIGNMENT,
    S,
    rate_lead,
)
from tests.suggestions.workflow.steps_table import SPECS

# Reply
# ---------------------------------------------------------------------------

REPLY_FIELDS = ["doc_number", "signer", "contact_person", "contact_phone", "text"]


@pytest.mark.parametrize("field", REPLY_FIELDS)
def test_reply_requires_each_field(world, field):
    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        factories.reply(world.suggestion, world.lead_handler, **{field: "  "})
    assert field in info.value.message_dict
    assert world.s.status == S.IN_PROGRESS and not world.s.replies.exists()


@pytest.mark.parametrize("category", ["E", "", "a", None])
def test_reply_category_must_be_a_to_d(world, category):
    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        factories.reply(world.suggestion, world.lead_handler, category=category)
    assert "category" in info.value.message_dict


@pytest.mark.parametrize("category", ["A", "B", "C", "D"])
def test_reply_accepts_every_category(world, category):
    world.at(S.IN_PROGRESS)
    answer = factories.reply(world.suggestion, world.lead_handler, category=category)
    assert answer.category == category


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contact_phone": "0512-abc"}, "contact_phone"),
        ({"doc_number": "号" * 65}, "doc_number"),
        ({"signer": "名" * 33}, "signer"),
        ({"replied_on": calendar.today() + dt.timedelta(days=2)}, "replied_on"),
        ({"replied_on": dt.date(2020, 1, 1)}, "replied_on"),
    ],
)
def test_reply_rejects_bad_values(world, overrides, field):
    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        factories.reply(world.suggestion, world.lead_handler, **overrides)
    assert field in info.value.message_dict
    assert not world.s.replies.exists()


def test_reply_records_its_due_date_and_punctuality(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 5, 1))
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=SPRING_FESTIVAL_ASSIGNMENT, by=world.staff
    )
    workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)

    answer = factories.reply(
        world.suggestion, world.lead_handler, category="C", replied_on=dt.date(2023, 4, 20)
    )

    assert (answer.due_date, answer.replied_on, answer.on_time) == (
        dt.date(2023, 4, 18),
        dt.date(2023, 4, 20),
        False,
    )
    assert (answer.department, answer.round, answer.created_by) == (
        world.lead_department,
        1,
        world.lead_handler,
    )
    assert answer.publication == Publication.UNPUBLISHED
    event = world.s.events.get(kind=EventKind.REPLY)
    assert event.data == {
        "category": "C",
        "doc_number": "太发改函〔2023〕12号",
        "replied_on": "2023-04-20",
        "on_time": False,
    }


def test_reply_with_a_pdf(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        factories.reply(
            world.suggestion,
            world.lead_handler,
            pdf=SimpleUploadedFile("a.pdf", b"MZ not a pdf", "application/pdf"),
        )
    assert "pdf" in info.value.message_dict
    answer = factories.reply(
        world.suggestion,
        world.lead_handler,
        pdf=SimpleUploadedFile("答复函.pdf", b"%PDF-1.4 letter", "application/pdf"),
    )
    assert answer.pdf.name.endswith(".pdf")
    assert answer.pdf.read().startswith(b"%PDF-")


def test_staff_reply_on_behalf_is_recorded(world):
    world.at(S.IN_PROGRESS)
    factories.reply(world.suggestion, world.staff)
    event = world.s.events.get(kind=EventKind.REPLY)
    assert event.data["on_behalf"] is True
    assert event.department == world.lead_department
    assert event.actor == world.staff


def test_lead_handler_reply_is_not_on_behalf(world):
    world.at(S.IN_PROGRESS)
    factories.reply(world.suggestion, world.lead_handler)
    assert "on_behalf" not in world.s.events.get(kind=EventKind.REPLY).data


# Steps staff may enter for a department or a delegate (代录), and the role whose own step it is.
ON_BEHALF = [
    ("acknowledge", "lead_handler"),
    ("log_contact", "lead_handler"),
    ("add_progress", "co_handler"),
    ("give_co_opinion", "co_handler"),
    ("reply", "lead_handler"),
    ("rate", "lead_delegate"),
    ("withdraw", "lead_delegate"),
    ("follow_up", "lead_handler"),
]


@pytest.mark.parametrize(("step", "owner"), ON_BEHALF)
@pytest.mark.parametrize("by", ["owner", "staff"])
def test_staff_entries_on_behalf_are_marked_in_the_event(world, step, owner, by):
    spec = SPECS[step]
    world.at(spec.role_state)
    if spec.prepare:
        spec.prepare(world, spec.role_state)
    role = owner if by == "owner" else "staff"

    spec.run(world, role, world.users[role])

    event = world.s.events.filter(kind=spec.kind).latest("id")
    assert event.actor == world.users[role]
    assert event.data.get("on_behalf") is (True if by == "staff" else None)


def test_every_step_staff_may_take_for_others_is_in_the_on_behalf_table():
    shared = {name for name, spec in SPECS.items() if "staff" in spec.roles and spec.roles - {"staff"}}
    assert shared - {"rate_as_co_proposer"} == {step for step, _ in ON_BEHALF}


# ---------------------------------------------------------------------------
# Rating
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attitude", "result", "status"),
    [
        ("satisfied", "satisfied", S.CLOSED),
        ("basically", "basically", S.CLOSED),
        ("satisfied", "basically", S.CLOSED),
        ("unsatisfied", "satisfied", S.REVIEW),
        ("satisfied", "unsatisfied", S.REVIEW),
        ("unsatisfied", "unsatisfied", S.REVIEW),
    ],
)
def test_lead_rating_closes_or_sends_to_review(world, attitude, result, status):
    world.at(S.REPLIED)
    rating = workflow.rate(
        suggestion=world.suggestion, attitude=attitude, result=result, comment="意见", by=world.lead_delegate
    )
    assert world.s.status == status
    assert (rating.is_lead, rating.delegate, rating.round) == (True, world.lead_delegate_record, 1)
    assert rating.reply == world.s.replies.get()
    event = world.s.events.get(kind=EventKind.RATE)
    assert (event.from_status, event.to_status) == (S.REPLIED, status)
    assert event.data == {
        "delegate": world.lead_delegate_record.name,
        "lead": True,
        "attitude": attitude,
        "result": result,
    }


@pytest.mark.parametrize(("attitude", "result"), [("unsatisfied", "satisfied"), ("basically", "unsatisfied")])
@pytest.mark.parametrize("comment", ["", "   "])
def test_unsatisfied_rating_needs_a_comment(world, attitude, result, comment):
    world.at(S.REPLIED)
    with pytest.raises(ValidationError) as info:
        workflow.rate(
            suggestion=world.suggestion,
            attitude=attitude,
            result=result,
            comment=comment,
            by=world.lead_delegate,
        )
    assert "comment" in info.value.message_dict
    assert world.s.status == S.REPLIED and not world.s.ratings.exists()


@pytest.mark.parametrize("field", ["attitude", "result"])
def test_rating_verdicts_must_be_known(world, field):
    world.at(S.REPLIED)
    values = {"attitude": "satisfied", "result": "satisfied", field: "great"}
    with pytest.raises(ValidationError) as info:
        workflow.rate(suggestion=world.suggestion, by=world.lead_delegate, **values)
    assert field in info.value.message_dict


def test_co_proposer_rating_is_recorded_but_does_not_decide(world):
    world.at(S.REPLIED)
    rating = workflow.rate(
        suggestion=world.suggestion,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="不同意",
        by=world.co_proposer,
    )
    assert world.s.status == S.REPLIED
    assert (rating.is_lead, rating.delegate) == (False, world.co_proposer_record)
    event = world.s.events.get(kind=EventKind.RATE)
    assert (event.from_status, event.to_status, event.data["lead"]) == (S.REPLIED, S.REPLIED, False)
    rate_lead(world, world.lead_delegate)
    assert world.s.status == S.CLOSED
    assert world.s.ratings.count() == 2


def test_rating_once_per_delegate_and_round(world):
    world.at(S.REPLIED)
    workflow.rate(suggestion=world.suggestion, attitude="satisfied", result="satisfied", by=world.co_proposer)
    with pytest.raises(ValidationError) as info:
        workflow.rate(
            suggestion=world.suggestion, attitude="basically", result="satisfied", by=world.co_proposer
        )
    assert info.value.code == "duplicate"
    with pytest.raises(ValidationError):  # nor by staff on the co-proposer's behalf
        workflow.rate(
            suggestion=world.suggestion,
            attitude="basically",
            result="satisfied",
            delegate=world.co_proposer_record,
            by=world.staff,
        )
    rate_lead(world, world.lead_delegate)
    with pytest.raises(ValidationError):
        rate_lead(world, world.lead_delegate)
    assert world.s.ratings.count() == 2
    assert world.s.events.filter(kind=EventKind.RATE).count() == 2


def test_rating_before_the_reply_is_rejected(world):
    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        rate_lead(world, world.lead_delegate)
    with pytest.raises(ValidationError):
        workflow.rate(
            suggestion=world.suggestion, attitude="satisfied", result="satisfied", by=world.co_proposer
        )


def test_staff_rate_on_behalf_of_the_lead_delegate(world):
    world.at(S.REPLIED)
    rating = workflow.rate(
        suggestion=world.suggestion,
        attitude="basically",
        result="unsatisfied",
        comment="书面评价表：未解决",
        delegate=world.lead_delegate_record,
        by=world.staff,
    )
    assert rating.is_lead and world.s.status == S.REVIEW
    event = world.s.events.get(kind=EventKind.RATE)
    assert event.actor == world.staff
    assert event.data["on_behalf"] is True
    assert event.data["delegate"] == world.lead_delegate_record.name
    assert event.note == "书面评价表：未解决"


def test_staff_record_a_co_proposers_rating_after_the_lead_closed_it(world):
    """The paper form of a co-proposer may arrive after the lead's rating closed the suggestion: staff are
    offered 评价 while a proposer has not rated this round, and no longer once every proposer has."""
    rating_step = workflow.STEPS["rate"]
    world.at(S.REPLIED)
    rate_lead(world, world.lead_delegate)
    assert world.s.status == S.CLOSED
    assert rating_step.available(world.staff, world.s)
    assert not rating_step.available(world.lead_delegate, world.s)  # the lead has rated
    rating = workflow.rate(
        suggestion=world.suggestion,
        attitude="satisfied",
        result="basically",
        delegate=world.co_proposer_record,
        by=world.staff,
    )
    assert (rating.is_lead, rating.delegate, world.s.status) == (False, world.co_proposer_record, S.CLOSED)
    assert not rating_step.available(world.staff, world.s)
    with pytest.raises(ValidationError) as info:
        workflow.rate(
            suggestion=world.suggestion,
            attitude="satisfied",
            result="satisfied",
            delegate=world.co_proposer_record,
            by=world.staff,
        )
    assert info.value.message in rating_step.refusal(world.staff, world.s)  # the page says the same
    assert world.s.ratings.count() == 2


def test_a_proposer_who_rated_is_told_so_by_the_page_and_the_workflow(world):
    world.at(S.REPLIED)
    workflow.rate(suggestion=world.suggestion, attitude="satisfied", result="satisfied", by=world.co_proposer)
    refusal = workflow.STEPS["rate"].refusal(world.co_proposer, world.s)
    with pytest.raises(ValidationError) as info:
        workflow.rate(
            suggestion=world.suggestion, attitude="satisfied", result="satisfied", by=world.co_proposer
        )
    assert info.value.code == "duplicate"
    assert "已评价" in info.value.message and info.value.message in refusal


def test_a_delegate_rates_only_in_their_own_name(world):
    world.at(S.REPLIED)
    with pytest.raises(PermissionDenied):
        workflow.rate(
            suggestion=world.suggestion,
            attitude="satisfied",
            result="satisfied",
            delegate=world.lead_delegate_record,
            by=world.co_proposer,
        )
    outsider = factories.DelegateFactory()
    with pytest.raises(ValidationError) as info:
        workflow.rate(
            suggestion=world.suggestion,
            attitude="satisfied",
            result="satisfied",
            delegate=outsider,
            by=world.staff,
        )
    assert "delegate" in info.value.message_dict
    assert not world.s.ratings.exists()


# ---------------------------------------------------------------------------
