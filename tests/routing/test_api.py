"""GET /api/v1/suggestions/{id}/recommended-departments/ and /similar/ for each role: status and fields."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_staff_read_the_recommended_departments(later, earlier_replied, staff, housing):
    response = _client(staff).get(f"/api/v1/suggestions/{later.pk}/recommended-departments/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"suggestion", "data_version", "leads", "co_handlers"}
    assert len(body["leads"]) == 3
    lead = body["leads"][0]
    assert set(lead) == {
        "department",
        "name",
        "short_name",
        "score",
        "remit_score",
        "history_score",
        "reason",
    }
    assert lead["department"] == housing.pk
    assert "老旧小区" in lead["reason"]["matched_words"]
    assert lead["reason"]["similar_suggestions"][0]["id"] == earlier_replied.pk


@pytest.mark.parametrize("who", ["dashboard", "housing_handler", "other_delegate_user"])
def test_other_roles_may_not_read_the_recommendation(request, who, later):
    user = request.getfixturevalue(who)
    assert _client(user).get(f"/api/v1/suggestions/{later.pk}/recommended-departments/").status_code == 403


def test_anonymous_must_sign_in_for_the_recommendation(later):
    assert _client().get(f"/api/v1/suggestions/{later.pk}/recommended-departments/").status_code == 401


def test_an_unknown_suggestion_is_404(staff, db):
    assert _client(staff).get("/api/v1/suggestions/999999/recommended-departments/").status_code == 404
    assert _client().get("/api/v1/suggestions/999999/similar/").status_code == 404


@pytest.mark.parametrize(
    ("who", "reads_handling"),
    [
        ("staff", True),
        ("dashboard", True),
        ("housing_handler", True),
        ("education_handler", False),
        ("other_delegate_user", False),
        (None, False),
    ],
)
def test_similar_for_each_role(request, who, reads_handling, later, earlier_replied):
    user = request.getfixturevalue(who) if who else None
    response = _client(user).get(f"/api/v1/suggestions/{later.pk}/similar/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "suggestion",
        "data_version",
        "repeated",
        "repeated_sessions",
        "earlier",
        "duplicates",
    }
    first = body["earlier"][0]
    assert set(first) == {
        "id",
        "number",
        "session",
        "title",
        "similarity",
        "repeated",
        "lead_department",
        "category",
        "rating",
    }
    assert first["title"] == earlier_replied.title and first["repeated"]
    assert (first["category"] == "A") is reads_handling
    assert (first["lead_department"] is not None) is reads_handling
