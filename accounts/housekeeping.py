"""Housekeeping of the login lockout: failures older than every lockout window count for nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginFailure, LoginGuard


def longest_lockout_window() -> dt.timedelta:
    """The longest window the lockout counts failures in (accounts/forms.py, settings.LOGIN_LOCKOUT).

    Every ``*window_seconds`` key counts, so a window added later for one of the limits is kept too.
    """
    seconds = [int(value) for key, value in settings.LOGIN_LOCKOUT.items() if key.endswith("window_seconds")]
    return dt.timedelta(seconds=max(seconds))


def purge_login_failures(*, now: dt.datetime | None = None) -> int:
    """Delete the failures no lockout counts any more (older than the longest window); return how many."""
    cutoff = (now or timezone.now()) - longest_lockout_window()
    deleted, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    LoginGuard.objects.filter(at__lt=cutoff).delete()  # lock rows no attempt used within the window
    return deleted
