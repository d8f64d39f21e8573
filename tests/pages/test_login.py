"""Login and logout through the pages (the admin shares the lockout form)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


def test_login_then_home_then_logout(client, lead_handler, assigned):
    response = client.post(reverse("login"), {"username": "lead_handler", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "本单位待办" in client.get(reverse("home")).content.decode()
    assert client.post(reverse("logout")).status_code == 302
    assert "本单位待办" not in client.get(reverse("home")).content.decode()


def test_wrong_password_is_a_chinese_error(client, lead_handler):
    response = client.post(reverse("login"), {"username": "lead_handler", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "用户名" in html
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account(client, lead_handler):
    for _ in range(settings.LOGIN_LOCKOUT["max_failures"]):
        client.post(reverse("login"), {"username": "lead_handler", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "lead_handler", "password": PASSWORD})
    assert "已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_keeps_next(client, staff):
    url = reverse("login") + "?next=" + reverse("assign_bulk")
    assert f'value="{reverse("assign_bulk")}"' in client.get(url).content.decode()
    response = client.post(url, {"username": "staff", "password": PASSWORD, "next": reverse("assign_bulk")})
    assert response["Location"] == reverse("assign_bulk")
