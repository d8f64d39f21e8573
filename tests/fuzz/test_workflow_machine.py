"""Random sequences of workflow steps by random roles, with random (often wrong) input, never break an
invariant of `suggestions/invariants.py`: one lead per round, due dates ordered, events complete, the
status agreeing with the records. A refused step (ValidationError / PermissionDenied) changes nothing;
any other exception is a bug.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from suggestions import workflow
from suggestions.models import (
    Category,
    ContactMethod,
    Event,
    Publication,
    Suggestion,
    Verdict,
)
from suggestions.policy import permissions
from suggestions.policy.groups import ensure_role_groups
from suggestions.workflow.invariants import violations
from tests import factories

pytestmark = pytest.mark.django_db

SUGGESTIONS = 1


def mostly(valid, *wrong):
    """The valid value four times in five, otherwise one of the wrong ones."""
    return st.sampled_from([valid] * 4 * max(len(wrong), 1) + list(wrong))


TEXTS = mostly("理由", "", "  ", "<b>x</b>")
DAY_OFFSETS = st.integers(min_value=-40, max_value=220)


def a_date(base: dt.date) -> st.SearchStrategy:
    """Mostly none (the default) or `base`; sometimes any day from 40 before to 220 after."""
    return st.integers(0, 4).flatmap(
        lambda k: (
            DAY_OFFSETS.map(lambda d: base + dt.timedelta(days=d))
            if k == 0
            else st.sampled_from([None, base])
        )
    )


@dataclass
class Cast:
    users: dict
    departments: list
    delegates: list


def make_cast() -> Cast:
    ensure_role_groups()
    departments = [factories.DepartmentFactory(name=f"太仓市机器测试局{i}") for i in range(3)]
    delegates = [factories.DelegateFactory(name=f"机器代表{i}") for i in range(3)]
    users = {
        "staff": factories.staff_user(username="m_staff"),
        "dash": factories.dashboard_user(username="m_dash"),
        "LH": factories.handler_user(departments[0], username="m_lead_handler"),
        "CH": factories.handler_user(departments[1], username="m_co_handler"),
        "OH": factories.handler_user(departments[2], username="m_other_handler"),
        "lead": factories.delegate_user(delegates[0], username="m_lead"),
        "co": factories.delegate_user(delegates[1], username="m_co"),
        "oth": factories.delegate_user(delegates[2], username="m_other"),
        "anon": AnonymousUser(),
    }
    return Cast(users=users, departments=departments, delegates=delegates)


def step_kwargs(name: str, cast: Cast, s: Suggestion, data) -> dict:
    """Plausible, sometimes wrong, arguments for one workflow step."""
    today = timezone.localdate()
    department = mostly(None, *cast.departments)
    draw = data.draw
    if name == "assign":
        return {
            "lead": draw(st.sampled_from([cast.departments[0]] * 3 + cast.departments[1:])),
            "co_handlers": draw(st.lists(st.sampled_from(cast.departments), max_size=2)),
            "due": draw(a_date(today)),
            "key_supervision": draw(st.none() | st.booleans()),
        }
    if name == "set_key_supervision":
        return {"on": draw(st.booleans()), "note": draw(TEXTS)}
    if name in ("not_accept", "close", "withdraw"):
        return {"reason": draw(TEXTS)}
    if name == "acknowledge":
        return {"department": draw(department)}
    if name == "request_reassignment":
        return {"reason": draw(TEXTS), "department": draw(department)}
    if name == "approve_reassignment":
        return {"new_department": draw(st.sampled_from(cast.departments)), "note": draw(TEXTS)}
    if name in ("reject_reassignment", "reject_extension", "unpublish"):
        return {"note": draw(TEXTS)}
    if name == "log_contact":
        return {
            "method": draw(st.sampled_from(ContactMethod.values) | mostly(ContactMethod.MEET, "fax")),
            "contacted_on": draw(a_date(today)),
            "delegates": draw(st.lists(st.sampled_from(cast.delegates), max_size=2)),
            "notes": draw(TEXTS),
            "department": draw(department),
        }
    if name == "add_progress":
        return {"text": draw(TEXTS), "department": draw(department)}
    if name == "give_co_opinion":
        return {"text": draw(TEXTS), "department": draw(department)}
    if name == "request_extension":
        base = s.due_date or today
        return {
            "requested_due": draw(
                mostly(base + dt.timedelta(days=20), None, base, base + dt.timedelta(days=400))
            ),
            "reason": draw(TEXTS),
        }
    if name == "approve_extension":
        return {"due": draw(a_date(today)), "note": draw(TEXTS)}
    if name == "reply":
        return {
            "category": draw(mostly("B", "E") | st.sampled_from(Category.values)),
            "doc_number": draw(mostly("太发改函〔2023〕12号", "", "x" * 70)),
            "signer": "张三",
            "contact_person": "李四",
            "contact_phone": draw(mostly("0512-53500000", "电话", "")),
            "text": draw(TEXTS),
            "replied_on": draw(a_date(today)),
        }
    if name == "rate":
        verdict = st.sampled_from(Verdict.values) | mostly(Verdict.SATISFIED, "great")
        return {
            "attitude": draw(verdict),
            "result": draw(verdict),
            "comment": draw(TEXTS),
            "delegate": draw(st.sampled_from([None, *cast.delegates])),
        }
    if name == "rehandle":
        return {
            "note": draw(TEXTS),
            "lead": draw(department),
            "due": draw(a_date(today)),
        }
    if name == "publish":
        return {"mode": draw(st.sampled_from(Publication.values) | mostly(Publication.FULL, "secret"))}
    if name == "follow_up":
        return {"text": draw(TEXTS), "fulfilled": draw(st.booleans())}
    return {}


STEPS = [
    "assign",
    "set_key_supervision",
    "not_accept",
    "acknowledge",
    "request_reassignment",
    "approve_reassignment",
    "reject_reassignment",
    "log_contact",
    "add_progress",
    "give_co_opinion",
    "request_extension",
    "approve_extension",
    "reject_extension",
    "reply",
    "rate",
    "rehandle",
    "close",
    "withdraw",
    "publish",
    "unpublish",
    "follow_up",
]
# Who normally takes each step: most tries come from them (the rest from anyone), and the steps that
# move a suggestion forward come up more often than the ones that end it, so runs reach the later states.
HANDLERS = ["LH", "LH", "CH", "OH"]  # of departments 0 (most often the lead), 1 and 2
ACTORS = {
    "acknowledge": [*HANDLERS, "staff"],
    "request_reassignment": ["CH", "OH", "staff"],
    "log_contact": [*HANDLERS, "staff"],
    "add_progress": HANDLERS,
    "give_co_opinion": HANDLERS,
    "request_extension": HANDLERS,
    "reply": ["LH", "LH", "staff"],
    "rate": ["lead", "lead", "co", "staff"],
    "withdraw": ["lead"],
    "follow_up": HANDLERS,
}
# Most tries pick a step the suggestion's status admits (a run then goes all the way to the end),
# the others any step at all; withdrawing and declining, which end a suggestion, are in the second lot only.
LIKELY_STEPS = {
    "registered": ["assign", "assign", "assign", "set_key_supervision"],
    "assigned": ["acknowledge"] * 6 + ["request_reassignment", "approve_reassignment", "reject_reassignment"],
    "in_progress": ["reply"] * 4
    + ["log_contact", "add_progress", "give_co_opinion", "request_extension", "approve_extension"],
    "replied": ["rate", "rate", "publish", "close", "log_contact"],
    "review": ["rehandle", "rehandle", "close", "rate"],
    "closed": ["follow_up", "publish", "unpublish", "rate"],
    "withdrawn": ["publish", "rate"],
    "not_accepted": ["assign"],
}


def snapshot(pk: int) -> tuple:
    s = Suggestion.objects.get(pk=pk)
    return (
        s.status,
        s.round,
        s.due_date,
        s.key_supervision,
        Event.objects.filter(suggestion_id=pk).count(),
        s.assignments.count(),
        s.replies.count(),
        s.ratings.count(),
    )


def make_machine(cast: Cast, done: Counter):
    class WorkflowMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.ids = [
                factories.SuggestionFactory(proposers=cast.delegates[:2]).pk for _ in range(SUGGESTIONS)
            ]

        @rule(index=st.integers(0, SUGGESTIONS - 1), likely=st.integers(0, 4), data=st.data())
        def step(self, index, likely, data):
            pk = self.ids[index]
            s = Suggestion.objects.get(pk=pk)
            name = data.draw(st.sampled_from(LIKELY_STEPS[s.status] if likely else STEPS), label="step")
            usual = ACTORS.get(name, ["staff"])
            role = data.draw(st.sampled_from(usual if likely else sorted(cast.users)), label="role")
            kwargs = step_kwargs(name, cast, s, data)
            done["(tried)"] += 1
            user = cast.users[role]
            permissions.forget_roles(user)
            before = snapshot(pk)
            try:
                getattr(workflow, name)(suggestion=s, by=user, **kwargs)
            except (ValidationError, PermissionDenied):
                assert snapshot(pk) == before, f"refused {name} by {role} changed the suggestion"
            else:
                done[name] += 1

        @invariant()
        def rules_hold(self):
            assert [str(v) for v in violations(self.ids)] == []

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    return WorkflowMachine


def test_random_steps_by_random_roles_keep_the_invariants():
    cast = make_cast()
    done: Counter = Counter()
    run_state_machine_as_test(
        make_machine(cast, done),
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # the runs went somewhere: many kinds of steps succeeded now and then (the rest were refused)
    assert {"assign", "acknowledge", "reply", "rate"} <= set(done), done
    assert len(done) >= 9, done
