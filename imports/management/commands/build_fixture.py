from django.core.management.base import BaseCommand

from imports import fixture


class Command(BaseCommand):
    help = "Regenerate fixtures/taicang_2023.json from the source document in fixtures/source/."

    def handle(self, *args, **options) -> None:
        objects = fixture.build(fixture.load_source())
        fixture.FIXTURE.write_text(fixture.render(objects), encoding="utf-8")
        self.stdout.write(f"wrote {len(objects)} objects to {fixture.FIXTURE}")
