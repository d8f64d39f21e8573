"""With REDIS_URL, two app servers share one cache: a department added through one is offered at once by
the other's filter form, and the API's rate limit counts the requests of both.

Each scenario runs twice: on Redis, where the servers agree, and on the per-process default, where they
do not (the second server keeps its own cached filter choices, and each server counts its own requests),
so what the first run shows is the shared cache's doing.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from rest_framework.authtoken.models import Token

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "scaling-Secret-2023"
NEW_DEPARTMENT = "太仓市共享缓存测试局"
NEW_OPTION = ">共享缓存测试局</option>"  # the filter offers a department by its short name


@pytest.fixture(params=["redis", "per-process"])
def cache_environment(request, redis_space):
    """The servers' cache settings, and whether they share the cache."""
    if request.param == "redis":
        return {"REDIS_URL": redis_space.url, "DJANGO_CACHE_KEY_PREFIX": redis_space.prefix}, True
    return {}, False


def test_a_department_added_through_one_server_is_offered_by_the_other_at_once(
    start_server, cache_environment, redis_space
):
    environment, shared = cache_environment
    factories.SuggestionFactory()
    factories.DepartmentFactory(name="太仓市发展和改革委员会", short_name="发展和改革委员会")
    admin = factories.UserFactory(username="scaling_admin", is_staff=True, is_superuser=True)
    admin.password = PBKDF2PasswordHasher().encode(PASSWORD, "scalingsalt", iterations=1000)
    admin.save()
    a, b = start_server(**environment), start_server(**environment)

    status, _, before = b.request("GET", "/suggestions/")
    assert status == 200 and ">发展和改革委员会</option>" in before  # the filter's choices, now cached
    assert NEW_OPTION not in before

    a.login_admin("scaling_admin", PASSWORD)
    _, _, form = a.request("GET", "/admin/departments/department/add/", as_="scaling_admin")
    status, _, page = a.request(
        "POST",
        "/admin/departments/department/add/",
        as_="scaling_admin",
        form={
            "csrfmiddlewaretoken": form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0],
            "name": NEW_DEPARTMENT,
            "short_name": "共享缓存测试局",
            "kind": "government",
            "active": "on",
            "sort_order": "9000",
        },
    )
    assert status == 302, page[:2000]  # saved: the admin redirects to the change list

    _, _, after = b.request("GET", "/suggestions/")
    assert (NEW_OPTION in after) is shared
    if shared:
        assert redis_space.keys()  # the servers' cache entries are in Redis, under this test's prefix
    else:
        assert not redis_space.keys()


def test_the_api_rate_limit_counts_the_requests_sent_to_both_servers(start_server, cache_environment, groups):
    environment, shared = cache_environment
    user = factories.staff_user(username="scaling_rate")
    token = Token.objects.create(user=user).key
    a, b = (
        start_server(DJANGO_API_USER_RATE="6/min", **environment),
        start_server(DJANGO_API_USER_RATE="6/min", **environment),
    )

    statuses = [(a, b)[i % 2].request("GET", "/api/v1/me/", token=token)[0] for i in range(8)]
    if shared:
        assert statuses == [200] * 6 + [429, 429]  # three on each server, then both refuse
        status, headers, _ = b.request("GET", "/api/v1/me/", token=token)
        assert status == 429 and int(headers["Retry-After"]) > 0
    else:
        assert statuses == [200] * 8  # four on each: each counts only its own
