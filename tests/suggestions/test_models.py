"""suggestions/models.py: the invariants the database holds, even against a raw save, and the model reads.

Each constraint case writes one bad row directly (bypassing the workflow) and expects the database
to refuse it. The workflow's own checks are in test_workflow.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from delegates.models import Delegate
from departments.models import Department
from suggestions import workflow
from suggestions.models import (
    Assignment,
    CoHandlerOpinion,
    CongressSession,
    ContactRecord,
    DepartmentFacts,
    Event,
    ExtensionRequest,
    ProgressUpdate,
    Proposer,
    Rating,
    Remark,
    Reply,
    StatCounter,
    StatDueCounter,
    Status,
    Suggestion,
    SuggestionFacts,
    Theme,
    WorkdayCorrection,
    chinese_ordinal,
)
from tests import factories

D = dt.date


@pytest.fixture
def replied_world(replied, lead_delegate_user, co_proposer_user):
    """A replied suggestion (lead: 发改委, co: 交通局) and its two proposers."""
    return replied


def _assignment(s: Suggestion, **kw) -> Assignment:
    data = dict(
        suggestion=s,
        department=factories.DepartmentFactory(),
        role="co",
        round=1,
        assigned_on=D(2023, 2, 1),
        acknowledge_due=D(2023, 2, 10),
        due_date=D(2023, 3, 1),
    )
    data.update(kw)
    return Assignment.objects.create(**data)


def _reply(s: Suggestion, **kw) -> Reply:
    data = dict(
        suggestion=s,
        department=s.lead_assignment.department,
        round=s.round,
        category="A",
        doc_number="太发改函〔2023〕1号",
        signer="张三",
        contact_person="李四",
        contact_phone="0512-1",
        text="答复",
        replied_on=D(2023, 3, 1),
        due_date=D(2023, 5, 1),
    )
    data.update(kw)
    return Reply.objects.create(**data)


def _rating(s: Suggestion, **kw) -> Rating:
    data = dict(
        suggestion=s,
        reply=s.replies.get(round=s.round),
        round=s.round,
        delegate=s.co_proposers[0],
        attitude="satisfied",
        result="satisfied",
    )
    data.update(kw)
    return Rating.objects.create(**data)


def _extension(s: Suggestion, **kw) -> ExtensionRequest:
    data = dict(
        suggestion=s,
        assignment=s.lead_assignment,
        round=1,
        reason="需要时间",
        current_due=s.due_date,
        requested_due=s.due_date + dt.timedelta(days=30),
    )
    data.update(kw)
    return ExtensionRequest.objects.create(**data)


def _event(s: Suggestion, **kw) -> Event:
    data = dict(suggestion=s, kind="register", round=1, from_status="registered", to_status="registered")
    data.update(kw)
    return Event.objects.create(**data)


def _suggestion_row(s: Suggestion, **kw) -> Suggestion:
    data = dict(session=s.session, theme=s.theme, number=9000, position=9000, title="t", text="x")
    data.update(kw)
    return Suggestion.objects.create(**data)


# Each case: (constraint, a callable that writes one row breaking it, given a replied suggestion).
BAD_ROWS: list[tuple[str, Callable[[Suggestion], object]]] = [
    (
        "session_unique_term_meeting",
        lambda s: CongressSession.objects.create(
            name="重复", term=17, meeting=2, start_date=D(2023, 1, 3), end_date=D(2023, 1, 5)
        ),
    ),
    (
        "session_dates_ordered",
        lambda s: CongressSession.objects.create(
            name="倒序", term=17, meeting=3, start_date=D(2024, 1, 5), end_date=D(2024, 1, 3)
        ),
    ),
    (
        "session_numbers_positive",
        lambda s: CongressSession.objects.create(
            name="零", term=0, meeting=1, start_date=D(2024, 1, 3), end_date=D(2024, 1, 5)
        ),
    ),
    (
        "theme_unique_ordinal",
        lambda s: Theme.objects.create(session=s.session, ordinal=s.theme.ordinal, title="x"),
    ),
    ("theme_ordinal_positive", lambda s: Theme.objects.create(session=s.session, ordinal=0, title="x")),
    ("suggestion_unique_number", lambda s: _suggestion_row(s, number=s.number)),
    ("suggestion_unique_position", lambda s: _suggestion_row(s, position=s.position)),
    ("suggestion_numbers_positive", lambda s: _suggestion_row(s, number=0)),
    ("suggestion_numbers_positive", lambda s: _suggestion_row(s, position=0)),
    ("suggestion_round_positive", lambda s: _suggestion_row(s, round=0)),
    ("suggestion_status_valid", lambda s: _suggestion_row(s, status="lost")),
    (
        "suggestion_due_date_once_assigned",
        lambda s: Suggestion.objects.filter(pk=s.pk).update(due_date=None),
    ),
    (
        "suggestion_due_date_once_assigned",
        lambda s: _suggestion_row(s, status=Status.ASSIGNED, due_date=None),
    ),
    (
        "proposer_unique_delegate",
        lambda s: Proposer.objects.create(suggestion=s, delegate=s.lead_delegate, position=9),
    ),
    (
        "proposer_unique_position",
        lambda s: Proposer.objects.create(suggestion=s, delegate=factories.DelegateFactory(), position=1),
    ),
    (
        "proposer_position_positive",
        lambda s: Proposer.objects.create(suggestion=s, delegate=factories.DelegateFactory(), position=0),
    ),
    ("assignment_one_lead_per_round", lambda s: _assignment(s, role="lead")),
    (
        "assignment_one_per_department_round",
        lambda s: _assignment(s, department=s.lead_assignment.department),
    ),
    ("assignment_due_after_assigned", lambda s: _assignment(s, due_date=D(2023, 1, 31))),
    ("assignment_ack_due_after_assigned", lambda s: _assignment(s, acknowledge_due=D(2023, 1, 31))),
    ("assignment_ack_after_assigned", lambda s: _assignment(s, acknowledged_on=D(2023, 1, 31))),
    ("assignment_round_positive", lambda s: _assignment(s, round=0)),
    ("assignment_role_valid", lambda s: _assignment(s, role="boss")),
    ("assignment_status_valid", lambda s: _assignment(s, status="lost")),
    (
        "contact_method_valid",
        lambda s: ContactRecord.objects.create(
            suggestion=s,
            department=s.lead_assignment.department,
            round=1,
            method="email",
            contacted_on=D(2023, 2, 1),
        ),
    ),
    (
        "progress_kind_valid",
        lambda s: ProgressUpdate.objects.create(
            suggestion=s,
            department=s.lead_assignment.department,
            round=1,
            kind="x",
            text="t",
            reported_on=D(2023, 2, 1),
        ),
    ),
    (
        "progress_fulfilled_only_follow_up",
        lambda s: ProgressUpdate.objects.create(
            suggestion=s,
            department=s.lead_assignment.department,
            round=1,
            kind="progress",
            fulfilled=True,
            text="t",
            reported_on=D(2023, 2, 1),
        ),
    ),
    (
        "co_opinion_one_per_assignment",
        lambda s: [
            CoHandlerOpinion.objects.create(
                assignment=s.assignments.get(role="co"), suggestion=s, text="意见", submitted_on=D(2023, 2, 1)
            )
            for _ in range(2)
        ],
    ),
    ("extension_one_pending", lambda s: [_extension(s), _extension(s)]),
    ("extension_later_date", lambda s: _extension(s, requested_due=s.due_date)),
    ("extension_status_valid", lambda s: _extension(s, status="maybe")),
    ("reply_one_per_round", lambda s: _reply(s)),
    ("reply_category_valid", lambda s: _reply(s, round=2, category="E")),
    ("reply_publication_valid", lambda s: _reply(s, round=2, publication="secret")),
    (
        "reply_published_has_time",
        lambda s: Reply.objects.filter(suggestion=s).update(publication="full", published_at=None),
    ),
    ("reply_round_positive", lambda s: _reply(s, round=0)),
    (
        "rating_one_per_delegate_round",
        lambda s: [_rating(s), _rating(s, attitude="basically")],
    ),
    ("rating_attitude_valid", lambda s: _rating(s, attitude="great")),
    ("rating_result_valid", lambda s: _rating(s, result="great")),
    ("rating_unsatisfied_needs_comment", lambda s: _rating(s, result="unsatisfied", comment="")),
    ("rating_unsatisfied_needs_comment", lambda s: _rating(s, attitude="unsatisfied", comment="")),
    ("event_kind_valid", lambda s: _event(s, kind="party")),
    ("event_from_status_valid", lambda s: _event(s, from_status="lost")),
    ("event_to_status_valid", lambda s: _event(s, to_status="lost")),
    (
        "workday_correction_unique_date",
        lambda s: [WorkdayCorrection.objects.create(date=D(2023, 1, 19), is_workday=False) for _ in range(2)],
    ),
    (
        "remark_unique_place",
        lambda s: [
            Remark.objects.create(session=s.session, part=1, section=1, heading="h", position=1, text="t")
            for _ in range(2)
        ],
    ),
    (
        "remark_part_valid",
        lambda s: Remark.objects.create(
            session=s.session, part=3, section=1, heading="h", position=1, text="t"
        ),
    ),
    ("delegate_unique_name", lambda s: Delegate.objects.create(name=s.lead_delegate.name)),
    (
        "department_unique_name",
        lambda s: Department.objects.create(name=s.lead_assignment.department.name),
    ),
    (
        "department_facts_once",
        lambda s: [
            DepartmentFacts.objects.create(
                facts=SuggestionFacts.objects.get(suggestion=s), department_id=999_999
            )
            for _ in range(2)
        ],
    ),
    (
        "stat_counter_cell",
        lambda s: [
            StatCounter.objects.create(
                **dict(grain="s", view="p", follower=0, session_id=1, theme_id=1, status="replied", dim=7)
            )
            for _ in range(2)
        ],
    ),
    (
        "stat_due_counter_cell",
        lambda s: [
            StatDueCounter.objects.create(
                **dict(grain="s", view="p", follower=0, session_id=1, theme_id=1, status="replied", dim=7),
                due=D(2023, 3, 1),
            )
            for _ in range(2)
        ],
    ),
]


@pytest.mark.parametrize(
    ("constraint", "write"), BAD_ROWS, ids=[f"{i}-{c}" for i, (c, _) in enumerate(BAD_ROWS)]
)
def test_the_database_refuses(replied_world, constraint, write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write(replied_world)


def test_every_named_constraint_has_a_case():
    from django.apps import apps

    names = {
        c.name
        for model in apps.get_app_config("suggestions").get_models()
        for c in model._meta.constraints
        if not model.__name__.startswith("Historical")
    }
    covered = {name for name, _ in BAD_ROWS}
    assert names - covered == set()


def test_the_good_rows_next_to_the_bad_ones_are_accepted(replied_world):
    """The constraint cases above fail for their one reason: the same rows, corrected, save."""
    s = replied_world
    _assignment(s)
    _extension(s)
    _reply(s, round=2, category="D")
    _rating(s)
    _rating(s, delegate=s.lead_delegate, result="unsatisfied", comment="未解决")
    _event(s)
    Remark.objects.create(session=s.session, part=2, section=1, heading="h", position=1, text="t")
    ProgressUpdate.objects.create(
        suggestion=s,
        department=s.lead_assignment.department,
        round=1,
        kind="follow_up",
        fulfilled=True,
        text="t",
        reported_on=D(2023, 2, 1),
    )
    # a replaced lead frees the round for a new lead
    Assignment.objects.filter(pk=s.lead_assignment.pk).update(status="replaced")
    _assignment(s, role="lead")
    # a second extension request once the first is decided
    ExtensionRequest.objects.filter(suggestion=s).update(status="rejected")
    _extension(s)


# ---------------------------------------------------------------------------
# The event log is append-only
# ---------------------------------------------------------------------------


def test_an_event_cannot_be_changed_or_deleted(suggestion):
    event = suggestion.events.get()
    event.note = "改写"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        Event.objects.filter(pk=event.pk).update(note="改写")
    with pytest.raises(ValidationError):
        Event.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.note == ""


def test_a_suggestion_with_events_cannot_be_deleted(suggestion):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        suggestion.delete()


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (7, "七"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (23, "二十三"),
        (30, "三十"),
    ],
)
def test_chinese_ordinal(n, text):
    assert chinese_ordinal(n) == text


def test_place_proposers_and_strings(db):
    theme = factories.ThemeFactory(ordinal=2, title="关于增强对外合作影响力方面")
    lead, co = factories.DelegateFactory(name="张展"), factories.DelegateFactory(name="王永伟")
    s = factories.SuggestionFactory(
        theme=theme, number=7, position=3, title="深化开放合作", proposers=[lead, co]
    )
    assert s.place == "二-3"
    assert str(s) == "第7号 深化开放合作"
    assert str(theme) == "二、关于增强对外合作影响力方面"
    assert s.lead_delegate == lead and s.co_proposers == [co]
    assert [str(p) for p in s.ordered_proposers()] == ["张展（领衔）", "王永伟（联名）"]
    attendee = factories.DelegateFactory(name="傅玖", kind="attendee")
    assert str(attendee) == "傅玖（列席代表）" and attendee.is_attendee


def test_reply_on_time_is_replied_on_or_before_its_due_date(replied):
    answer = replied.replies.get()
    for replied_on, on_time in [(answer.due_date, True), (answer.due_date + dt.timedelta(days=1), False)]:
        answer.replied_on = replied_on
        assert answer.on_time is on_time


def test_overdue_and_due_soon(assigned, staff, lead_department):
    today = timezone.localdate()
    other = factories.SuggestionFactory()
    workflow.assign(suggestion=other, lead=lead_department, by=staff)
    Suggestion.objects.filter(pk=assigned.pk).update(due_date=today - dt.timedelta(days=1))
    Suggestion.objects.filter(pk=other.pk).update(due_date=today + dt.timedelta(days=15))
    registered = factories.SuggestionFactory()
    assert list(Suggestion.objects.overdue()) == [assigned]
    assert list(Suggestion.objects.due_soon()) == [other]
    assert list(Suggestion.objects.due_soon(days=14)) == []
    assigned.refresh_from_db()
    assert assigned.is_overdue and not registered.is_overdue
    # a replied suggestion is not overdue, whatever its date
    Suggestion.objects.filter(pk=assigned.pk).update(status=Status.REPLIED)
    assert list(Suggestion.objects.overdue()) == []


def test_handled_by(assigned, lead_department, co_department, other_department):
    assert list(Suggestion.objects.handled_by(lead_department)) == [assigned]
    assert list(Suggestion.objects.handled_by(co_department, role="co")) == [assigned]
    assert list(Suggestion.objects.handled_by(co_department, role="lead")) == []
    assert list(Suggestion.objects.handled_by(other_department)) == []


def test_for_list_reads_a_page_in_a_fixed_number_of_queries(
    db, django_assert_num_queries, staff, lead_department
):
    for _ in range(12):
        s = factories.SuggestionFactory(proposers__count=3)
        workflow.assign(
            suggestion=s, lead=lead_department, co_handlers=[factories.DepartmentFactory()], by=staff
        )
    with django_assert_num_queries(3):
        rows = list(Suggestion.objects.for_list())
        names = [[p.delegate.name for p in s.ordered_proposers()] for s in rows]
        leads = [s.lead_assignment.department.name for s in rows]
        places = [s.place for s in rows]
    assert len(rows) == 12 and all(len(n) == 3 for n in names) and len(set(leads)) == 1 and places
