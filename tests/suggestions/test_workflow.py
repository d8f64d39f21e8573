"""suggestions/workflow.py, exhaustively: every step from every state, by every role; the data rules.

The tables at the top say, for each step, from which states it is allowed (and with which result)
and which roles may take it. Three parametrised tests walk them:

- a step succeeds from each allowed state and records exactly one event (actor, from, to);
- a step from any other state raises ValidationError and writes nothing (a handler-only step on a
  suggestion not yet assigned raises PermissionDenied: the handler has no relation to it yet);
- each role not allowed gets PermissionDenied and writes nothing; each allowed role succeeds.

The users and one suggestion per state are built once for the module (`cast`); each test runs in
a savepoint on top of them.

Deadline arithmetic is in test_calendar.py; here only its use by the steps.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings

from delegates.models import Delegate
from departments.models import Department
from suggestions import calendar, workflow
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    ContactRecord,
    Event,
    EventKind,
    ExtensionRequest,
    HandlerRole,
    ProgressKind,
    ProgressUpdate,
    Proposer,
    Publication,
    Rating,
    Reply,
    RequestStatus,
    Status,
    Suggestion,
    Verdict,
    WorkdayCorrection,
)
from suggestions.policy.groups import ensure_role_groups
from suggestions.workflow.base import move
from tests import factories

S = Status
ROLES = [
    "anonymous",
    "dashboard",
    "staff",
    "lead_handler",
    "co_handler",
    "other_handler",
    "lead_delegate",
    "co_proposer",
    "other_delegate",
]
HANDLER_ROLES = {"lead_handler", "co_handler", "other_handler"}
# States in which no department has been assigned, so a handler has no relation to the suggestion.
UNASSIGNED_STATES = {S.REGISTERED, S.NOT_ACCEPTED}


# ---------------------------------------------------------------------------
# The cast and the states
# ---------------------------------------------------------------------------


@dataclass
class World:
    """One user per role; one suggestion (lead delegate + one co-proposer) prebuilt in each state."""

    users: dict[str, Any]
    lead_department: Department
    co_department: Department
    other_department: Department
    lead_delegate_record: Delegate
    co_proposer_record: Delegate
    prebuilt: dict[str, int]
    suggestion: Suggestion | None = None

    def __getattr__(self, role: str):
        try:
            return self.__dict__["users"][role]
        except KeyError:
            raise AttributeError(role) from None

    @property
    def s(self) -> Suggestion:
        self.suggestion.refresh_from_db()
        return self.suggestion

    def at(self, state: str) -> Suggestion:
        """Act on the suggestion prebuilt in `state` (what a test writes is rolled back after it)."""
        self.suggestion = Suggestion.objects.get(pk=self.prebuilt[state])
        assert self.suggestion.status == state
        return self.suggestion

    def drive(self, state: str) -> Suggestion:
        """A new suggestion driven through the workflow to `state` (today as calendar.today says)."""
        self.suggestion = factories.SuggestionFactory(
            proposers=[self.lead_delegate_record, self.co_proposer_record]
        )
        s = self.suggestion
        if state == S.NOT_ACCEPTED:
            workflow.not_accept(suggestion=s, reason="不属于本级人大代表建议范围", by=self.staff)
        elif state != S.REGISTERED:
            workflow.assign(
                suggestion=s, lead=self.lead_department, co_handlers=[self.co_department], by=self.staff
            )
            if state == S.WITHDRAWN:
                workflow.withdraw(suggestion=s, by=self.lead_delegate)
            if state in (S.IN_PROGRESS, S.REPLIED, S.REVIEW, S.CLOSED):
                workflow.acknowledge(suggestion=s, by=self.lead_handler)
            if state in (S.REPLIED, S.REVIEW, S.CLOSED):
                factories.reply(s, self.lead_handler, category="B")
            if state == S.REVIEW:
                rate_lead(self, self.lead_delegate, verdict=Verdict.UNSATISFIED)
            if state == S.CLOSED:
                rate_lead(self, self.lead_delegate, verdict=Verdict.SATISFIED)
        s = self.s
        assert s.status == state
        return s


@pytest.fixture(scope="module")
def cast(module_db) -> World:
    with module_db():
        groups = ensure_role_groups()
        assert groups
        lead_department = factories.DepartmentFactory(
            name="太仓市发展和改革委员会", short_name="发展和改革委员会"
        )
        co_department = factories.DepartmentFactory(name="太仓市交通运输局", short_name="交通运输局")
        other_department = factories.DepartmentFactory(name="太仓市教育局", short_name="教育局")
        lead_delegate = factories.DelegateFactory(name="汪香元")
        co_proposer = factories.DelegateFactory(name="杨锐")
        world = World(
            users={
                "anonymous": AnonymousUser(),
                "dashboard": factories.dashboard_user(username="wf_dashboard"),
                "staff": factories.staff_user(username="wf_staff"),
                "lead_handler": factories.handler_user(lead_department, username="wf_lead_handler"),
                "co_handler": factories.handler_user(co_department, username="wf_co_handler"),
                "other_handler": factories.handler_user(other_department, username="wf_other_handler"),
                "lead_delegate": factories.delegate_user(lead_delegate, username="wf_lead_delegate"),
                "co_proposer": factories.delegate_user(co_proposer, username="wf_co_proposer"),
                "other_delegate": factories.delegate_user(factories.DelegateFactory(), username="wf_other"),
            },
            lead_department=lead_department,
            co_department=co_department,
            other_department=other_department,
            lead_delegate_record=lead_delegate,
            co_proposer_record=co_proposer,
            prebuilt={},
        )
        for state in Status.values:
            world.prebuilt[state] = world.drive(state).pk
        world.suggestion = None
        return world


@pytest.fixture
def world(cast, db) -> World:
    """The module's cast, acting on the prebuilt registered suggestion unless the test picks another."""
    cast.at(S.REGISTERED)
    return cast


def rate_lead(w: World, user, verdict: str = Verdict.SATISFIED) -> Rating:
    return workflow.rate(
        suggestion=w.suggestion,
        attitude=Verdict.SATISFIED,
        result=verdict,
        comment="问题没有解决" if verdict == Verdict.UNSATISFIED else "",
        by=user,
    )


def snapshot(s: Suggestion) -> tuple:
    """Everything a failed step must leave untouched, read in one query."""
    handling = [
        Event,
        Assignment,
        Reply,
        Rating,
        ContactRecord,
        ProgressUpdate,
        CoHandlerOpinion,
        ExtensionRequest,
    ]
    counts = [f"(SELECT COUNT(*) FROM {m._meta.db_table} WHERE suggestion_id = %s)" for m in handling]
    states = (
        [
            f"(SELECT COUNT(*) FROM {Assignment._meta.db_table} WHERE suggestion_id = %s AND status = '{st}')"
            for st in AssignmentStatus.values
        ]
        + [
            f"(SELECT COUNT(*) FROM {Reply._meta.db_table} WHERE suggestion_id = %s AND publication = '{p}')"
            for p in Publication.values
        ]
        + [
            f"(SELECT COUNT(*) FROM {ExtensionRequest._meta.db_table} WHERE suggestion_id = %s AND status = '{st}')"
            for st in RequestStatus.values
        ]
    )
    sql = (
        f"SELECT status, round, due_date, key_supervision, {', '.join(counts + states)} "
        f"FROM {Suggestion._meta.db_table} WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [s.pk] * (len(counts) + len(states) + 1))
        return cursor.fetchone()


@pytest.fixture(scope="module", autouse=True)
def _media_in_tmp(tmp_path_factory):
    """One media folder for the module (conftest's per-test folder costs more than these tests)."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


# ---------------------------------------------------------------------------
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
        lambda w, r, u: factories.reply(w.suggestion, u, category="B"),
        {S.IN_PROGRESS: ("lead_handler", S.REPLIED)},
        frozenset({"lead_handler", "staff"}),
        S.IN_PROGRESS,
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


def _assert_one_event(w: World, spec: Spec, user, before_status: str, events_before: int) -> Event:
    s = w.s
    new = list(Event.objects.filter(suggestion=s).order_by("id")[events_before:])
    assert len(new) == 1, [e.kind for e in new]
    event = new[0]
    assert event.kind == spec.kind
    assert event.actor == user
    assert event.actor_name == (user.get_full_name() or user.get_username())
    assert (event.from_status, event.to_status) == (before_status, s.status)
    assert event.round == s.round
    return event


@pytest.mark.parametrize(("step", "state"), STATE_CASES)
def test_step_from_each_state(world, step, state):
    """Allowed state: the step succeeds with one event. Any other: ValidationError, nothing written."""
    spec = SPECS[step]
    s = world.at(state)
    if state in spec.states:
        role, expected = spec.states[state]
        if spec.prepare:
            spec.prepare(world, state)
        events_before = Event.objects.filter(suggestion=s).count()
        user = world.users[role]
        before = snapshot(s)

        spec.run(world, role, user)

        assert snapshot(s) != before  # the snapshot sees what a step writes
        assert world.s.status == expected
        _assert_one_event(world, spec, user, state, events_before)
    else:
        role = "staff" if "staff" in spec.roles else sorted(spec.roles)[0]
        expected_error = (
            PermissionDenied if role in HANDLER_ROLES and state in UNASSIGNED_STATES else ValidationError
        )
        before = snapshot(s)

        with pytest.raises(expected_error):
            spec.run(world, role, world.users[role])

        assert snapshot(s) == before


@pytest.mark.parametrize(("step", "role"), ROLE_CASES)
def test_step_by_each_role(world, step, role):
    """In a state where the step is allowed: allowed roles succeed, every other role is denied."""
    spec = SPECS[step]
    s = world.at(spec.role_state)
    if spec.prepare:
        spec.prepare(world, spec.role_state)
    user = world.users[role]
    if role in spec.roles:
        events_before = Event.objects.filter(suggestion=s).count()

        spec.run(world, role, user)

        _assert_one_event(world, spec, user, spec.role_state, events_before)
    else:
        before = snapshot(s)

        with pytest.raises(PermissionDenied):
            spec.run(world, role, user)

        assert snapshot(s) == before


def test_the_role_table_names_only_known_roles_and_states():
    for name, spec in SPECS.items():
        assert spec.roles <= set(ROLES), name
        assert spec.role_state in spec.states, name
        assert all(role in ROLES for role, _ in spec.states.values()), name


# ---------------------------------------------------------------------------
# The transition table itself, and the one write path
# ---------------------------------------------------------------------------


def test_every_status_is_a_key_of_the_transition_table():
    assert set(workflow.TRANSITIONS) == set(Status.values)


def test_every_status_but_the_initial_one_is_a_target():
    targets = set().union(*workflow.TRANSITIONS.values())
    assert targets <= set(Status.values)
    # 已登记 is where every suggestion starts (the model default); no step leads back to it.
    assert Suggestion._meta.get_field("status").default == Status.REGISTERED
    assert targets == set(Status.values) - {Status.REGISTERED}


def test_final_statuses_have_no_way_out():
    for final in (S.CLOSED, S.WITHDRAWN, S.NOT_ACCEPTED):
        assert workflow.TRANSITIONS[final] == set()


def test_every_status_change_a_step_makes_is_in_the_table():
    for name, spec in SPECS.items():
        for state, (_role, after) in spec.states.items():
            if after != state:
                assert after in workflow.TRANSITIONS[state], (name, state, after)


@pytest.mark.parametrize("before", Status.values)
@pytest.mark.parametrize("after", Status.values)
def test_move_checks_the_table(before, after):
    s = Suggestion(status=before)
    if after in workflow.TRANSITIONS[before]:
        assert move(s, after) == before
        assert s.status == after
    else:
        with pytest.raises(ValidationError) as info:
            move(s, after)
        assert info.value.code == "invalid_transition"
        assert s.status == before


PROJECT = Path(settings.BASE_DIR)
SOURCE_DIRS_EXCLUDED = {".venv", "tests", "migrations", "node_modules", ".git", "staticfiles"}


class SuggestionStatusWrites(ast.NodeVisitor):
    """Find writes of a Suggestion's status in one module.

    A change is `<x>.status = …` (or +=, annotated) where `<x>` is known to be a suggestion: named
    `suggestion`/`*_suggestion`, `<y>.suggestion`, annotated `Suggestion`, or bound from
    `Suggestion.objects…`, `Suggestion(...)` or `get_object_or_404(Suggestion, …)`; and also
    `Suggestion…update(status=…)`, `bulk_update(…, ["status"])` and `save(update_fields=[…"status"…])`
    on a suggestion. Creating a suggestion with a status (`Suggestion(status=…)`,
    `Suggestion.objects.create(status=…)`) is collected apart. Assignment, ExtensionRequest and Reply
    have status-like fields of their own: those are not flagged.
    """

    def __init__(self) -> None:
        self.found: list[int] = []  # status changes
        self.created: list[int] = []  # suggestions created in a given status
        self.scopes: list[set[str]] = [set()]

    # -- what is a suggestion ---------------------------------------------------------------
    @staticmethod
    def _mentions_suggestion_model(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id == "Suggestion" for n in ast.walk(node))

    def _is_suggestion(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id == "suggestion" or node.id.endswith("_suggestion") or node.id in self.scopes[-1]
        if isinstance(node, ast.Attribute):
            return node.attr == "suggestion" or node.attr.endswith("_suggestion")
        return False

    def _bind(self, target: ast.AST, value: ast.AST | None, annotation: ast.AST | None = None) -> None:
        if not isinstance(target, ast.Name):
            return
        by_annotation = annotation is not None and self._mentions_suggestion_model(annotation)
        by_value = value is not None and self._binds_suggestion(value)
        if by_annotation or by_value:
            self.scopes[-1].add(target.id)

    def _binds_suggestion(self, value: ast.AST) -> bool:
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Name) and func.id == "get_object_or_404" and value.args:
                return self._mentions_suggestion_model(value.args[0])
            root = func
            while isinstance(root, ast.Attribute | ast.Call):
                root = root.value if isinstance(root, ast.Attribute) else root.func
            if isinstance(root, ast.Name) and root.id == "Suggestion":
                return not (isinstance(func, ast.Attribute) and func.attr in {"filter", "exclude", "all"})
        return False

    # -- scopes ------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(set())
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            self._bind(ast.Name(arg.arg), None, arg.annotation)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        if self._mentions_suggestion_model(node.iter) and isinstance(node.target, ast.Name):
            self.scopes[-1].add(node.target.id)
        self.generic_visit(node)

    # -- writes ------------------------------------------------------------------------------
    def _check_target(self, target: ast.AST, line: int) -> None:
        if (
            isinstance(target, ast.Attribute)
            and target.attr == "status"
            and self._is_suggestion(target.value)
        ):
            self.found.append(line)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target, node.lineno)
            self._bind(target, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, node.lineno)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, node.lineno)
        self._bind(node.target, node.value, node.annotation)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        keywords = {k.arg for k in node.keywords}
        method = (
            func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        )
        if "status" in keywords and method in {"update", "update_or_create"}:
            if self._mentions_suggestion_model(func):
                self.found.append(node.lineno)
        if "status" in keywords and method in {"Suggestion", "create", "get_or_create"}:
            if method == "Suggestion" or self._mentions_suggestion_model(func):
                self.created.append(node.lineno)
        if method == "bulk_update" and self._mentions_suggestion_model(func):
            if any(
                isinstance(n, ast.Constant) and n.value == "status" for a in node.args for n in ast.walk(a)
            ):
                self.found.append(node.lineno)
        if method == "save" and isinstance(func, ast.Attribute) and self._is_suggestion(func.value):
            for k in node.keywords:
                if k.arg == "update_fields" and any(
                    isinstance(n, ast.Constant) and n.value == "status" for n in ast.walk(k.value)
                ):
                    self.found.append(node.lineno)
        self.generic_visit(node)


def status_writes(source: str) -> list[int]:
    """Lines that change a suggestion's status."""
    visitor = SuggestionStatusWrites()
    visitor.visit(ast.parse(source))
    return visitor.found


def status_creations(source: str) -> list[int]:
    """Lines that create a suggestion in a status other than the default 已登记."""
    visitor = SuggestionStatusWrites()
    visitor.visit(ast.parse(source))
    return visitor.created


def project_modules():
    for path in sorted(PROJECT.rglob("*.py")):
        parts = set(path.relative_to(PROJECT).parts)
        if parts & SOURCE_DIRS_EXCLUDED:
            continue
        yield path


@pytest.mark.parametrize(
    "code",
    [
        "suggestion.status = 'closed'",
        "self.suggestion.status = 'closed'",
        "reply.suggestion.status = 'closed'",
        "def f(s: Suggestion):\n    s.status = 'closed'",
        "def f(pk):\n    obj = Suggestion.objects.get(pk=pk)\n    obj.status = 'closed'",
        "def f(pk):\n    obj = get_object_or_404(Suggestion, pk=pk)\n    obj.status = 'closed'",
        "for s in Suggestion.objects.all():\n    s.status = 'closed'",
        "Suggestion.objects.filter(pk=1).update(status='closed')",
        "Suggestion.objects.update_or_create(pk=1, defaults={}, status='closed')",
        "Suggestion.objects.bulk_update(rows, ['status'])",
        "suggestion.save(update_fields=['status'])",
    ],
)
def test_the_status_write_finder_finds_writes(code):
    assert status_writes(code), code


@pytest.mark.parametrize(
    "code",
    [
        "assignment.status = 'pending'",
        "request.status = 'approved'",
        "old.status = 'replaced'",
        "suggestion.assignments.filter(pk=1).update(status='replaced')",
        "Assignment.objects.filter(suggestion=suggestion).update(status='replaced')",
        "x = suggestion.status == 'closed'",
        "Suggestion.objects.filter(status='closed')",
        "def f(a: Assignment):\n    a.status = 'replaced'",
    ],
)
def test_the_status_write_finder_ignores_other_status_fields(code):
    assert status_writes(code) == [], code
    assert status_creations(code) == [], code


@pytest.mark.parametrize(
    "code",
    [
        "Suggestion(status='closed')",
        "Suggestion.objects.create(status='closed')",
        "Suggestion(number=1, status=s)",
    ],
)
def test_the_status_write_finder_finds_suggestions_created_in_a_status(code):
    assert status_creations(code) and not status_writes(code), code


# Modules allowed to create suggestions directly in a later status, and why (none so far; the load
# generator writes raw rows, which this AST scan does not see).
CREATE_IN_STATUS_ALLOWED: dict[str, str] = {}


def test_only_workflow_writes_a_suggestion_status():
    """Nothing outside suggestions/workflow/ (migrations and tests aside) changes a suggestion's status."""
    modules = list(project_modules())
    workflow_dir = PROJECT / "suggestions" / "workflow"
    workflow_py = workflow_dir / "base.py"
    assert workflow_py in modules
    assert PROJECT / "suggestions" / "admin.py" in modules
    changes, creations = {}, {}
    for path in modules:
        if workflow_dir in path.parents:
            continue
        source = path.read_text(encoding="utf-8")
        name = str(path.relative_to(PROJECT))
        if lines := status_writes(source):
            changes[name] = lines
        if (lines := status_creations(source)) and name not in CREATE_IN_STATUS_ALLOWED:
            creations[name] = lines
    assert changes == {}
    assert creations == {}
    # and the finder does see the one legitimate write, in move
    assert status_writes(workflow_py.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# register / record_registration
# ---------------------------------------------------------------------------


def _register(user, **overrides):
    session = factories.SessionFactory()
    theme = factories.ThemeFactory(session=session, ordinal=2, title="关于增强对外合作影响力方面")
    data = dict(
        session=session,
        theme=theme,
        number=9999,
        position=1,
        title="推进以港强市",
        text="加快港口型国家物流枢纽城市建设。",
        proposers=[factories.DelegateFactory(name="汪香元"), factories.DelegateFactory(name="戚振宇")],
        by=user,
    )
    data.update(overrides)
    return workflow.register(**data)


@pytest.mark.parametrize("role", ["staff", "system"])
def test_register_by_staff_or_the_system(world, role):
    user = world.staff if role == "staff" else None

    s = _register(user)

    assert s.status == S.REGISTERED
    assert [p.delegate.name for p in s.ordered_proposers()] == ["汪香元", "戚振宇"]
    assert s.lead_delegate.name == "汪香元"
    (event,) = s.events.all()
    assert event.kind == EventKind.REGISTER
    assert event.actor == user
    assert (event.from_status, event.to_status) == (S.REGISTERED, S.REGISTERED)
    assert event.data["proposers"] == ["汪香元", "戚振宇"]
    assert event.actor_name == (user.username if user else "系统")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "staff"])
def test_register_by_anyone_else_is_denied(world, role):
    with pytest.raises(PermissionDenied):
        _register(world.users[role])
    assert not Suggestion.objects.filter(number=9999).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"proposers": []}, "proposers"),
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"text": ""}, "text"),
        ({"number": "taken"}, "number"),
    ],
)
def test_register_rejects_bad_data(world, overrides, field):
    if overrides.get("number") == "taken":
        overrides = {"number": world.suggestion.number}
    with pytest.raises(ValidationError) as info:
        _register(world.staff, **overrides)
    assert field in info.value.message_dict


def test_register_rejects_duplicate_proposers_and_a_theme_of_another_session(world):
    d = factories.DelegateFactory(name="汪香元")
    with pytest.raises(ValidationError) as info:
        _register(world.staff, proposers=[d, d])
    assert "proposers" in info.value.message_dict
    other = factories.SessionFactory(name="市十七届人大一次会议", meeting=1)
    with pytest.raises(ValidationError) as info:
        _register(world.staff, theme=factories.ThemeFactory(session=other, ordinal=1))
    assert "theme" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        _register(world.staff, position=world.suggestion.position, theme=world.suggestion.theme, number=98)
    assert "position" in info.value.message_dict


def test_record_registration_needs_proposers_and_staff(world):
    theme = world.suggestion.theme
    bare = Suggestion.objects.create(
        session=theme.session, theme=theme, number=9998, position=9998, title="t", text="x"
    )
    with pytest.raises(ValidationError):
        workflow.record_registration(suggestion=bare, by=world.staff)
    Proposer.objects.create(suggestion=bare, delegate=factories.DelegateFactory(), position=1)
    with pytest.raises(PermissionDenied):
        workflow.record_registration(suggestion=bare, by=world.lead_handler)
    workflow.record_registration(suggestion=bare, by=world.staff)
    assert bare.events.get().kind == EventKind.REGISTER


# ---------------------------------------------------------------------------
# Assignment and deadlines set by the steps
# ---------------------------------------------------------------------------

SPRING_FESTIVAL_ASSIGNMENT = dt.date(2023, 1, 18)


def test_assign_sets_the_default_deadlines(world):
    """Reply due 3 months after; acknowledge within 7 working days (across the 2023 Spring Festival)."""
    workflow.assign(
        suggestion=world.suggestion,
        lead=world.lead_department,
        co_handlers=[world.co_department],
        on=SPRING_FESTIVAL_ASSIGNMENT,
        by=world.staff,
    )
    s = world.s
    assert s.status == S.ASSIGNED
    assert s.due_date == dt.date(2023, 4, 18)
    lead, co = s.assignments.get(role=HandlerRole.LEAD), s.assignments.get(role=HandlerRole.CO)
    assert (lead.role, lead.department, lead.round) == (HandlerRole.LEAD, world.lead_department, 1)
    assert (co.role, co.department) == (HandlerRole.CO, world.co_department)
    for a in (lead, co):
        assert a.assigned_on == SPRING_FESTIVAL_ASSIGNMENT
        # 1/19, 1/20 · 1/21–1/27 holiday · 1/28 (Sat) and 1/29 (Sun) are 调休 working days · 1/30, 1/31, 2/1
        assert a.acknowledge_due == dt.date(2023, 2, 1)
        assert a.status == AssignmentStatus.PENDING
        assert a.assigned_by == world.staff
    assert lead.due_date == dt.date(2023, 4, 18)
    assert co.due_date == dt.date(2023, 2, 18)  # the co-handler's opinion: 1 month
    event = s.events.get(kind=EventKind.ASSIGN)
    assert event.department == world.lead_department
    assert event.data == {
        "lead": world.lead_department.name,
        "co_handlers": [world.co_department.name],
        "due": "2023-04-18",
        "assigned_on": "2023-01-18",
        "key_supervision": False,
    }


def test_assign_clamps_to_the_end_of_the_month(world):
    workflow.assign(
        suggestion=world.suggestion,
        lead=world.lead_department,
        co_handlers=[world.co_department],
        on=dt.date(2023, 1, 31),
        by=world.staff,
    )
    s = world.s
    assert s.due_date == dt.date(2023, 4, 30)
    assert s.assignments.get(role=HandlerRole.CO).due_date == dt.date(2023, 2, 28)


def test_assign_follows_the_deadline_settings(world, settings):
    settings.TRACKER_DEADLINES = {**settings.TRACKER_DEADLINES, "reply_months": 2, "acknowledge_workdays": 3}
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=dt.date(2023, 3, 1), by=world.staff
    )
    s = world.s
    assert s.due_date == dt.date(2023, 5, 1)
    assert s.assignments.get().acknowledge_due == dt.date(2023, 3, 6)


def test_assign_with_a_workday_correction(world):
    WorkdayCorrection.objects.create(date=dt.date(2023, 1, 19), is_workday=False, note="全市停电")
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=SPRING_FESTIVAL_ASSIGNMENT, by=world.staff
    )
    assert world.s.assignments.get().acknowledge_due == dt.date(2023, 2, 2)


@pytest.mark.parametrize(
    ("due", "ok"),
    [
        (dt.date(2023, 7, 18), True),  # exactly 6 months
        (dt.date(2023, 7, 19), False),
        (dt.date(2023, 1, 17), False),  # before the assignment
        (dt.date(2023, 1, 18), True),
    ],
)
def test_assign_due_date_must_lie_within_six_months(world, due, ok):
    def go():
        return workflow.assign(
            suggestion=world.suggestion,
            lead=world.lead_department,
            due=due,
            on=SPRING_FESTIVAL_ASSIGNMENT,
            by=world.staff,
        )

    if ok:
        go()
        assert world.s.due_date == due
    else:
        with pytest.raises(ValidationError) as info:
            go()
        assert "due" in info.value.message_dict
        assert world.s.status == S.REGISTERED


def test_assign_rejects_a_lead_among_the_co_handlers_and_inactive_departments(world):
    with pytest.raises(ValidationError) as info:
        workflow.assign(
            suggestion=world.suggestion,
            lead=world.lead_department,
            co_handlers=[world.lead_department],
            by=world.staff,
        )
    assert "co_handlers" in info.value.message_dict
    inactive = Department.objects.get(pk=world.other_department.pk)
    inactive.active = False
    inactive.save()
    with pytest.raises(ValidationError) as info:
        workflow.assign(
            suggestion=world.suggestion,
            lead=world.lead_department,
            co_handlers=[inactive],
            by=world.staff,
        )
    assert "lead" in info.value.message_dict
    assert snapshot(world.suggestion)[0] == S.REGISTERED
    assert not world.s.assignments.exists()


def test_assign_can_mark_key_supervision(world):
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, key_supervision=True, by=world.staff
    )
    assert world.s.key_supervision is True


def test_set_key_supervision_rejects_no_change_and_records_the_note(world):
    with pytest.raises(ValidationError):
        workflow.set_key_supervision(suggestion=world.suggestion, on=False, by=world.staff)
    workflow.set_key_supervision(suggestion=world.suggestion, on=True, note="群众关注度高", by=world.staff)
    event = world.s.events.get(kind=EventKind.SUPERVISION)
    assert (event.note, event.data) == ("群众关注度高", {"key_supervision": True})


# ---------------------------------------------------------------------------
# Acknowledge and reassignment
# ---------------------------------------------------------------------------


def test_co_handler_acknowledging_does_not_start_the_handling(world):
    world.at(S.ASSIGNED)
    workflow.acknowledge(suggestion=world.suggestion, by=world.co_handler)
    assert world.s.status == S.ASSIGNED
    co = world.s.assignments.get(role=HandlerRole.CO)
    assert co.status == AssignmentStatus.ACKNOWLEDGED
    assert co.acknowledged_on is not None
    with pytest.raises(ValidationError):
        workflow.acknowledge(suggestion=world.suggestion, by=world.co_handler)


def test_staff_acknowledge_on_behalf_is_recorded(world):
    world.at(S.ASSIGNED)
    workflow.acknowledge(suggestion=world.suggestion, department=world.co_department, by=world.staff)
    event = world.s.events.get(kind=EventKind.ACKNOWLEDGE)
    assert event.data == {"role": HandlerRole.CO, "on_behalf": True}
    assert event.department == world.co_department
    workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)
    own = world.s.events.filter(kind=EventKind.ACKNOWLEDGE).last()
    assert "on_behalf" not in own.data
    assert own.actor == world.lead_handler


def test_staff_name_a_department_that_is_not_assigned(world):
    world.at(S.ASSIGNED)
    with pytest.raises(ValidationError) as info:
        workflow.acknowledge(suggestion=world.suggestion, department=world.other_department, by=world.staff)
    assert "department" in info.value.message_dict


def test_request_reassignment_needs_a_reason_and_a_pending_assignment(world):
    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        workflow.request_reassignment(suggestion=world.suggestion, reason=" ", by=world.co_handler)
    assert "reason" in info.value.message_dict
    with pytest.raises(ValidationError):  # the lead has acknowledged
        workflow.request_reassignment(suggestion=world.suggestion, reason="不是我们的", by=world.lead_handler)
    workflow.request_reassignment(suggestion=world.suggestion, reason="不是我们的", by=world.co_handler)
    with pytest.raises(ValidationError):  # already asked
        workflow.request_reassignment(suggestion=world.suggestion, reason="不是我们的", by=world.co_handler)
    assert world.s.assignments.get(role=HandlerRole.CO).reassignment_reason == "不是我们的"


def test_approve_reassignment_of_the_lead_restarts_the_clock(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 1, 18))
    workflow.assign(
        suggestion=world.suggestion,
        lead=world.lead_department,
        co_handlers=[world.co_department],
        by=world.staff,
    )
    workflow.request_reassignment(
        suggestion=world.suggestion, reason="属于交通部门职责", by=world.lead_handler
    )
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 9, 27))

    new = workflow.approve_reassignment(
        suggestion=world.suggestion, new_department=world.other_department, note="同意", by=world.staff
    )

    s = world.s
    assert s.status == S.ASSIGNED
    assert s.due_date == dt.date(2023, 12, 27)  # 3 months from the approval, not from the first assignment
    assert (new.department, new.role, new.round) == (world.other_department, HandlerRole.LEAD, 1)
    assert new.assigned_on == dt.date(2023, 9, 27)
    assert new.acknowledge_due == dt.date(2023, 10, 12)  # across National Day 2023 and its 调休 weekend
    assert new.due_date == dt.date(2023, 12, 27)
    assert new.status == AssignmentStatus.PENDING
    old = s.assignments.get(department=world.lead_department)
    assert (old.status, old.reassignment_decision, old.reassignment_note) == (
        AssignmentStatus.REPLACED,
        RequestStatus.APPROVED,
        "同意",
    )
    assert s.lead_assignment == new
    event = s.events.get(kind=EventKind.APPROVE_REASSIGNMENT)
    assert event.data["old_department"] == world.lead_department.name
    assert event.data["new_department"] == world.other_department.name
    assert event.data["due"] == "2023-12-27"
    # the replaced department can no longer act, the new one can
    with pytest.raises(PermissionDenied):
        workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)
    workflow.acknowledge(suggestion=world.suggestion, by=world.other_handler)
    assert world.s.status == S.IN_PROGRESS


def test_approve_reassignment_of_a_co_handler_keeps_the_lead_and_its_due_date(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 1, 18))
    world.drive(S.IN_PROGRESS)
    workflow.request_reassignment(suggestion=world.suggestion, reason="不涉及本单位", by=world.co_handler)
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 2, 1))

    new = workflow.approve_reassignment(
        suggestion=world.suggestion, new_department=world.other_department, by=world.staff
    )

    s = world.s
    assert s.status == S.IN_PROGRESS
    assert s.due_date == dt.date(2023, 4, 18)
    assert (new.role, new.assigned_on, new.due_date) == (
        HandlerRole.CO,
        dt.date(2023, 2, 1),
        dt.date(2023, 3, 1),
    )


def test_approve_reassignment_to_a_department_already_handling_is_rejected(world):
    world.at(S.ASSIGNED)
    workflow.request_reassignment(suggestion=world.suggestion, reason="不涉及", by=world.lead_handler)
    for department in (world.lead_department, world.co_department):
        with pytest.raises(ValidationError) as info:
            workflow.approve_reassignment(
                suggestion=world.suggestion, new_department=department, by=world.staff
            )
        assert "new_department" in info.value.message_dict


def test_reassignment_decisions_need_a_pending_request(world):
    world.at(S.ASSIGNED)
    with pytest.raises(ValidationError):
        workflow.approve_reassignment(
            suggestion=world.suggestion, new_department=world.other_department, by=world.staff
        )
    with pytest.raises(ValidationError):
        workflow.reject_reassignment(suggestion=world.suggestion, note="不同意", by=world.staff)


def test_reject_reassignment_keeps_the_department(world):
    world.at(S.ASSIGNED)
    workflow.request_reassignment(suggestion=world.suggestion, reason="不涉及", by=world.lead_handler)
    with pytest.raises(ValidationError) as info:
        workflow.reject_reassignment(suggestion=world.suggestion, note="", by=world.staff)
    assert "note" in info.value.message_dict

    workflow.reject_reassignment(suggestion=world.suggestion, note="属于你单位职责", by=world.staff)

    s = world.s
    lead = s.assignments.get(role=HandlerRole.LEAD)
    assert lead.department == world.lead_department
    assert (lead.status, lead.reassignment_decision) == (AssignmentStatus.PENDING, RequestStatus.REJECTED)
    assert s.assignments.count() == 2
    workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)
    assert world.s.status == S.IN_PROGRESS


# ---------------------------------------------------------------------------
# Handling: contacts, progress, co-handler opinions, extensions
# ---------------------------------------------------------------------------


def test_log_contact_defaults_to_the_lead_delegate_and_checks_the_data(world):
    world.at(S.IN_PROGRESS)
    record = workflow.log_contact(suggestion=world.suggestion, method="visit", by=world.lead_handler)
    assert list(record.delegates.all()) == [world.lead_delegate_record]
    assert record.department == world.lead_department
    assert record.contacted_on == calendar.today()
    for kwargs, field in [
        ({"method": "email"}, "method"),
        ({"method": "meet", "contacted_on": calendar.today() + dt.timedelta(days=2)}, "contacted_on"),
        ({"method": "meet", "contacted_on": dt.date(2020, 1, 1)}, "contacted_on"),
        ({"method": "meet", "delegates": [factories.DelegateFactory()]}, "delegates"),
    ]:
        with pytest.raises(ValidationError) as info:
            workflow.log_contact(suggestion=world.suggestion, by=world.lead_handler, **kwargs)
        assert field in info.value.message_dict
    assert world.s.contacts.count() == 1


def test_add_progress_needs_text(world):
    world.at(S.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        workflow.add_progress(suggestion=world.suggestion, text="", by=world.co_handler)
    assert "text" in info.value.message_dict
    update = workflow.add_progress(suggestion=world.suggestion, text="已完成调研", by=world.co_handler)
    assert (update.department, update.kind, update.round) == (world.co_department, ProgressKind.PROGRESS, 1)


def test_co_handler_opinion_once_per_round(world):
    world.at(S.IN_PROGRESS)
    opinion = workflow.give_co_opinion(
        suggestion=world.suggestion, text="建议纳入明年计划", by=world.co_handler
    )
    assert opinion.assignment.department == world.co_department
    with pytest.raises(ValidationError) as info:
        workflow.give_co_opinion(suggestion=world.suggestion, text="补充意见", by=world.co_handler)
    assert info.value.code == "duplicate"
    with pytest.raises(ValidationError):  # staff on behalf: the same rule
        workflow.give_co_opinion(suggestion=world.suggestion, text="补充意见", by=world.staff)
    assert world.s.co_opinions.count() == 1
    assert world.s.events.get(kind=EventKind.CO_OPINION).data == {"on_time": True}


def test_co_handler_may_give_an_opinion_again_in_the_next_round(world):
    world.at(S.IN_PROGRESS)
    workflow.give_co_opinion(suggestion=world.suggestion, text="第一轮意见", by=world.co_handler)
    factories.reply(world.suggestion, world.lead_handler)
    rate_lead(world, world.lead_delegate, Verdict.UNSATISFIED)
    workflow.rehandle(suggestion=world.suggestion, note="重新办理", by=world.staff)

    workflow.give_co_opinion(suggestion=world.suggestion, text="第二轮意见", by=world.co_handler)

    assert list(world.s.co_opinions.order_by("id").values_list("assignment__round", flat=True)) == [1, 2]


def test_extension_request_must_be_later_and_within_six_months(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: SPRING_FESTIVAL_ASSIGNMENT)
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=SPRING_FESTIVAL_ASSIGNMENT, by=world.staff
    )
    workflow.acknowledge(suggestion=world.suggestion, by=world.lead_handler)
    assert world.s.due_date == dt.date(2023, 4, 18)
    for bad in (None, dt.date(2023, 4, 18), dt.date(2023, 4, 1), dt.date(2023, 7, 19)):
        with pytest.raises(ValidationError) as info:
            workflow.request_extension(
                suggestion=world.suggestion, requested_due=bad, reason="工程量大", by=world.lead_handler
            )
        assert "requested_due" in info.value.message_dict, bad
    with pytest.raises(ValidationError) as info:
        workflow.request_extension(
            suggestion=world.suggestion, requested_due=dt.date(2023, 6, 1), reason="", by=world.lead_handler
        )
    assert "reason" in info.value.message_dict
    assert not world.s.extension_requests.exists()

    request = workflow.request_extension(
        suggestion=world.suggestion,
        requested_due=dt.date(2023, 7, 18),
        reason="工程量大",
        by=world.lead_handler,
    )

    assert (request.current_due, request.requested_due, request.status) == (
        dt.date(2023, 4, 18),
        dt.date(2023, 7, 18),
        RequestStatus.PENDING,
    )
    with pytest.raises(ValidationError) as info:  # one pending request at a time
        workflow.request_extension(
            suggestion=world.suggestion,
            requested_due=dt.date(2023, 6, 1),
            reason="再申请",
            by=world.lead_handler,
        )
    assert info.value.code == "duplicate"


def test_approve_extension_moves_the_due_date(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: SPRING_FESTIVAL_ASSIGNMENT)
    workflow.assign(
        suggestion=world.suggestion, lead=world.lead_department, on=SPRING_FESTIVAL_ASSIGNMENT, by=world.staff
    )
    workflow.request_extension(
        suggestion=world.suggestion,
        requested_due=dt.date(2023, 7, 18),
        reason="工程量大",
        by=world.lead_handler,
    )
    with pytest.raises(ValidationError) as info:  # staff may grant less, never more than 6 months
        workflow.approve_extension(suggestion=world.suggestion, due=dt.date(2023, 7, 19), by=world.staff)
    assert "requested_due" in info.value.message_dict

    request = workflow.approve_extension(
        suggestion=world.suggestion, due=dt.date(2023, 6, 30), note="同意", by=world.staff
    )

    s = world.s
    assert s.due_date == dt.date(2023, 6, 30)
    assert s.assignments.get(role=HandlerRole.LEAD).due_date == dt.date(2023, 6, 30)
    assert (request.status, request.decided_by, request.decision_note) == (
        RequestStatus.APPROVED,
        world.staff,
        "同意",
    )
    event = s.events.get(kind=EventKind.APPROVE_EXTENSION)
    assert event.data == {"old_due": "2023-04-18", "due": "2023-06-30"}
    # a second request must go later than the new date, still within 6 months of the assignment
    with pytest.raises(ValidationError):
        workflow.request_extension(
            suggestion=world.suggestion,
            requested_due=dt.date(2023, 6, 30),
            reason="再延",
            by=world.lead_handler,
        )
    workflow.request_extension(
        suggestion=world.suggestion, requested_due=dt.date(2023, 7, 18), reason="再延", by=world.lead_handler
    )


def test_reject_extension_keeps_the_due_date(world):
    world.at(S.IN_PROGRESS)
    due = world.s.due_date
    _request_extension_first(world, S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        workflow.reject_extension(suggestion=world.suggestion, note="", by=world.staff)
    request = workflow.reject_extension(suggestion=world.suggestion, note="理由不充分", by=world.staff)
    assert request.status == RequestStatus.REJECTED
    assert world.s.due_date == due
    with pytest.raises(ValidationError):  # nothing pending any more
        workflow.approve_extension(suggestion=world.suggestion, by=world.staff)


# ---------------------------------------------------------------------------
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
# Review: rehandle, close; side exits
# ---------------------------------------------------------------------------


def test_rehandle_starts_a_new_round_due_in_one_month(world, monkeypatch):
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 1, 31))
    world.drive(S.REVIEW)
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2023, 5, 31))
    with pytest.raises(ValidationError) as info:
        workflow.rehandle(suggestion=world.suggestion, note="", by=world.staff)
    assert "note" in info.value.message_dict

    workflow.rehandle(suggestion=world.suggestion, note="代表不满意，请重新办理", by=world.staff)

    s = world.s
    assert (s.status, s.round, s.due_date) == (S.IN_PROGRESS, 2, dt.date(2023, 6, 30))
    round2 = {a.department: a for a in s.assignments.filter(round=2)}
    assert set(round2) == {world.lead_department, world.co_department}
    lead2 = round2[world.lead_department]
    assert (lead2.role, lead2.assigned_on, lead2.due_date, lead2.status) == (
        HandlerRole.LEAD,
        dt.date(2023, 5, 31),
        dt.date(2023, 6, 30),
        AssignmentStatus.ACKNOWLEDGED,
    )
    assert round2[world.co_department].role == HandlerRole.CO
    assert s.assignments.filter(round=1).count() == 2  # the first round stays on record
    assert s.replies.get().round == 1
    event = s.events.get(kind=EventKind.REHANDLE)
    assert (event.from_status, event.to_status, event.round) == (S.REVIEW, S.IN_PROGRESS, 2)
    assert event.data == {"lead": world.lead_department.name, "due": "2023-06-30"}
    assert event.note == "代表不满意，请重新办理"


def test_rehandle_can_change_the_lead_department(world):
    world.at(S.REVIEW)
    workflow.rehandle(
        suggestion=world.suggestion, note="改由教育局主办", lead=world.other_department, by=world.staff
    )
    s = world.s
    assert s.lead_assignment.department == world.other_department
    assert {a.department for a in s.current_assignments()} == {world.other_department, world.co_department}
    with pytest.raises(PermissionDenied):
        factories.reply(world.suggestion, world.lead_handler)
    factories.reply(world.suggestion, world.other_handler, category="A")
    assert world.s.status == S.REPLIED


def test_rehandle_due_date_must_lie_within_six_months(world):
    world.at(S.REVIEW)
    today = calendar.today()
    for bad in (today - dt.timedelta(days=1), calendar.add_months(today, 6) + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as info:
            workflow.rehandle(suggestion=world.suggestion, note="重新办理", due=bad, by=world.staff)
        assert "due" in info.value.message_dict
    assert world.s.round == 1


def test_close_needs_a_reason(world):
    world.at(S.REVIEW)
    with pytest.raises(ValidationError) as info:
        workflow.close(suggestion=world.suggestion, reason=" ", by=world.staff)
    assert "reason" in info.value.message_dict
    workflow.close(suggestion=world.suggestion, reason="已充分沟通，客观条件暂不具备", by=world.staff)
    event = world.s.events.get(kind=EventKind.CLOSE)
    assert (event.from_status, event.to_status, event.note) == (
        S.REVIEW,
        S.CLOSED,
        "已充分沟通，客观条件暂不具备",
    )


def test_withdraw_by_the_lead_delegate_needs_no_reason_staff_need_one(world):
    world.at(S.ASSIGNED)
    with pytest.raises(PermissionDenied):
        workflow.withdraw(suggestion=world.suggestion, reason="想撤回", by=world.co_proposer)
    with pytest.raises(ValidationError) as info:
        workflow.withdraw(suggestion=world.suggestion, by=world.staff)
    assert "reason" in info.value.message_dict
    workflow.withdraw(suggestion=world.suggestion, by=world.lead_delegate)
    assert world.s.status == S.WITHDRAWN
    assert world.s.events.get(kind=EventKind.WITHDRAW).actor == world.lead_delegate


def test_not_accept_needs_a_reason(world):
    with pytest.raises(ValidationError) as info:
        workflow.not_accept(suggestion=world.suggestion, reason="", by=world.staff)
    assert "reason" in info.value.message_dict
    workflow.not_accept(suggestion=world.suggestion, reason="属于个人诉求", by=world.staff)
    assert world.s.events.get(kind=EventKind.NOT_ACCEPT).note == "属于个人诉求"


def test_a_missing_suggestion_is_a_validation_error(world):
    ghost = Suggestion(pk=987654)
    with pytest.raises(ValidationError):
        workflow.close(suggestion=ghost, reason="x", by=world.staff)


# ---------------------------------------------------------------------------
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
    assert world.s.events.filter(kind=EventKind.FOLLOW_UP).count() == 2


def test_follow_up_not_before_closing(world):
    world.at(S.REPLIED)  # a B reply
    with pytest.raises(ValidationError):
        workflow.follow_up(suggestion=world.suggestion, text="项目已开工", by=world.lead_handler)


# ---------------------------------------------------------------------------
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
        (EventKind.REPLY, 3, S.IN_PROGRESS, S.REPLIED, lh),
        (EventKind.RATE, 3, S.REPLIED, S.REPLIED, cp),
        (EventKind.RATE, 3, S.REPLIED, S.CLOSED, ld),
        (EventKind.PUBLISH, 3, S.CLOSED, S.CLOSED, staff),
    ]
    assert s.events.get(kind=EventKind.RATE, round=2).data["on_behalf"] is True
    assert s.events.filter(kind=EventKind.REHANDLE).count() == 2
