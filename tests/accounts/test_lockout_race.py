"""The login lockout counts and checks atomically: concurrent wrong passwords cannot all be checked.

Each attempt's password check waits (a gate in the backend) until every attempt has either reached its
own check or been answered, so when the count were read before the failures are written, all attempts
would read "no failures yet" and reach the check. The lockout must let only ``max_failures`` through.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.backends import SessionBackend
from accounts.models import LoginFailure
from tests import factories
from tests.conftest import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory
ATTEMPTS = 15


def test_fifteen_concurrent_wrong_passwords_lock_the_account_after_five(monkeypatch):
    factories.UserFactory(username="target")
    limit = settings.LOGIN_LOCKOUT["max_failures"]
    condition = threading.Condition()
    state = {"checking": 0, "answered": 0, "checks": 0}
    authenticate = SessionBackend.authenticate

    def gated(self, request, username=None, password=None, **kwargs):
        with condition:
            state["checking"] += 1
            state["checks"] += 1
            condition.notify_all()
            condition.wait_for(lambda: state["checking"] + state["answered"] >= ATTEMPTS, timeout=30)
        return authenticate(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(SessionBackend, "authenticate", gated)
    responses: list[str] = []

    def attempt(n: int) -> None:
        try:
            response = Client(REMOTE_ADDR="192.0.2.10").post(
                "/accounts/login/", {"username": "target", "password": f"wrong-{n}"}
            )
            responses.append(response.content.decode())
        finally:
            with condition:
                state["answered"] += 1
                condition.notify_all()
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)

    assert state["checks"] == limit  # at most 5 passwords were checked, and the first 5 were
    assert LoginFailure.objects.filter(username="target").count() == limit
    assert sum("已暂时锁定" in html for html in responses) == ATTEMPTS - limit

    # The account is locked: even the right password is refused now.
    monkeypatch.setattr(SessionBackend, "authenticate", authenticate)
    client = Client(REMOTE_ADDR="192.0.2.11")
    refused = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert "已暂时锁定" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_during_the_burst_clears_the_failures(monkeypatch):
    """Serial case of the reservation: a successful login deletes the failures it reserved and earlier."""
    factories.UserFactory(username="target")
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(3):
        client.post("/accounts/login/", {"username": "target", "password": f"wrong-{n}"})
    assert LoginFailure.objects.filter(username="target").count() == 3
    client.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert "_auth_user_id" in client.session
    assert not LoginFailure.objects.filter(username__iexact="target").exists()
