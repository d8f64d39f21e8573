"""No key that anyone can read in this repository signs anything outside the tests (issue 16.1).

Under pytest `config/checks.py` lets the test suite's own key through, so every test here starts a
process of its own, configured as a deployment (no pytest in it): `manage.py check` (and so `check
--deploy`, `runserver`), the WSGI and the ASGI application all refuse the test suite's key, a key copied
from any tracked file, and the retired keys of the repository's history.
"""

from __future__ import annotations

import json
import secrets
import string
import subprocess

import pytest
from django.conf import settings as django_settings

from tests.security.test_hardening import ROOT, production_env, run

REPOSITORY_KEY = django_settings.TEST_SECRET_KEY

# The retired keys, put together so that this file does not write them out (a key written in a tracked
# file is refused for that alone, and these must be refused for being retired).
OLD_SERVE_FALLBACK = "local-serve-only-" + string.digits + string.ascii_lowercase  # the Makefile's
OLD_DEBUG_FALLBACK = "-".join(["dev", "only", "insecure", "key", "change", "me"])  # config/settings.py's


# Every key a clone of the repository holds, with the reason each is refused for.
KNOWN_KEYS = {
    "test-suite": (REPOSITORY_KEY, "written in this repository"),
    "make-serve": (OLD_SERVE_FALLBACK, "retired key"),
    "debug": (OLD_DEBUG_FALLBACK, "retired key"),
}

# Imports each application in turn, as gunicorn (WSGI) or an ASGI server would, and says how it went.
START_BOTH = """
import importlib, json, sys
from django.core.exceptions import ImproperlyConfigured
started = {}
for module in ("config.wsgi", "config.asgi"):
    try:
        started[module] = callable(importlib.import_module(module).application)
    except ImproperlyConfigured as error:
        started[module] = str(error)
print(json.dumps({"started": started, "pytest": "pytest" in sys.modules}))
"""


def deployment_env(**extra: str) -> dict[str, str]:
    """A deployment's environment: config.settings, nothing of pytest's (and no pytest in the process)."""
    env = {k: v for k, v in production_env(**extra).items() if not k.startswith(("PYTEST", "_PYTEST"))}
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings"
    return env


def refused(result: subprocess.CompletedProcess, reason: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert reason in output, output


def test_the_suites_key_is_what_the_tests_sign_with():
    assert django_settings.SECRET_KEY == REPOSITORY_KEY  # so the tests below try the key the suite uses


@pytest.mark.parametrize("name", KNOWN_KEYS)
def test_check_deploy_refuses_every_key_of_the_repository(name):
    key, reason = KNOWN_KEYS[name]
    result = run(["manage.py", "check", "--deploy"], deployment_env(DJANGO_SECRET_KEY=key))
    refused(result, "tracker.E001")
    assert reason in result.stderr


@pytest.mark.parametrize("name", KNOWN_KEYS)
def test_debug_mode_refuses_every_key_of_the_repository_too(name):
    key, reason = KNOWN_KEYS[name]
    result = run(["manage.py", "check"], deployment_env(DJANGO_SECRET_KEY=key, DJANGO_DEBUG="true"))
    refused(result, "tracker.E001")
    assert reason in result.stderr


def test_debug_mode_accepts_a_random_key_of_ones_own():
    key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))
    result = run(["manage.py", "check"], deployment_env(DJANGO_SECRET_KEY=key, DJANGO_DEBUG="true"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_mode_refuses_a_missing_key():
    env = deployment_env(DJANGO_DEBUG="true")
    del env["DJANGO_SECRET_KEY"]
    refused(run(["manage.py", "check"], env), "DJANGO_SECRET_KEY")


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_importing_an_application_with_the_repositorys_key_fails(module):
    """gunicorn (WSGI) and an ASGI server run no system checks: importing the application refuses."""
    result = run(["-c", f"import {module}"], deployment_env(DJANGO_SECRET_KEY=REPOSITORY_KEY))
    refused(result, "ImproperlyConfigured")
    assert "written in this repository" in result.stderr


@pytest.mark.parametrize("name", KNOWN_KEYS)
def test_both_applications_refuse_every_key_of_the_repository(name):
    key, reason = KNOWN_KEYS[name]
    result = run(["-c", START_BOTH], deployment_env(DJANGO_SECRET_KEY=key))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pytest"] is False
    for module, started in report["started"].items():
        assert started is not True, f"{module} started with the {name} key"
        assert reason in started, (module, started)


def test_both_applications_start_with_a_key_of_ones_own():
    result = run(["-c", START_BOTH], deployment_env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "started": {"config.wsgi": True, "config.asgi": True},
        "pytest": False,
    }


def test_a_known_fallback_key_is_refused_as_well(settings):
    """A key of SECRET_KEY_FALLBACKS still verifies what it signed: a known one is refused like the key."""
    from django.core.exceptions import ImproperlyConfigured

    from config import checks

    settings.TESTING = False  # what a deployment's settings say (this process runs under pytest)
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    assert checks.secret_key_check() == []
    settings.SECRET_KEY_FALLBACKS = [secrets.token_urlsafe(50), OLD_DEBUG_FALLBACK]
    [error] = checks.secret_key_check()
    assert error.id == "tracker.E001" and "SECRET_KEY_FALLBACKS is a retired key" in error.msg
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
        checks.refuse_known_secret_key()


def test_a_known_key_with_a_trailing_newline_is_still_refused(settings):
    from config import checks

    settings.TESTING = False
    for key, reason in KNOWN_KEYS.values():
        assert reason in checks.key_problem(key + "\n")


def test_a_key_copied_from_a_tracked_file_is_refused():
    listed = subprocess.run(["git", "ls-files", "docs"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "docs/security.md" in listed.stdout.split()  # tracked
    line = max((ROOT / "docs/security.md").read_text(encoding="utf-8").splitlines(), key=len)
    key = line[:64]
    assert len(key) >= 32  # not refused merely for being short
    result = run(["manage.py", "check", "--deploy"], deployment_env(DJANGO_SECRET_KEY=key))
    refused(result, "tracker.E001")
    assert "written in this repository" in result.stderr


def test_the_retired_keys_are_kept_as_digests_only():
    import hashlib

    from config import checks

    source = (ROOT / "config/checks.py").read_text(encoding="utf-8")
    for key in (OLD_SERVE_FALLBACK, OLD_DEBUG_FALLBACK):
        assert hashlib.sha256(key.encode()).hexdigest() in checks.RETIRED_KEY_DIGESTS
        assert key not in source


FORGE = """
import json, django
django.setup()
from django.conf import settings
from django.core import signing
from notifications import links

claim = {"s": 1, "r": 1, "d": 1, "u": 1, "p": "0" * 32}
forged = signing.dumps(claim, key=%(repository_key)r, salt=links.RATING_SALT)
own = signing.dumps(claim, salt=links.RATING_SALT)
try:
    links.read_rating_token(forged)
    verdict = "accepted"
except signing.BadSignature:
    verdict = "refused"
print(json.dumps({"forged": verdict, "own": links.read_rating_token(own).user_id, "debug": settings.DEBUG}))
"""


def test_a_rating_link_forged_with_the_repositorys_key_is_refused_outside_the_tests():
    """With the repository's key the application does not start (above), so nothing is signed with it;
    with a key of its own it refuses a link forged with the repository's key (the view answers 400 to
    BadSignature: tests/notifications/test_rating_link.py) and reads its own."""
    result = run(["-c", FORGE % {"repository_key": REPOSITORY_KEY}], deployment_env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"forged": "refused", "own": 1, "debug": False}

    started = run(["-c", "import config.wsgi"], deployment_env(DJANGO_SECRET_KEY=REPOSITORY_KEY))
    refused(started, "ImproperlyConfigured")
