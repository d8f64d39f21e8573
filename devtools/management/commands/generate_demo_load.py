"""Generate realistic load data: N suggestions across several sessions, in every state and round.

Seeded and repeatable. The rows are written directly (like a fixture), not through the workflow:
this is synthetic data for benchmarks, and the workflow's one-row-at-a-time locking would make a
million events take hours. The rows respect every database constraint.

Rows are plain tuples, generated a batch at a time (memory stays bounded whatever N). On PostgreSQL
they go in with COPY from two writer threads while the next batch is generated, and the primary keys
that children refer to (suggestions, assignments, replies) are drawn from the tables' sequences up
front, so nothing is read back; elsewhere (SQLite) the same tuples go in with executemany. A large
load on PostgreSQL sets the tables' secondary indexes and foreign keys aside and builds them again
afterwards (``devtools/bulkload.py``). The statistics facts are computed by the database in one
INSERT … SELECT per table from their definitions (``measures.fact_expressions``).

At 1,000,000 suggestions (about 10 million events) the whole load takes under 10 minutes on a 2-core
machine; the command prints the time of each phase and the database's size.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone
from psycopg.adapt import Dumper
from psycopg.postgres import types as postgres_types
from psycopg.pq import Format

from delegates.models import Delegate
from departments.catalog import departments as catalog
from departments.models import Department
from devtools import bulkload
from suggestions import calendar
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    CongressSession,
    ContactRecord,
    DepartmentFacts,
    Event,
    EventKind,
    HandlerRole,
    ProgressKind,
    ProgressUpdate,
    Proposer,
    Publication,
    Rating,
    Reply,
    RoundFacts,
    StatCounter,
    StatDueCounter,
    Status,
    Suggestion,
    SuggestionFacts,
    Theme,
)

STATES = [
    (Status.REGISTERED, 4),
    (Status.ASSIGNED, 8),
    (Status.IN_PROGRESS, 25),
    (Status.REPLIED, 12),
    (Status.REVIEW, 4),
    (Status.CLOSED, 42),
    (Status.WITHDRAWN, 3),
    (Status.NOT_ACCEPTED, 2),
]
# The weighted draws' cumulative weights, computed once (rng.choices draws the same values from them).
STATE_VALUES = [s.value for s, _ in STATES]
STATE_CUM = list(accumulate(w for _, w in STATES))
ROUNDS, ROUNDS_CUM = [1, 2, 3], list(accumulate([88, 10, 2]))
PROPOSERS, PROPOSERS_CUM = [1, 2, 3, 4], list(accumulate([30, 40, 20, 10]))
DEPARTMENTS, DEPARTMENTS_CUM = [1, 2, 3], list(accumulate([50, 35, 15]))
CATEGORIES, CATEGORIES_CUM = "ABCD", list(accumulate([45, 35, 15, 5]))
THEMES = ["产业发展", "对外合作", "转型升级", "城市建设", "绿色低碳", "民生保障", "社会治理"]
TOPICS = [
    "老旧小区改造", "公交线路优化", "学校周边交通", "河道整治", "农村污水治理", "社区养老服务", "停车难问题",
    "企业用工", "人才公寓", "菜市场改造", "垃圾分类", "医疗资源下沉", "文化场馆开放", "道路拓宽", "港区物流",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红梅鹏飞建国志宏海燕雪琴晓东春秋松柏"
VERDICTS = ["satisfied"] * 6 + ["basically"] * 3 + ["unsatisfied"]
SESSION_SIZE = 20_000
WRITERS = 2  # PostgreSQL connections writing batches while the next one is generated
# Set the indexes aside ("auto") for a load of at least this many suggestions that at least a quarter of
# what the tables already hold: below that, updating them row by row costs less than building them anew.
DEFER_AT_LEAST = 20_000

# Plain strings: the rows bypass the ORM, and a database adapter may dump an enum member by name.
REGISTERED, ASSIGNED, IN_PROGRESS = Status.REGISTERED.value, Status.ASSIGNED.value, Status.IN_PROGRESS.value
REPLIED, REVIEW, CLOSED = Status.REPLIED.value, Status.REVIEW.value, Status.CLOSED.value
WITHDRAWN, NOT_ACCEPTED = Status.WITHDRAWN.value, Status.NOT_ACCEPTED.value
NOT_YET_ASSIGNED = (REGISTERED, NOT_ACCEPTED)
SINGLE_ROUND = (REGISTERED, NOT_ACCEPTED, ASSIGNED)
ANSWERED = (REPLIED, REVIEW, CLOSED)
LEAD, CO = HandlerRole.LEAD.value, HandlerRole.CO.value
ACKNOWLEDGED, PENDING = AssignmentStatus.ACKNOWLEDGED.value, AssignmentStatus.PENDING.value
PROGRESS = ProgressKind.PROGRESS.value
FULL, UNPUBLISHED = Publication.FULL.value, Publication.UNPUBLISHED.value
K = {kind.name: kind.value for kind in EventKind}
METHODS = ["meet", "visit", "forum", "phone", "written"]
OPINION = "同意主办单位的办理意见，本单位将配合做好相关工作。"
# Event data as workflow._record writes it (JSON text): a co-opinion given within its month, and a reply
# published in full within the 20 working days (20 calendar days after it), by the round it belongs to.
ON_TIME = '{"on_time": true}'
PUBLISHED_DATA = {r: f'{{"mode": "{FULL}", "reply_round": {r}, "on_time": true}}' for r in (1, 2, 3)}
DAY = dt.timedelta(days=1)

# The columns written, by field name; every NOT NULL column without a database default is listed.
COLUMNS: dict[type[Model], tuple[str, ...]] = {
    Suggestion: (
        "id", "session", "theme", "number", "position", "title", "text", "status", "round",
        "key_supervision", "disclosure_consent", "due_date", "created_at", "updated_at",
    ),
    Proposer: ("suggestion", "delegate", "position"),
    Assignment: (
        "id", "suggestion", "department", "role", "round", "status", "assigned_on", "acknowledge_due",
        "acknowledged_on", "due_date", "reassignment_reason", "reassignment_decision", "reassignment_note",
        "assigned_by", "created_at",
    ),
    CoHandlerOpinion: ("assignment", "suggestion", "text", "submitted_on", "created_by", "created_at"),
    ContactRecord: (
        "suggestion", "department", "round", "method", "contacted_on", "notes", "created_by", "created_at",
    ),
    ProgressUpdate: (
        "suggestion", "department", "round", "kind", "text", "fulfilled", "reported_on", "created_by",
        "created_at",
    ),
    Reply: (
        "id", "suggestion", "department", "round", "category", "doc_number", "signer", "contact_person",
        "contact_phone", "text", "pdf", "replied_on", "due_date", "publication", "published_at",
        "created_by", "created_at",
    ),
    Rating: (
        "suggestion", "reply", "round", "delegate", "is_lead", "attitude", "result", "comment", "rated_at",
    ),
    Event: (
        "suggestion", "kind", "actor", "actor_name", "at", "round", "from_status", "to_status", "department",
        "data", "note",
    ),
}  # fmt: skip
LOADED = tuple(COLUMNS)
FACTS = (SuggestionFacts, RoundFacts, DepartmentFacts)
COUNTERS = (StatCounter, StatDueCounter)


class JsonbText(Dumper):
    """COPY's binary form of a jsonb column from its JSON text (the rows carry the text, as workflow._record
    writes it): the format's version byte and the text."""

    format = Format.BINARY
    oid = postgres_types["jsonb"].oid

    def dump(self, obj: str) -> bytes:
        return b"\x01" + obj.encode()


class Writer:
    """Reserves primary keys and inserts tuples: COPY on PostgreSQL, executemany elsewhere.

    The COPY is binary, each column in its table's type: psycopg packs integers, dates and timestamps
    without formatting text, and PostgreSQL reads them without parsing it (a third of the time of the
    text format, on both sides)."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.sequences: dict[type[Model], str] = {}
        self.types: dict[type[Model], list[int]] = {}
        if self.postgres:
            with connection.cursor() as cursor:
                for model, names in COLUMNS.items():
                    cursor.execute(
                        "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                        [model._meta.db_table],
                    )
                    oids = dict(cursor.fetchall())
                    self.types[model] = [oids[model._meta.get_field(name).column] for name in names]

    def reserve(self, model: type[Model], count: int) -> list[int]:
        """`count` fresh primary keys for `model`, taken before its rows are written."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                if model not in self.sequences:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
                    self.sequences[model] = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [self.sequences[model], count]
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the ids after the largest one; this command is meant to be the only writer meanwhile.
            cursor.execute(f"SELECT COALESCE(MAX({model._meta.pk.column}), 0) FROM {table}")
            last = cursor.fetchone()[0]
        return list(range(last + 1, last + 1 + count))

    def write(self, model: type[Model], rows: Sequence[tuple]) -> None:
        if not rows:
            return
        meta = model._meta
        columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in COLUMNS[model])
        table = connection.ops.quote_name(meta.db_table)
        if self.postgres:
            connection.ensure_connection()
            with connection.connection.cursor() as cursor:
                cursor.adapters.register_dumper(None, JsonbText)  # looked up by the column's type only
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(self.types[model])
                    for row in rows:
                        copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(COLUMNS[model]))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", [self._adapt(row) for row in rows]
            )

    @staticmethod
    def _adapt(row: tuple) -> tuple:
        ops = connection.ops
        return tuple(
            ops.adapt_datetimefield_value(v)
            if isinstance(v, dt.datetime)
            else ops.adapt_datefield_value(v)
            if isinstance(v, dt.date)
            else v
            for v in row
        )


class Pipeline:
    """Hands batches to `workers` threads (each with its own connection); with none, stores them in place."""

    def __init__(self, store: Callable[[Any], None], workers: int) -> None:
        self.store = store
        self.queue: queue.Queue = queue.Queue(maxsize=workers)
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                if not self.errors:  # after a failure, drain the queue without writing
                    try:
                        self.store(item)
                    except BaseException as error:  # re-raised in the main thread
                        self.errors.append(error)
        finally:
            connection.close()

    def put(self, item: Any) -> None:
        if self.errors:
            self.close()
        if not self.threads:
            self.store(item)
        else:
            self.queue.put(item)

    def close(self) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        self.threads = []
        if self.errors:
            error, self.errors = self.errors[0], []
            raise error


class Command(BaseCommand):
    help = "Create N synthetic suggestions (1 to 1,000,000) with their handling records and ~10 events each."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--suggestions", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument(
            "--indexes",
            choices=["auto", "keep", "rebuild"],
            default="auto",
            help="PostgreSQL: drop the secondary indexes and foreign keys during the load and build them "
            "again after it (rebuild), keep them (keep), or rebuild for a large load only (auto)",
        )

    def handle(self, *args, **options) -> None:
        n, seed, batch = options["suggestions"], options["seed"], options["batch"]
        self.verbosity = options["verbosity"]
        if not 1 <= n <= 1_000_000:
            raise CommandError("--suggestions must be between 1 and 1,000,000")
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        started = time.perf_counter()
        # The suggestions' stream does not depend on how many delegates had to be created first.
        rng = random.Random(seed)
        self.departments = self._departments()
        self.delegates = self._delegates(random.Random(f"delegates:{seed}"), max(300, n // 20))
        self.writer = Writer()
        self.add_months = lru_cache(maxsize=None)(calendar.add_months)  # a few hundred distinct dates
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        in_transaction = connection.in_atomic_block
        # Batches are generated here and written by other threads, each with its own connection and
        # transaction, while the next batch is generated; a caller's transaction (tests) takes them all.
        workers = 0 if in_transaction or not self.writer.postgres else WRITERS
        last_before = Suggestion.objects.aggregate(m=Max("pk"))["m"] or 0
        deferred = None
        if self.writer.postgres and not in_transaction:
            deferred = bulkload.Deferred(log=lambda line: self._log(f"  {line}", verbosity=2))
            if deferred.pending():
                self._log("restoring the indexes a stopped load set aside …")
                deferred.restore()
            existing = Suggestion.objects.count()
            wanted = options["indexes"]
            if wanted == "keep" or (wanted == "auto" and not (n >= DEFER_AT_LEAST and n * 4 >= existing)):
                deferred = None
            else:
                dropped = deferred.drop(LOADED, bulkload.RECORDS) + deferred.drop(FACTS, bulkload.FACTS)
                self._log(f"{dropped} indexes and constraints set aside for the load")
        elif options["indexes"] == "rebuild":
            raise CommandError("--indexes rebuild needs PostgreSQL and no surrounding transaction")
        phases: dict[str, float] = {"setup": time.perf_counter() - started}
        mark = time.perf_counter()
        pipeline = Pipeline(self._store, workers)
        done = 0
        try:
            try:
                for session, count in self._sessions(n):
                    themes = list(session.themes.order_by("ordinal").values_list("pk", flat=True))
                    first = (
                        Suggestion.objects.filter(session=session).aggregate(m=Max("number"))["m"] or 0
                    ) + 1
                    positions = {pk: 0 for pk in themes}
                    positions.update(
                        Suggestion.objects.filter(session=session)
                        .values("theme")
                        .annotate(m=Max("position"))
                        .values_list("theme", "m")
                    )
                    for start in range(0, count, batch):
                        size = min(batch, count - start)
                        pipeline.put(self._batch(rng, session, themes, positions, first + start, size))
                        done += size
                        self.stdout.write(f"\r{done}/{n} suggestions", ending="")
                        self.stdout.flush()
            finally:
                pipeline.close()
                self.stdout.write("")
            phases["rows (generated and copied)"] = time.perf_counter() - mark
        finally:
            if deferred:  # also after a failure: the tables get their indexes back
                self._log("building the indexes and foreign keys again …")
                phases["indexes and foreign keys"] = deferred.restore(bulkload.RECORDS)
        mark = time.perf_counter()
        self._log("statistics facts …")
        try:
            rows = bulkload.insert_facts(last_before, parts=bulkload.PARALLEL if workers else 1)
        finally:
            if deferred:
                deferred.restore(bulkload.FACTS)
        phases[f"statistics facts ({rows[0]:,} + {rows[1]:,} + {rows[2]:,} rows)"] = (
            time.perf_counter() - mark
        )
        mark = time.perf_counter()
        cells = bulkload.rebuild_counters()
        phases[f"statistics counters ({cells:,} cells)"] = time.perf_counter() - mark
        mark = time.perf_counter()
        if self.writer.postgres:
            bulkload.analyze([*LOADED, *FACTS, *COUNTERS])
            phases["ANALYZE"] = time.perf_counter() - mark
        elapsed = time.perf_counter() - started
        for phase, seconds in phases.items():
            self._log(f"  {seconds:7.1f} s  {phase}")
        size = bulkload.database_size()
        self.stdout.write(
            f"created {n} suggestions in {elapsed:.1f} s; now {Suggestion.objects.count()} suggestions, "
            f"{Event.objects.count()} events" + ("" if size is None else f"; database {size / 2**30:.2f} GiB")
        )

    def _log(self, message: str, verbosity: int = 1) -> None:
        if self.verbosity >= verbosity:
            self.stdout.write(message)

    def _departments(self) -> list[int]:
        for row in catalog():
            Department.objects.get_or_create(name=row["name"], defaults=row)
        return list(Department.objects.order_by("pk").values_list("pk", flat=True))

    def _delegates(self, rng: random.Random, count: int) -> list[int]:
        existing = set(Delegate.objects.values_list("name", flat=True))
        new = []
        i = 0
        names = len(SURNAMES) * len(GIVEN)
        while len(existing) < count:
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
            name += GIVEN[(i // names) % len(GIVEN)]
            if i >= names * len(GIVEN):  # pragma: no cover - only past 100k names
                name += str(i // (names * len(GIVEN)))
            i += 1
            if name not in existing:
                existing.add(name)
                new.append(Delegate(name=name[:32], phone=f"139{rng.randrange(10**8):08d}"))
        Delegate.objects.bulk_create(new, batch_size=2000)
        return list(Delegate.objects.order_by("pk").values_list("pk", flat=True))

    def _sessions(self, n: int) -> list[tuple[CongressSession, int]]:
        result = []
        count = max(3, -(-n // SESSION_SIZE))
        per = [n // count + (1 if i < n % count else 0) for i in range(count)]
        for i, size in enumerate(per):
            term, meeting = 10 + i // 5, i % 5 + 1
            start = dt.date(2010 + i % 14, 1, 10)
            session, _ = CongressSession.objects.get_or_create(
                term=term,
                meeting=meeting,
                defaults=dict(
                    name=f"模拟第{term}届人大{meeting}次会议",
                    start_date=start,
                    end_date=start + dt.timedelta(days=3),
                ),
            )
            for ordinal, title in enumerate(THEMES, start=1):
                Theme.objects.get_or_create(
                    session=session, ordinal=ordinal, defaults={"title": f"关于{title}方面"}
                )
            result.append((session, size))
        return result

    def _batch(
        self,
        rng: random.Random,
        session: CongressSession,
        themes: list[int],
        positions: dict[int, int],
        first: int,
        size: int,
    ) -> dict[type[Model], list[tuple]]:
        """The rows of `size` suggestions numbered from `first`, with their handling records and events.

        Each suggestion's timeline follows the workflow: its last event leads to its status, a later
        round starts (重新办理) after the previous round's unsatisfied rating, and progress reports
        come before the round's reply.
        """
        tz, now = self.tz, self.now
        states = STATE_VALUES
        add_months = self.add_months
        registered_at = dt.datetime.combine(session.end_date, dt.time(18), tz)
        suggestions, proposers, contacts, progress = [], [], [], []
        assignments: list[list] = []  # the id is filled in once the batch's assignments are counted
        opinions: list[list] = []  # the assignment's index likewise
        replies: list[list] = []  # the id is filled in once the batch's replies are counted
        ratings: list[list] = []  # the reply id likewise
        events: list[tuple] = []
        for i, sid in enumerate(self.writer.reserve(Suggestion, size)):
            number = first + i
            theme = rng.choice(themes)
            positions[theme] += 1
            status = rng.choices(states, cum_weights=STATE_CUM)[0]
            # Only a rehandled suggestion has a later round, and rehandling puts it straight back in hand.
            rounds = 1 if status in SINGLE_ROUND else rng.choices(ROUNDS, cum_weights=ROUNDS_CUM)[0]
            on = session.end_date + rng.randrange(20, 60) * DAY
            topic = rng.choice(TOPICS)
            title = f"关于{topic}的建议"
            text = f"建议进一步加强{topic}工作，{rng.choice(TOPICS)}和{rng.choice(TOPICS)}统筹推进，切实回应群众关切。"
            row = [sid, session.pk, theme, number, positions[theme], title, text, status, rounds,
                   rng.random() < 0.05, True, None, registered_at, now]  # fmt: skip
            suggestions.append(row)
            lead_delegate, *co_delegates = rng.sample(
                self.delegates, rng.choices(PROPOSERS, cum_weights=PROPOSERS_CUM)[0]
            )
            proposers.append((sid, lead_delegate, 1))
            proposers += [(sid, d, p) for p, d in enumerate(co_delegates, 2)]
            events.append(
                (
                    sid,
                    K["REGISTER"],
                    None,
                    "系统导入",
                    registered_at,
                    1,
                    REGISTERED,
                    REGISTERED,
                    None,
                    "{}",
                    "",
                )
            )
            if status in NOT_YET_ASSIGNED:
                if status == NOT_ACCEPTED:
                    events.append(
                        (sid, K["NOT_ACCEPT"], None, "", registered_at + 10 * DAY, 1, REGISTERED, status, None,
                         "{}", "不属于建议范围")
                    )  # fmt: skip
                continue
            lead, *co = rng.sample(self.departments, rng.choices(DEPARTMENTS, cum_weights=DEPARTMENTS_CUM)[0])
            for r in range(1, rounds + 1):
                due = add_months(on, 3)
                row[11] = due
                final_round = r == rounds
                day = dt.datetime.combine(on, dt.time(9), tz)
                # Round 1 waits for the departments to sign; rehandling (round 2+) signs for them.
                if r > 1:
                    ack_on, ack_status, handling = on, ACKNOWLEDGED, IN_PROGRESS
                    events.append((sid, K["REHANDLE"], None, "", day, r, REVIEW, IN_PROGRESS, lead, "{}", ""))
                elif final_round and status in (ASSIGNED, WITHDRAWN):
                    ack_on, ack_status, handling = None, PENDING, ASSIGNED
                    events.append((sid, K["ASSIGN"], None, "", day, r, REGISTERED, ASSIGNED, lead, "{}", ""))
                else:
                    ack_on, ack_status, handling = on + 2 * DAY, ACKNOWLEDGED, IN_PROGRESS
                    events.append((sid, K["ASSIGN"], None, "", day, r, REGISTERED, ASSIGNED, lead, "{}", ""))
                    events.append(
                        (
                            sid,
                            K["ACKNOWLEDGE"],
                            None,
                            "",
                            day + 2 * DAY,
                            r,
                            ASSIGNED,
                            IN_PROGRESS,
                            lead,
                            "{}",
                            "",
                        )
                    )
                ack_due = on + 9 * DAY
                assignments.append(
                    [None, sid, lead, LEAD, r, ack_status, on, ack_due, ack_on, due, "", "", "", None, now]
                )
                co_due = add_months(on, 1)
                # In round 1 the co-handlers sign the day after the lead (their 签收 events below).
                co_ack_on = on + 3 * DAY if r == 1 and ack_on is not None else ack_on
                first_co = len(assignments)  # the index of this round's first co-handling assignment
                assignments += [[None, sid, c, CO, r, ack_status, on, ack_due, co_ack_on, co_due, "", "", "",
                                 None, now] for c in co]  # fmt: skip
                if final_round and status == WITHDRAWN:
                    events.append(
                        (sid, K["WITHDRAW"], None, "", day + 5 * DAY, r, handling, status, None, "{}", "")
                    )
                    break
                if ack_status == PENDING:
                    break
                if r == 1:  # rehandling (round 2+) signs for the co-handlers too
                    for c in co:
                        events.append(
                            (sid, K["ACKNOWLEDGE"], None, "", day + 3 * DAY, r, IN_PROGRESS, IN_PROGRESS, c,
                             "{}", "")
                        )  # fmt: skip
                for k in range(rng.choice([1, 1, 2])):
                    method = rng.choice(METHODS)
                    contacts.append(
                        (sid, lead, r, method, on + (10 + k) * DAY, "与代表沟通办理思路", None, now)
                    )
                    events.append(
                        (sid, K["CONTACT"], None, "", day + (10 + k) * DAY, r, IN_PROGRESS, IN_PROGRESS, lead,
                         "{}", "")
                    )  # fmt: skip
                # 协办意见 (workflow.give_co_opinion): one per co-handling assignment of the round, two weeks
                # in: after the contacts (days 10-11), before the first progress report (day 16 at the
                # earliest), within the month the co-handlers have (so on time).
                for j, c in enumerate(co):
                    opinions.append([first_co + j, sid, OPINION, on + (14 + j) * DAY, None, now])
                    events.append(
                        (sid, K["CO_OPINION"], None, "", day + (14 + j) * DAY, r, IN_PROGRESS, IN_PROGRESS, c,
                         ON_TIME, "")
                    )  # fmt: skip
                replied = not final_round or status in ANSWERED
                reply_after = rng.randrange(30, 110) if replied else 50
                for k in range(3):  # spread before the reply (day 30 at the earliest)
                    after = 12 + (reply_after - 12) * (k + 1) // 4
                    progress.append(
                        (
                            sid,
                            lead,
                            r,
                            PROGRESS,
                            "已完成调研，正在制定方案。",
                            False,
                            on + after * DAY,
                            None,
                            now,
                        )
                    )
                    events.append(
                        (sid, K["PROGRESS"], None, "", day + after * DAY, r, IN_PROGRESS, IN_PROGRESS, lead,
                         "{}", "")
                    )  # fmt: skip
                if not replied:
                    break
                replied_on = on + reply_after * DAY
                published = final_round and status == CLOSED and rng.random() < 0.7
                published_at = (
                    dt.datetime.combine(replied_on + 20 * DAY, dt.time(10), tz) if published else None
                )
                reply = len(replies)
                replies.append(
                    [None, sid, lead, r, rng.choices(CATEGORIES, cum_weights=CATEGORIES_CUM)[0],
                     f"太政函〔{on.year}〕{number % 1000 + r}号", "张主任", "李科长", "0512-53500000",
                     f"关于{title}的答复：经研究，已采取以下措施……", "", replied_on, due,
                     FULL if published else UNPUBLISHED, published_at, None, now]
                )  # fmt: skip
                reply_at = dt.datetime.combine(replied_on, dt.time(15), tz)
                events.append((sid, K["REPLY"], None, "", reply_at, r, IN_PROGRESS, REPLIED, lead, "{}", ""))
                if final_round and status == REPLIED:
                    break
                unsatisfied = not final_round or status == REVIEW
                result = "unsatisfied" if unsatisfied else rng.choice(VERDICTS[:-1])
                rated_at = reply_at + 7 * DAY
                ratings.append(
                    [sid, reply, r, lead_delegate, True, rng.choice(VERDICTS[:-1]), result,
                     "问题尚未解决" if unsatisfied else "", rated_at]
                )  # fmt: skip
                events.append(
                    (sid, K["RATE"], None, "", rated_at, r, REPLIED, REVIEW if unsatisfied else CLOSED, None,
                     "{}", "")
                )  # fmt: skip
                if published:  # workflow.publish: the mode and the reply's round say what is public
                    events.append(
                        (sid, K["PUBLISH"], None, "", published_at, r, CLOSED, CLOSED, lead,
                         PUBLISHED_DATA[r], "")
                    )  # fmt: skip
                on = replied_on + 10 * DAY  # the next round: staff send it back three days after the rating
        assignment_ids = self.writer.reserve(Assignment, len(assignments)) if assignments else []
        for row, pk in zip(assignments, assignment_ids, strict=True):
            row[0] = pk
        for row in opinions:
            row[0] = assignment_ids[row[0]]
        reply_ids = self.writer.reserve(Reply, len(replies)) if replies else []
        for row, pk in zip(replies, reply_ids, strict=True):
            row[0] = pk
        for row in ratings:
            row[1] = reply_ids[row[1]]
        return {
            Suggestion: [tuple(row) for row in suggestions],
            Proposer: proposers,
            Assignment: [tuple(row) for row in assignments],
            CoHandlerOpinion: [tuple(row) for row in opinions],
            ContactRecord: contacts,
            ProgressUpdate: progress,
            Reply: [tuple(row) for row in replies],
            Rating: [tuple(row) for row in ratings],
            Event: events,
        }

    def _store(self, rows: dict[type[Model], list[tuple]]) -> None:
        with transaction.atomic():
            for model, batch in rows.items():
                self.writer.write(model, batch)
