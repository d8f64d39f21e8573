"""devtools/bulkload.py: a large load sets the secondary indexes and foreign keys aside and builds them
again as the migrations made them; a load stopped half-way leaves their statements for the next one."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from devtools import bulkload
from suggestions.models import Event, Suggestion
from suggestions.workflow import invariants
from tests.conftest import postgres_only

SCHEMA = """
SELECT x.indrelid::regclass::text, i.relname, x.indisunique, x.indkey::text, am.amname,
       coalesce(pg_get_expr(x.indexprs, x.indrelid), ''), x.indpred IS NOT NULL
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
 WHERE i.relnamespace = 'public'::regnamespace
UNION ALL
SELECT conrelid::regclass::text, conname, condeferrable, pg_get_constraintdef(oid), contype::text,
       convalidated::text, condeferred
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT attrelid::regclass::text, 'statistics ' || attnum, true, attstattarget::text, '', '', true
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND a.attstattarget >= 0
"""


def schema() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(SCHEMA)
        return sorted(cursor.fetchall(), key=repr)


def generate(n: int, **options) -> str:
    out = io.StringIO()
    call_command("generate_demo_load", suggestions=n, seed=11, batch=100, stdout=out, **options)
    return out.getvalue()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_rebuilt_load_ends_with_the_migrations_schema_and_valid_data():
    before = schema()
    output = generate(300, indexes="rebuild")
    assert "indexes and constraints set aside" in output
    assert "database" in output  # its size
    assert schema() == before
    assert bulkload.Deferred().pending() == 0
    assert Suggestion.objects.count() == 300
    assert invariants.violations() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_what_a_stopped_load_set_aside_comes_back_first():
    before = schema()
    deferred = bulkload.Deferred()
    assert deferred.drop([Event], bulkload.RECORDS) > 0
    assert schema() != before
    generate(50, indexes="keep")  # restores first, then loads with the indexes in place
    assert schema() == before
    assert deferred.pending() == 0
    assert invariants.violations() == []
