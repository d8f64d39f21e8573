"""Tasks run in-process (the immediate backend), so reminder e-mails land in mail.outbox."""

import pytest

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = IMMEDIATE
    settings.TRACKER_SITE_URL = "https://rd.example.test"


def _give_email(user):
    user.email = f"{user.username}@example.test"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def with_emails(staff, lead_handler, co_handler):
    """Staff and the departments' handlers get an e-mail address (the factories leave it empty)."""
    for user in (staff, lead_handler, co_handler):
        _give_email(user)


@pytest.fixture
def lead_delegate_user(lead_delegate_user):
    return _give_email(lead_delegate_user)


@pytest.fixture
def co_proposer_user(co_proposer_user):
    return _give_email(co_proposer_user)


@pytest.fixture
def reminders_alone():
    """The reminder run's tests count what the run writes: the steps' own notifications
    (notifications/events.py, tested in test_events.py) are switched off for them."""
    from django.db.models.signals import post_save

    from notifications.events import on_event
    from suggestions.models import Event

    assert post_save.disconnect(on_event, sender=Event, dispatch_uid="tracker_notifications_on_event")
    yield
    post_save.connect(on_event, sender=Event, dispatch_uid="tracker_notifications_on_event")
