"""workflow.register_many: the bulk 登记 an import uses — the same checks and records as `register`."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from suggestions import workflow
from suggestions.models import Event, EventKind, Status, Suggestion
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def theme(db):
    return factories.ThemeFactory()


def item(theme, number, *proposers, position=None, title="标题", text="内容。"):
    return workflow.NewSuggestion(
        theme=theme,
        number=number,
        position=position or number,
        title=title,
        text=text,
        proposers=list(proposers),
    )


def test_register_many_records_proposers_events_and_history(theme, staff):
    a, b, c = factories.DelegateFactory(), factories.DelegateFactory(), factories.DelegateFactory()

    created = workflow.register_many(
        session=theme.session, suggestions=[item(theme, 1, a, b), item(theme, 2, c)], by=staff
    )

    assert [s.number for s in created] == [1, 2]
    first = Suggestion.objects.get(number=1)
    assert first.status == Status.REGISTERED
    assert [p.delegate for p in first.ordered_proposers()] == [a, b]
    (event,) = first.events.all()
    assert (event.kind, event.actor, event.actor_name, event.data) == (
        EventKind.REGISTER,
        staff,
        "staff",
        {"proposers": [a.name, b.name]},
    )
    (record,) = first.history.all()
    assert (record.history_type, record.history_user) == ("+", staff)
    assert Event.objects.count() == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t, d: [item(t, 1)], "第 1 号：至少需要一名提出代表。"),
        (lambda t, d: [item(t, 1, d, d)], "第 1 号：提出代表不能重复。"),
        (lambda t, d: [item(t, 1, d), item(t, 1, d, position=2)], "第 1 号：该会议已有第 1 号建议。"),
        (lambda t, d: [item(t, 1, d), item(t, 2, d, position=1)], "第 2 号：该主题已有第 1 条。"),
        (lambda t, d: [item(t, 1, d, title=" ")], "第 1 号：请填写标题。"),
        (lambda t, d: [item(t, 1, d, text="")], "第 1 号：请填写建议内容。"),
        (lambda t, d: [item(t, 1, d, title="长" * 201)], "第 1 号：标题不能超过 200 个字。"),
    ],
    ids=[
        "no proposers",
        "repeated proposer",
        "repeated number",
        "repeated place",
        "no title",
        "no text",
        "long",
    ],
)
def test_register_many_rejects_what_register_rejects_and_writes_nothing(theme, make, message):
    with pytest.raises(ValidationError) as error:
        workflow.register_many(session=theme.session, suggestions=make(theme, factories.DelegateFactory()))
    assert message in error.value.messages
    assert not Suggestion.objects.exists() and not Event.objects.exists()


def test_register_many_refuses_numbers_already_taken(theme):
    existing = factories.SuggestionFactory(session=theme.session, theme=theme, number=1, position=1)
    with pytest.raises(ValidationError) as error:
        workflow.register_many(
            session=theme.session, suggestions=[item(theme, 1, factories.DelegateFactory(), position=2)]
        )
    assert error.value.messages == ["第 1 号：该会议已有第 1 号建议。"]
    assert list(Suggestion.objects.all()) == [existing]


def test_only_staff_register(theme, lead_handler):
    with pytest.raises(PermissionDenied):
        workflow.register_many(
            session=theme.session, suggestions=[item(theme, 1, factories.DelegateFactory())], by=lead_handler
        )
    assert not Suggestion.objects.exists()


def test_register_many_counts_the_new_suggestions_in_the_statistics(theme, staff):
    """The bulk 登记 refreshes the facts and counters like every step: the totals include them at once,
    and the invariants (facts against records, counters against facts) hold."""
    from suggestions.queries import stats
    from suggestions.workflow.invariants import violations

    workflow.register_many(
        session=theme.session,
        suggestions=[
            item(theme, 1, factories.DelegateFactory()),
            item(theme, 2, factories.DelegateFactory()),
        ],
        by=staff,
    )

    assert stats.overview(Suggestion.objects.all())["total"] == 2
    assert violations() == []
