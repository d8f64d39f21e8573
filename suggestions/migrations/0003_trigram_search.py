"""Trigram GIN indexes for Chinese substring search (icontains) on PostgreSQL; nothing on SQLite.

Django's icontains compiles to UPPER(col::text) LIKE UPPER(%s), so the indexes are on that expression.
Trigrams of Chinese text need a database whose LC_CTYPE is UTF-8 (e.g. C.UTF-8).
"""

from django.db import migrations

INDEXES = [
    ("suggestion_title_trgm", "suggestions_suggestion", "title"),
    ("suggestion_text_trgm", "suggestions_suggestion", "text"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0002_remarks")]
    operations = [migrations.RunPython(create, drop)]
