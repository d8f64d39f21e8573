"""Small hardening: TRACE refused everywhere, no `Server:` header from gunicorn, OPTIONS on the API without
the views' docstrings."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path", ["/", "/suggestions/", "/accounts/login/", "/api/v1/suggestions/", "/nowhere/"]
)
@pytest.mark.parametrize("method", ["TRACE", "CONNECT"])
def test_trace_and_connect_are_refused_on_every_url(path, method):
    response = Client().generic(method, path)
    assert response.status_code == 405
    assert "TRACE" not in response["Allow"]


def test_ordinary_methods_still_work():
    assert Client().get("/accounts/login/").status_code == 200
    assert Client().head("/accounts/login/").status_code == 200


def test_gunicorn_sends_no_server_header():
    from gunicorn.http import wsgi

    runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # loading it twice filters once
    request = SimpleNamespace(version=(1, 1), method="GET", should_close=lambda: False)
    response = wsgi.Response(request, sock=None, cfg=SimpleNamespace())
    response.status, response.must_close = "200 OK", True
    lines = response.default_headers()
    assert lines[0].startswith("HTTP/1.1 200")
    assert not any(line.lower().startswith("server:") for line in lines)
    assert any(line.startswith("Date:") for line in lines)


@pytest.mark.parametrize("role", ["anon", "staff"])
@pytest.mark.parametrize(
    "path", ["/api/v1/suggestions/", "/api/v1/stats/overview/", "/api/v1/replies/", "/api/v1/"]
)
def test_options_on_the_api_tells_no_docstring_and_no_fields(path, role):
    """Not to the public, and not to staff either (who may POST, so DRF would list the input fields)."""
    client = APIClient()
    if role == "staff":
        client.force_authenticate(factories.staff_user(username="options_staff"))
    response = client.options(path)
    assert response.status_code == 200
    body = response.json()
    assert set(body) <= {"name", "renders", "parses"} and "name" in body
    assert "description" not in body and "actions" not in body
    docstring = view_description(path)
    if path != "/api/v1/replies/":  # its view has no docstring; the others do, so this can fail
        assert docstring
    for line in filter(None, (line.strip() for line in docstring.splitlines())):
        assert line not in response.content.decode(), line


def view_description(path: str) -> str:
    """What DRF's own OPTIONS answer would give as ``description``: the view's (or action's) docstring."""
    match = resolve(path)
    view = match.func.cls(**match.func.initkwargs)
    return view.get_view_description()
