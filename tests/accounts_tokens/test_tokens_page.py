"""/accounts/tokens/: committee staff list, issue, rotate and revoke API tokens; POST with CSRF only."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

URL = "/accounts/tokens/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def works(key: str) -> bool:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/").status_code == 200


def test_the_list_shows_prefixes_and_dates_never_whole_keys(staff_client, dashboard):
    token = Token.objects.create(user=dashboard)
    response = staff_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "dashboard" in html and token.key[:6] in html and token.key not in html
    assert timezone.localtime(token.created).strftime("%Y-%m-%d") in html  # the date as the page's zone
    assert response["Cache-Control"].startswith("max-age=0")


def test_issuing_shows_the_key_once_and_it_works(staff_client, dashboard):
    response = staff_client.post(URL, {"action": "issue", "username": "dashboard"})
    assert response.status_code == 200
    key = Token.objects.get(user=dashboard).key
    assert key in response.content.decode() and works(key)
    assert key not in staff_client.get(URL).content.decode()


def test_rotating_revokes_the_old_key(staff_client, dashboard):
    old = Token.objects.create(user=dashboard).key
    staff_client.post(URL, {"action": "issue", "username": "dashboard"})
    new = Token.objects.get(user=dashboard).key
    assert new != old and works(new) and not works(old)


def test_revoking(staff_client, dashboard):
    key = Token.objects.create(user=dashboard).key
    response = staff_client.post(URL, {"action": "revoke", "username": "dashboard"})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Token.objects.filter(user=dashboard).exists() and not works(key)


@pytest.mark.parametrize(
    "data", [{"action": "issue", "username": "nobody"}, {"action": "drop", "username": "staff"}]
)
def test_an_unknown_account_or_action_changes_nothing(staff_client, data):
    response = staff_client.post(URL, data)
    assert response.status_code == 400 and not Token.objects.exists()


def test_a_change_needs_the_csrf_token(staff, dashboard):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(URL, {"action": "issue", "username": "dashboard"}).status_code == 403
    assert not Token.objects.exists()


@pytest.mark.parametrize("role", ["dashboard", "lead_handler", "lead_delegate_user"])
def test_only_committee_staff(client, request, role):
    user = request.getfixturevalue(role)
    target = Token.objects.create(user=user)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "revoke", "username": user.username}).status_code == 403
    assert Token.objects.filter(pk=target.pk).exists()


def test_the_public_is_sent_to_the_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(URL, {"action": "issue", "username": "x"}).status_code == 302


def test_the_command_prints_a_working_token_and_keeps_it(dashboard):
    out = io.StringIO()
    call_command("api_token", "dashboard", stdout=out)
    key = out.getvalue().strip()
    assert works(key)
    again = io.StringIO()
    call_command("api_token", "dashboard", stdout=again)
    assert again.getvalue().strip() == key
    rotated = io.StringIO()
    call_command("api_token", "dashboard", "--rotate", stdout=rotated)
    assert rotated.getvalue().strip() != key and not works(key)


def test_the_command_refuses_an_unknown_account(db):
    with pytest.raises(CommandError):
        call_command("api_token", "nobody")
    factories.UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError):
        call_command("api_token", "gone")
