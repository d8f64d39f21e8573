"""Bulk loading on PostgreSQL: secondary indexes and constraints set aside during a load, facts in one INSERT.

A COPY into a table with its secondary indexes and deferred foreign keys updates every index and queues a
foreign-key check per row; building the indexes and validating the keys once, after the load, costs a
fraction of that (one sort per index, one join per key). ``Deferred`` drops them and builds them again
with their own definitions (``pg_get_indexdef``, ``pg_get_constraintdef``), so the schema afterwards is
the one the migrations made; ``tests/devtools`` compares it.

The statements that rebuild what was dropped are written, in the transaction that drops it, to the
table ``devtools_deferred_ddl``; ``restore`` runs them and empties it, and the next load restores first,
so a load stopped half-way (Ctrl-C, a crash) leaves nothing missing for long.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Max, Model, Q, Value, When

from suggestions.models import (
    Assignment,
    DepartmentFacts,
    HandlerRole,
    RoundFacts,
    Suggestion,
    SuggestionFacts,
)
from suggestions.queries import counters, facts
from suggestions.queries.measures import ROUND_UNIT, SUGGESTION_UNIT, fact_expressions

LEDGER = "devtools_deferred_ddl"
#: The ledger's phases: the loaded tables' structures come back before the facts are computed (the
#: facts' subqueries need their indexes), the facts tables' own after the facts are written.
RECORDS, FACTS = 1, 2
#: Within a phase: the indexes (those of the unique constraints too) are built by `PARALLEL` connections
#: at once (a build does not block another on the same table); then, one after the other, the unique
#: constraints take their indexes back and the foreign keys are added (adding one locks both tables).
INDEXES, FOREIGN_KEYS = 1, 2
PARALLEL = 2


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def in_threads(jobs: Sequence[Callable[[], object]], workers: int = PARALLEL) -> list:
    """Run the jobs on `workers` threads, each with its own database connection; re-raise the first error."""
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []
    pending = list(enumerate(jobs))
    lock = threading.Lock()

    def work() -> None:
        try:
            while not errors:
                with lock:
                    if not pending:
                        return
                    index, job = pending.pop(0)
                try:
                    results[index] = job()
                except BaseException as error:
                    errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(workers, len(jobs)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


class Deferred:
    """Drops and rebuilds the secondary indexes, unique constraints and foreign keys of some tables.

    Kept: primary keys (other tables' foreign keys depend on them; appending to a serial key is cheap),
    check constraints (evaluated on the row, no lookup) and triggers. An index's per-column statistics
    target (``ALTER INDEX … SET STATISTICS``, which ``pg_get_indexdef`` does not show) comes back with it.
    """

    def __init__(self, log: Callable[[str], None] = lambda message: None) -> None:
        self.log = log

    # -- the ledger ------------------------------------------------------------------------------------

    def pending(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [LEDGER])
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute(f"SELECT count(*) FROM {LEDGER}")
            return cursor.fetchone()[0]

    # -- dropping --------------------------------------------------------------------------------------

    @staticmethod
    def _structures(cursor, table: str) -> list[tuple[int, str | None, list[str]]]:
        """(stage, drop statement or None, statements that rebuild it) of `table`'s secondary indexes and
        constraints."""
        quoted = _quote(table)
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(x.indexrelid),
                   ARRAY(SELECT format('ALTER INDEX %%I ALTER COLUMN %%s SET STATISTICS %%s',
                                       i.relname, a.attnum, a.attstattarget)
                           FROM pg_attribute a
                          WHERE a.attrelid = x.indexrelid AND a.attnum > 0 AND a.attstattarget >= 0
                          ORDER BY a.attnum)
              FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid
                                                               AND c.conrelid = x.indrelid)
             ORDER BY i.relname
            """,
            [table],
        )
        found = [
            (INDEXES, f"DROP INDEX {_quote(name)}", [definition, *statistics])
            for name, definition, statistics in cursor.fetchall()
        ]
        # A unique constraint comes back as its index, built beside the others, then attached (a brief
        # lock once every build is done); a foreign key is added and validated in one statement.
        cursor.execute(
            """
            SELECT c.contype, c.conname, pg_get_constraintdef(c.oid), pg_get_indexdef(c.conindid),
                   CASE WHEN c.condeferrable THEN ' DEFERRABLE' ELSE '' END
                   || CASE WHEN c.condeferred THEN ' INITIALLY DEFERRED' ELSE '' END
              FROM pg_constraint c
             WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'f')
             ORDER BY c.contype DESC, c.conname
            """,
            [table],
        )
        for kind, name, definition, index, deferrable in cursor.fetchall():
            drop = f"ALTER TABLE {quoted} DROP CONSTRAINT {_quote(name)}"
            if kind == "u":
                found.append((INDEXES, drop, [index]))
                found.append(
                    (
                        FOREIGN_KEYS,
                        None,
                        [f"ALTER TABLE {quoted} ADD CONSTRAINT {_quote(name)} UNIQUE USING INDEX {_quote(name)}"
                         f"{deferrable}"],
                    )
                )  # fmt: skip
            else:
                found.append(
                    (FOREIGN_KEYS, drop, [f"ALTER TABLE {quoted} ADD CONSTRAINT {_quote(name)} {definition}"])
                )
        return found

    def drop(self, models: Sequence[type[Model]], phase: int) -> int:
        """Drop the structures of `models`' tables, recording how to build them again; returns how many."""
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {LEDGER} (position serial PRIMARY KEY, phase int NOT NULL, "
                "stage int NOT NULL, table_name text NOT NULL, statements text[] NOT NULL)"
            )
            for model in models:
                table = model._meta.db_table
                for stage, drop, create in self._structures(cursor, table):
                    cursor.execute(
                        f"INSERT INTO {LEDGER} (phase, stage, table_name, statements) VALUES (%s, %s, %s, %s)",
                        [phase, stage, table, create],
                    )
                    if drop:
                        cursor.execute(drop)
                        count += 1
        return count

    # -- rebuilding ------------------------------------------------------------------------------------

    def _run(self, position: int, statements: list[str]) -> None:
        step = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # Room to sort in memory (B-trees) and to gather a GIN index's entries.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {LEDGER} WHERE position = %s", [position])
        self.log(f"{time.perf_counter() - step:6.1f} s  {statements[0][:110]}")

    def restore(self, phase: int | None = None) -> float:
        """Run the recorded statements (of one phase, or all); returns the seconds it took."""
        if not self.pending():
            return 0.0
        started = time.perf_counter()
        where, params = ("WHERE phase = %s", [phase]) if phase is not None else ("", [])
        with connection.cursor() as cursor:
            # The longest builds first, so that the two connections finish together: the GIN indexes
            # (an expression per row, many entries each), then the largest tables' indexes.
            cursor.execute(
                f"""SELECT phase, stage, position, statements FROM {LEDGER} {where}
                     ORDER BY phase, stage,
                              CASE WHEN stage = %s THEN statements[1] LIKE '%% USING gin %%' END DESC,
                              CASE WHEN stage = %s THEN pg_relation_size(table_name::regclass) END DESC,
                              position""",
                [*params, INDEXES, INDEXES],
            )
            rows = cursor.fetchall()
        for each_phase in sorted({row[0] for row in rows}):
            indexes = [(p, s) for ph, stage, p, s in rows if ph == each_phase and stage == INDEXES]
            in_threads([lambda p=p, s=s: self._run(p, s) for p, s in indexes])
            for ph, stage, position, statements in rows:
                if ph == each_phase and stage == FOREIGN_KEYS:
                    self._run(position, statements)
        if not self.pending():
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {LEDGER}")
        return time.perf_counter() - started


# -- the statistics facts in one statement per table -----------------------------------------------------
#
# What ``facts.refresh`` stores for a bulk of new suggestions (``facts.compute`` and
# ``facts.compute_departments``), computed by the database with the same definitions
# (``stats.fact_expressions``, ``facts.FIELDS``, ``facts.COUNTED``, ``facts.ROUND_COUNTED``) instead of
# carrying every row through Python: ~2 s instead of ~60 s per 100,000 suggestions. ``check_invariants``
# compares the result with ``facts.compute`` (the generator's tests run it on every state).

KEY = "_key"  # the source row's primary key in the SELECT


def _insert_select(model: type[Model], key: str, queryset, names: dict[str, str]) -> int:
    """INSERT INTO `model`'s table the rows `queryset` computes: `key` from its ``_key`` column, each
    field of `names` (alias → field name) from its alias, every other column at its field's default."""
    meta = model._meta
    select_sql, params = queryset.query.sql_with_params()
    columns = [meta.get_field(key).column]
    values = [f"q.{_quote(KEY)}"]
    defaults: list = []
    for alias, name in names.items():
        columns.append(meta.get_field(name).column)
        values.append(f"q.{_quote(alias)}")
    for field in meta.concrete_fields:
        if field.column in columns or field.primary_key:  # an automatic key numbers itself
            continue
        columns.append(field.column)
        values.append("%s")
        defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {_quote(meta.db_table)} ({', '.join(_quote(c) for c in columns)}) "
        f"SELECT {', '.join(values)} FROM ({select_sql}) q"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])
        return cursor.rowcount


def _counted(model: type[Model], names: Sequence[str]) -> dict[str, F]:
    """``_counted_<name>``: the row's own field as the counters count it (a foreign key by its id)."""
    return {f"_counted_{name}": F(model._meta.get_field(name).attname) for name in names}


def _insert_facts(after_id: int, up_to: int) -> tuple[int, int, int]:
    with work_mem():
        return _insert_facts_of(after_id, up_to)


def _insert_facts_of(after_id: int, up_to: int) -> tuple[int, int, int]:
    names = {f"_{name}": name for name in facts.FIELDS}
    counted = _counted(Suggestion, facts.COUNTED)
    suggestions = (
        Suggestion.objects.filter(pk__gt=after_id, pk__lte=up_to)
        .order_by()
        .annotate(**fact_expressions(SUGGESTION_UNIT), **counted)
        .values(*names, *counted, **{KEY: F("pk")})
    )
    round_counted = _counted(Assignment, facts.ROUND_COUNTED)
    active = (
        Assignment.objects.active().filter(suggestion_id__gt=after_id, suggestion_id__lte=up_to).order_by()
    )
    rounds = (
        active.filter(role=HandlerRole.LEAD)
        .annotate(**fact_expressions(ROUND_UNIT), **round_counted)
        .values(*names, *round_counted, **{KEY: F("pk")})
    )
    # facts.compute_departments: one row per (suggestion, department with an active assignment on it),
    # co_handling when one of them is a co-handling of the current round.
    co_now = Q(role=HandlerRole.CO, round=F("suggestion__round"))
    departments = active.values("suggestion_id", "department_id").annotate(
        _co=Max(Case(When(co_now, then=Value(1)), default=Value(0), output_field=IntegerField()))
    )
    return (
        _insert_select(SuggestionFacts, "suggestion", suggestions, {**names, **_fields(counted)}),
        _insert_select(RoundFacts, "assignment", rounds, {**names, **_fields(round_counted)}),
        _insert_departments(departments),
    )


def _fields(aliases: dict[str, F]) -> dict[str, str]:
    return {alias: alias[1:] for alias in aliases}


def _insert_departments(queryset) -> int:
    select_sql, params = queryset.query.sql_with_params()
    meta = DepartmentFacts._meta
    columns = ", ".join(
        _quote(meta.get_field(name).column) for name in ("facts", "department_id", "co_handling")
    )
    sql = (
        f"INSERT INTO {_quote(meta.db_table)} ({columns}) "
        f"SELECT q.{_quote('suggestion_id')}, q.{_quote('department_id')}, q.{_quote('_co')} = 1 "
        f"FROM ({select_sql}) q"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_facts(after_id: int, parts: int = 1) -> tuple[int, int, int]:
    """The facts of the suggestions with an id above `after_id`, which have none yet, in `parts` ranges
    of ids at once on as many connections, then the counters rebuilt from all the facts
    (``counters.rebuild_counters``). Returns the rows of (suggestion, round, department) facts."""
    last = Suggestion.objects.aggregate(m=Max("pk"))["m"] or after_id
    bounds = [after_id + (last - after_id) * k // parts for k in range(parts + 1)]
    jobs = [
        lambda low=low, high=high: _insert_facts(low, high) for low, high in pairwise(bounds) if high > low
    ]
    counts = [job() for job in jobs] if parts == 1 or len(jobs) == 1 else in_threads(jobs, workers=parts)
    return tuple(sum(c[i] for c in counts) for i in range(3))


@contextlib.contextmanager
def work_mem(size: str = "256MB"):
    """Room for the big sorts and hashes of one bulk statement (the server's default spills them to
    disk at 4 MB)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET work_mem = '{size}'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")


def rebuild_counters() -> int:
    """``counters.rebuild_counters`` (every cell from every facts row), with room to sort."""
    with work_mem():
        return counters.rebuild_counters()


def analyze(models: Iterable[type[Model]]) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {_quote(model._meta.db_table)}")


def database_size() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]
