"""The client address (config/clientip.py): REMOTE_ADDR unless the deployer declares trusted proxies;
the API's rate limits and the login lockout count by the same rule, so a forged X-Forwarded-For
escapes neither."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from accounts.models import LoginFailure
from config.clientip import client_ip
from config.rest import AnonThrottle

pytestmark = pytest.mark.django_db

LIMIT = 10


@pytest.fixture
def small_anon_rate(settings):
    settings.API_THROTTLE_RATES = {"anon": f"{LIMIT}/min", "user": None}


def test_forged_forwarded_for_does_not_escape_the_anonymous_rate_limit(small_anon_rate):
    public = APIClient(REMOTE_ADDR="203.0.113.9")
    codes = [
        public.get("/api/v1/sessions/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(12)
    ]
    assert codes == [200] * LIMIT + [429, 429]


def test_with_one_trusted_proxy_the_address_it_appended_counts(small_anon_rate, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = APIClient(REMOTE_ADDR="10.0.0.1")  # the proxy
    # The client writes anything on the left; the proxy appends the real address on the right.
    codes = [
        proxied.get("/api/v1/sessions/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9").status_code
        for n in range(12)
    ]
    assert codes == [200] * LIMIT + [429, 429]
    # Another real client behind the same proxy has its own budget.
    other = proxied.get("/api/v1/sessions/", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "192.0.2.1"),  # no trusted proxy: the header is ignored
        (0, "", "192.0.2.1"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),  # fewer addresses than proxies: the leftmost
        (1, "", "192.0.2.1"),
        (1, "not-an-address", "192.0.2.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_rule(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": "192.0.2.1"}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected
    assert AnonThrottle().get_ident(request) == expected  # the throttles ask the same function


def test_the_login_lockout_counts_failures_by_the_same_address(settings):
    settings.LOGIN_LOCKOUT = {**settings.LOGIN_LOCKOUT, "max_failures_per_address": 3}
    guesser = Client(REMOTE_ADDR="203.0.113.66")
    for n in range(3):
        guesser.post(
            "/accounts/login/",
            {"username": f"user{n}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"203.0.113.66"}
    refused = guesser.post(
        "/accounts/login/", {"username": "user9", "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.99"
    )
    assert "来自本机地址的登录失败次数过多" in refused.content.decode()


def test_with_one_trusted_proxy_the_login_lockout_counts_the_address_it_appended(settings):
    """DJANGO_TRUSTED_PROXY_COUNT=1 (behind one nginx): the lockout counts the rightmost address of
    X-Forwarded-For, whatever the client wrote to its left, and not the proxy's own address."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_LOCKOUT = {**settings.LOGIN_LOCKOUT, "max_failures_per_address": 3}
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for n in range(3):
        proxy.post(
            "/accounts/login/",
            {"username": f"user{n}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.66",
        )
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"203.0.113.66"}
    refused = proxy.post(
        "/accounts/login/",
        {"username": "user9", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.66",
    )
    assert "来自本机地址的登录失败次数过多" in refused.content.decode()
    # Another client behind the same proxy is not locked out by the first one's failures.
    other = proxy.post(
        "/accounts/login/", {"username": "user9", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.10"
    )
    assert other.status_code == 200
    assert "来自本机地址的登录失败次数过多" not in other.content.decode()
    assert LoginFailure.objects.filter(ip="203.0.113.10").count() == 1
