"""The workflow's steps as a table (one row per step: allowed states, result, roles), shared by the
stage files; test_steps_table.py walks it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from suggestions import calendar, workflow
from suggestions.models import (
    EventKind,
    Publication,
    Rating,
    Status,
)
from tests import factories
from tests.suggestions.workflow.cast import (
    ROLES,
    S,
    World,
    rate_lead,
)

# The table: one row per step
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    kind: str
    run: Callable[[World, str, Any], Any]  # (world, role, user) -> the step's result
    states: dict[str, tuple[str, str]]  # allowed state -> (acting role, status afterwards)
    roles: frozenset[str]  # who may take the step (checked in role_state)
    role_state: str
    prepare: Callable[[World, str], None] | None = None  # preconditions inside an allowed state
    role_cases: bool = True  # False: the roles are those of another row


def _request_reassignment_first(w: World, state: str) -> None:
    who = w.lead_handler if state == S.ASSIGNED else w.co_handler  # the lead has acknowledged by then
    workflow.request_reassignment(suggestion=w.suggestion, reason="不属于本单位职责", by=who)


def _request_extension_first(w: World, state: str) -> None:
    workflow.request_extension(
        suggestion=w.suggestion,
        requested_due=(w.s.due_date or calendar.today()) + dt.timedelta(days=30),
        reason="需协调多个部门",
        by=w.lead_handler,
    )


def _co_opinions_first(w: World, state: str) -> None:
    """The co-handler's opinion is in (the lead may reply only then, or after its deadline)."""
    if state in (S.ASSIGNED, S.IN_PROGRESS):
        factories.co_opinions(w.suggestion)


def _partner(w: World):
    """A fresh suggestion of the same session, for 并案办理."""
    return factories.SuggestionFactory(session=w.suggestion.session)


def _publish_first(w: World, state: str) -> None:
    workflow.publish(suggestion=w.suggestion, mode=Publication.FULL, by=w.staff)


def _rate_co(w: World, role: str, user) -> Rating:
    delegate = w.co_proposer_record if role == "staff" else None
    return workflow.rate(
        suggestion=w.suggestion, attitude="satisfied", result="basically", delegate=delegate, by=user
    )


HANDLING_STATES = (S.ASSIGNED, S.IN_PROGRESS)
SAME = {state: ("staff", state) for state in Status.values}

SPECS: dict[str, Spec] = {
    "assign": Spec(
        EventKind.ASSIGN,
        lambda w, r, u: workflow.assign(
            suggestion=w.suggestion, lead=w.lead_department, co_handlers=[w.co_department], by=u
        ),
        {S.REGISTERED: ("staff", S.ASSIGNED)},
        frozenset({"staff"}),
        S.REGISTERED,
    ),
    "not_accept": Spec(
        EventKind.NOT_ACCEPT,
        lambda w, r, u: workflow.not_accept(suggestion=w.suggestion, reason="属于信访事项", by=u),
        {S.REGISTERED: ("staff", S.NOT_ACCEPTED)},
        frozenset({"staff"}),
        S.REGISTERED,
    ),
    "set_key_supervision": Spec(
        EventKind.SUPERVISION,
        lambda w, r, u: workflow.set_key_supervision(suggestion=w.suggestion, on=True, by=u),
        {st: SAME[st] for st in (S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS, S.REPLIED, S.REVIEW, S.CLOSED)},
        frozenset({"staff"}),
        S.ASSIGNED,
    ),
    "merge": Spec(
        EventKind.MERGE,
        lambda w, r, u: workflow.merge(suggestion=w.suggestion, other=_partner(w).number, by=u),
        {st: SAME[st] for st in (S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS)},
        frozenset({"staff"}),
        S.ASSIGNED,
    ),
    "acknowledge": Spec(
        EventKind.ACKNOWLEDGE,
        lambda w, r, u: workflow.acknowledge(suggestion=w.suggestion, by=u),
        {S.ASSIGNED: ("lead_handler", S.IN_PROGRESS), S.IN_PROGRESS: ("co_handler", S.IN_PROGRESS)},
        frozenset({"lead_handler", "co_handler", "staff"}),
        S.ASSIGNED,
    ),
    "request_reassignment": Spec(
        EventKind.REQUEST_REASSIGNMENT,
        lambda w, r, u: workflow.request_reassignment(
            suggestion=w.suggestion, reason="不属于本单位职责", by=u
        ),
        {S.ASSIGNED: ("lead_handler", S.ASSIGNED), S.IN_PROGRESS: ("co_handler", S.IN_PROGRESS)},
        frozenset({"lead_handler", "co_handler"}),
        S.ASSIGNED,
    ),
    "approve_reassignment": Spec(
        EventKind.APPROVE_REASSIGNMENT,
        lambda w, r, u: workflow.approve_reassignment(
            suggestion=w.suggestion, new_department=w.other_department, by=u
        ),
        {S.ASSIGNED: ("staff", S.ASSIGNED), S.IN_PROGRESS: ("staff", S.IN_PROGRESS)},
        frozenset({"staff"}),
        S.ASSIGNED,
        _request_reassignment_first,
    ),
    "reject_reassignment": Spec(
        EventKind.REJECT_REASSIGNMENT,
        lambda w, r, u: workflow.reject_reassignment(suggestion=w.suggestion, note="职责明确，请签收", by=u),
        {S.ASSIGNED: ("staff", S.ASSIGNED), S.IN_PROGRESS: ("staff", S.IN_PROGRESS)},
        frozenset({"staff"}),
        S.ASSIGNED,
        _request_reassignment_first,
    ),
    "log_contact": Spec(
        EventKind.CONTACT,
        lambda w, r, u: workflow.log_contact(suggestion=w.suggestion, method="meet", notes="当面沟通", by=u),
        {st: ("lead_handler", st) for st in (S.ASSIGNED, S.IN_PROGRESS, S.REPLIED, S.REVIEW)},
        frozenset({"lead_handler", "co_handler", "staff"}),
        S.IN_PROGRESS,
    ),
    "add_progress": Spec(
        EventKind.PROGRESS,
        lambda w, r, u: workflow.add_progress(suggestion=w.suggestion, text="已召开专题协调会", by=u),
        {st: ("lead_handler", st) for st in HANDLING_STATES},
        frozenset({"lead_handler", "co_handler", "staff"}),
        S.IN_PROGRESS,
    ),
    "give_co_opinion": Spec(
        EventKind.CO_OPINION,
        lambda w, r, u: workflow.give_co_opinion(suggestion=w.suggestion, text="同意主办单位意见", by=u),
        {st: ("co_handler", st) for st in HANDLING_STATES},
        frozenset({"co_handler", "staff"}),
        S.IN_PROGRESS,
    ),
    "request_extension": Spec(
        EventKind.REQUEST_EXTENSION,
        lambda w, r, u: workflow.request_extension(
            suggestion=w.suggestion,
            requested_due=(w.s.due_date or calendar.today()) + dt.timedelta(days=30),
            reason="需协调多个部门",
            by=u,
        ),
        {st: ("lead_handler", st) for st in HANDLING_STATES},
        frozenset({"lead_handler"}),
        S.IN_PROGRESS,
    ),
    "approve_extension": Spec(
        EventKind.APPROVE_EXTENSION,
        lambda w, r, u: workflow.approve_extension(suggestion=w.suggestion, by=u),
        {st: ("staff", st) for st in HANDLING_STATES},
        frozenset({"staff"}),
        S.IN_PROGRESS,
        _request_extension_first,
    ),
    "reject_extension": Spec(
        EventKind.REJECT_EXTENSION,
        lambda w, r, u: workflow.reject_extension(suggestion=w.suggestion, note="理由不充分", by=u),
        {st: ("staff", st) for st in HANDLING_STATES},
        frozenset({"staff"}),
        S.IN_PROGRESS,
        _request_extension_first,
    ),
    "reply": Spec(
        EventKind.REPLY,
        lambda w, r, u: factories.reply(w.suggestion, u, category="B", with_co_opinions=False),
        {S.IN_PROGRESS: ("lead_handler", S.REPLIED)},
        frozenset({"lead_handler", "staff"}),
        S.IN_PROGRESS,
        _co_opinions_first,
    ),
    "rate": Spec(  # the lead delegate's rating decides; co-proposers may rate too (own rows)
        EventKind.RATE,
        lambda w, r, u: rate_lead(w, u),
        {S.REPLIED: ("lead_delegate", S.CLOSED)},
        frozenset({"lead_delegate", "co_proposer", "staff"}),
        S.REPLIED,
    ),
    "rate_as_co_proposer": Spec(
        EventKind.RATE,
        _rate_co,
        {st: ("co_proposer", st) for st in (S.REPLIED, S.REVIEW, S.CLOSED)},
        frozenset({"co_proposer", "staff"}),
        S.REVIEW,
        role_cases=False,  # who may rate: the "rate" row
    ),
    "rehandle": Spec(
        EventKind.REHANDLE,
        lambda w, r, u: workflow.rehandle(suggestion=w.suggestion, note="请重新研究办理", by=u),
        {S.REVIEW: ("staff", S.IN_PROGRESS)},
        frozenset({"staff"}),
        S.REVIEW,
    ),
    "close": Spec(
        EventKind.CLOSE,
        lambda w, r, u: workflow.close(suggestion=w.suggestion, reason="已作解释，代表表示理解", by=u),
        {S.REVIEW: ("staff", S.CLOSED), S.REPLIED: ("staff", S.CLOSED)},
        frozenset({"staff"}),
        S.REVIEW,
    ),
    "withdraw": Spec(
        EventKind.WITHDRAW,
        lambda w, r, u: workflow.withdraw(suggestion=w.suggestion, reason="问题已解决", by=u),
        {st: ("lead_delegate", S.WITHDRAWN) for st in (S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS)},
        frozenset({"lead_delegate", "staff"}),
        S.ASSIGNED,
    ),
    "publish": Spec(
        EventKind.PUBLISH,
        lambda w, r, u: workflow.publish(suggestion=w.suggestion, mode=Publication.FULL, by=u),
        {st: SAME[st] for st in (S.REPLIED, S.REVIEW, S.CLOSED)},
        frozenset({"staff"}),
        S.CLOSED,
    ),
    "unpublish": Spec(
        EventKind.UNPUBLISH,
        lambda w, r, u: workflow.unpublish(suggestion=w.suggestion, note="涉及个人信息", by=u),
        {st: SAME[st] for st in (S.REPLIED, S.REVIEW, S.CLOSED)},
        frozenset({"staff"}),
        S.CLOSED,
        _publish_first,
    ),
    "follow_up": Spec(
        EventKind.FOLLOW_UP,
        lambda w, r, u: workflow.follow_up(suggestion=w.suggestion, text="项目已开工", by=u),
        {S.CLOSED: ("lead_handler", S.CLOSED)},
        frozenset({"lead_handler", "staff"}),
        S.CLOSED,
    ),
}

STATE_CASES = [(step, state) for step in SPECS for state in Status.values]
ROLE_CASES = [(step, role) for step, spec in SPECS.items() if spec.role_cases for role in ROLES]
