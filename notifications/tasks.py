"""Background tasks (Django 6 django.tasks; run by `manage.py db_worker` with django-tasks-db).

The e-mail task lives in ``notifications.email`` (the reminder run queues it); this module holds the
tasks that start a reminder run.
"""

from __future__ import annotations

from django.tasks import task

from notifications import reminders
from notifications.email import send_notification_email
from notifications.models import Kind

__all__ = ["notify_replied", "send_notification_email"]


@task()
def notify_replied(suggestion_id: int) -> int:
    """The reply e-mail: ask the proposers to rate the round, with their one-click links."""
    return reminders.run(suggestion_ids=[suggestion_id], kinds=[Kind.RATING_REQUEST]).created
