"""The OpenAPI schema validates without warnings, lists every endpoint, documents errors; the docs are local."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from config.api import router


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))  # raises on any warning
    return yaml.safe_load(path.read_text())


def _router_paths() -> set[str]:
    """Every path the router serves, in OpenAPI form (/api/v1/suggestions/{id}/assign/)."""
    paths = set()
    for pattern in router.urls:
        regex = pattern.pattern.regex.pattern
        if "(?P<format>" in regex or pattern.name == "api-root":
            continue
        route = regex.lstrip("^").removesuffix("\\Z").rstrip("$")
        route = re.sub(r"\(\?P<pk>[^)]*\)", "{id}", route)
        paths.add("/api/v1/" + route)
    return paths


def test_schema_lists_every_endpoint(schema):
    assert _router_paths() and _router_paths() <= set(schema["paths"])
    for step in ("assign", "reply", "rate", "rehandle", "publish", "follow_up"):
        assert f"/api/v1/suggestions/{{id}}/{step}/" in schema["paths"]
    for stat in ("overview", "by-theme", "by-department", "by-round", "by-month"):
        assert f"/api/v1/stats/{stat}/" in schema["paths"]


def test_every_operation_documents_its_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404"} <= codes, (method, path)
            assert codes & {"200", "201"}, (method, path)
            error = operation["responses"]["403"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}


def test_every_operation_documents_405_and_429_and_415_with_a_body(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert {"405", "429"} <= set(responses), (method, path)
            assert ("415" in responses) == ("requestBody" in operation), (method, path)
            for code in ("405", "429", *(["415"] if "requestBody" in operation else [])):
                assert responses[code]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }
            assert "Retry-After" in responses["429"]["headers"]


def test_created_resources_document_their_location(schema):
    created = [
        (path, operation)
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if isinstance(operation, dict) and "201" in operation.get("responses", {})
    ]
    assert [path for path, _ in created] == ["/api/v1/suggestions/"]
    for _, operation in created:
        assert operation["responses"]["201"]["headers"]["Location"]["schema"]["format"] == "uri"


@pytest.mark.parametrize("path", ["/api/v1/suggestions/export/", "/api/v1/events/export/"])
def test_the_exports_are_documented_as_cursor_pages(schema, path):
    operation = schema["paths"][path]["get"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    properties = schema["components"]["schemas"][page]["properties"]
    assert set(properties) == {"next", "previous", "results"} and properties["results"]["type"] == "array"
    assert {"cursor", "page_size"} <= {p["name"] for p in operation["parameters"]}
    assert "page" not in {p["name"] for p in operation["parameters"]}


def test_me_is_one_object(schema):
    response = schema["paths"]["/api/v1/me/"]["get"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Me"}
    me = schema["components"]["schemas"]["Me"]["properties"]
    assert {"username", "display_name", "roles", "departments", "delegate"} == set(me)


def test_statistics_definitions_are_in_the_schema(schema):
    row = schema["components"]["schemas"]["StatsOverview"]["properties"]
    assert "答复率" in row["reply_rate"]["description"] and "见面率" in row["meeting_rate"]["description"]
    assert "初次满意率" in row["first_satisfaction_rate"]["description"]
    overview = schema["paths"]["/api/v1/stats/overview/"]["get"]
    assert "withdrawn" in overview["description"]
    assert {"session", "theme", "department"} <= {p["name"] for p in overview["parameters"]}


def test_suggestion_filters_are_documented(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/suggestions/"]["get"]["parameters"]}
    assert {
        "session",
        "theme",
        "status",
        "department",
        "role",
        "category",
        "delegate",
        "lead_delegate",
        "key_supervision",
        "round",
        "overdue",
        "due_before",
        "due_after",
        "replied_after",
        "replied_before",
        "q",
        "ordering",
        "page",
        "page_size",
    } <= names


def test_schema_is_served(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"openapi" in response.content


def test_docs_are_served_by_the_app_without_a_cdn(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    nonce = re.search(r'<style nonce="([^"]+)"', html).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert "<script>" not in html  # the init script is a separate file (?script)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()


def test_no_view_outside_the_router_and_the_docs_under_api(db):
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    api_routes = [r for r in walk(get_resolver().url_patterns) if r.startswith(("api/", "^api/"))]
    assert {"api/schema/", "api/docs/", "^api/"} <= set(api_routes)
