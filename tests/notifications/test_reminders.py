"""Reminders: who gets what, on which day (working-day calendar), never twice, never for closed cases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from notifications import reminders
from notifications.models import EmailStatus, Kind, Notification
from suggestions import workflow
from suggestions.models import Publication, WorkdayCorrection
from tests import factories

D = dt.date
ASSIGNED_ON = D(2023, 1, 5)  # the 2nd session closed on 2023-01-05; reply due 3 months later
REPLY_DUE = D(2023, 4, 5)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reminders_alone")]


def recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def mailed_to(kind_title_fragment: str) -> set[str]:
    return {m.to[0].split("@")[0] for m in mail.outbox if kind_title_fragment in m.subject}


@pytest.fixture
def handled(suggestion, staff, lead_department, co_department, lead_handler, co_handler, with_emails):
    """Assigned on 2023-01-05 to a lead and a co-handler, acknowledged by the lead: reply due 2023-04-05."""
    workflow.assign(
        suggestion=suggestion, lead=lead_department, co_handlers=[co_department], on=ASSIGNED_ON, by=staff
    )
    workflow.acknowledge(suggestion=suggestion, by=lead_handler)
    suggestion.refresh_from_db()
    assert suggestion.due_date == REPLY_DUE
    return suggestion


@pytest.fixture
def replied_on_spring_festival_eve(handled, lead_handler):
    """Replied on Friday 2023-01-20, the last working day before the 2023 Spring Festival holiday."""
    factories.reply(handled, lead_handler, category="B", replied_on=D(2023, 1, 20))
    handled.refresh_from_db()
    return handled


# ---------------------------------------------------------------------------
# The reply deadline: due in 15 days, overdue
# ---------------------------------------------------------------------------


def test_due_soon_goes_to_the_lead_departments_handlers_only(handled, other_handler):
    result = reminders.run(today=D(2023, 3, 21))  # 15 days before 2023-04-05

    assert recipients(Kind.REPLY_DUE_SOON) == {"lead_handler"}
    assert result.by_kind[Kind.REPLY_DUE_SOON] == 1
    note = Notification.objects.get(kind=Kind.REPLY_DUE_SOON)
    assert note.due_date == REPLY_DUE and note.key == "2023-04-05"
    assert note.email_status == EmailStatus.SENT
    assert "2023-04-05" in note.title and "15" in note.message
    [email] = [m for m in mail.outbox if m.to == ["lead_handler@example.test"]]
    assert email.subject.startswith("[代表建议办理] 第")
    assert f"https://rd.example.test/suggestions/{handled.pk}/" in email.body
    assert "rate/" not in email.body  # no rating link for a department


def test_nothing_is_due_sixteen_days_before(handled):
    reminders.run(today=D(2023, 3, 20))
    assert not Notification.objects.filter(kind__in=[Kind.REPLY_DUE_SOON, Kind.REPLY_OVERDUE]).exists()


def test_overdue_goes_to_the_lead_department_and_staff(handled):
    reminders.run(today=D(2023, 4, 6))

    assert recipients(Kind.REPLY_OVERDUE) == {"lead_handler", "staff"}
    assert not Notification.objects.filter(kind=Kind.REPLY_DUE_SOON).exists()
    assert mailed_to("答复已逾期") == {"lead_handler", "staff"}


def test_co_handler_is_reminded_of_its_opinion_not_of_the_reply(handled):
    # The co-handler's opinion is due 1 month after assignment: 2023-02-05.
    reminders.run(today=D(2023, 1, 25))
    assert recipients(Kind.CO_OPINION_DUE_SOON) == {"co_handler"}
    reminders.run(today=D(2023, 2, 6))
    assert recipients(Kind.CO_OPINION_OVERDUE) == {"co_handler"}
    assert "co_handler" not in recipients(Kind.REPLY_DUE_SOON) | recipients(Kind.REPLY_OVERDUE)


def test_a_co_handler_that_gave_its_opinion_is_not_reminded(handled, co_handler):
    workflow.give_co_opinion(suggestion=handled, text="同意主办单位意见。", by=co_handler)
    reminders.run(today=D(2023, 2, 6))
    assert not Notification.objects.filter(kind__startswith="co_opinion").exists()


# ---------------------------------------------------------------------------
# Idempotency
# ---------------------------------------------------------------------------


def test_running_twice_on_the_same_day_sends_nothing_twice(handled):
    first = reminders.run(today=D(2023, 4, 6))
    emails = len(mail.outbox)
    second = reminders.run(today=D(2023, 4, 6))

    assert first.created > 0 and second.created == 0 and second.queued == 0
    assert second.found == first.found
    assert len(mail.outbox) == emails
    assert Notification.objects.count() == first.created


def test_the_same_deadline_is_not_reminded_again_on_later_days(handled):
    reminders.run(today=D(2023, 4, 6))
    emails = len(mail.outbox)
    reminders.run(today=D(2023, 4, 7))
    reminders.run(today=D(2023, 4, 20))
    assert len(mail.outbox) == emails
    assert Notification.objects.filter(kind=Kind.REPLY_OVERDUE).count() == 2


def test_the_command_is_idempotent_and_reports_what_it_did(handled, capsys):
    call_command("send_reminders", "--date", "2023-04-06")
    first = capsys.readouterr().out
    call_command("send_reminders", "--date", "2023-04-06")
    second = capsys.readouterr().out

    assert "答复已逾期（reply_overdue）: 2" in first
    assert second.startswith("0 new reminders") or "\n0 new reminders" in second
    assert Notification.objects.filter(kind=Kind.REPLY_OVERDUE).count() == 2


def test_dry_run_stores_and_sends_nothing(handled, capsys):
    call_command("send_reminders", "--date", "2023-04-06", "--dry-run")
    assert "dry run" in capsys.readouterr().out
    assert not Notification.objects.exists() and not mail.outbox


def test_a_bad_date_is_a_command_error(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2023-13-01")


def test_an_email_task_enqueued_twice_sends_once(handled):
    from notifications.email import send_notification_email

    reminders.run(today=D(2023, 4, 6))
    note = Notification.objects.get(kind=Kind.REPLY_OVERDUE, recipient__username="staff")
    emails = len(mail.outbox)
    assert send_notification_email.call(note.pk) == "skipped"
    assert len(mail.outbox) == emails


# ---------------------------------------------------------------------------
# New deadlines: extension, reassignment
# ---------------------------------------------------------------------------


def test_an_approved_extension_gets_its_own_reminder(handled, staff, lead_handler):
    reminders.run(today=D(2023, 3, 25))
    assert Notification.objects.filter(kind=Kind.REPLY_DUE_SOON, key="2023-04-05").count() == 1

    workflow.request_extension(
        suggestion=handled, requested_due=D(2023, 6, 5), reason="需跨部门协调", by=lead_handler
    )
    workflow.approve_extension(suggestion=handled, by=staff)

    # The old date passes without an overdue reminder; the new one is reminded 15 days ahead.
    reminders.run(today=D(2023, 4, 6))
    assert not Notification.objects.filter(kind=Kind.REPLY_OVERDUE).exists()
    reminders.run(today=D(2023, 5, 21))
    assert set(Notification.objects.filter(kind=Kind.REPLY_DUE_SOON).values_list("key", flat=True)) == {
        "2023-04-05",
        "2023-06-05",
    }


def test_a_reassignment_moves_the_reminders_to_the_new_department(
    suggestion, staff, lead_department, other_department, lead_handler, other_handler
):
    workflow.assign(suggestion=suggestion, lead=lead_department, on=ASSIGNED_ON, by=staff)
    workflow.request_reassignment(suggestion=suggestion, reason="不属于本单位职责", by=lead_handler)
    workflow.approve_reassignment(suggestion=suggestion, new_department=other_department, by=staff)
    suggestion.refresh_from_db()
    new_due = suggestion.due_date  # 3 months after the approval (today)

    reminders.run(today=new_due - dt.timedelta(days=3))

    assert recipients(Kind.REPLY_DUE_SOON) == {"other_handler"}
    assert Notification.objects.get(kind=Kind.REPLY_DUE_SOON).key == new_due.isoformat()


# ---------------------------------------------------------------------------
# Rating pending after a reply; the working-day calendar
# ---------------------------------------------------------------------------


def test_a_reply_asks_every_proposer_with_an_account_to_rate(
    replied_on_spring_festival_eve, lead_delegate_user, co_proposer_user
):
    reminders.run(today=D(2023, 1, 21))

    assert recipients(Kind.RATING_REQUEST) == {"lead_delegate", "co_proposer"}
    for user in (lead_delegate_user, co_proposer_user):
        [email] = [m for m in mail.outbox if m.to == [user.email]]
        assert re.search(r"https://rd\.example\.test/notifications/rate/[^/\s]+/", email.body)
    assert (
        not Notification.objects.filter(recipient__username__in=["lead_handler", "staff"])
        .exclude(kind__startswith="co_opinion")
        .exists()
    )


def test_a_delegate_without_an_account_gets_no_reminder(replied_on_spring_festival_eve):
    reminders.run(today=D(2023, 1, 21))
    assert not Notification.objects.filter(kind=Kind.RATING_REQUEST).exists()


def test_rating_due_counts_working_days_across_the_spring_festival(
    replied_on_spring_festival_eve, lead_delegate_user, co_proposer_user
):
    # 15 working days after 2023-01-20: the holiday 01-21..01-27 does not count, the 调休 weekend
    # 01-28/01-29 does: due 2023-02-15 (a plain weekday count would give 02-10, skipping weekends only 02-17).
    reminders.run(today=D(2023, 1, 30))  # 16 days before
    assert not Notification.objects.filter(kind=Kind.RATING_DUE_SOON).exists()

    reminders.run(today=D(2023, 1, 31))
    note = Notification.objects.get(kind=Kind.RATING_DUE_SOON)
    assert note.recipient == lead_delegate_user  # the lead only, not the co-proposer
    assert note.due_date == D(2023, 2, 15)

    reminders.run(today=D(2023, 2, 15))
    assert not Notification.objects.filter(kind=Kind.RATING_OVERDUE).exists()
    reminders.run(today=D(2023, 2, 16))
    assert recipients(Kind.RATING_OVERDUE) == {"lead_delegate", "staff"}
    staff_mail = [m for m in mail.outbox if m.to == ["staff@example.test"] and "尚未评价" in m.subject]
    assert staff_mail and "rate/" not in staff_mail[0].body  # staff get no delegate's link


def test_a_staff_correction_moves_the_rating_deadline(replied_on_spring_festival_eve, lead_delegate_user):
    WorkdayCorrection.objects.create(date=D(2023, 2, 10), is_workday=False, note="临时调整")
    reminders.run(today=D(2023, 2, 16))
    assert not Notification.objects.filter(kind=Kind.RATING_OVERDUE).exists()
    reminders.run(today=D(2023, 2, 17))
    assert Notification.objects.filter(kind=Kind.RATING_OVERDUE, due_date=D(2023, 2, 16)).exists()


def test_no_rating_reminder_once_the_lead_has_rated(replied_on_spring_festival_eve, lead_delegate_user):
    workflow.rate(
        suggestion=replied_on_spring_festival_eve,
        attitude="satisfied",
        result="satisfied",
        by=lead_delegate_user,
    )
    reminders.run(today=D(2023, 2, 16))
    assert not Notification.objects.filter(kind__startswith="rating").exists()


# ---------------------------------------------------------------------------
# Publication pending
# ---------------------------------------------------------------------------


def test_publication_reminder_goes_to_staff_across_national_day(
    suggestion, staff, lead_department, lead_handler, with_emails
):
    workflow.assign(suggestion=suggestion, lead=lead_department, on=D(2023, 9, 1), by=staff)
    workflow.acknowledge(suggestion=suggestion, by=lead_handler)
    factories.reply(suggestion, lead_handler, category="A", replied_on=D(2023, 9, 27))
    # 20 working days after 2023-09-27: 09-29..10-06 are holidays, 10-07/10-08 are 调休 working days.
    reminders.run(today=D(2023, 10, 15))
    assert not Notification.objects.filter(kind=Kind.PUBLICATION_DUE_SOON).exists()
    reminders.run(today=D(2023, 10, 16))
    note = Notification.objects.get(kind=Kind.PUBLICATION_DUE_SOON)
    assert note.recipient == staff and note.due_date == D(2023, 10, 31)
    reminders.run(today=D(2023, 11, 1))
    assert recipients(Kind.PUBLICATION_OVERDUE) == {"staff"}


# ---------------------------------------------------------------------------
# Closed, withdrawn, not accepted: nothing
# ---------------------------------------------------------------------------


def test_nothing_for_a_withdrawn_suggestion(handled, staff):
    workflow.withdraw(suggestion=handled, reason="代表撤回", by=staff)
    reminders.run(today=D(2023, 4, 6))
    assert not Notification.objects.exists() and not mail.outbox


def test_nothing_for_a_not_accepted_suggestion(suggestion, staff, with_emails):
    workflow.not_accept(suggestion=suggestion, reason="不属于建议范围", by=staff)
    reminders.run(today=D(2023, 4, 6))
    assert not Notification.objects.exists()


def test_nothing_for_a_closed_suggestion_with_a_published_reply(
    replied_on_spring_festival_eve, lead_delegate_user, staff
):
    s = replied_on_spring_festival_eve
    workflow.rate(suggestion=s, attitude="satisfied", result="satisfied", by=lead_delegate_user)
    workflow.publish(suggestion=s, mode=Publication.FULL, by=staff)
    for day in (D(2023, 2, 16), D(2023, 4, 6), D(2023, 6, 1)):
        reminders.run(today=day)
    assert not Notification.objects.exists()


def test_a_closed_suggestion_only_reminds_staff_to_publish(
    replied_on_spring_festival_eve, lead_delegate_user
):
    s = replied_on_spring_festival_eve
    workflow.rate(suggestion=s, attitude="satisfied", result="satisfied", by=lead_delegate_user)
    reminders.run(today=D(2023, 4, 6))
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {Kind.PUBLICATION_OVERDUE}
    assert recipients(Kind.PUBLICATION_OVERDUE) == {"staff"}


# ---------------------------------------------------------------------------
# E-mail edge cases
# ---------------------------------------------------------------------------


def test_a_user_without_an_email_address_still_gets_the_in_app_notification(handled, lead_handler):
    lead_handler.email = ""
    lead_handler.save(update_fields=["email"])
    reminders.run(today=D(2023, 4, 6))
    note = Notification.objects.get(kind=Kind.REPLY_OVERDUE, recipient=lead_handler)
    assert note.email_status == EmailStatus.NO_ADDRESS
    assert not [m for m in mail.outbox if "lead_handler" in m.to[0]]


def test_a_failed_email_is_recorded_and_not_retried(handled, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def fail(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", fail)
    reminders.run(today=D(2023, 4, 6))
    failed = Notification.objects.filter(email_status=EmailStatus.FAILED)
    assert failed.count() == 3 and "SMTP down" in failed.first().email_error  # 2 overdue + 1 co-opinion
    monkeypatch.undo()
    reminders.run(today=D(2023, 4, 6))
    assert not mail.outbox
    call_command("send_reminders", "--date", "2023-04-06", "--retry-failed")
    assert len(mail.outbox) == 3
    assert not Notification.objects.exclude(email_status=EmailStatus.SENT).exists()


def test_the_command_can_send_one_kind_only(handled):
    call_command("send_reminders", "--date", "2023-04-06", "--kind", "co_opinion_overdue")
    assert set(Notification.objects.values_list("kind", flat=True)) == {Kind.CO_OPINION_OVERDUE}


def test_collecting_reminders_takes_a_constant_number_of_queries(
    staff, lead_department, co_department, lead_handler, co_handler, django_assert_max_num_queries
):
    for _ in range(25):
        s = factories.SuggestionFactory()
        workflow.assign(
            suggestion=s, lead=lead_department, co_handlers=[co_department], on=ASSIGNED_ON, by=staff
        )
        workflow.acknowledge(suggestion=s, by=lead_handler)
        if s.number % 2:
            factories.reply(s, lead_handler, category="A", replied_on=D(2023, 1, 20))
    with django_assert_max_num_queries(15):
        found = reminders.collect(D(2023, 4, 6))
    assert len(found) > 25
