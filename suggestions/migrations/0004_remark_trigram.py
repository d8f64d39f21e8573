"""Trigram index for searching the delegates' remarks (PostgreSQL only), like 0003."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS remark_text_trgm ON suggestions_remark USING gin ((UPPER(text::text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS remark_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0003_trigram_search")]
    operations = [migrations.RunPython(create, drop)]
