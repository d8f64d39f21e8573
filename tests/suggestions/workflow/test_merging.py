"""suggestions/workflow/merging.py: 并案办理, two suggestions of one session linked by staff, shown on both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from suggestions import workflow
from suggestions.models import Event, EventKind
from suggestions.queries import cases
from tests import factories
from tests.suggestions.workflow.cast import S, snapshot


def _partner(world, **kwargs):
    return factories.SuggestionFactory(session=world.suggestion.session, **kwargs)


def test_merge_records_the_link_on_both_suggestions(world):
    s = world.at(S.ASSIGNED)
    other = _partner(world, title="同一事项的另一件建议")

    returned = workflow.merge(
        suggestion=s, other=other.number, note="两件建议都要求改造同一路段", by=world.staff
    )

    assert returned.pk == other.pk
    mine = Event.objects.get(suggestion=s, kind=EventKind.MERGE)
    theirs = Event.objects.get(suggestion=other, kind=EventKind.MERGE)
    assert mine.data == {"merged_with": other.number, "other_id": other.pk}
    assert theirs.data == {"merged_with": s.number, "other_id": s.pk}
    assert mine.note == theirs.note == "两件建议都要求改造同一路段"
    assert mine.actor == theirs.actor == world.staff
    assert (mine.from_status, mine.to_status) == (S.ASSIGNED, S.ASSIGNED)  # the state does not change
    assert cases.partner_ids(s.pk) == {other.pk} and cases.partner_ids(other.pk) == {s.pk}


def test_the_partners_carry_the_departments_now_handling_them(world):
    """What the 交办 screen offers: the linked, assigned suggestion's lead and co-handlers."""
    registered = world.at(S.REGISTERED)
    assigned = _partner(world)
    workflow.assign(
        suggestion=assigned, lead=world.lead_department, co_handlers=[world.co_department], by=world.staff
    )
    workflow.merge(suggestion=registered, other=assigned.number, by=world.staff)

    found = cases.partners([registered.pk, assigned.pk])

    [p] = found[registered.pk]
    assert (p.id, p.number, p.status) == (assigned.pk, assigned.number, S.ASSIGNED)
    assert p.lead == (world.lead_department.pk, world.lead_department.name)
    assert p.co_handlers == ((world.co_department.pk, world.co_department.name),)
    [back] = found[assigned.pk]
    assert back.id == registered.pk and back.lead is None  # not assigned yet: nothing to offer


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("self", "self"),
        ("unknown", "not_found"),
        ("other_session", "not_found"),
        ("replied", "invalid_state"),
    ],
)
def test_merge_refuses_what_cannot_be_linked(world, case, code):
    s = world.at(S.IN_PROGRESS)
    if case == "self":
        number = s.number
    elif case == "unknown":
        number = 99999
    elif case == "other_session":
        elsewhere = factories.SessionFactory(
            name="市十七届人大三次会议",
            meeting=3,
            start_date=dt.date(2024, 1, 3),
            end_date=dt.date(2024, 1, 5),
        )
        number = factories.SuggestionFactory(session=elsewhere).number  # not in this session
    else:
        number = world.at(S.REPLIED).number  # the prebuilt replied suggestion, of the same session
        world.at(S.IN_PROGRESS)
    before = snapshot(s)

    with pytest.raises(ValidationError) as raised:
        workflow.merge(suggestion=s, other=number, by=world.staff)

    assert raised.value.error_dict["other"][0].code == code
    assert snapshot(s) == before


def test_a_link_is_made_once(world):
    s = world.at(S.REGISTERED)
    other = _partner(world)
    workflow.merge(suggestion=s, other=other.number, by=world.staff)

    for this, that in ((s, other), (other, s)):
        with pytest.raises(ValidationError) as raised:
            workflow.merge(suggestion=this, other=that.number, by=world.staff)
        assert raised.value.error_dict["other"][0].code == "duplicate"
    assert Event.objects.filter(kind=EventKind.MERGE, suggestion__in=[s, other]).count() == 2


def test_a_replied_suggestion_is_not_merged(world):
    s = world.at(S.REPLIED)
    other = _partner(world)
    with pytest.raises(ValidationError):
        workflow.merge(suggestion=s, other=other.number, by=world.staff)
    assert not Event.objects.filter(kind=EventKind.MERGE, suggestion=other).exists()


@pytest.mark.parametrize("role", ["lead_handler", "co_handler", "lead_delegate", "dashboard", "anonymous"])
def test_only_staff_merge(world, role):
    s = world.at(S.ASSIGNED)
    other = _partner(world)
    before = snapshot(other)
    with pytest.raises(PermissionDenied):
        workflow.merge(suggestion=s, other=other.number, by=world.users[role])
    assert snapshot(other) == before
