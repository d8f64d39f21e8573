"""The workflow tests' cast: one user per role and one suggestion prebuilt in each state (`cast`, built
once per test module), and the helpers the stage files share. conftest.py registers the fixtures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import override_settings

from delegates.models import Delegate
from departments.models import Department
from suggestions import workflow
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    ContactRecord,
    Event,
    ExtensionRequest,
    ProgressUpdate,
    Publication,
    Rating,
    Reply,
    RequestStatus,
    Status,
    Suggestion,
    Verdict,
)
from suggestions.policy.groups import ensure_role_groups
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


SPRING_FESTIVAL_ASSIGNMENT = dt.date(2023, 1, 18)  # an assignment just before the Spring Festival
