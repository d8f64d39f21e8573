"""suggestions/workflow/: The transition table itself, and the one write path (only the workflow changes a status)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from suggestions import workflow
from suggestions.models import (
    Status,
    Suggestion,
)
from suggestions.workflow.base import move
from tests.suggestions.workflow.cast import (
    S,
)
from tests.suggestions.workflow.steps_table import SPECS

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


# ---------------------------------------------------------------------------
