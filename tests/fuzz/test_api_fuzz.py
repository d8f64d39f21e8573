"""Schemathesis over every operation of the OpenAPI schema, as each role: no request ends in a 5xx.

The schema is read from /api/schema/ through the WSGI application; every operation gets schema-valid
(positive) and schema-breaking (negative) requests, authenticated with the role's DRF token. Path ids and
body references are often swapped for ids of real rows (suggestions in every state, their replies,
departments, delegates), so the requests reach the workflow instead of stopping at a 404. Writes pile up
inside the test's transaction: later requests meet the states earlier ones made.
"""

from __future__ import annotations

import datetime as dt
import traceback
from contextlib import contextmanager

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from delegates.models import Delegate
from departments.models import Department
from suggestions import workflow
from suggestions.models import Assignment, Event, Reply, Suggestion
from tests import factories
from tests.security.conftest import ROLES

pytestmark = pytest.mark.django_db

# Examples per operation: (schema-valid, schema-breaking). The roles whose requests get past the
# permission checks get more; a malformed request is refused the same way before that, whoever sends it.
EXAMPLES = {
    "staff": (6, 6),
    "LH": (3, 3),
    "lead": (2, 2),
    "CH": (2, 0),
    "OH": (2, 0),
    "co": (1, 0),
    "oth": (1, 0),
    "anon": (1, 1),
    "dash": (1, 0),
}


@pytest.fixture
def crashes():
    """The tracebacks of the exceptions behind any 500, to say where to fix it."""
    found: list[str] = []

    def record(sender, request=None, **kwargs):
        found.append(f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}")

    got_request_exception.connect(record, weak=False)
    yield found
    got_request_exception.disconnect(record)


@contextmanager
def connection_kept():
    """Like Django's test client: a request must not close the connection holding the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    with connection_kept():
        yield


@pytest.fixture(scope="module")
def fuzz_world(module_db, world_media):
    """Users of every role with tokens, and suggestions in every state (see tests/security/conftest.py)."""
    from tests.security.conftest import build_world

    # The URLconf the schema's WSGI app imports names `{% static %}` addresses: the plain storage, as the
    # function-scoped tests have it (no collectstatic manifest).
    plain_static = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with module_db(), override_settings(MEDIA_ROOT=world_media, STORAGES=plain_static):
        world = build_world()
        staff, lead_handler = world.users["staff"], world.users["LH"]
        L = Department.objects.get(name="太仓市发展和改革委员会")
        C = Department.objects.get(name="太仓市交通运输局")
        proposers = [Delegate.objects.get(name="汪香元"), Delegate.objects.get(name="杨锐")]

        def new(title: str) -> Suggestion:
            return factories.SuggestionFactory(title=title, proposers=proposers)

        for state in ("registered", "assigned", "in_progress", "replied", "review", "closed", "extension"):
            for _ in range(2):
                s = new(state)
                if state == "registered":
                    continue
                workflow.assign(suggestion=s, lead=L, co_handlers=[C], by=staff)
                if state == "assigned":
                    continue
                workflow.acknowledge(suggestion=s, by=lead_handler)
                if state == "extension":
                    s.refresh_from_db()
                    workflow.request_extension(
                        suggestion=s,
                        requested_due=s.due_date + dt.timedelta(days=15),
                        reason="需要协调",
                        by=lead_handler,
                    )
                    continue
                if state == "in_progress":
                    continue
                factories.reply(s, lead_handler, category="B")
                if state == "replied":
                    continue
                verdict = "unsatisfied" if state == "review" else "satisfied"
                workflow.rate(
                    suggestion=s,
                    attitude="satisfied",
                    result=verdict,
                    comment="意见",
                    by=world.users["lead"],
                )
        with connection_kept():
            world.schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        return world


def real_ids(path: str) -> list[int]:
    """Ids of existing rows for the operation's `{id}`."""
    resource = path.removeprefix("/api/v1/").split("/")[0]
    model = {
        "suggestions": Suggestion,
        "replies": Reply,
        "events": Event,
        "assignments": Assignment,
        "departments": Department,
        "delegates": Delegate,
    }.get(resource)
    if model is None:
        return []
    return list(model.objects.order_by("pk").values_list("pk", flat=True)[:60])


REFERENCES = {
    "lead": Department,
    "new_department": Department,
    "department": Department,
    "co_handlers": Department,
    "delegate": Delegate,
    "delegates": Delegate,
    "proposers": Delegate,
}


def with_real_references(body, data) -> object:
    """Swap some references in a JSON body for real rows (the rest stay as generated)."""
    if not isinstance(body, dict):
        return body
    for key, model in REFERENCES.items():
        if key in body and data.draw(st.booleans()):
            ids = list(model.objects.order_by("pk").values_list("pk", flat=True)[:20])
            one = data.draw(st.sampled_from(ids))
            body[key] = [one] if isinstance(body[key], list) else one
    return body


def fuzz(operation, mode: GenerationMode, examples: int, headers: dict, errors: list[str]) -> None:
    """Send `examples` generated requests for one operation; note every 5xx in `errors`."""
    ids = real_ids(operation.path)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def call(case, data):
        if ids and "id" in (case.path_parameters or {}) and data.draw(st.integers(0, 3)):
            case.path_parameters["id"] = data.draw(st.sampled_from(ids))
        if mode == GenerationMode.POSITIVE:
            case.body = with_real_references(case.body, data)
        response = case.call(headers=headers)
        if response.status_code >= 500:
            errors.append(
                f"{case.method} {case.formatted_path} {case.query} {case.body!r:.300} "
                f"→ {response.status_code}: {response.content[:300]!r}"
            )

    call()


@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_with_a_server_error(fuzz_world, role, crashes):
    token = None if role == "anon" else Token.objects.get(user=fuzz_world.users[role]).key
    headers = {"Authorization": f"Token {token}"} if token else {}
    errors: list[str] = []
    unbreakable: list[str] = []
    operations = 0
    for result in fuzz_world.schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in zip(
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), EXAMPLES[role], strict=True
        ):
            if not examples:
                continue
            try:
                fuzz(operation, mode, examples, headers, errors)
            except Unsatisfiable:
                # no way to break the schema of an operation without parameters or body
                assert mode == GenerationMode.NEGATIVE, operation.label
                unbreakable.append(operation.label)
    assert operations >= 50
    assert len(unbreakable) < operations / 2, unbreakable
    assert errors == [], "\n".join(errors + crashes[:3])


# -- every answer is the one the schema documents ----------------------------------------------------------

# Requests per operation and role, (schema-valid, schema-breaking): every operation, kept under a minute.
CONFORMANCE_EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}


def conformance_checks():
    from schemathesis.specs.openapi import checks

    return [
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
    ]


def conform(operation, mode: GenerationMode, headers: dict, failures: list[str]) -> None:
    """Send a few requests to one operation; note each response the schema does not describe."""
    ids = real_ids(operation.path)
    checks = conformance_checks()

    @settings(
        max_examples=CONFORMANCE_EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def call(case, data):
        if ids and "id" in (case.path_parameters or {}) and data.draw(st.integers(0, 3)):
            case.path_parameters["id"] = data.draw(st.sampled_from(ids))
        if mode == GenerationMode.POSITIVE:
            case.body = with_real_references(case.body, data)
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (FailureGroup, Exception) as exc:  # schemathesis's failures, each with what it checked
            failures.append(
                f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200} → "
                f"{response.status_code} {response.content[:200]!r}\n{exc}"
            )

    call()


@pytest.mark.parametrize("role", ["anon", "staff"])
def test_every_response_is_the_one_the_schema_documents(fuzz_world, role, crashes):
    """Status code, content type, headers and body of every answer, to valid and to schema-breaking
    requests, as the public and as staff."""
    token = None if role == "anon" else Token.objects.get(user=fuzz_world.users[role]).key
    headers = {"Authorization": f"Token {token}"} if token else {}
    failures: list[str] = []
    operations = 0
    for result in fuzz_world.schema.get_all_operations():
        operations += 1
        for mode in CONFORMANCE_EXAMPLES:
            try:
                conform(result.ok(), mode, headers, failures)
            except Unsatisfiable:  # nothing to break in an operation without parameters or body
                assert mode == GenerationMode.NEGATIVE
    assert operations >= 50
    assert failures == [], f"{len(failures)} responses off the schema:\n" + "\n\n".join(
        failures[:8] + crashes[:3]
    )
