"""suggestions/workflow/: The long road: two re-handling rounds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from suggestions import calendar, workflow
from suggestions.models import (
    EventKind,
)
from tests import factories
from tests.suggestions.workflow.cast import (
    S,
)

# The long road: two re-handling rounds
# ---------------------------------------------------------------------------


def test_two_rehandling_rounds_reach_round_three_with_every_event(world, monkeypatch):
    today = {"d": dt.date(2023, 2, 1)}
    monkeypatch.setattr(calendar, "today", lambda: today["d"])
    s = world.suggestion
    w = world

    workflow.assign(suggestion=s, lead=w.lead_department, co_handlers=[w.co_department], by=w.staff)
    workflow.acknowledge(suggestion=s, by=w.lead_handler)
    workflow.acknowledge(suggestion=s, by=w.co_handler)
    workflow.log_contact(suggestion=s, method="meet", by=w.lead_handler)
    workflow.give_co_opinion(suggestion=s, text="协办意见一", by=w.co_handler)
    today["d"] = dt.date(2023, 4, 20)
    factories.reply(s, w.lead_handler, category="C", doc_number="太发改函〔2023〕12号")
    workflow.rate(
        suggestion=s, attitude="satisfied", result="unsatisfied", comment="没解决", by=w.lead_delegate
    )
    workflow.rehandle(suggestion=s, note="第二轮", by=w.staff)
    assert (w.s.round, w.s.due_date) == (2, dt.date(2023, 5, 20))
    today["d"] = dt.date(2023, 5, 10)
    workflow.give_co_opinion(suggestion=s, text="协办意见二", by=w.co_handler)
    factories.reply(s, w.lead_handler, category="B", doc_number="太发改函〔2023〕30号")
    workflow.rate(
        suggestion=s,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="仍未解决",
        delegate=w.lead_delegate_record,
        by=w.staff,
    )
    workflow.rehandle(suggestion=s, note="第三轮", by=w.staff)
    assert (w.s.round, w.s.due_date) == (3, dt.date(2023, 6, 10))
    today["d"] = dt.date(2023, 6, 5)
    with pytest.raises(ValidationError, match="太仓市交通运输局尚未提交协办意见"):
        factories.reply(s, w.lead_handler, with_co_opinions=False)
    workflow.waive_co_opinion(suggestion=s, reason="代表要求尽快答复，协办意见随后补充", by=w.staff)
    factories.reply(s, w.lead_handler, category="A", doc_number="太发改函〔2023〕41号")
    workflow.rate(suggestion=s, attitude="satisfied", result="satisfied", by=w.co_proposer)
    workflow.rate(suggestion=s, attitude="satisfied", result="basically", by=w.lead_delegate)
    workflow.publish(suggestion=s, by=w.staff)

    s = w.s
    assert (s.status, s.round) == (S.CLOSED, 3)
    assert list(s.replies.values_list("round", "category", "due_date")) == [
        (1, "C", dt.date(2023, 5, 1)),
        (2, "B", dt.date(2023, 5, 20)),
        (3, "A", dt.date(2023, 6, 10)),
    ]
    assert list(s.ratings.filter(is_lead=True).values_list("round", "result")) == [
        (1, "unsatisfied"),
        (2, "unsatisfied"),
        (3, "basically"),
    ]
    assert sorted(s.assignments.values_list("round", "role")) == [
        (1, "co"),
        (1, "lead"),
        (2, "co"),
        (2, "lead"),
        (3, "co"),
        (3, "lead"),
    ]
    staff, lh, ch, ld, cp = (w.staff, w.lead_handler, w.co_handler, w.lead_delegate, w.co_proposer)
    timeline = [(e.kind, e.round, e.from_status, e.to_status, e.actor) for e in s.events.order_by("id")]
    assert timeline == [
        (EventKind.REGISTER, 1, S.REGISTERED, S.REGISTERED, None),
        (EventKind.ASSIGN, 1, S.REGISTERED, S.ASSIGNED, staff),
        (EventKind.ACKNOWLEDGE, 1, S.ASSIGNED, S.IN_PROGRESS, lh),
        (EventKind.ACKNOWLEDGE, 1, S.IN_PROGRESS, S.IN_PROGRESS, ch),
        (EventKind.CONTACT, 1, S.IN_PROGRESS, S.IN_PROGRESS, lh),
        (EventKind.CO_OPINION, 1, S.IN_PROGRESS, S.IN_PROGRESS, ch),
        (EventKind.REPLY, 1, S.IN_PROGRESS, S.REPLIED, lh),
        (EventKind.RATE, 1, S.REPLIED, S.REVIEW, ld),
        (EventKind.REHANDLE, 2, S.REVIEW, S.IN_PROGRESS, staff),
        (EventKind.CO_OPINION, 2, S.IN_PROGRESS, S.IN_PROGRESS, ch),
        (EventKind.REPLY, 2, S.IN_PROGRESS, S.REPLIED, lh),
        (EventKind.RATE, 2, S.REPLIED, S.REVIEW, staff),
        (EventKind.REHANDLE, 3, S.REVIEW, S.IN_PROGRESS, staff),
        (EventKind.WAIVE_CO_OPINION, 3, S.IN_PROGRESS, S.IN_PROGRESS, staff),
        (EventKind.REPLY, 3, S.IN_PROGRESS, S.REPLIED, lh),
        (EventKind.RATE, 3, S.REPLIED, S.REPLIED, cp),
        (EventKind.RATE, 3, S.REPLIED, S.CLOSED, ld),
        (EventKind.PUBLISH, 3, S.CLOSED, S.CLOSED, staff),
    ]
    assert s.events.get(kind=EventKind.RATE, round=2).data["on_behalf"] is True
    assert s.events.filter(kind=EventKind.REHANDLE).count() == 2
