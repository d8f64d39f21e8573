"""Loading the request's user in one query, with what every request asks about it next.

A page or API request used to read the user, then its roles (groups, delegate link, departments), then
its unread notifications and the data version that keys the caches: four queries before any content.
Both doors load the user here instead, with those facts as annotations of the same SELECT:

- ``SessionBackend.get_user`` for browser sessions (pages, admin, the API from a browser);
- ``TokenAuthentication`` for API tokens.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


def request_users(*, unread: bool) -> QuerySet:
    """Users annotated with their roles, the data version and (for pages) the unread notifications."""
    from notifications.models import Notification
    from suggestions.policy import permissions
    from suggestions.queries import dataversion

    annotations = {**permissions.role_annotations(), "tracker_data_version": dataversion.expression()}
    if unread:
        unread_notifications = (
            Notification.objects.filter(recipient_id=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient_id")
            .annotate(n=Count("*"))
            .values("n")
        )
        annotations["tracker_unread"] = Coalesce(
            Subquery(unread_notifications, output_field=IntegerField()), 0
        )
    return get_user_model()._default_manager.annotate(**annotations)


class _Compiled:
    """``request_users(...)`` filtered on one column, compiled to SQL once per process.

    Compiling the five subqueries costs more than running them (about 1 ms a request); the SQL does not
    change between requests, only the looked-up value does.
    """

    def __init__(self, *, unread: bool, lookup: str, mark) -> None:
        self.unread, self.lookup, self.MARK = unread, lookup, mark  # mark: a value no other param has
        self.sql: str | None = None

    def get(self, value):
        if self.sql is None:
            qs = request_users(unread=self.unread).filter(**{self.lookup: self.MARK})
            sql, params = qs.query.sql_with_params()
            self.position = params.index(self.MARK)
            self.sql, self.params = sql, list(params)
        params = list(self.params)
        params[self.position] = value
        return next(iter(get_user_model()._default_manager.raw(self.sql, params)), None)


SESSION_USER = _Compiled(unread=True, lookup="pk", mark=-731_024_195)
TOKEN_USER = _Compiled(unread=False, lookup="auth_token__key", mark="\x00tracker-token\x00")


def remember(user) -> None:
    """Hand the annotations to their readers: ``permissions.roles`` and ``dataversion.current``."""
    from suggestions.policy import permissions
    from suggestions.queries import dataversion

    permissions.remember_roles(user)
    dataversion.remember(user.tracker_data_version)


class SessionBackend(ModelBackend):
    """ModelBackend (username + password) whose session user arrives with its roles."""

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = SESSION_USER.get(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        remember(user)
        return user


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the token's user with its roles in the same query."""

    def authenticate_credentials(self, key):
        user = TOKEN_USER.get(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember(user)
        token = Token(key=key, user=user)
        token._state.adding = False
        return user, token
