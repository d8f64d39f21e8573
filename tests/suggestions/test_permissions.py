"""suggestions/permissions.py: who each user is, what they may do, and what they may see.

The can_* predicates are checked as a table (predicate × role) on a suggestion in 办理中; the
workflow tests check that every step applies them.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from suggestions import workflow
from suggestions.models import (
    Assignment,
    ContactRecord,
    Event,
    EventKind,
    Publication,
    Reply,
    Status,
    Suggestion,
)
from suggestions.policy import permissions
from suggestions.policy.scoping import visible
from tests import factories

ROLES = [
    "anonymous",
    "plain_user",
    "dashboard",
    "staff",
    "superuser",
    "lead_handler",
    "co_handler",
    "other_handler",
    "lead_delegate",
    "co_proposer",
    "other_delegate",
]
STAFF = {"staff", "superuser"}
EVERYONE = set(ROLES)


@pytest.fixture
def users(
    staff,
    dashboard,
    lead_handler,
    co_handler,
    other_handler,
    lead_delegate_user,
    co_proposer_user,
    other_delegate_user,
) -> dict:
    return {
        "anonymous": AnonymousUser(),
        "plain_user": factories.UserFactory(username="plain"),
        "dashboard": dashboard,
        "staff": staff,
        "superuser": factories.UserFactory(username="root", is_superuser=True, is_staff=True),
        "lead_handler": lead_handler,
        "co_handler": co_handler,
        "other_handler": other_handler,
        "lead_delegate": lead_delegate_user,
        "co_proposer": co_proposer_user,
        "other_delegate": other_delegate_user,
    }


# ---------------------------------------------------------------------------
# roles()
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("anonymous", ["public"]),
        ("plain_user", ["user"]),
        ("dashboard", ["dashboard"]),
        ("staff", ["staff"]),
        ("superuser", ["staff"]),
        ("lead_handler", ["handler"]),
        ("lead_delegate", ["delegate"]),
    ],
)
def test_role_names(users, role, names):
    assert permissions.roles(users[role]).names == names


def test_roles_of_a_handler_and_a_delegate(users, lead_department, suggestion):
    handler = permissions.roles(users["lead_handler"])
    assert handler.department_ids == frozenset({lead_department.pk})
    assert handler.handler and not handler.delegate and not handler.staff
    delegate = permissions.roles(users["lead_delegate"])
    assert delegate.delegate_id == suggestion.lead_delegate.pk
    assert delegate.delegate and not delegate.handler


def test_a_person_may_hold_several_roles(users, co_department, suggestion):
    person = users["lead_delegate"]
    co_department.members.add(person)
    person.groups.add(Group.objects.get(name=permissions.DASHBOARD_GROUP))
    permissions.forget_roles(person)
    r = permissions.roles(person)
    assert r.names == ["dashboard", "handler", "delegate"]
    assert r.sees_everything and not r.staff


def test_a_superuser_in_the_dashboard_group_is_staff_not_read_only(users):
    root = users["superuser"]
    root.groups.add(Group.objects.get(name=permissions.DASHBOARD_GROUP))
    permissions.forget_roles(root)
    assert permissions.roles(root).staff and not permissions.roles(root).dashboard


def test_an_inactive_user_has_no_role(users):
    staff = users["staff"]
    staff.is_active = False
    permissions.forget_roles(staff)
    assert permissions.roles(staff) == permissions.ANONYMOUS
    assert permissions.roles(None) == permissions.ANONYMOUS


def test_roles_are_read_once_per_user_object(users, django_assert_num_queries):
    staff = users["staff"]
    permissions.forget_roles(staff)
    with django_assert_num_queries(1):
        permissions.roles(staff)
        permissions.roles(staff)
        permissions.is_staff(staff)


# ---------------------------------------------------------------------------
# can_*: the table
# ---------------------------------------------------------------------------

CAN: dict[str, set[str]] = {
    "can_assign": STAFF,
    "can_decide": STAFF,
    "can_acknowledge": {"lead_handler", "co_handler", *STAFF},
    "can_request_reassignment": {"lead_handler", "co_handler"},
    "can_log_contact": {"lead_handler", "co_handler", *STAFF},
    "can_add_progress": {"lead_handler", "co_handler", *STAFF},
    "can_give_co_opinion": {"co_handler", *STAFF},
    "can_request_extension": {"lead_handler"},
    "can_reply": {"lead_handler", *STAFF},
    "can_rate": {"lead_delegate", "co_proposer", *STAFF},
    "can_withdraw": {"lead_delegate", *STAFF},
    "can_follow_up": {"lead_handler", *STAFF},
    "can_view": EVERYONE,  # the public part: every role sees at least what the public sees
    "can_view_details": {"dashboard", *STAFF, "lead_handler", "co_handler", "lead_delegate", "co_proposer"},
}


@pytest.mark.parametrize("predicate", sorted(CAN))
def test_who_may(users, in_progress, predicate):
    check = getattr(permissions, predicate)
    allowed = {role for role in ROLES if check(users[role], in_progress)}
    assert allowed == CAN[predicate]


def test_who_may_register(users):
    assert {role for role in ROLES if permissions.can_register(users[role])} == STAFF


def test_a_replaced_department_loses_the_suggestion(users, assigned, staff, other_department):
    workflow.request_reassignment(suggestion=assigned, reason="不属于本单位", by=users["lead_handler"])
    workflow.approve_reassignment(suggestion=assigned, new_department=other_department, by=staff)
    lead, new = users["lead_handler"], users["other_handler"]
    assert permissions.can_view(lead, assigned)  # its public part, as for the public
    assert not permissions.can_view_details(lead, assigned)
    assert not permissions.can_acknowledge(lead, assigned)
    assert permissions.can_acknowledge(new, assigned) and permissions.can_reply(new, assigned)
    assert permissions.can_view_details(new, assigned)
    assert list(visible(Suggestion, lead)) == [assigned] == list(visible(Suggestion, new))
    assert not visible(Assignment, lead).filter(suggestion=assigned).exists()  # no handling record
    assert visible(Assignment, new).filter(suggestion=assigned).exists()


def test_an_earlier_round_lead_keeps_sight_and_follow_up_but_not_the_reply(
    users, replied, staff, other_department
):
    workflow.rate(
        suggestion=replied,
        attitude="satisfied",
        result="unsatisfied",
        comment="未解决",
        by=users["lead_delegate"],
    )
    workflow.rehandle(suggestion=replied, note="改由教育局主办", lead=other_department, by=staff)
    replied.refresh_from_db()
    assert replied.round == 2
    first_lead = users["lead_handler"]
    assert permissions.can_view_details(first_lead, replied)
    assert permissions.is_lead_handler_any_round(first_lead, replied)
    assert permissions.can_follow_up(first_lead, replied)
    assert not permissions.can_reply(first_lead, replied)
    assert not permissions.can_log_contact(first_lead, replied)
    assert permissions.can_reply(users["other_handler"], replied)


def test_contact_data_is_for_staff_and_the_delegate_only(users, suggestion):
    lead = suggestion.lead_delegate
    allowed = {role for role in ROLES if permissions.can_see_contact_data(users[role], lead)}
    assert allowed == {"lead_delegate", *STAFF}


# ---------------------------------------------------------------------------
# visible_to and the scoping of handling records
# ---------------------------------------------------------------------------


@pytest.fixture
def two_suggestions(users, replied, staff, other_department):
    """`replied` (发改委 lead, 交通局 co, reply unpublished) and one handled by 教育局 only."""
    elsewhere = factories.SuggestionFactory()
    workflow.assign(suggestion=elsewhere, lead=other_department, by=staff)
    workflow.acknowledge(suggestion=elsewhere, by=users["other_handler"])
    workflow.log_contact(suggestion=elsewhere, method="phone", by=users["other_handler"])
    workflow.log_contact(suggestion=replied, method="meet", by=users["lead_handler"])
    return replied, elsewhere


def test_visible_suggestions(users, two_suggestions):
    replied, elsewhere = two_suggestions
    seen = {role: set(visible(Suggestion, users[role])) for role in ROLES}
    # Every role lists every suggestion (its public part); handlers too (issue 15.9).
    assert seen == dict.fromkeys(ROLES, {replied, elsewhere})


def test_a_handler_who_is_also_a_delegate_sees_every_suggestion(users, two_suggestions, other_department):
    person = users["lead_delegate"]
    other_department.members.add(person)
    permissions.forget_roles(person)
    assert set(visible(Suggestion, person)) == set(two_suggestions)


def test_handling_records_are_scoped(users, two_suggestions):
    replied, elsewhere = two_suggestions
    both = {replied.pk, elsewhere.pk}
    seen = {
        role: set(visible(ContactRecord, users[role]).values_list("suggestion", flat=True)) for role in ROLES
    }
    assert seen == {
        "anonymous": set(),
        "plain_user": set(),
        "dashboard": both,
        "staff": both,
        "superuser": both,
        "lead_handler": {replied.pk},
        "co_handler": {replied.pk},
        "other_handler": {elsewhere.pk},
        "lead_delegate": {replied.pk},
        "co_proposer": {replied.pk},
        "other_delegate": set(),
    }


def test_unpublished_replies_are_for_those_who_follow_the_suggestion(users, two_suggestions):
    replied, _ = two_suggestions
    insiders = {"dashboard", *STAFF, "lead_handler", "co_handler", "lead_delegate", "co_proposer"}

    def who_sees() -> set[str]:
        return {role for role in ROLES if visible(Reply, users[role]).filter(suggestion=replied).exists()}

    assert who_sees() == insiders
    workflow.publish(suggestion=replied, mode=Publication.TITLE_ONLY, by=users["staff"])
    assert who_sees() == EVERYONE


def test_outsiders_see_only_the_public_events(users, two_suggestions):
    replied, _ = two_suggestions
    all_kinds = set(Event.objects.filter(suggestion=replied).values_list("kind", flat=True))
    assert {EventKind.ACKNOWLEDGE, EventKind.CONTACT} <= all_kinds
    for role in ["anonymous", "other_delegate", "other_handler", "plain_user"]:
        kinds = set(visible(Event, users[role]).filter(suggestion=replied).values_list("kind", flat=True))
        assert kinds == {EventKind.REGISTER, EventKind.ASSIGN, EventKind.REPLY}, role


def test_insiders_see_every_event(users, two_suggestions):
    replied, _ = two_suggestions
    for role in ["lead_delegate", "co_proposer", "lead_handler", "co_handler", "staff", "dashboard"]:
        assert visible(Event, users[role]).filter(suggestion=replied).count() == replied.events.count()


def test_before_assignment_only_proposers_follow_a_suggestion(users, suggestion):
    """A registered suggestion: handlers are not yet involved; proposers already follow it."""
    assert suggestion.status == Status.REGISTERED
    assert permissions.can_view(users["lead_handler"], suggestion)  # the public part
    assert not permissions.can_view_details(users["lead_handler"], suggestion)
    assert permissions.can_view_details(users["co_proposer"], suggestion)
    assert not permissions.can_view_details(users["other_delegate"], suggestion)
