"""send_reminders: store today's reminders and queue their e-mails now; safe to run again at any time.

The hourly pass runs on the task worker by itself (notifications/schedule.py, `run_reminders`); this is
the manual pass, with options (another date, some kinds, a dry run, the failed e-mails again). Each run
is also the housekeeping pass: e-mails stuck in queued/sending (a dead worker) are queued again
(reminders.run), the failed logins older than the lockout window are deleted (purge_login_failures), and
the statistics due cells of past days are folded into one per key (counters.fold) and the
counter cells left at 0 are dropped (counters.prune).
It also makes sure the worker's hourly chain is scheduled (schedule.ensure_scheduled), so a chain that
was lost is back after one manual run.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from accounts.housekeeping import purge_login_failures
from notifications import reminders, schedule
from notifications.models import Kind
from suggestions.queries import counters


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Run the reminder pass now (the task worker runs it hourly by itself). "
        "Create today's reminders (due in 15 days, overdue, rating pending, publication pending) as in-app "
        "notifications and queue their e-mails for the task worker (manage.py db_worker). Idempotent: a "
        "reminder already stored for the same deadline is never sent again. Also queues again the e-mails "
        "stuck in queued/sending for over an hour and deletes the failed logins older than the lockout "
        "window."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", type=_date, help="act as if today were this date (YYYY-MM-DD)")
        parser.add_argument(
            "--kind", action="append", choices=Kind.values, help="only these kinds (repeatable)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count what would be sent; store nothing")
        parser.add_argument(
            "--retry-failed", action="store_true", help="queue again the e-mails whose sending failed"
        )

    def handle(self, *args, **options) -> None:
        result = reminders.run(
            today=options["date"],
            kinds=options["kind"],
            dry_run=options["dry_run"],
            retry_failed=options["retry_failed"],
        )
        for kind, count in sorted(result.by_kind.items()):
            self.stdout.write(f"  {Kind(kind).label}（{kind}）: {count}")
        if options["dry_run"]:
            self.stdout.write(f"dry run: {result.found} reminders due, nothing stored")
        else:
            self.stdout.write(
                f"{result.created} new reminders ({result.found - result.created} already sent), "
                f"{result.queued} e-mails queued"
            )
            if result.requeued:
                self.stdout.write(f"{result.requeued} stuck e-mails queued again")
            purged = purge_login_failures()
            if purged:
                self.stdout.write(f"{purged} old login failures deleted")
            folded = counters.fold()
            if folded:
                self.stdout.write(f"{folded} statistics due cells of past days folded")
            pruned = counters.prune()
            if pruned:
                self.stdout.write(f"{pruned} statistics counter cells at 0 deleted")
            row = schedule.ensure_scheduled()
            if row is not None:
                self.stdout.write(f"hourly pass on the task worker: next at {row.next_run_at.isoformat()}")
