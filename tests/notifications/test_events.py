"""The notifications a step writes itself, in its own transaction (notifications/events.py): no worker,
no reminder run is needed for them to appear; only their e-mails wait for the worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from notifications import reminders
from notifications.models import EmailStatus, Kind, Notification
from suggestions import workflow
from tests import factories

pytestmark = pytest.mark.django_db


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_an_assignment_tells_every_departments_handlers_at_once(
    suggestion, staff, lead_department, co_department, lead_handler, co_handler, other_handler
):
    workflow.assign(suggestion=suggestion, lead=lead_department, co_handlers=[co_department], by=staff)

    assert told(Kind.ASSIGNED) == {"lead_handler", "co_handler"}  # not staff (who did it), not others
    lead_note = Notification.objects.get(kind=Kind.ASSIGNED, recipient=lead_handler)
    assert "主办" in lead_note.title and suggestion.title in lead_note.message
    assert lead_note.due_date == suggestion.__class__.objects.get(pk=suggestion.pk).due_date
    assert "协办" in Notification.objects.get(kind=Kind.ASSIGNED, recipient=co_handler).title


def test_a_step_that_rolls_back_leaves_no_notification(suggestion, staff, lead_department, lead_handler):
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.assign(suggestion=suggestion, lead=lead_department, by=staff)
        assert told(Kind.ASSIGNED) == {"lead_handler"}  # written inside the step's transaction
        raise RuntimeError("the request failed later")
    assert not Notification.objects.exists()


def test_the_reply_asks_the_proposers_and_tells_the_co_handlers_without_a_worker(
    in_progress,
    lead_handler,
    co_handler,
    lead_delegate_user,
    co_proposer_user,
    django_capture_on_commit_callbacks,
):
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks() as callbacks:
        factories.reply(in_progress, lead_handler, category="B")

    assert told(Kind.RATING_REQUEST) == {lead_delegate_user.username, co_proposer_user.username}
    assert told(Kind.LEAD_REPLIED) == {"co_handler"}
    request = Notification.objects.get(kind=Kind.RATING_REQUEST, recipient=lead_delegate_user)
    assert "请评价" in request.title and request.email_status == EmailStatus.PENDING
    assert callbacks  # the e-mails are handed to the worker once the reply commits


def test_the_reply_emails_go_once_and_the_reminder_run_adds_none(
    in_progress,
    lead_handler,
    lead_delegate_user,
    co_proposer_user,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    for user in (lead_delegate_user, co_proposer_user):
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        factories.reply(in_progress, lead_handler, category="B")
    rating_mail = [m for m in mail.outbox if "请评价" in m.subject]
    assert sorted(m.to[0] for m in rating_mail) == sorted([lead_delegate_user.email, co_proposer_user.email])
    assert all("/notifications/rate/" in m.body for m in rating_mail)  # the one-click link

    result = reminders.run()
    assert result.by_kind[Kind.RATING_REQUEST] == 0
    assert len([m for m in mail.outbox if "请评价" in m.subject]) == 2


def test_an_unsatisfied_rating_tells_staff_and_a_satisfied_one_nobody(
    replied, staff, lead_delegate_user, co_proposer_user
):
    workflow.rate(suggestion=replied, attitude="satisfied", result="satisfied", by=co_proposer_user)
    assert not Notification.objects.filter(kind=Kind.UNSATISFIED).exists()
    workflow.rate(
        suggestion=replied,
        attitude="basically",
        result="unsatisfied",
        comment="路灯仍未修好",
        by=lead_delegate_user,
    )
    note = Notification.objects.get(kind=Kind.UNSATISFIED, recipient=staff)
    assert "路灯仍未修好" in note.message
    assert all(n.recipient.is_staff for n in Notification.objects.filter(kind=Kind.UNSATISFIED))


def test_extension_and_reassignment_decisions_tell_the_departments(
    in_progress, staff, lead_handler, co_handler, other_department, other_handler
):
    workflow.request_extension(
        suggestion=in_progress,
        requested_due=in_progress.due_date + dt.timedelta(days=20),
        reason="需协调多个部门",
        by=lead_handler,
    )
    workflow.approve_extension(suggestion=in_progress, by=staff)
    note = Notification.objects.get(kind=Kind.EXTENSION_DECIDED)
    assert note.recipient == lead_handler and "已同意" in note.title

    workflow.request_reassignment(suggestion=in_progress, reason="不属于本单位职责", by=co_handler)
    workflow.approve_reassignment(suggestion=in_progress, new_department=other_department, by=staff)
    assert told(Kind.REASSIGNMENT_DECIDED) == {"co_handler", "other_handler"}
    assert other_handler.username in told(Kind.ASSIGNED) or told(Kind.REASSIGNMENT_DECIDED)


def test_rehandling_tells_the_new_rounds_departments(
    replied, staff, lead_handler, co_handler, lead_delegate_user
):
    workflow.rate(
        suggestion=replied,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="未解决",
        by=lead_delegate_user,
    )
    Notification.objects.all().delete()
    workflow.rehandle(suggestion=replied, note="请重新研究", by=staff)
    notes = Notification.objects.filter(kind=Kind.ASSIGNED, round=2)
    assert {n.recipient.username for n in notes} == {"lead_handler", "co_handler"}
    assert all("重新办理" in n.title for n in notes)
