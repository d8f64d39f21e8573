"""Many clients racing the same transition through the API (PostgreSQL row locks): exactly one wins,
every other gets a clear 400 with the workflow's code, and no row is duplicated.

Each race holds the suggestion's row lock itself while its threads send their requests, waits until
every request is queued behind that lock in PostgreSQL, then lets them go: the requests really overlap,
and nothing of the workflow is patched. (tests/suggestions/test_concurrency.py races the workflow
functions themselves; this goes through authentication, the views and the error mapping.)
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from suggestions import workflow
from suggestions.models import Assignment, Event, EventKind, Rating, Reply, Status, Suggestion
from suggestions.workflow.invariants import violations
from tests import factories
from tests.conftest import postgres_only, row_locked_until_queued

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]

THREADS = 8
LOST_RACE_CODES = {"invalid_state", "invalid_transition", "duplicate", "invalid"}


def race(pk: int, requests: list[tuple[object, str, dict]]) -> list[tuple[int, dict]]:
    """POST each (user, step, data) from its own thread, all at once; (status, body) in the same order."""
    tokens = [Token.objects.get_or_create(user=user)[0].key for user, _step, _data in requests]
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, dict]] = [(0, {})] * len(requests)

    def run(i: int, token: str, step: str, data: dict) -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait(timeout=10)
            response = client.post(f"/api/v1/suggestions/{pk}/{step}/", data, format="json")
            results[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, token, step, data))
        for i, (token, (_user, step, data)) in enumerate(zip(tokens, requests, strict=True))
    ]
    with row_locked_until_queued(pk, len(requests)):
        for t in threads:
            t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def assert_one_winner(results: list[tuple[int, dict]]) -> None:
    codes = Counter(status for status, _body in results)
    assert codes == {200: 1, 400: len(results) - 1}, results
    for status, body in results:
        if status == 400:
            assert body["error"]["code"] in LOST_RACE_CODES, body
            assert body["error"]["message"]


def reply_body(n: int) -> dict:
    return {
        "category": "AB"[n % 2],
        "doc_number": f"太发改函〔2023〕{n}号",
        "signer": "张三",
        "contact_person": "李四",
        "contact_phone": "0512-53500000",
        "text": f"答复 {n}",
    }


def test_many_replies_at_once(in_progress, lead_handler, staff):
    factories.co_opinions(in_progress)  # the reply waits for the co-handler's opinion
    users = [lead_handler, staff] * (THREADS // 2)

    results = race(in_progress.pk, [(u, "reply", reply_body(n)) for n, u in enumerate(users)])

    assert_one_winner(results)
    winner = next(body for status, body in results if status == 200)
    (reply,) = Reply.objects.filter(suggestion=in_progress)
    assert winner["replies"][0]["doc_number"] == reply.doc_number
    assert Suggestion.objects.get(pk=in_progress.pk).status == Status.REPLIED
    assert Event.objects.filter(suggestion=in_progress, kind=EventKind.REPLY).count() == 1
    assert violations([in_progress.pk]) == []


def test_many_lead_ratings_at_once(replied, lead_delegate_user, staff):
    lead = replied.lead_delegate.pk
    requests = [
        (lead_delegate_user, "rate", {"attitude": "satisfied", "result": "unsatisfied", "comment": "未解决"}),
        (staff, "rate", {"attitude": "satisfied", "result": "satisfied", "delegate": lead}),
    ] * (THREADS // 2)

    results = race(replied.pk, requests)

    assert_one_winner(results)
    (rating,) = Rating.objects.filter(suggestion=replied)
    s = Suggestion.objects.get(pk=replied.pk)
    assert s.status == (Status.REVIEW if rating.unsatisfied else Status.CLOSED)
    assert Event.objects.filter(suggestion=replied, kind=EventKind.RATE).count() == 1
    assert violations([replied.pk]) == []


def test_a_co_proposer_rating_many_times_at_once(replied, co_proposer_user):
    data = {"attitude": "basically", "result": "basically"}

    results = race(replied.pk, [(co_proposer_user, "rate", data)] * THREADS)

    assert_one_winner(results)
    assert Rating.objects.filter(suggestion=replied).count() == 1
    assert Suggestion.objects.get(pk=replied.pk).status == Status.REPLIED  # a co-proposer does not close
    assert violations([replied.pk]) == []


def test_assign_against_withdraw(suggestion, staff, lead_delegate_user, lead_department, co_department):
    assign = {"lead": lead_department.pk, "co_handlers": [co_department.pk]}
    requests = [(staff, "assign", assign), (lead_delegate_user, "withdraw", {})] * (THREADS // 2)

    results = race(suggestion.pk, requests)

    by_step = {"assign": Counter(), "withdraw": Counter()}
    for (status, _body), (_user, step, _data) in zip(results, requests, strict=True):
        by_step[step][status] += 1
    assert by_step["withdraw"] == {200: 1, 400: THREADS // 2 - 1}, results
    assigned_once = by_step["assign"][200]
    assert assigned_once in (0, 1) and by_step["assign"][400] == THREADS // 2 - assigned_once
    s = Suggestion.objects.get(pk=suggestion.pk)
    assert s.status == Status.WITHDRAWN
    assert Assignment.objects.filter(suggestion=s).count() == 2 * assigned_once  # lead + co, or nothing
    assert Event.objects.filter(suggestion=s, kind=EventKind.ASSIGN).count() == assigned_once
    assert violations([s.pk]) == []


def test_many_acknowledgements_at_once(assigned, lead_handler):
    results = race(assigned.pk, [(lead_handler, "acknowledge", {})] * THREADS)

    assert_one_winner(results)
    assert Event.objects.filter(suggestion=assigned, kind=EventKind.ACKNOWLEDGE).count() == 1
    assert Suggestion.objects.get(pk=assigned.pk).status == Status.IN_PROGRESS
    assert violations([assigned.pk]) == []


def test_rehandle_orders_at_once_open_one_new_round(replied, lead_delegate_user, staff):
    workflow.rate(
        suggestion=replied,
        attitude="satisfied",
        result="unsatisfied",
        comment="未解决",
        by=lead_delegate_user,
    )

    results = race(replied.pk, [(staff, "rehandle", {"note": "重新办理"})] * THREADS)

    assert_one_winner(results)
    s = Suggestion.objects.get(pk=replied.pk)
    assert (s.status, s.round) == (Status.IN_PROGRESS, 2)
    assert Assignment.objects.filter(suggestion=s, round=2).count() == 2
    assert violations([s.pk]) == []
