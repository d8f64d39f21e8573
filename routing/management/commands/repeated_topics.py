"""The staff's list of a session's repeated topics (多年多次提出): each suggestion that restates earlier ones."""

from django.core.management.base import BaseCommand, CommandError

from routing.similar import repeated_topics
from suggestions.models import CongressSession


class Command(BaseCommand):
    help = "列出某次会议中多年多次提出的建议及其以往类似建议（主办单位、答复分类、评价）。"

    def add_arguments(self, parser):
        parser.add_argument("--session", type=int, help="会议 id（默认：最近一次会议）")

    def handle(self, *args, session=None, **options):
        qs = CongressSession.objects.order_by("-start_date")
        found = qs.filter(pk=session).first() if session else qs.first()
        if found is None:
            raise CommandError("no such session")
        rows = repeated_topics(found)
        self.stdout.write(f"{found.name}: {len(rows)} repeated topics")
        for row in rows:
            self.stdout.write(f"第{row['number']}号 {row['title']}（{row['sessions']} 次会议提出过）")
            for e in row["earlier"]:
                self.stdout.write(
                    f"    {e['session']} 第{e['number']}号 {e['title']} · {e['lead_department'] or '—'}"
                    f" · {e['category'] or '—'} · {e['rating'] or '—'} · {e['similarity']:.2f}"
                )
