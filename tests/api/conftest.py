"""API test helpers: a client acting as a given user, and suggestions with a record of every kind."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from suggestions.policy import permissions
from tests import factories
from tests.api.world import make_handled


@pytest.fixture
def api():
    """`api(user)`: an APIClient authenticated as `user` (None = the public); roles are re-read."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            permissions.forget_roles(user)
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def handled(in_progress, staff, lead_handler, co_handler, co_proposer_user):
    """See `make_handled`: the `in_progress` suggestion, replied, with a record of every kind."""
    return make_handled(
        in_progress,
        staff=staff,
        lead_handler=lead_handler,
        co_handler=co_handler,
        co_proposer_user=co_proposer_user,
    )


@pytest.fixture
def unassigned(db):
    """A registered suggestion no department handles."""
    return factories.SuggestionFactory(title="另一条建议")
