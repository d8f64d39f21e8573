"""`generate_demo_load`: synthetic suggestions in every state, written as raw rows (COPY on PostgreSQL,
executemany on SQLite), that still tell a coherent story and respect the handling invariants."""

from __future__ import annotations

import io
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from suggestions.models import (
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    CongressSession,
    Event,
    EventKind,
    HandlerRole,
    Proposer,
    Publication,
    Rating,
    Reply,
    Status,
    Suggestion,
)
from suggestions.workflow import invariants
from tests.conftest import postgres_only

N = 300
ANSWERED = {Status.REPLIED, Status.REVIEW, Status.CLOSED}
NOT_ASSIGNED = {Status.REGISTERED, Status.NOT_ACCEPTED}


def generate(n: int = N, seed: int = 2023) -> str:
    out = io.StringIO()
    call_command("generate_demo_load", suggestions=n, seed=seed, batch=120, stdout=out)
    return out.getvalue()


def assert_invariants_hold() -> None:
    found = invariants.violations()
    shown = "\n".join(str(v) for v in found[:10])
    assert found == [], f"{len(found)} violation(s), the first ones:\n{shown}"


def story(session: CongressSession) -> list[tuple]:
    """What the seed decides about each suggestion of a session, in number order (not its ids)."""
    return list(
        Suggestion.objects.filter(session=session)
        .order_by("number")
        .values_list("title", "text", "status", "round", "key_supervision", "theme__ordinal", "due_date")
    )


@pytest.fixture
def generated(db):
    output = generate()
    assert f"created {N} suggestions" in output


def test_every_state_in_several_sessions(generated):
    assert Suggestion.objects.count() == N
    statuses = Counter(Suggestion.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses[Status.CLOSED] > statuses[Status.NOT_ACCEPTED]
    assert CongressSession.objects.filter(suggestions__isnull=False).distinct().count() >= 3
    assert Suggestion.objects.filter(round__gt=1).exists()
    assert 7 <= Event.objects.count() / N <= 14
    assert set(Event.objects.values_list("kind", flat=True)) >= {
        EventKind.REGISTER, EventKind.ASSIGN, EventKind.ACKNOWLEDGE, EventKind.REPLY, EventKind.RATE,
        EventKind.REHANDLE, EventKind.WITHDRAW, EventKind.NOT_ACCEPT, EventKind.PUBLISH,
    }  # fmt: skip
    # each suggestion numbered 1..n in its session, proposers 1..k with one lead
    for session in CongressSession.objects.filter(suggestions__isnull=False).distinct():
        numbers = sorted(Suggestion.objects.filter(session=session).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
    positions = defaultdict(list)
    for suggestion_id, position in Proposer.objects.values_list("suggestion", "position"):
        positions[suggestion_id].append(position)
    assert len(positions) == N
    assert all(sorted(p) == list(range(1, len(p) + 1)) for p in positions.values())


def test_one_active_lead_per_round_and_a_due_date_once_assigned(generated):
    leads = Counter(
        Assignment.objects.active().filter(role=HandlerRole.LEAD).values_list("suggestion", "round")
    )
    assert set(leads.values()) == {1}
    lead_due = dict(
        ((s, r), due)
        for s, r, due in Assignment.objects.filter(role=HandlerRole.LEAD).values_list(
            "suggestion", "round", "due_date"
        )
    )
    for pk, status, rounds, due_date in Suggestion.objects.values_list("pk", "status", "round", "due_date"):
        if status in NOT_ASSIGNED:
            assert rounds == 1 and due_date is None
            assert not any(s == pk for s, _ in leads)
        else:
            assert [r for r in range(1, rounds + 1) if leads[(pk, r)] == 1] == list(range(1, rounds + 1))
            assert due_date == lead_due[(pk, rounds)]
    # a pending (unsigned) lead only on a suggestion waiting in 已交办 or withdrawn before signing
    pending = set(
        Assignment.objects.filter(status=AssignmentStatus.PENDING).values_list(
            "suggestion__status", flat=True
        )
    )
    assert pending <= {Status.ASSIGNED, Status.WITHDRAWN}


def test_replies_and_ratings_follow_the_status(generated):
    status_round = dict(
        (pk, (status, r)) for pk, status, r in Suggestion.objects.values_list("pk", "status", "round")
    )
    for suggestion_id, reply_round in Reply.objects.values_list("suggestion", "round"):
        status, rounds = status_round[suggestion_id]
        # the current round's reply only once replied; earlier rounds' replies were rated 不满意
        assert reply_round < rounds or status in ANSWERED
    replied_now = {s for s, r in Reply.objects.values_list("suggestion", "round") if status_round[s][1] == r}
    assert replied_now == {pk for pk, (status, _) in status_round.items() if status in ANSWERED}
    rated_now = {s for s, r in Rating.objects.values_list("suggestion", "round") if status_round[s][1] == r}
    assert rated_now == {
        pk for pk, (status, _) in status_round.items() if status in (Status.REVIEW, Status.CLOSED)
    }
    assert not Rating.objects.exclude(reply__suggestion=F("suggestion"), reply__round=F("round")).exists()
    leads = set(Proposer.objects.filter(position=1).values_list("suggestion", "delegate"))
    assert set(Rating.objects.values_list("suggestion", "delegate")) <= leads


def test_each_timeline_leads_to_the_status(generated):
    """Events in time order: each starts from the status the one before left, the last gives the status."""
    timelines = defaultdict(list)
    for event in Event.objects.order_by("suggestion", "at", "id").values(
        "suggestion", "id", "from_status", "to_status"
    ):
        timelines[event["suggestion"]].append(event)
    status = dict(Suggestion.objects.values_list("pk", "status"))
    assert set(timelines) == set(status)
    for pk, events in timelines.items():
        # written in time order: the invariants read the timeline by id
        assert [e["id"] for e in events] == sorted(e["id"] for e in events), pk
        assert events[0]["from_status"] == Status.REGISTERED
        for before, after in zip(events, events[1:], strict=False):
            assert before["to_status"] == after["from_status"], pk
        assert events[-1]["to_status"] == status[pk]
    # only the events whose data a check or the timeline reads carry data, as the workflow writes it
    assert set(Event.objects.exclude(data={}).values_list("kind", flat=True)) == {
        EventKind.CO_OPINION,
        EventKind.PUBLISH,
    }


def test_the_generated_data_satisfies_every_invariant(generated):
    """`check_invariants` over generated data: every rule of suggestions/invariants.py holds."""
    assert set(Suggestion.objects.values_list("status", flat=True)) == set(Status.values)
    assert Suggestion.objects.filter(round=3).exists()
    assert_invariants_hold()


def test_each_co_opinion_event_has_its_record(generated):
    """协办意见 as workflow.give_co_opinion writes them: at most one per co-handling assignment, each with
    its event (same round and department), given after the assignment and within its due date."""
    assert CoHandlerOpinion.objects.exists()
    opinions = CoHandlerOpinion.objects.values_list(
        "suggestion", "assignment__suggestion", "assignment__role", "assignment__round",
        "assignment__department", "assignment__assigned_on", "assignment__due_date", "submitted_on",
    )  # fmt: skip
    records = Counter()
    for suggestion, of, role, round_, department, assigned_on, due, submitted_on in opinions:
        assert suggestion == of and role == HandlerRole.CO
        assert assigned_on < submitted_on <= due
        records[(suggestion, round_, department)] += 1
    assert set(records.values()) == {1}
    events = Counter(
        Event.objects.filter(kind=EventKind.CO_OPINION).values_list("suggestion", "round", "department")
    )
    assert events == records
    assert not Event.objects.filter(kind=EventKind.CO_OPINION).exclude(data={"on_time": True}).exists()


def test_published_replies_have_their_publish_events(generated):
    published = set(
        Reply.objects.exclude(publication=Publication.UNPUBLISHED).values_list(
            "suggestion", "round", "publication", "published_at", "department"
        )
    )
    assert published
    events = {
        (e.suggestion_id, e.data["reply_round"], e.data["mode"], e.at, e.department_id)
        for e in Event.objects.filter(kind=EventKind.PUBLISH)
    }
    assert events == published
    assert not Reply.objects.filter(publication=Publication.UNPUBLISHED, published_at__isnull=False).exists()


def test_the_same_seed_tells_the_same_story_again(generated):
    first = {session.pk: story(session) for session in CongressSession.objects.all()}
    counts = {model: model.objects.count() for model in (Suggestion, Assignment, Reply, Rating, Event)}
    generate()  # appended: numbered on from the last suggestion of each session
    for model, count in counts.items():
        assert model.objects.count() == 2 * count, model
    for session in CongressSession.objects.all():
        again = story(session)
        assert again[len(again) // 2 :] == first[session.pk]
    generate(n=30, seed=7)
    assert Suggestion.objects.count() == 2 * N + 30


def test_the_count_is_checked(db):
    with pytest.raises(CommandError, match="--suggestions"):
        generate(n=0)
    assert not Suggestion.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_batches_are_written_in_parallel():
    """With no caller's transaction, writer threads COPY the batches on their own connections."""
    generate(n=400)
    assert Suggestion.objects.count() == 400
    assert sorted(Suggestion.objects.values_list("number", flat=True)) == sorted(
        n for size in (134, 133, 133) for n in range(1, size + 1)
    )
    assert 7 <= Event.objects.count() / 400 <= 14
    assert_invariants_hold()
