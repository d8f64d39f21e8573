"""The role groups and what the committee staff group may do in the admin."""

from django.contrib.auth.models import Group, Permission

from suggestions.policy.permissions import DASHBOARD_GROUP, STAFF_GROUP

STAFF_APPS = ["suggestions", "delegates", "departments", "authtoken", "accounts", "notifications"]
STAFF_AUTH_CODENAMES = ["view_user", "add_user", "change_user", "view_group"]


def ensure_role_groups() -> tuple[Group, Group]:
    """Create the staff and dashboard groups; give staff the admin permissions they need (idempotent)."""
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    dashboard, _ = Group.objects.get_or_create(name=DASHBOARD_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label__in=STAFF_APPS
    ) | Permission.objects.filter(content_type__app_label="auth", codename__in=STAFF_AUTH_CODENAMES)
    staff.permissions.set(permissions)
    return staff, dashboard
