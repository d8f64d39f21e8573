"""`make evaluate`: top-1/top-3 of the recommendation and precision/recall of the repeated topics."""

from django.core.management.base import BaseCommand

from routing import evaluate


class Command(BaseCommand):
    help = "评估交办推荐与重复建议识别（标注集 routing/data/labelled.json）。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--timing", action="store_true", help="also time queries at 10,000 and 100,000 suggestions"
        )

    def handle(self, *args, timing=False, **options):
        self.stdout.write(evaluate.report(with_timing=timing))
