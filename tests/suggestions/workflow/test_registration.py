"""suggestions/workflow/: 登记: register and record_registration."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from suggestions import workflow
from suggestions.models import (
    EventKind,
    Proposer,
    Suggestion,
)
from tests import factories
from tests.suggestions.workflow.cast import (
    ROLES,
    S,
)

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
