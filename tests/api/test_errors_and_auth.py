"""One JSON error format; authentication by session (with CSRF) or token; the dashboard only reads."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from suggestions.models import Status


def error_of(response, status_code):
    assert response.status_code == status_code, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


# -- the error format ----------------------------------------------------------------------------------


def test_malformed_json_is_a_400(api, staff, suggestion):
    response = api(staff).post(
        f"/api/v1/suggestions/{suggestion.pk}/not_accept/",
        data='{"reason": ',
        content_type="application/json",
    )
    assert error_of(response, 400)["code"] == "parse_error"


def test_a_json_list_instead_of_an_object_is_a_400(api, staff, suggestion):
    response = api(staff).post(f"/api/v1/suggestions/{suggestion.pk}/not_accept/", ["x"], format="json")
    assert error_of(response, 400)["code"] == "invalid"


@pytest.mark.parametrize("path", ["not_accept/", None])
def test_a_json_null_body_is_a_400_naming_the_body_in_chinese(api, staff, suggestion, path):
    url = f"/api/v1/suggestions/{suggestion.pk}/{path}" if path else "/api/v1/suggestions/"
    response = api(staff).post(url, data="null", content_type="application/json")
    body = error_of(response, 400)
    assert body["code"] == "invalid" and body["fields"] == {}
    assert "请求体" in body["message"] and "null" in body["message"]
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REGISTERED


def test_an_unsupported_media_type_is_a_415(api, staff, suggestion):
    response = api(staff).post(
        f"/api/v1/suggestions/{suggestion.pk}/not_accept/", data="reason=x", content_type="text/plain"
    )
    assert error_of(response, 415)["code"] == "unsupported_media_type"


def test_a_method_the_path_does_not_serve_is_a_405(api, staff, suggestion):
    response = api(staff).put(f"/api/v1/suggestions/{suggestion.pk}/", {"title": "x"})
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_wrong_types_name_the_fields(api, staff, suggestion):
    body = error_of(
        api(staff).post(
            f"/api/v1/suggestions/{suggestion.pk}/assign/",
            {"lead": "abc", "co_handlers": "x", "due": "next week", "key_supervision": "maybe"},
        ),
        400,
    )
    assert set(body["fields"]) == {"lead", "co_handlers", "due", "key_supervision"}


def test_unknown_fields_are_rejected(api, staff, suggestion):
    body = error_of(
        api(staff).post(
            f"/api/v1/suggestions/{suggestion.pk}/not_accept/", {"reason": "x", "status": "closed"}
        ),
        400,
    )
    assert set(body["fields"]) == {"status"}
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REGISTERED


def test_huge_ids_are_a_field_error(api, staff, suggestion):
    body = error_of(api(staff).post(f"/api/v1/suggestions/{suggestion.pk}/assign/", {"lead": 10**30}), 400)
    assert "lead" in body["fields"]


def test_workflow_state_error_carries_its_code(api, staff, suggestion):
    body = error_of(api(staff).post(f"/api/v1/suggestions/{suggestion.pk}/close/", {"reason": "x"}), 400)
    assert body["code"] == "invalid_state" and "已登记" in body["message"]


def test_another_departments_suggestion_is_read_in_its_public_part_only(api, other_handler, assigned):
    body = api(other_handler).get(f"/api/v1/suggestions/{assigned.pk}/").json()
    assert (
        body["details_visible"] is False and body["assignments"] is None and body["available_actions"] == []
    )
    response = api(other_handler).post(f"/api/v1/suggestions/{assigned.pk}/acknowledge/", {})
    assert error_of(response, 403)["code"] == "permission_denied"


def test_a_suggestion_that_does_not_exist_is_a_404(api, other_handler, assigned):
    missing = f"/api/v1/suggestions/{assigned.pk + 1000}/"
    assert error_of(api(other_handler).get(missing), 404)["code"] == "not_found"
    assert error_of(api(other_handler).post(f"{missing}acknowledge/", {}), 404)["code"] == "not_found"


def test_a_post_to_an_unknown_address_is_a_json_404_even_with_a_session(db, staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post("/api/v1/suggestions/1.5/assign/", {"lead": 1})
    assert error_of(response, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "path", ["/api/v1/suggestions/abc/", "/api/v1/suggestions/999999/", "/api/v1/nothing/", "/api/x"]
)
def test_unknown_addresses_are_json_404s(api, db, path):
    assert error_of(api().get(path), 404)["code"] == "not_found"


def test_method_not_allowed(api, staff, suggestion):
    assert (
        error_of(api(staff).get(f"/api/v1/suggestions/{suggestion.pk}/assign/"), 405)["code"]
        == "method_not_allowed"
    )
    assert (
        error_of(api(staff).delete(f"/api/v1/suggestions/{suggestion.pk}/"), 405)["code"]
        == "method_not_allowed"
    )


def test_bad_filter_values_are_a_400(api, db):
    body = error_of(
        api().get("/api/v1/suggestions/", {"status": "nope", "due_before": "soon", "overdue": "perhaps"}), 400
    )
    assert {"status", "due_before", "overdue"} <= set(body["fields"])


def test_page_size_over_the_maximum_is_capped(api, db):
    from tests import factories

    for _ in range(3):
        factories.SuggestionFactory()
    response = api().get("/api/v1/suggestions/", {"page_size": 100000})
    assert response.status_code == 200 and response.json()["count"] == 3
    assert api().get("/api/v1/suggestions/", {"page_size": "lots"}).status_code == 200
    assert error_of(api().get("/api/v1/suggestions/", {"page": 99}), 404)["code"] == "not_found"


def test_export_uses_cursor_pages(api, db):
    from tests import factories

    for _ in range(5):
        factories.SuggestionFactory()
    first = api().get("/api/v1/suggestions/export/", {"page_size": 2}).json()
    assert "count" not in first and len(first["results"]) == 2 and first["results"][0]["text"]
    second = api().get(first["next"]).json()
    assert len(second["results"]) == 2 and second["results"][0]["id"] > first["results"][1]["id"]
    assert (
        error_of(api().get("/api/v1/suggestions/export/", {"cursor": "garbage"}), 404)["code"] == "not_found"
    )


# -- authentication ------------------------------------------------------------------------------------


def test_unauthenticated_writes_are_401(api, suggestion):
    response = api().post(f"/api/v1/suggestions/{suggestion.pk}/withdraw/", {})
    assert error_of(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_token_authentication(staff, suggestion, lead_department):
    token = Token.objects.create(user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        f"/api/v1/suggestions/{suggestion.pk}/assign/", {"lead": lead_department.pk}, format="json"
    )
    assert response.status_code == 200, response.content


def test_a_revoked_token_is_refused(staff, suggestion):
    token = Token.objects.create(user=staff)
    key = token.key
    token.delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert error_of(client.get("/api/v1/suggestions/"), 401)["code"] == "authentication_failed"


def test_session_writes_need_the_csrf_token(staff, suggestion):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)
    path = f"/api/v1/suggestions/{suggestion.pk}/not_accept/"
    assert error_of(client.post(path, {"reason": "x"}, format="json"), 403)["code"] == "permission_denied"
    client.get("/api/v1/suggestions/")  # any page; the token comes from the cookie
    from django.middleware.csrf import _get_new_csrf_string

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post(path, {"reason": "x"}, format="json", HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 200, response.content


def test_staff_issue_and_revoke_tokens_in_the_admin(client, staff, lead_handler):
    client.force_login(staff)
    assert client.get("/admin/authtoken/tokenproxy/add/").status_code == 200
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": lead_handler.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    token = Token.objects.get(user=lead_handler)
    assert token.key in client.get("/admin/authtoken/tokenproxy/").content.decode()  # to hand it over
    response = client.post(f"/admin/authtoken/tokenproxy/{lead_handler.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=lead_handler).exists()


def test_a_handler_cannot_issue_tokens(client, lead_handler):
    lead_handler.is_staff = True
    lead_handler.save()
    client.force_login(lead_handler)
    assert client.get("/admin/authtoken/tokenproxy/add/").status_code == 403


# -- the dashboard reads only --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/suggestions/{pk}/assign/",
        "/api/v1/suggestions/",
        "/api/v1/suggestions/{pk}/",
        "/api/v1/sessions/",
    ],
)
def test_the_dashboard_may_not_write_whatever_it_sends(
    api, dashboard, suggestion, lead_department, method, path
):
    client = api(dashboard)
    for payload in ({"lead": lead_department.pk}, {}, "not json"):
        response = getattr(client, method)(path.format(pk=suggestion.pk), payload, format="json")
        assert error_of(response, 403)["code"] == "permission_denied"
    response = getattr(client, method)(
        path.format(pk=suggestion.pk), "{broken", content_type="application/json"
    )
    assert response.status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REGISTERED


def test_the_dashboard_token_may_not_write(dashboard, suggestion, lead_department):
    token = Token.objects.create(user=dashboard)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        f"/api/v1/suggestions/{suggestion.pk}/assign/", {"lead": lead_department.pk}, format="json"
    )
    assert error_of(response, 403)["code"] == "permission_denied"
    assert client.get(f"/api/v1/suggestions/{suggestion.pk}/").status_code == 200


def test_the_api_limits_requests_per_address_and_per_account(settings, staff):
    """Over the rate: 429 in the one error format, with Retry-After; other accounts are not affected."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    settings.API_THROTTLE_RATES = {"anon": "3/min", "user": "5/min"}
    public = APIClient()
    assert [public.get("/api/v1/sessions/").status_code for _ in range(3)] == [200, 200, 200]
    refused = public.get("/api/v1/sessions/")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0

    staff_client = APIClient()
    staff_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=staff)[0].key}")
    codes = [staff_client.get("/api/v1/sessions/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]  # the account's own budget, not the address's
