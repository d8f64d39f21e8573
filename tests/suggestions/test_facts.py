"""The statistics facts are kept by the workflow and always equal a fresh computation from the records."""

from __future__ import annotations

import datetime as dt

import pytest

from suggestions import workflow
from suggestions.models import RoundFacts, Suggestion, SuggestionFacts
from suggestions.queries import facts, stats
from suggestions.workflow import invariants
from tests import factories


@pytest.fixture
def staff(db):
    from suggestions.policy.groups import ensure_role_groups

    ensure_role_groups()
    return factories.staff_user(username="facts_staff")


def _assigned(staff, department, handler=None):
    s = factories.SuggestionFactory()
    s = workflow.assign(suggestion=s, lead=department, on=dt.date(2023, 2, 1), by=staff)
    if handler is not None:
        workflow.acknowledge(suggestion=s, by=handler)
    return s


def test_every_step_refreshes_its_suggestions_facts(staff):
    department = factories.DepartmentFactory()
    handler = factories.handler_user(department, username="facts_handler")
    s = _assigned(staff, department)
    assert SuggestionFacts.objects.get(suggestion=s).replied is False
    workflow.acknowledge(suggestion=s, by=handler)
    workflow.log_contact(suggestion=s, method="meet", by=handler)
    assert SuggestionFacts.objects.get(suggestion=s).face_to_face is True
    factories.reply(s, handler, category="B", replied_on=dt.date(2023, 3, 1))
    stored = SuggestionFacts.objects.get(suggestion=s)
    assert (stored.replied, stored.category, stored.first_replied_on) == (True, "B", dt.date(2023, 3, 1))
    workflow.rate(suggestion=s, attitude="satisfied", result="unsatisfied", comment="没有解决", by=staff)
    assert SuggestionFacts.objects.get(suggestion=s).result == "unsatisfied"
    round_one = RoundFacts.objects.get(assignment__suggestion=s, assignment__round=1)
    assert (round_one.replied, round_one.result) == (True, "unsatisfied")
    assert facts.differences([s.pk]) == []


def test_a_new_round_gets_its_own_facts(staff):
    department = factories.DepartmentFactory()
    handler = factories.handler_user(department, username="facts_handler2")
    s = _assigned(staff, department, handler)
    factories.reply(s, handler, category="C", replied_on=dt.date(2023, 3, 1))
    workflow.rate(suggestion=s, attitude="satisfied", result="unsatisfied", comment="没有解决", by=staff)
    workflow.rehandle(suggestion=s, note="重新办理", by=staff)
    s.refresh_from_db()
    rounds = {
        f.assignment.round: f
        for f in RoundFacts.objects.filter(assignment__suggestion=s).select_related("assignment")
    }
    assert rounds[1].replied is True
    assert rounds[2].replied is False  # the new round starts without a reply
    assert facts.differences([s.pk]) == []


def test_stale_facts_are_reported_by_the_invariants_and_mended_by_refresh(staff):
    department = factories.DepartmentFactory()
    handler = factories.handler_user(department, username="facts_handler3")
    s = _assigned(staff, department, handler)
    factories.reply(s, handler, category="A", replied_on=dt.date(2023, 3, 1))
    SuggestionFacts.objects.filter(suggestion=s).update(category="D")
    problems = [v for v in invariants.violations([s.pk]) if v.rule == "statistics facts"]
    assert problems and "'category': 'D'" in problems[0].detail
    assert stats.reference_overview(Suggestion.objects.all())["category_d"] == 1  # the facts path reads them
    # the counters were summed from the facts the step left; the invariants see them differ from the facts now
    assert stats.overview(Suggestion.objects.all())["category_a"] == 1
    assert [v for v in invariants.violations() if v.rule == "statistics counters"]
    facts.refresh()
    assert facts.differences() == []
    assert stats.overview(Suggestion.objects.all(), today=dt.date(2023, 3, 2))["category_a"] == 1


def test_refresh_of_everything_equals_the_workflows_facts(staff):
    department = factories.DepartmentFactory()
    handler = factories.handler_user(department, username="facts_handler4")
    for n in range(3):
        s = _assigned(staff, department, handler)
        factories.reply(s, handler, category="ABC"[n], replied_on=dt.date(2023, 3, 1 + n))
    before = sorted(SuggestionFacts.objects.values_list("suggestion_id", "category", "first_replied_on"))
    SuggestionFacts.objects.all().delete()
    RoundFacts.objects.all().delete()
    assert facts.refresh() == Suggestion.objects.count()
    assert (
        sorted(SuggestionFacts.objects.values_list("suggestion_id", "category", "first_replied_on")) == before
    )
