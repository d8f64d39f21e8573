"""Character-bigram GIN index for two-character (Chinese) search terms on PostgreSQL; nothing on SQLite.

Why: the trigram indexes of 0003 serve ``UPPER(col::text) LIKE UPPER('%word%')`` (Django's icontains) only
when the word has a trigram, and a two-character term such as 「老旧」 has none, so PostgreSQL tested the LIKE
on every candidate row: ``?department=1&status=in_progress&q=老旧`` at 100,000 suggestions spent ~25 ms in
its COUNT alone, checking all 25,000 rows of the status. With this index the planner BitmapAnds the term's
bigram with the status index and reads only the matching rows (~3 ms). suggestions/search.py builds the
queries.

- ``tracker_bigrams(t text) RETURNS text[]``: the distinct two-character substrings of ``t``. IMMUTABLE (it
  only slices its argument; DISTINCT compares bytewise, COLLATE "C") and PARALLEL SAFE; the SQL-standard
  body (BEGIN ATOMIC) is parsed here, so it does not depend on the search_path (e.g. in pg_restore).
- ``suggestion_search_bigrams``: GIN on ``tracker_bigrams(UPPER(title::text) || chr(1) || UPPER(text))``,
  one index for both columns (one index scan per word rather than a BitmapOr of two); ``chr(1)`` separates
  them so that the bigram spanning the end of the title and the start of the text never matches a searched
  word (the search skips the index for words containing chr(1)). ~3 s to build, ~8 MB at 100,000 rows.
- Planning: a call of ``tracker_bigrams`` takes ~15 µs (a LIKE: ~0.5 µs), so it must be read from the index,
  never computed row by row. COST 1000 tells the planner so, but a bitmap heap scan is charged that cost
  per row too (as if it rechecked), so with real statistics a bigram found in nearly every row (「建议」) made a
  sequential scan computing it on all 100,000 rows look as cheap (~0.5 s instead of ~15 ms). The index
  column therefore has no statistics (SET STATISTICS 0): the planner takes every bigram for a rare one and
  always reads it through the index, whose cost grows with the rows that really match.
- ``assignment_active_department``: the active (not replaced) assignments by department with the suggestion
  id, so the department filter's semi-join is an index-only scan instead of ~2,000 heap pages.

Reversing drops both indexes and the function.
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_bigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
BEGIN ATOMIC
    SELECT ARRAY(SELECT DISTINCT substr(t, i, 2) COLLATE "C" FROM generate_series(1, char_length(t) - 1) AS i);
END
"""

CREATE = [
    CREATE_FUNCTION,
    "CREATE INDEX IF NOT EXISTS suggestion_search_bigrams ON suggestions_suggestion"
    " USING gin ((tracker_bigrams(UPPER(title::text) || chr(1) || UPPER(text))))",
    # No statistics for the expression: see the docstring.
    "ALTER INDEX suggestion_search_bigrams ALTER COLUMN 1 SET STATISTICS 0",
    "CREATE INDEX IF NOT EXISTS assignment_active_department ON suggestions_assignment"
    " (department_id, suggestion_id) WHERE NOT (status = 'replaced')",
]

DROP = [
    "DROP INDEX IF EXISTS assignment_active_department",
    "DROP INDEX IF EXISTS suggestion_search_bigrams",
    "DROP FUNCTION IF EXISTS tracker_bigrams(text)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in CREATE:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0005_list_order")]
    operations = [migrations.RunPython(create, drop)]
