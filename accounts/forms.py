"""The login form of the pages and the admin, with lockout after repeated failures."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import LoginFailure, LoginGuard
from config.clientip import client_ip


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LOGIN_LOCKOUT["window_seconds"])


def _recent(username: str):
    return LoginFailure.objects.filter(username__iexact=username, at__gte=_window_start())


def is_locked_out(username: str) -> bool:
    return _recent(username).count() >= settings.LOGIN_LOCKOUT["max_failures"]


def is_address_locked_out(ip: str | None) -> bool:
    """Too many failures from one address, whatever the usernames (guessing across accounts)."""
    if not ip:
        return False
    recent = LoginFailure.objects.filter(ip=ip, at__gte=_window_start())
    return recent.count() >= settings.LOGIN_LOCKOUT["max_failures_per_address"]


def _lock(keys: list[str]) -> None:
    """Lock the guard rows of ``keys`` until the transaction ends, one by one in key order (so two attempts
    never wait for each other in a cycle). An UPDATE takes the row lock on PostgreSQL and the database's
    write lock on SQLite; a row purged meanwhile is created again."""
    now = timezone.now()
    for key in sorted(keys):
        while not LoginGuard.objects.filter(key=key).update(at=now):
            LoginGuard.objects.bulk_create([LoginGuard(key=key, at=now)], ignore_conflicts=True)


def reserve_attempt(username: str, ip: str | None) -> str | None:
    """Count and record one login attempt atomically, before its password is checked.

    Under the locks of the username and the address: when either already has its limit of recent failures,
    nothing is recorded and the reason is returned ("locked_out" / "address_locked_out"); otherwise the
    attempt is recorded as a failure, which a successful login deletes (``confirm_login_allowed``). So of
    any number of concurrent wrong passwords at most ``max_failures`` are checked.
    """
    keys = [f"u:{username.lower()[:150]}"] + ([f"a:{ip}"] if ip else [])
    with transaction.atomic():
        _lock(keys)
        if is_address_locked_out(ip):
            return "address_locked_out"
        if is_locked_out(username):
            return "locked_out"
        LoginFailure.objects.create(username=username[:150], ip=ip)
    return None


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
        ip = client_ip(self.request)
        if username and self.cleaned_data.get("password"):
            refused = reserve_attempt(username, ip)  # recorded as a failure unless the password is right
        elif is_address_locked_out(ip):
            refused = "address_locked_out"
        else:
            refused = "locked_out" if username and is_locked_out(username) else None
        if refused:
            raise ValidationError(
                self.error_messages[refused],
                code=refused,
                params={"minutes": settings.LOGIN_LOCKOUT["window_seconds"] // 60},
            )
        return super().clean()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        LoginFailure.objects.filter(username__iexact=user.get_username()).delete()
