"""Two steps on one suggestion at the same moment (PostgreSQL row locks): one wins, the row stays whole.

Each race holds the suggestion's row lock itself while its threads start, and lets them go only once
every step waits for that lock in PostgreSQL, so without the lock both threads would read the same
state (nothing of the workflow is patched). Where the two steps exclude
each other, exactly one wins and the loser gets a ValidationError, never a crash; where one may
follow the other (assign, then withdraw), the events must tell one serial history. Either way: no
duplicate rows, one event per success.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from suggestions import workflow
from suggestions.models import Assignment, Event, EventKind, Rating, Reply, Status, Suggestion
from tests import factories
from tests.conftest import postgres_only, row_locked_until_queued

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def race(*steps: Callable[[Suggestion, object], object], suggestion: Suggestion, users: list) -> list[tuple]:
    """Run each step in its own thread on its own copies of the suggestion and the user."""
    barrier = threading.Barrier(len(steps))
    outcomes: list[tuple] = [("not run", None)] * len(steps)
    User = get_user_model()

    def run(i: int, step, user_pk: int) -> None:
        try:
            s = Suggestion.objects.get(pk=suggestion.pk)
            user = User.objects.get(pk=user_pk)
            barrier.wait(timeout=10)
            outcomes[i] = ("ok", step(s, user))
        except (ValidationError, PermissionDenied) as error:
            outcomes[i] = ("refused", error)
        except Exception as error:  # noqa: BLE001 — a crash is what the test looks for
            outcomes[i] = ("crash", error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, step, u.pk))
        for i, (step, u) in enumerate(zip(steps, users, strict=True))
    ]
    with row_locked_until_queued(suggestion.pk, len(threads)):
        for t in threads:
            t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def kinds(outcomes) -> list[str]:
    return sorted(kind for kind, _ in outcomes)


def events_of(s: Suggestion, kind: str) -> int:
    return Event.objects.filter(suggestion=s, kind=kind).count()


def assert_one_history(s: Suggestion) -> None:
    """No lost update: each event starts where the one before ended, and the row is where the last ended."""
    s.refresh_from_db()
    chain = list(Event.objects.filter(suggestion=s).order_by("id").values_list("from_status", "to_status"))
    for (_, before), (after, _) in zip(chain, chain[1:], strict=False):
        assert after == before, chain
    assert chain[-1][1] == s.status


def test_two_replies_at_once(in_progress, lead_handler, staff):
    def answer(category):
        return lambda s, u: factories.reply(s, u, category=category)

    outcomes = race(answer("A"), answer("B"), suggestion=in_progress, users=[lead_handler, staff])

    assert kinds(outcomes) == ["ok", "refused"]
    in_progress.refresh_from_db()
    assert in_progress.status == Status.REPLIED
    assert Reply.objects.filter(suggestion=in_progress).count() == 1
    assert events_of(in_progress, EventKind.REPLY) == 1
    assert_one_history(in_progress)
    winner = next(result for kind, result in outcomes if kind == "ok")
    assert Reply.objects.get(suggestion=in_progress).category == winner.category


def test_two_lead_ratings_at_once(replied, lead_delegate_user, staff):
    def rate(result):
        return lambda s, u: workflow.rate(
            suggestion=s, attitude="satisfied", result=result, comment="意见", delegate=s.lead_delegate, by=u
        )

    outcomes = race(
        rate("satisfied"), rate("unsatisfied"), suggestion=replied, users=[lead_delegate_user, staff]
    )

    assert kinds(outcomes) == ["ok", "refused"]
    replied.refresh_from_db()
    rating = Rating.objects.get(suggestion=replied)
    assert replied.status == (Status.REVIEW if rating.unsatisfied else Status.CLOSED)
    assert events_of(replied, EventKind.RATE) == 1
    event = Event.objects.get(suggestion=replied, kind=EventKind.RATE)
    assert (event.from_status, event.to_status) == (Status.REPLIED, replied.status)
    assert_one_history(replied)


def test_assign_against_withdraw(suggestion, staff, lead_delegate_user, lead_department):
    """Either the withdrawal comes first (assign refused) or second (a withdrawn, once assigned suggestion)."""
    outcomes = race(
        lambda s, u: workflow.assign(suggestion=s, lead=lead_department, by=u),
        lambda s, u: workflow.withdraw(suggestion=s, by=u),
        suggestion=suggestion,
        users=[staff, lead_delegate_user],
    )

    assert "crash" not in kinds(outcomes)
    assign_ok, withdraw_ok = (kind == "ok" for kind, _ in outcomes)
    assert withdraw_ok
    assert_one_history(suggestion)
    assert suggestion.status == Status.WITHDRAWN
    assigned = Assignment.objects.filter(suggestion=suggestion).exists()
    assert assigned is assign_ok
    assert (events_of(suggestion, EventKind.ASSIGN), events_of(suggestion, EventKind.WITHDRAW)) == (
        int(assign_ok),
        1,
    )
    withdraw = Event.objects.get(suggestion=suggestion, kind=EventKind.WITHDRAW)
    assert withdraw.from_status == (Status.ASSIGNED if assign_ok else Status.REGISTERED)


def test_assign_against_not_accept(suggestion, staff, lead_department):
    other_staff = factories.staff_user(username="staff2")
    outcomes = race(
        lambda s, u: workflow.assign(suggestion=s, lead=lead_department, by=u),
        lambda s, u: workflow.not_accept(suggestion=s, reason="不属于建议范围", by=u),
        suggestion=suggestion,
        users=[staff, other_staff],
    )

    assert kinds(outcomes) == ["ok", "refused"]
    assert_one_history(suggestion)
    assigned = Assignment.objects.filter(suggestion=suggestion).exists()
    if suggestion.status == Status.ASSIGNED:
        assert assigned and suggestion.due_date is not None
        assert events_of(suggestion, EventKind.NOT_ACCEPT) == 0
    else:
        assert suggestion.status == Status.NOT_ACCEPTED
        assert not assigned and suggestion.due_date is None
        assert events_of(suggestion, EventKind.ASSIGN) == 0


def test_two_rehandle_orders_at_once_make_one_new_round(replied, lead_delegate_user, staff):
    workflow.rate(
        suggestion=replied,
        attitude="satisfied",
        result="unsatisfied",
        comment="未解决",
        by=lead_delegate_user,
    )
    other_staff = factories.staff_user(username="staff2")

    outcomes = race(
        lambda s, u: workflow.rehandle(suggestion=s, note="重新办理", by=u),
        lambda s, u: workflow.rehandle(suggestion=s, note="重新办理", by=u),
        suggestion=replied,
        users=[staff, other_staff],
    )

    assert kinds(outcomes) == ["ok", "refused"]
    replied.refresh_from_db()
    assert (replied.status, replied.round) == (Status.IN_PROGRESS, 2)
    assert Assignment.objects.filter(suggestion=replied, round=2).count() == 2
    assert events_of(replied, EventKind.REHANDLE) == 1
    assert_one_history(replied)


def test_co_opinion_twice_at_once(in_progress, co_handler, staff):
    outcomes = race(
        lambda s, u: workflow.give_co_opinion(suggestion=s, text="意见一", by=u),
        lambda s, u: workflow.give_co_opinion(suggestion=s, text="意见二", by=u),
        suggestion=in_progress,
        users=[co_handler, staff],
    )

    assert kinds(outcomes) == ["ok", "refused"]
    assert in_progress.co_opinions.count() == 1
    assert events_of(in_progress, EventKind.CO_OPINION) == 1


def test_close_against_lead_rating(replied, lead_delegate_user, staff):
    """Close first: the lead's rating is refused. Rating (不满意) first: review, then closed by staff."""
    outcomes = race(
        lambda s, u: workflow.close(suggestion=s, reason="代表逾期未评价", by=u),
        lambda s, u: workflow.rate(
            suggestion=s, attitude="satisfied", result="unsatisfied", comment="不满意", by=u
        ),
        suggestion=replied,
        users=[staff, lead_delegate_user],
    )

    assert "crash" not in kinds(outcomes)
    closed, rated = (kind == "ok" for kind, _ in outcomes)
    assert closed
    assert_one_history(replied)
    assert replied.status == Status.CLOSED
    assert Rating.objects.filter(suggestion=replied).count() == int(rated)
    assert (events_of(replied, EventKind.RATE), events_of(replied, EventKind.CLOSE)) == (int(rated), 1)
    close = Event.objects.get(suggestion=replied, kind=EventKind.CLOSE)
    assert close.from_status == (Status.REVIEW if rated else Status.REPLIED)


def test_event_ids_become_visible_in_commit_order():
    """The data version (newest event id) keys the caches: a later id must not commit before an earlier.

    Transaction A appends an event and stays open; B appends one meanwhile and tries to commit. B must
    wait for A (the event-order lock), so a reader never sees B's id while A's change is still unseen.
    """
    from django.db import transaction

    s1, s2 = factories.SuggestionFactory(), factories.SuggestionFactory()
    a_appended, a_committed = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def append(suggestion_pk: int) -> int:
        return Event.objects.create(
            suggestion_id=suggestion_pk,
            kind=EventKind.PROGRESS,
            round=1,
            from_status=Status.REGISTERED,
            to_status=Status.REGISTERED,
        ).pk

    def a() -> None:
        try:
            with transaction.atomic():
                seen["a"] = append(s1.pk)
                a_appended.set()
                time.sleep(0.5)
                a_committed.set()
        finally:
            connection.close()

    def b() -> None:
        try:
            a_appended.wait(timeout=10)
            with transaction.atomic():
                seen["b"] = append(s2.pk)
            seen["b_after_a"] = a_committed.is_set()
        finally:
            connection.close()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert seen["b"] > seen["a"]
    assert seen["b_after_a"] is True, "B's event committed while A's earlier one was still open"
