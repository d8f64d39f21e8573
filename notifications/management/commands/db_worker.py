"""db_worker: django-tasks-db's worker, which first makes sure the hourly reminder pass is scheduled.

This command takes the place of django-tasks-db's own (an app listed before it in INSTALLED_APPS wins)
and adds one step before the worker's loop: `notifications.schedule.ensure_scheduled()`, so that a
worker started anywhere brings the reminders with it and no cron job or second process is needed. Many
workers may start at once: the schedule row's lock lets one chain exist (notifications/schedule.py).
A worker that serves neither the reminders' queue nor every queue leaves the scheduling to one that does.
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as WorkerCommand

from notifications import schedule


class Command(WorkerCommand):
    help = f"{WorkerCommand.help}; first makes sure the hourly reminder pass is scheduled."

    def handle(self, *args, **options) -> None:
        queues = options["queue_name"].split(",")
        serves = "*" in queues or schedule.run_reminders.queue_name in queues
        if serves and options["backend_name"] == schedule.run_reminders.backend:
            row = schedule.ensure_scheduled()
            if row is not None and options["verbosity"] > 0:
                self.stdout.write(f"reminder pass scheduled: next at {row.next_run_at.isoformat()}")
        super().handle(*args, **options)
