"""The failed logins the lockout counts no more are deleted: by purge_login_failures and by send_reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.housekeeping import longest_lockout_window, purge_login_failures
from accounts.models import LoginFailure

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory
WINDOW = dt.timedelta(seconds=settings.LOGIN_LOCKOUT["window_seconds"])


def failure(username: str, age: dt.timedelta, ip: str = "10.0.0.1") -> LoginFailure:
    row = LoginFailure.objects.create(username=username, ip=ip)
    LoginFailure.objects.filter(pk=row.pk).update(at=timezone.now() - age)  # `at` is auto_now_add
    return row


def test_the_window_is_the_lockouts_longest(settings):
    assert longest_lockout_window() == WINDOW
    settings.LOGIN_LOCKOUT = {**settings.LOGIN_LOCKOUT, "address_window_seconds": 3 * 3600}
    assert longest_lockout_window() == dt.timedelta(hours=3)


def test_old_failures_go_recent_ones_stay(db):
    old = [failure("old", WINDOW + dt.timedelta(minutes=1)), failure("older", dt.timedelta(days=40))]
    recent = [failure("recent", WINDOW - dt.timedelta(minutes=1)), failure("now", dt.timedelta(0))]

    assert purge_login_failures() == len(old)
    assert set(LoginFailure.objects.values_list("pk", flat=True)) == {r.pk for r in recent}


def test_the_command_purges(db, capsys):
    failure("old", WINDOW * 2)
    keep = failure("recent", dt.timedelta(minutes=1))
    call_command("purge_login_failures")
    assert "1 login failures" in capsys.readouterr().out
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [keep.pk]


def test_the_reminder_run_purges_too(db, capsys):
    failure("old", WINDOW * 2)
    keep = failure("recent", dt.timedelta(minutes=1))
    call_command("send_reminders", "--date", "2023-04-06")
    assert "1 old login failures deleted" in capsys.readouterr().out
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [keep.pk]


def test_a_dry_run_purges_nothing(db):
    failure("old", WINDOW * 2)
    call_command("send_reminders", "--date", "2023-04-06", "--dry-run")
    assert LoginFailure.objects.count() == 1


def test_the_lockout_still_holds_after_a_purge(client, lead_handler):
    for _ in range(settings.LOGIN_LOCKOUT["max_failures"]):
        client.post(reverse("login"), {"username": "lead_handler", "password": "wrong"})
    failure("lead_handler", WINDOW * 3)  # an old failure besides: purged, the recent ones kept

    assert purge_login_failures() == 1
    assert LoginFailure.objects.count() == settings.LOGIN_LOCKOUT["max_failures"]
    response = client.post(reverse("login"), {"username": "lead_handler", "password": PASSWORD})
    assert "已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_once_the_window_has_passed_the_purge_lifts_nothing_that_was_not_lifted(client, lead_handler):
    for _ in range(settings.LOGIN_LOCKOUT["max_failures"]):
        client.post(reverse("login"), {"username": "lead_handler", "password": "wrong"})
    LoginFailure.objects.update(at=timezone.now() - WINDOW - dt.timedelta(seconds=1))

    assert purge_login_failures() == settings.LOGIN_LOCKOUT["max_failures"]
    client.post(reverse("login"), {"username": "lead_handler", "password": PASSWORD})
    assert "_auth_user_id" in client.session
