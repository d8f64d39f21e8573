"""GET /api/v1/me/ says who the token is: username, display name, roles, departments, delegate."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories


def me(user) -> dict:
    """/me/ as a machine client calls it: with the user's token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200, response.content
    return response.json()


def test_staff(staff):
    staff.first_name = "王工委"
    staff.save()
    assert me(staff) == {
        "username": "staff",
        "display_name": "王工委",
        "roles": ["staff"],
        "departments": [],
        "delegate": None,
    }


def test_the_dashboard_account(dashboard):
    body = me(dashboard)
    assert body["roles"] == ["dashboard"] and body["display_name"] == "dashboard"
    assert body["departments"] == [] and body["delegate"] is None


def test_a_handler_names_its_departments(lead_handler, lead_department, co_department):
    co_department.members.add(lead_handler)
    body = me(lead_handler)
    assert body["roles"] == ["handler"] and body["delegate"] is None
    assert body["departments"] == [
        {"id": d.pk, "name": d.name, "short_name": d.short_name}
        for d in sorted([lead_department, co_department], key=lambda d: d.pk)
    ]


def test_a_delegate_names_the_delegate(lead_delegate_user, suggestion):
    delegate = suggestion.lead_delegate
    body = me(lead_delegate_user)
    assert body["roles"] == ["delegate"] and body["departments"] == []
    assert body["delegate"] == {"id": delegate.pk, "name": delegate.name, "kind": delegate.kind}


def test_several_roles_at_once(lead_department):
    user = factories.handler_user(lead_department, username="both")
    delegate = factories.DelegateFactory()
    delegate.user = user
    delegate.save(update_fields=["user"])
    body = me(user)
    assert body["roles"] == ["handler", "delegate"] and body["delegate"]["id"] == delegate.pk


def test_an_account_without_a_role(db):
    assert me(factories.UserFactory(username="plain"))["roles"] == ["user"]


def test_the_browser_session_works_too(client, staff):
    client.force_login(staff)
    assert client.get("/api/v1/me/").json()["username"] == "staff"


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Token not-a-token"}])
def test_without_a_valid_token_it_is_a_401(db, headers):
    response = APIClient().get("/api/v1/me/", **headers)
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_me_is_read_only(api, staff):
    assert api(staff).post("/api/v1/me/", {}).status_code == 405
