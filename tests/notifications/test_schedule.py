"""The hourly reminder pass runs on the task worker as one chain of tasks (notifications/schedule.py).

These tests run django-tasks-db's worker loop in this process (`manage.py db_worker --batch`: every task
that is due, then exit) against the test's transaction; tests/notifications/test_two_workers.py starts
two real worker processes on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskContext
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as tasks_db_worker
from django_tasks_db.models import DBTaskResult

from accounts.models import LoginFailure
from notifications import reminders, schedule
from notifications.models import EmailStatus, Kind, Notification, ReminderSchedule
from suggestions import workflow
from suggestions.models import StatCounter, StatDueCounter
from suggestions.queries import counters

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CHAIN = "notifications.schedule.run_reminders"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reminders_alone")]


@pytest.fixture
def database_tasks(settings, monkeypatch):
    """Tasks stored for a worker, as in production; the worker's connection checks would end the test's
    transaction (it is not in autocommit), so they are skipped here: the subprocess test has them."""
    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(tasks_db_worker, "close_old_connections", lambda: None)


def work(*options: str) -> None:
    """One worker: every task due now, then exit."""
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", *options, verbosity=0)


def chain_tasks(status: str | None = None):
    qs = DBTaskResult.objects.filter(task_path=CHAIN)
    return qs.filter(status=status) if status else qs


def passes_run() -> list[dict]:
    """The return values of the chain tasks that ran a pass (not the skipped ones)."""
    return [
        t.return_value
        for t in chain_tasks("SUCCESSFUL").order_by("finished_at")
        if "skipped" not in (t.return_value or {})
    ]


@pytest.fixture
def overdue(suggestion, staff, lead_department, co_department, lead_handler, co_handler, with_emails):
    """Assigned 200 days ago and acknowledged: today the reply and the co-handler's opinion are overdue."""
    workflow.assign(
        suggestion=suggestion,
        lead=lead_department,
        co_handlers=[co_department],
        on=timezone.localdate() - dt.timedelta(days=200),
        by=staff,
    )
    workflow.acknowledge(suggestion=suggestion, by=lead_handler)
    due = reminders.collect()
    assert {r.kind for r in due} == {Kind.REPLY_OVERDUE, Kind.CO_OPINION_OVERDUE}
    return due


def test_a_worker_brings_the_hourly_pass_with_it(database_tasks, overdue):
    assert not ReminderSchedule.objects.exists()

    work()

    identities = {r.identity for r in overdue}
    stored = list(Notification.objects.values_list("kind", "suggestion_id", "round", "recipient_id", "key"))
    assert sorted(stored) == sorted(identities)  # each reminder once
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Notification.objects.values_list("recipient__email", flat=True)
    )
    (first,) = passes_run()
    assert first.pop("counter_cells_pruned") > 0  # the steps above left statistics cells at 0
    assert first.pop("counter_cells_folded") > 0  # the overdue suggestions' due cells of past days
    assert (
        not StatDueCounter.objects.filter(due__lt=timezone.localdate()).exclude(due=counters.FOLDED).exists()
    )
    assert first == {
        "created": len(identities), "already_sent": 0, "queued": len(identities), "requeued": 0,
        "login_failures_purged": 0,
    }  # fmt: skip
    zero = {name: 0 for name in counters.VALUES}
    assert not StatCounter.objects.filter(**zero).exists()
    assert not StatDueCounter.objects.filter(n=0, unreplied=0).exists()
    row = ReminderSchedule.objects.get()
    (successor,) = chain_tasks("READY")
    assert row.task_id == str(successor.id) and row.next_run_at == successor.run_after
    assert abs(successor.run_after - (row.last_started_at + dt.timedelta(hours=1))) < dt.timedelta(seconds=1)
    assert row.last_finished_at >= row.last_started_at and row.last_result == passes_run()[0]

    mail.outbox.clear()
    work()  # the next pass is an hour away: nothing runs, nothing is sent again
    assert not mail.outbox and len(passes_run()) == 1 and chain_tasks("READY").count() == 1


def test_the_next_pass_sends_nothing_twice(database_tasks, overdue):
    work()
    sent = len(mail.outbox)
    ReminderSchedule.objects.update(next_run_at=timezone.now())
    chain_tasks("READY").update(run_after=timezone.now())  # an hour later

    work()

    assert (
        len(passes_run()) == 2 and passes_run()[1]["created"] == 0 and passes_run()[1]["already_sent"] == sent
    )
    assert len(mail.outbox) == sent and Notification.objects.count() == sent
    assert chain_tasks("READY").count() == 1


def test_many_workers_starting_keep_one_chain(database_tasks, db):
    first = schedule.ensure_scheduled()
    for _ in range(3):  # every worker that starts, every manual run
        assert schedule.ensure_scheduled().task_id == first.task_id
    (task,) = chain_tasks()
    assert task.status == "READY" and str(task.id) == first.task_id


def test_an_extra_enqueue_is_harmless(database_tasks, overdue):
    schedule.ensure_scheduled()
    extras = [schedule.run_reminders.enqueue(), schedule.run_reminders.enqueue()]

    work()

    for extra in extras:
        assert schedule.run_reminders.get_result(extra.id).return_value == {
            "skipped": "not the scheduled pass"
        }
    assert len(passes_run()) == 1
    assert Notification.objects.count() == len(overdue) == len(mail.outbox)
    assert chain_tasks("READY").count() == 1


def test_a_failing_pass_keeps_the_chain(database_tasks, overdue, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reminders, "run", broken)

    work()

    (failed,) = chain_tasks("FAILED")
    assert "database went away" in failed.traceback
    (successor,) = chain_tasks("READY")
    assert ReminderSchedule.objects.get().task_id == str(successor.id)


def _named(status: str, *, started_ago: dt.timedelta | None = None) -> DBTaskResult:
    row = schedule.ensure_scheduled()
    task = DBTaskResult.objects.get(pk=row.task_id)
    task.status = status
    task.started_at = None if started_ago is None else timezone.now() - started_ago
    task.save()
    return task


@pytest.mark.parametrize(
    "lose",
    [
        pytest.param(lambda: DBTaskResult.objects.get(pk=schedule.ensure_scheduled().task_id).delete(), id="deleted"),
        pytest.param(lambda: _named("FAILED", started_ago=dt.timedelta(minutes=1)), id="failed-before-naming"),
        pytest.param(lambda: _named("SUCCESSFUL", started_ago=dt.timedelta(hours=2)), id="finished-unnamed"),
        pytest.param(lambda: _named("RUNNING", started_ago=schedule.STALE_CLAIM + dt.timedelta(minutes=1)), id="worker-died"),
    ],
)  # fmt: skip
def test_a_lost_chain_is_scheduled_again(database_tasks, db, lose):
    lose()
    lost = ReminderSchedule.objects.get().task_id

    row = schedule.ensure_scheduled()

    assert row.task_id != lost
    assert DBTaskResult.objects.get(pk=row.task_id).status == "READY"
    assert chain_tasks("READY").count() == 1


def test_a_pass_just_claimed_is_not_doubled(database_tasks, db):
    claimed = _named("RUNNING", started_ago=dt.timedelta(seconds=5))
    assert schedule.ensure_scheduled().task_id == str(claimed.id)
    assert not chain_tasks("READY").exists()


def test_a_dead_workers_pass_that_wakes_up_does_nothing(database_tasks, overdue):
    dead = _named("RUNNING", started_ago=schedule.STALE_CLAIM + dt.timedelta(minutes=1))
    schedule.ensure_scheduled()  # the chain goes on without it

    result = schedule.run_reminders.call(TaskContext(task_result=dead.task_result))

    assert result == {"skipped": "not the scheduled pass"} and not Notification.objects.exists()


def test_the_pass_requeues_stuck_emails_and_purges_old_login_failures(database_tasks, overdue):
    work()
    stuck = Notification.objects.first()
    Notification.objects.filter(pk=stuck.pk).update(
        email_status=EmailStatus.SENDING, email_queued_at=timezone.now() - dt.timedelta(hours=2)
    )
    old = LoginFailure.objects.create(username="someone")
    LoginFailure.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=1))
    mail.outbox.clear()
    chain_tasks("READY").update(run_after=timezone.now())

    work()

    assert passes_run()[-1] == {
        "created": 0, "already_sent": len(overdue), "queued": 1, "requeued": 1, "login_failures_purged": 1,
        "counter_cells_folded": 0, "counter_cells_pruned": 0,
    }  # fmt: skip
    assert [m.to[0] for m in mail.outbox] == [stuck.recipient.email]
    assert Notification.objects.get(pk=stuck.pk).email_status == EmailStatus.SENT
    assert not LoginFailure.objects.exists()


def test_the_interval_is_a_setting(database_tasks, db, settings):
    settings.TRACKER_REMINDER_INTERVAL_SECONDS = 600
    work()
    row = ReminderSchedule.objects.get()
    assert row.next_run_at - row.last_started_at == dt.timedelta(minutes=10)


def test_a_worker_of_another_queue_leaves_the_scheduling(database_tasks, db):
    work("--queue-name", "exports")
    assert not ReminderSchedule.objects.exists() and not chain_tasks().exists()


def test_send_reminders_repairs_the_chain(database_tasks, db, capsys):
    call_command("send_reminders")
    call_command("send_reminders")
    out = capsys.readouterr().out
    (task,) = chain_tasks()
    assert out.count("hourly pass on the task worker: next at") == 2
    assert ReminderSchedule.objects.get().task_id == str(task.id) and task.status == "READY"


def test_without_a_worker_backend_there_is_no_chain(db, capsys):
    """The immediate backend (these tests, DJANGO_TASKS_BACKEND in development) runs tasks at once: no chain."""
    assert schedule.ensure_scheduled() is None
    call_command("send_reminders")
    assert "hourly pass" not in capsys.readouterr().out
    assert not ReminderSchedule.objects.exists()
