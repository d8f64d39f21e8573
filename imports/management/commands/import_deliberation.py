"""`manage.py import_deliberation PATH [--dry-run]`: import a deliberation summary (.txt or .docx)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from imports import importer
from imports.deliberation import DeliberationError, read_document
from imports.docx import DocumentTooLarge


class Command(BaseCommand):
    help = (
        "Import a deliberation summary (审议情况汇总, .txt in UTF-8 or GB18030, or .docx): the session, themes, "
        "suggestions with their proposers, and the delegates' remarks. Re-importing a corrected document "
        "updates only what changed. Nothing is written if any problem is found."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the .txt or .docx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be created or changed; write nothing"
        )
        parser.add_argument("--user", help="username recorded as the importer (a committee staff account)")
        parser.add_argument("--brief", action="store_true", help="print the counts only, not every change")

    def handle(self, *args, path: str, dry_run: bool, user: str | None, brief: bool, **options) -> None:
        by = None
        if user:
            try:
                by = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"没有用户“{user}”。") from None
        try:
            text = read_document(path)
            plan = importer.import_text(text, by=by, dry_run=dry_run)
        except DocumentTooLarge as error:  # refused before parsing
            raise CommandError(f"{path}：{error.problems[0].message}") from None
        except DeliberationError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{path}：发现{len(error.problems)}处问题，未写入任何数据。") from None
        if dry_run:
            self.stdout.write("试运行（--dry-run），未写入任何数据。")
        for line in importer.describe(plan, verbose=not brief):
            self.stdout.write(line)
