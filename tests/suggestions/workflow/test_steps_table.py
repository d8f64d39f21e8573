"""suggestions/workflow/: Every step from every state, by every role: the table (one row per step) and the three walks over it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from suggestions.models import (
    Event,
)
from tests.suggestions.workflow.cast import (
    HANDLER_ROLES,
    ROLES,
    UNASSIGNED_STATES,
    World,
    snapshot,
)
from tests.suggestions.workflow.steps_table import (
    ROLE_CASES,
    SPECS,
    STATE_CASES,
    Spec,
)


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
