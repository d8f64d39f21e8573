"""check_invariants: verify the data obeys the rules of `suggestions/invariants.py`; exit 1 if not."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from suggestions.models import Event, Suggestion
from suggestions.workflow.invariants import violations

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Check one lead per round, ordered due dates, complete timelines, statuses that agree with the "
        "records and the statistics facts, over every suggestion (or the given ids); over every suggestion "
        "also the statistics counters. Exit status 1 when a rule is broken."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="suggestion ids (default: all)")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        ids = options["ids"] or None
        found = violations(ids)
        suggestions = Suggestion.objects.filter(pk__in=ids).count() if ids else Suggestion.objects.count()
        events = Event.objects.filter(suggestion_id__in=ids).count() if ids else Event.objects.count()
        elapsed = time.monotonic() - started
        if found:
            for violation in found[:SHOWN]:
                self.stderr.write(str(violation))
            if len(found) > SHOWN:
                self.stderr.write(f"… and {len(found) - SHOWN} more")
            raise CommandError(
                f"{len(found)} violation(s) in {suggestions} suggestions ({events} events), {elapsed:.1f} s"
            )
        self.stdout.write(
            f"invariants hold: {suggestions} suggestions, {events} events checked in {elapsed:.1f} s"
        )
