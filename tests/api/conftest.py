"""API test helpers: a client acting as a given user, and a small world with one record of every kind."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from suggestions import permissions, workflow
from tests import factories


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
    """A replied suggestion with one record of every kind: contact, progress, co-handler's opinion, an
    approved extension, an unpublished B reply and a co-proposer's rating (the lead has not rated yet)."""
    s = in_progress
    workflow.log_contact(
        suggestion=s, method="meet", contacted_on=dt.date.today(), notes="面商记录", by=lead_handler
    )
    workflow.add_progress(suggestion=s, text="正在协调", by=lead_handler)
    workflow.give_co_opinion(suggestion=s, text="协办意见内容", by=co_handler)
    later = s.due_date + dt.timedelta(days=30)
    workflow.request_extension(suggestion=s, requested_due=later, reason="需要协调", by=lead_handler)
    workflow.approve_extension(suggestion=s, by=staff)
    factories.reply(s, lead_handler, category="B")
    workflow.rate(suggestion=s, attitude="satisfied", result="satisfied", by=co_proposer_user)
    s.refresh_from_db()
    return s


@pytest.fixture
def unassigned(db):
    """A registered suggestion no department handles."""
    return factories.SuggestionFactory(title="另一条建议")
