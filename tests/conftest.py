"""Role fixtures: one user per role, and a suggestion assigned to a lead and a co-handling department."""

from __future__ import annotations

import contextlib
import time

import pytest
from django.db import connection

from suggestions import workflow
from suggestions.models import Suggestion
from suggestions.policy.groups import ensure_role_groups
from tests import factories

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks (set DATABASE_URL)"
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def groups(db):
    return ensure_role_groups()


@pytest.fixture
def staff(groups):
    return factories.staff_user(username="staff")


@pytest.fixture
def dashboard(groups):
    return factories.dashboard_user(username="dashboard")


@pytest.fixture
def lead_department(db):
    return factories.DepartmentFactory(name="太仓市发展和改革委员会", short_name="发展和改革委员会")


@pytest.fixture
def co_department(db):
    return factories.DepartmentFactory(name="太仓市交通运输局", short_name="交通运输局")


@pytest.fixture
def other_department(db):
    return factories.DepartmentFactory(name="太仓市教育局", short_name="教育局")


@pytest.fixture
def lead_handler(lead_department):
    return factories.handler_user(lead_department, username="lead_handler")


@pytest.fixture
def co_handler(co_department):
    return factories.handler_user(co_department, username="co_handler")


@pytest.fixture
def other_handler(other_department):
    return factories.handler_user(other_department, username="other_handler")


@pytest.fixture
def suggestion(db) -> Suggestion:
    """A registered suggestion with a lead delegate and one co-proposer."""
    return factories.SuggestionFactory()


@pytest.fixture
def lead_delegate_user(suggestion):
    return factories.delegate_user(suggestion.lead_delegate, username="lead_delegate")


@pytest.fixture
def co_proposer_user(suggestion):
    return factories.delegate_user(suggestion.co_proposers[0], username="co_proposer")


@pytest.fixture
def other_delegate_user(db):
    return factories.delegate_user(factories.DelegateFactory(), username="other_delegate")


@pytest.fixture
def assigned(suggestion, staff, lead_department, co_department) -> Suggestion:
    return workflow.assign(suggestion=suggestion, lead=lead_department, co_handlers=[co_department], by=staff)


@pytest.fixture
def in_progress(assigned, lead_handler) -> Suggestion:
    workflow.acknowledge(suggestion=assigned, by=lead_handler)
    assigned.refresh_from_db()
    return assigned


@pytest.fixture
def replied(in_progress, lead_handler) -> Suggestion:
    factories.reply(in_progress, lead_handler, category="B")
    in_progress.refresh_from_db()
    return in_progress


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Tests create many users: the production hasher costs ~1 s per user, MD5 costs nothing."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """Build data once per test module: `with module_db(): ...` inside a module-scoped fixture.

    The data lives in an outer transaction rolled back when the module ends; each test still asks
    for `db` and runs in a savepoint on top of it, so what a test writes is undone after it.
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield django_db_blocker.unblock
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings, tmp_path):
    """Pages render `{% static %}`: use the plain storage so tests need no `collectstatic` manifest
    (and an empty STATIC_ROOT, so WhiteNoise does not warn about a missing directory)."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The statistics cache is keyed by the newest event id, which a rolled-back test can reuse."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_api_rate_limits(settings):
    """Suites send hundreds of API requests from one address in a second; the limits have their own
    tests (tests/api/test_errors_and_auth.py), which set them back."""
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}


@contextlib.contextmanager
def row_locked_until_queued(suggestion_pk: int, waiting: int, timeout: float = 20.0):
    """Hold the suggestion's row lock (the one every workflow step takes) while the block starts its
    threads; release it only once ``waiting`` other sessions wait for a lock, so the steps really race."""
    from django.db import connection, transaction

    with transaction.atomic():
        Suggestion.objects.select_for_update().get(pk=suggestion_pk)
        yield
        deadline = time.monotonic() + timeout
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                if cursor.fetchone()[0] >= waiting:
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f"fewer than {waiting} steps reached the row lock")
                time.sleep(0.02)
