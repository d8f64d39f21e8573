"""The hourly reminder pass as a chain of tasks on the worker: exactly one chain, however many workers.

`run_reminders` is a task (django.tasks, run by `manage.py db_worker`) that does what `send_reminders`
does: e-mails stuck in queued/sending are queued again, today's reminders are stored and their e-mails
queued (`reminders.run`), and the failed logins the lockout no longer counts are deleted. Before its pass
it enqueues its own successor with ``run_after`` one interval later (`TRACKER_REMINDER_INTERVAL_SECONDS`,
default 3600), so a pass that fails or a worker that dies during it does not end the chain.

Exactly one chain: the single `ReminderSchedule` row names the one task that is the chain's next pass
(`task_id`). A `run_reminders` task locks the row and runs the pass only when it is that task; it swaps
in its successor in the same transaction as it enqueues it. Any other `run_reminders` task (an extra enqueue, a duplicate) finds
another id and does nothing. `ensure_scheduled()` — called by every `db_worker` at start
(notifications/management/commands/db_worker.py) and by `send_reminders` — locks the same row and
enqueues a pass only when the named task is gone: missing, finished without a successor, failed before
it could name one, or claimed by a worker that died before it swapped (running for longer than
`STALE_CLAIM`, two minutes). Two workers starting together are serialised by the row lock: the second
finds the first's task waiting and adds nothing. A chain lost while the workers keep running (its
tasks deleted by hand, the database gone at the moment a pass was claimed) is back at the next worker
start or `send_reminders` run.

The row lock is taken by an UPDATE as the first statement of the transaction: PostgreSQL holds the row
until commit, SQLite takes its write lock at once (a read first would make a concurrent writer fail
rather than wait). Only a task backend that stores tasks and can look them up (``supports_defer`` and
``supports_get_result``: django-tasks-db's DatabaseBackend) has a chain; with the immediate or the dummy
backend (most tests, or DJANGO_TASKS_BACKEND set to one) `ensure_scheduled()` does nothing and `send_reminders` is the only pass.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.tasks import TaskContext, TaskResultStatus, task, task_backends
from django.tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch
from django.utils import timezone

from accounts.housekeeping import purge_login_failures
from notifications import reminders
from notifications.models import ReminderSchedule
from suggestions.queries import counters

INTERVAL = dt.timedelta(hours=1)
# A chain task names its successor within moments of being claimed; one claimed longer ago that is
# still the named task was claimed by a worker that died before it could (safety does not depend on
# this: a late claimant finds another task named and does nothing).
STALE_CLAIM = dt.timedelta(minutes=2)


def interval() -> dt.timedelta:
    seconds = getattr(settings, "TRACKER_REMINDER_INTERVAL_SECONDS", None)
    return INTERVAL if seconds is None else dt.timedelta(seconds=int(seconds))


def chains() -> bool:
    """Whether the tasks' backend runs the chain: it stores tasks for a worker and can look them up."""
    backend = task_backends[run_reminders.backend]
    return backend.supports_defer and backend.supports_get_result


def _locked() -> ReminderSchedule:
    """The schedule row, locked until the surrounding transaction ends (created the first time)."""
    if not ReminderSchedule.objects.filter(pk=1).update(task_id=F("task_id")):
        ReminderSchedule.objects.get_or_create(pk=1)
        ReminderSchedule.objects.filter(pk=1).update(task_id=F("task_id"))
    return ReminderSchedule.objects.get(pk=1)


def _alive(task_id: str, *, now: dt.datetime) -> bool:
    """Whether the task named by the row will still run its pass (and so name a successor)."""
    if not task_id:
        return False
    try:
        result = run_reminders.get_result(task_id)
    except (TaskResultDoesNotExist, TaskResultMismatch):
        return False
    if result.status == TaskResultStatus.READY:
        return True
    if result.status == TaskResultStatus.RUNNING:
        return result.started_at is not None and now - result.started_at < STALE_CLAIM
    return False  # finished while still named: it failed before it could enqueue its successor


def _enqueue(run_after: dt.datetime):
    return run_reminders.using(run_after=run_after).enqueue()


def ensure_scheduled() -> ReminderSchedule | None:
    """Make sure the chain has its next pass enqueued; enqueue it only when none is. Safe at any time."""
    if not chains():
        return None
    now = timezone.now()
    with transaction.atomic():
        row = _locked()
        if _alive(row.task_id, now=now):
            return row
        run_after = max(row.next_run_at or now, now)
        row.task_id = str(_enqueue(run_after).id)
        row.next_run_at = run_after
        row.save(update_fields=["task_id", "next_run_at"])
    return row


def _claim(own_id: str) -> bool:
    """As the chain's named task: enqueue the successor and name it, in one transaction with the lock."""
    now = timezone.now()
    with transaction.atomic():
        row = _locked()
        if row.task_id != own_id:
            return False
        next_at = now + interval()
        row.task_id = str(_enqueue(next_at).id)
        row.next_run_at = next_at
        row.last_started_at = now
        row.save(update_fields=["task_id", "next_run_at", "last_started_at"])
    return True


def reminder_pass() -> dict:
    """One pass of the reminders and the housekeeping: what `send_reminders` does without options."""
    result = reminders.run()
    return {
        "created": result.created,
        "already_sent": result.found - result.created,
        "queued": result.queued,
        "requeued": result.requeued,
        "login_failures_purged": purge_login_failures(),
        "counter_cells_folded": counters.fold(),
        "counter_cells_pruned": counters.prune(),
    }


@task(takes_context=True)
def run_reminders(context: TaskContext) -> dict:
    """The hourly reminder pass: runs only as the chain's named task, after enqueueing its successor."""
    if not _claim(str(context.task_result.id)):
        return {"skipped": "not the scheduled pass"}
    summary = reminder_pass()
    ReminderSchedule.objects.filter(pk=1).update(last_finished_at=timezone.now(), last_result=summary)
    return summary
