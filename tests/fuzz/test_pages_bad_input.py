"""Bad input on the HTML pages and exports (the API has schemathesis): hostile query strings and form
posts as each role never end in a 5xx. PostgreSQL refuses NUL bytes and huge integers outright, so run
this on PostgreSQL too."""

from __future__ import annotations

import urllib.parse

import pytest

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/suggestions/",
    "/suggestions/{s1}/",
    "/suggestions/{s1}/reply/",
    "/assign/",
    "/queues/review/",
    "/inbox/",
    "/mine/",
    "/dashboard/",
    "/delegates/",
    "/delegates/{d1}/",
    "/notifications/",
    "/import/",
    "/reports/suggestions.csv",
    "/reports/suggestions.xlsx",
    "/reports/delegates.csv",
    "/reports/supervision/",
    "/reports/report/",
    "/accounts/login/",
]
PARAMETERS = [
    "q",
    "page",
    "session",
    "theme",
    "status",
    "department",
    "role",
    "category",
    "delegate",
    "lead_delegate",
    "round",
    "overdue",
    "due_before",
    "replied_after",
    "ordering",
    "scope",
    "queue",
    "show",
    "unread",
    "next",
    "key_supervision",
]
BAD_VALUES = [
    "a\x00b",  # PostgreSQL refuses NUL bytes in text
    "99999999999999999999999",  # beyond a 64-bit integer
    "-1",
    "1e400",
    "2023-02-30",
    "'; DROP TABLE suggestions_suggestion; --",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),  # mojibake of a lone surrogate
    "字" * 300,
]
# The roles whose pages differ most (public, delegate, handler, staff); the others see subsets of them.
FUZZ_ROLES = ["anon", "lead", "LH", "staff"]


def hostile_queries() -> list[str]:
    """One query string per bad value, with that value in every parameter at once, and repeated."""
    queries = []
    for value in BAD_VALUES:
        pairs = [(name, value) for name in PARAMETERS] + [("status", value), ("page", value)]
        queries.append(urllib.parse.urlencode(pairs))
    return queries


@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_hostile_query_strings_never_crash_a_page(world, role):
    client = world.page(role)
    client.raise_request_exception = False  # collect every crash, not just the first
    crashes = []
    for page in PAGES:
        for query in hostile_queries():
            url = f"{page.format(**world.ids)}?{query}"
            response = client.get(url)
            if response.status_code >= 500:
                crashes.append(f"{response.status_code} {url[:150]}")
            elif getattr(response, "streaming", False):  # an export fails while it streams, after its 200
                try:
                    b"".join(response.streaming_content)
                except Exception as error:  # noqa: BLE001 — any exception is the finding
                    crashes.append(f"{error!r:.100} while streaming {url[:150]}")
    assert crashes == [], "\n".join(crashes)


FORM_POSTS = [
    ("/accounts/login/", {"username": ["staff\x00"], "password": ["\x00"]}),
    ("/accounts/login/", {"username": ["x" * 5000], "password": ["x"]}),
    ("/suggestions/{s1}/publish/", {"mode": ["\x00"]}),
    ("/suggestions/{s1}/close/", {"reason": ["理由\x00"]}),
    ("/suggestions/{s1}/rate/", {"attitude": ["1e400"], "result": ["\x00"], "comment": ["\x00"]}),
    ("/assign/", {"rows": ["\x00", "99999999999999999999999"], "lead": ["1e400"]}),
    ("/notifications/read-all/", {"next": ["\x00//evil.example"]}),
    ("/import/", {"file": ["\x00"]}),
]


@pytest.mark.parametrize("role", FUZZ_ROLES)
@pytest.mark.parametrize(("address", "data"), FORM_POSTS, ids=[f"{a}:{sorted(d)}" for a, d in FORM_POSTS])
def test_hostile_form_posts_never_crash_a_page(world, role, address, data):
    response = world.page(role).post(address.format(**world.ids), data)
    assert response.status_code < 500
