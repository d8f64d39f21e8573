"""The router's and the middleware's decisions, in process: which requests may read the replica, who is
pinned to the primary, and what never goes to the replica (writes, sessions, transactions, migrations).

The suite runs with ``REPLICA_READS`` off (the replica alias, when configured, is a test mirror); these
tests turn it on and look at the alias chosen, without querying a replica.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.core.signals import request_finished
from django.db import router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from config import db_router
from suggestions.models import Suggestion
from tests import factories
from tests.scaling.conftest import ROOT


@pytest.fixture
def replica_reads(settings):
    settings.REPLICA_READS = True
    settings.REPLICA_PIN_SECONDS = 10
    yield
    db_router._reset()


def handle(request, view=None) -> dict:
    """Run the middleware around ``view`` and say where the view's reads went."""
    seen = {}

    def get_response(req):
        if view is not None:
            view(req)
        seen["suggestion"] = router.db_for_read(Suggestion)
        seen["session"] = router.db_for_read(Session)
        seen["write"] = router.db_for_write(Suggestion)
        return HttpResponse()

    db_router.ReplicaReadsMiddleware(get_response)(request)
    return seen


def session_request(method: str, path: str, user_id=None):
    request = getattr(RequestFactory(), method.lower())(path)
    request.session = {} if user_id is None else {"_auth_user_id": str(user_id)}
    return request


@pytest.mark.parametrize(
    ("method", "path", "where"),
    [
        ("GET", "/api/v1/suggestions/", "replica"),
        ("HEAD", "/api/v1/stats/overview/", "replica"),
        ("OPTIONS", "/api/v1/suggestions/", "replica"),
        ("GET", "/dashboard/", "replica"),
        ("GET", "/screen/", "replica"),
        ("GET", "/reports/suggestions.csv", "replica"),
        ("GET", "/suggestions/", "default"),  # pages show a user's own change: the primary
        ("GET", "/admin/", "default"),
        ("POST", "/api/v1/suggestions/", "default"),
        ("PATCH", "/api/v1/suggestions/1/", "default"),
        ("DELETE", "/api/v1/suggestions/1/", "default"),
    ],
)
def test_safe_requests_on_the_replica_paths_read_the_replica(replica_reads, method, path, where):
    seen = handle(session_request(method, path))
    assert seen == {"suggestion": where, "session": "default", "write": "default"}


def test_without_replica_reads_everything_is_on_the_primary(settings):
    assert settings.REPLICA_READS is False  # the suite's setting: nothing is routed to a mirror
    assert handle(session_request("GET", "/api/v1/suggestions/"))["suggestion"] == "default"


def test_a_writer_is_pinned_to_the_primary_and_others_are_not(replica_reads):
    assert handle(session_request("GET", "/api/v1/suggestions/", user_id=7))["suggestion"] == "replica"
    handle(session_request("POST", "/suggestions/1/progress/", user_id=7))  # any unsafe request
    assert handle(session_request("GET", "/api/v1/suggestions/", user_id=7))["suggestion"] == "default"
    assert handle(session_request("GET", "/dashboard/", user_id=7))["suggestion"] == "default"
    assert handle(session_request("GET", "/api/v1/suggestions/", user_id=8))["suggestion"] == "replica"
    assert handle(session_request("GET", "/api/v1/suggestions/"))["suggestion"] == "replica"  # anonymous

    from django.core.cache import cache

    assert cache.get(db_router.pin_key("7")) == 1
    cache.delete(db_router.pin_key("7"))  # the pin's time is up
    assert handle(session_request("GET", "/api/v1/suggestions/", user_id=7))["suggestion"] == "replica"


def test_a_safe_request_that_writes_reads_the_primary_afterwards_and_pins_its_user(replica_reads):
    seen = {}

    def view(request):
        seen["before"] = router.db_for_read(Suggestion)
        db_router.wrote(sender=Suggestion)  # what post_save sends when the view saves a row
        seen["after"] = router.db_for_read(Suggestion)

    handle(session_request("GET", "/api/v1/suggestions/", user_id=9), view)
    assert seen == {"before": "replica", "after": "default"}
    assert handle(session_request("GET", "/api/v1/suggestions/", user_id=9))["suggestion"] == "default"


def test_saving_a_session_or_a_cache_entry_pins_nobody(replica_reads):
    def view(request):
        db_router.wrote(sender=Session)

    handle(session_request("GET", "/api/v1/suggestions/", user_id=10), view)
    assert handle(session_request("GET", "/api/v1/suggestions/", user_id=10))["suggestion"] == "replica"


def test_a_login_pins_the_new_user(replica_reads):
    def view(request):
        request.session["_auth_user_id"] = "11"  # what login() stores

    handle(session_request("POST", "/accounts/login/"), view)
    assert handle(session_request("GET", "/api/v1/suggestions/", user_id=11))["suggestion"] == "default"


def test_the_mark_lasts_until_the_request_finishes_for_streamed_answers(replica_reads, transactional_db):
    db_router.ReplicaReadsMiddleware(lambda request: HttpResponse())(session_request("GET", "/reports/x.csv"))
    assert router.db_for_read(Suggestion) == "replica"  # a streamed export is iterated after the view
    request_finished.send(sender=None)
    assert router.db_for_read(Suggestion) == "default"


def test_reads_inside_a_transaction_of_the_primary_stay_on_the_primary(replica_reads, transactional_db):
    db_router._reads.set(db_router.REPLICA)  # as the middleware marks a request for the replica
    with transaction.atomic():
        assert router.db_for_read(Suggestion) == "default"
    assert router.db_for_read(Suggestion) == "replica"


def test_an_api_token_names_its_user_before_authentication(replica_reads, transactional_db, groups):
    user = factories.staff_user(username="router_token")
    key = Token.objects.create(user=user).key
    request = RequestFactory().get("/api/v1/suggestions/", HTTP_AUTHORIZATION=f"Token {key}")
    request.session = {}
    assert handle(request)["suggestion"] == "replica"
    db_router.pin(user.pk)
    assert handle(request)["suggestion"] == "default"
    assert db_router._token_user_id("no-such-token") is None
    assert "no-such-token" not in str(db_router._TOKEN_USERS)  # an unknown key is not remembered


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("replica", "suggestions") is False
    assert router.allow_migrate("default", "suggestions") is True


def settings_in_a_process(**environment: str) -> subprocess.CompletedProcess:
    """The settings as a server reads them (not under pytest), printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and "DATABASE" not in k}
    env.pop("REDIS_URL", None)
    env.update(DJANGO_SECRET_KEY="x" * 50, DJANGO_DEBUG="true", **environment)
    code = (
        "import json; from config import settings as s; "
        "print(json.dumps({'caches': s.CACHES, 'replica': s.DATABASES.get('replica'), 'reads': s.REPLICA_READS}))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


def test_the_settings_turn_on_redis_and_the_replica_from_the_environment():
    import json

    plain = json.loads(settings_in_a_process().stdout)
    assert plain["caches"]["default"]["BACKEND"].endswith("LocMemCache") and plain["replica"] is None
    assert plain["reads"] is False

    both = json.loads(
        settings_in_a_process(
            REDIS_URL="redis://127.0.0.1:6379/3",
            DJANGO_CACHE_KEY_PREFIX="site-a",
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/tracker",
            DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/tracker",
        ).stdout
    )
    assert both["caches"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
        "KEY_PREFIX": "site-a",
    }
    assert both["replica"]["PORT"] == 5433 and both["replica"]["TEST"] == {"MIRROR": "default"}
    assert both["replica"]["OPTIONS"] == {"options": "-c jit=off"} and both["reads"] is True

    explicit = json.loads(
        settings_in_a_process(
            REDIS_URL="redis://127.0.0.1:6379/3",
            DJANGO_CACHE_BACKEND="django.core.cache.backends.db.DatabaseCache",
            DJANGO_CACHE_LOCATION="tracker_cache",
        ).stdout
    )
    assert explicit["caches"]["default"]["BACKEND"].endswith("DatabaseCache")
    assert explicit["caches"]["default"]["LOCATION"] == "tracker_cache"


def test_a_replica_without_a_shared_cache_is_refused():
    result = settings_in_a_process(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/tracker",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/tracker",
    )
    assert result.returncode != 0 and "needs a cache shared by every process" in result.stderr
