"""Who may do what: the roles of a user and one `can_<act>(user, suggestion)` per action.

Roles (DOMAIN.md): committee staff (代表工委), department handler (承办单位经办人), delegate (代表),
read-only dashboard account (大屏) and the anonymous public. A person may hold several roles. Which rows a
viewer may list is `scoping.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from suggestions.models import (
    AssignmentStatus,
    HandlerRole,
    Suggestion,
)

STAFF_GROUP = "committee_staff"
DASHBOARD_GROUP = "dashboard"


@dataclass(frozen=True)
class Roles:
    authenticated: bool = False
    staff: bool = False
    dashboard: bool = False
    department_ids: frozenset[int] = field(default_factory=frozenset)
    delegate_id: int | None = None

    @property
    def handler(self) -> bool:
        return bool(self.department_ids)

    @property
    def delegate(self) -> bool:
        return self.delegate_id is not None

    @property
    def sees_everything(self) -> bool:
        return self.staff or self.dashboard

    @property
    def names(self) -> list[str]:
        flags = {
            "staff": self.staff,
            "dashboard": self.dashboard,
            "handler": self.handler,
            "delegate": self.delegate,
        }
        return [name for name, on in flags.items() if on] or (["user"] if self.authenticated else ["public"])


ANONYMOUS = Roles()


def roles(user) -> Roles:
    """The user's roles, read once per request object and cached on it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_tracker_roles", None)
    if cached is not None:
        return cached
    return _read_roles(user)


def role_annotations() -> dict:
    """Groups, delegate link and department memberships of each user, as annotations of a User query."""
    from django.contrib.auth import get_user_model
    from django.db.models import CharField, Exists, OuterRef, StringAgg, Subquery, Value
    from django.db.models.functions import Cast

    from delegates.models import Delegate
    from departments.models import Department

    User = get_user_model()
    in_group = User.groups.through.objects.filter(user_id=OuterRef("pk"))
    memberships = (
        Department.members.through.objects.filter(user_id=OuterRef("pk"))
        .values("user_id")
        .annotate(ids=StringAgg(Cast("department_id", CharField()), Value(",")))
        .values("ids")
    )
    return {
        "tracker_staff_group": Exists(in_group.filter(group__name=STAFF_GROUP)),
        "tracker_dashboard_group": Exists(in_group.filter(group__name=DASHBOARD_GROUP)),
        "tracker_delegate_id": Subquery(Delegate.objects.filter(user_id=OuterRef("pk")).values("pk")[:1]),
        "tracker_department_ids": Subquery(memberships),
    }


def remember_roles(user) -> Roles:
    """Build and cache the roles from a user loaded with ``role_annotations()`` (no query)."""
    result = Roles(
        authenticated=True,
        staff=user.is_superuser or bool(user.tracker_staff_group),
        dashboard=bool(user.tracker_dashboard_group) and not user.is_superuser,
        department_ids=frozenset(int(i) for i in (user.tracker_department_ids or "").split(",") if i),
        delegate_id=user.tracker_delegate_id,
    )
    user._tracker_roles = result
    return result


def _read_roles(user) -> Roles:
    """Groups, delegate link and department memberships in one query."""
    from django.contrib.auth import get_user_model

    values = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(**role_annotations())
        .values(
            "tracker_staff_group", "tracker_dashboard_group", "tracker_delegate_id", "tracker_department_ids"
        )
        .get()
    )
    for name, value in values.items():
        setattr(user, name, value)
    return remember_roles(user)


def forget_roles(user) -> None:
    if hasattr(user, "_tracker_roles"):
        del user._tracker_roles


# ---------------------------------------------------------------------------
# Relations of a user to one suggestion
# ---------------------------------------------------------------------------


def _active_assignments(suggestion: Suggestion):
    if hasattr(suggestion, "active_assignments"):
        return suggestion.active_assignments
    return list(suggestion.assignments.exclude(status=AssignmentStatus.REPLACED))


def handler_assignments(user, suggestion: Suggestion, *, current_round: bool = True) -> list:
    """The user's departments' active assignments on this suggestion (this round by default)."""
    r = roles(user)
    if not r.handler:
        return []
    return [
        a
        for a in _active_assignments(suggestion)
        if a.department_id in r.department_ids and (not current_round or a.round == suggestion.round)
    ]


def is_lead_handler(user, suggestion: Suggestion) -> bool:
    return any(a.role == HandlerRole.LEAD for a in handler_assignments(user, suggestion))


def is_handler(user, suggestion: Suggestion) -> bool:
    """Any department of the user was ever assigned (any round) and not replaced."""
    return bool(handler_assignments(user, suggestion, current_round=False))


def _proposer_positions(suggestion: Suggestion) -> dict[int, int]:
    return {p.delegate_id: p.position for p in suggestion.proposers.all()}


def is_proposer(user, suggestion: Suggestion) -> bool:
    r = roles(user)
    return r.delegate and r.delegate_id in _proposer_positions(suggestion)


def is_lead_delegate(user, suggestion: Suggestion) -> bool:
    r = roles(user)
    return r.delegate and _proposer_positions(suggestion).get(r.delegate_id) == 1


# ---------------------------------------------------------------------------
# can_<act>: who may take each workflow step (the state is checked by the workflow)
# ---------------------------------------------------------------------------


def is_staff(user) -> bool:
    return roles(user).staff


def can_view(user, suggestion: Suggestion) -> bool:
    """Every suggestion's public part is public, so every role (which sees at least what the public sees)
    may view every suggestion; its handling record is ``can_view_details``."""
    return True


def can_view_details(user, suggestion: Suggestion) -> bool:
    """The non-public handling record: contacts, progress, opinions, extensions, unpublished replies."""
    return roles(user).sees_everything or is_handler(user, suggestion) or is_proposer(user, suggestion)


def can_register(user) -> bool:
    return is_staff(user)


def can_assign(user, suggestion: Suggestion | None = None) -> bool:
    return is_staff(user)


def can_decide(user, suggestion: Suggestion | None = None) -> bool:
    """Approve/reject reassignment and extension requests, review 不满意, close, not-accept, publish."""
    return is_staff(user)


# Staff may also take a department's or a delegate's step on their behalf (代录: a reply or a
# rating received on paper); the event records that it was entered on behalf.


def can_acknowledge(user, suggestion: Suggestion) -> bool:
    return bool(handler_assignments(user, suggestion)) or is_staff(user)


def can_request_reassignment(user, suggestion: Suggestion) -> bool:
    return bool(handler_assignments(user, suggestion))


def can_log_contact(user, suggestion: Suggestion) -> bool:
    return bool(handler_assignments(user, suggestion)) or is_staff(user)


can_add_progress = can_log_contact


def can_give_co_opinion(user, suggestion: Suggestion) -> bool:
    return any(a.role == HandlerRole.CO for a in handler_assignments(user, suggestion)) or is_staff(user)


def can_request_extension(user, suggestion: Suggestion) -> bool:
    return is_lead_handler(user, suggestion)


def can_reply(user, suggestion: Suggestion) -> bool:
    return is_lead_handler(user, suggestion) or is_staff(user)


def can_rate(user, suggestion: Suggestion) -> bool:
    return is_proposer(user, suggestion) or is_staff(user)


def can_withdraw(user, suggestion: Suggestion) -> bool:
    return is_lead_delegate(user, suggestion) or is_staff(user)


def can_follow_up(user, suggestion: Suggestion) -> bool:
    return is_lead_handler_any_round(user, suggestion) or is_staff(user)


def is_lead_handler_any_round(user, suggestion: Suggestion) -> bool:
    return any(a.role == HandlerRole.LEAD for a in handler_assignments(user, suggestion, current_round=False))


def can_see_contact_data(user, delegate) -> bool:
    """Delegates' phone, email and address: staff and the delegate only."""
    r = roles(user)
    return r.staff or (r.delegate_id is not None and r.delegate_id == delegate.pk)
