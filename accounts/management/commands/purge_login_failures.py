"""purge_login_failures: delete the failed logins older than the lockout window (also run by send_reminders)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.housekeeping import longest_lockout_window, purge_login_failures


class Command(BaseCommand):
    help = (
        "Delete the failed login attempts older than the longest lockout window (settings.LOGIN_LOCKOUT): "
        "the lockout no longer counts them. send_reminders runs this too; safe to run at any time."
    )

    def handle(self, *args, **options) -> None:
        deleted = purge_login_failures()
        window = int(longest_lockout_window().total_seconds())
        self.stdout.write(f"{deleted} login failures older than {window} seconds deleted")
