"""The login form of the pages and the admin, with lockout after repeated failures."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import LoginFailure


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _recent(username: str):
    window = dt.timedelta(seconds=settings.LOGIN_LOCKOUT["window_seconds"])
    return LoginFailure.objects.filter(username__iexact=username, at__gte=timezone.now() - window)


def is_locked_out(username: str) -> bool:
    return _recent(username).count() >= settings.LOGIN_LOCKOUT["max_failures"]


def is_address_locked_out(ip: str | None) -> bool:
    """Too many failures from one address, whatever the usernames (guessing across accounts)."""
    if not ip:
        return False
    window = dt.timedelta(seconds=settings.LOGIN_LOCKOUT["window_seconds"])
    recent = LoginFailure.objects.filter(ip=ip, at__gte=timezone.now() - window)
    return recent.count() >= settings.LOGIN_LOCKOUT["max_failures_per_address"]


class ThrottledAuthenticationForm(AuthenticationForm):
    """After `max_failures` wrong passwords for a username within the window, refuse it until it passes;
    after `max_failures_per_address` from one client address (any usernames), refuse that address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _("登录失败次数过多，该账号已暂时锁定，请 %(minutes)s 分钟后再试。"),
        "address_locked_out": _("来自本机地址的登录失败次数过多，请 %(minutes)s 分钟后再试。"),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()  # None when invalid (e.g. a NUL byte)
        if is_address_locked_out(client_ip(self.request)):
            raise ValidationError(
                self.error_messages["address_locked_out"],
                code="address_locked_out",
                params={"minutes": settings.LOGIN_LOCKOUT["window_seconds"] // 60},
            )
        if username and is_locked_out(username):
            raise ValidationError(
                self.error_messages["locked_out"],
                code="locked_out",
                params={"minutes": settings.LOGIN_LOCKOUT["window_seconds"] // 60},
            )
        try:
            return super().clean()
        except ValidationError:
            if username:
                LoginFailure.objects.create(username=username[:150], ip=client_ip(self.request))
            raise

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        LoginFailure.objects.filter(username__iexact=user.get_username()).delete()
