"""Builders shared by the API tests' fixtures."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from suggestions import workflow
from tests import factories


def make_handled(in_progress, *, staff, lead_handler, co_handler, co_proposer_user):
    """A replied suggestion with one record of every kind: contact, progress, co-handler's opinion, an
    approved extension, an unpublished B reply and a co-proposer's rating (the lead has not rated yet)."""
    s = in_progress
    workflow.log_contact(
        suggestion=s, method="meet", contacted_on=timezone.localdate(), notes="面商记录", by=lead_handler
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
