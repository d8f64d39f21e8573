"""E-mails stuck in queued or sending (the worker died) are queued again by the next reminder run, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import reminders
from notifications.email import send_notification_email
from notifications.models import EmailStatus, Kind, Notification
from suggestions import workflow

D = dt.date
TODAY = D(2023, 4, 6)  # the day after the reply deadline: two overdue reminders and one co-opinion
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reminders_alone")]


@pytest.fixture
def handled(suggestion, staff, lead_department, co_department, lead_handler, co_handler, with_emails):
    workflow.assign(
        suggestion=suggestion, lead=lead_department, co_handlers=[co_department], on=D(2023, 1, 5), by=staff
    )
    workflow.acknowledge(suggestion=suggestion, by=lead_handler)
    return suggestion


@pytest.fixture
def worker_died(handled, settings):
    """A reminder run whose e-mail tasks no worker ever ran: every e-mail is left queued."""
    immediate = settings.TASKS
    settings.TASKS = DUMMY
    reminders.run(today=TODAY)
    settings.TASKS = immediate
    assert not mail.outbox
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.QUEUED}
    return Notification.objects.order_by("pk")


def age(notes, by: dt.timedelta) -> None:
    Notification.objects.filter(pk__in=[n.pk for n in notes]).update(email_queued_at=timezone.now() - by)


def test_queueing_stamps_the_time(worker_died):
    stamps = list(worker_died.values_list("email_queued_at", flat=True))
    assert all(s is not None and timezone.now() - s < dt.timedelta(minutes=1) for s in stamps)


def test_claiming_stamps_the_time_again(worker_died, monkeypatch):
    note = worker_died.first()
    age([note], dt.timedelta(minutes=30))
    seen = {}

    def send(self, *args, **kwargs):
        row = Notification.objects.get(pk=note.pk)
        seen.update(status=row.email_status, at=row.email_queued_at)
        return 1

    from django.core.mail import EmailMultiAlternatives

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    send_notification_email.call(note.pk)
    assert seen["status"] == EmailStatus.SENDING
    assert timezone.now() - seen["at"] < dt.timedelta(minutes=1)


def test_a_stuck_email_is_queued_again_and_sent_once(worker_died):
    stuck, fresh = list(worker_died[:2]), list(worker_died[2:])
    age(stuck, dt.timedelta(hours=2))
    age(fresh, dt.timedelta(minutes=10))

    result = reminders.run(today=TODAY)

    assert result.created == 0 and result.requeued == len(stuck) and result.queued == len(stuck)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in stuck)
    for note in stuck:
        note.refresh_from_db()
        assert note.email_status == EmailStatus.SENT
    for note in fresh:
        note.refresh_from_db()
        assert note.email_status == EmailStatus.QUEUED  # its worker may still be on it: left alone

    reminders.run(today=TODAY)  # and again: nothing sent twice
    assert len(mail.outbox) == len(stuck)
    for note in stuck:  # the dead worker's task, if it ever runs, finds the row sent
        assert send_notification_email.call(note.pk) == "skipped"
    assert len(mail.outbox) == len(stuck)


def test_an_email_stuck_in_sending_is_queued_again(worker_died):
    note = worker_died.get(kind=Kind.CO_OPINION_OVERDUE)
    Notification.objects.filter(pk=note.pk).update(
        email_status=EmailStatus.SENDING, email_queued_at=timezone.now() - dt.timedelta(hours=1, minutes=1)
    )
    age(worker_died.exclude(pk=note.pk), dt.timedelta(minutes=59))

    assert reminders.run(today=TODAY).requeued == 1
    assert [m.to[0] for m in mail.outbox] == [note.recipient.email]
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENT


def test_fresh_sending_is_left_alone(worker_died):
    Notification.objects.update(email_status=EmailStatus.SENDING, email_queued_at=timezone.now())
    assert reminders.run(today=TODAY).requeued == 0
    assert not mail.outbox
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENDING}


def test_the_threshold_is_a_setting(worker_died, settings):
    settings.TRACKER_EMAIL_STUCK_SECONDS = 60
    age(worker_died, dt.timedelta(minutes=2))
    assert reminders.run(today=TODAY).requeued == worker_died.count()
    assert len(mail.outbox) == worker_died.count()


def test_sent_and_failed_emails_are_not_requeued(worker_died):
    first, second, *_ = worker_died
    Notification.objects.filter(pk=first.pk).update(email_status=EmailStatus.SENT)
    Notification.objects.filter(pk=second.pk).update(email_status=EmailStatus.FAILED)
    age(worker_died, dt.timedelta(days=1))
    assert reminders.run(today=TODAY).requeued == worker_died.count() - 2
    assert first.recipient.email not in {m.to[0] for m in mail.outbox}
    assert second.recipient.email not in {m.to[0] for m in mail.outbox}


def test_a_dry_run_requeues_nothing(worker_died):
    age(worker_died, dt.timedelta(hours=2))
    call_command("send_reminders", "--date", TODAY.isoformat(), "--dry-run")
    assert not mail.outbox
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.QUEUED}


def test_the_command_reports_the_requeued(worker_died, capsys):
    age(worker_died, dt.timedelta(hours=2))
    call_command("send_reminders", "--date", TODAY.isoformat())
    assert f"{worker_died.count()} stuck e-mails queued again" in capsys.readouterr().out
    assert len(mail.outbox) == worker_died.count()
