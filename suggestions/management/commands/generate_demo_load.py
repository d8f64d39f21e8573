"""Generate realistic load data: N suggestions across several sessions, in every state and round.

Bulk inserts, seeded and repeatable. The rows are written directly (like a fixture), not through
the workflow: this is synthetic data for benchmarks, and the workflow's one-row-at-a-time locking
would make a million events take hours. The rows respect every database constraint.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from delegates.models import Delegate
from departments.catalog import departments as catalog
from departments.models import Department
from suggestions import calendar
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    CongressSession,
    ContactRecord,
    Event,
    EventKind,
    HandlerRole,
    ProgressUpdate,
    Proposer,
    Publication,
    Rating,
    Reply,
    Status,
    Suggestion,
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
THEMES = ["产业发展", "对外合作", "转型升级", "城市建设", "绿色低碳", "民生保障", "社会治理"]
TOPICS = ["老旧小区改造", "公交线路优化", "学校周边交通", "河道整治", "农村污水治理", "社区养老服务", "停车难问题",
          "企业用工", "人才公寓", "菜市场改造", "垃圾分类", "医疗资源下沉", "文化场馆开放", "道路拓宽", "港区物流"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红梅鹏飞建国志宏海燕雪琴晓东春秋松柏"
VERDICTS = ["satisfied"] * 6 + ["basically"] * 3 + ["unsatisfied"]
SESSION_SIZE = 20_000


class Command(BaseCommand):
    help = "Create N synthetic suggestions (1,000 to 1,000,000) with their handling records and ~10 events each."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--suggestions", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, **options) -> None:
        n = options["suggestions"]
        if not 1 <= n <= 1_000_000:
            raise CommandError("--suggestions must be between 1 and 1,000,000")
        rng = random.Random(options["seed"])
        started = time.perf_counter()
        self.departments = self._departments()
        self.delegates = self._delegates(rng, max(300, n // 20))
        sessions = self._sessions(n)
        done = 0
        for session, count in sessions:
            themes = list(session.themes.order_by("ordinal"))
            first = (Suggestion.objects.filter(session=session).order_by("-number").values_list("number", flat=True).first() or 0) + 1
            for start in range(0, count, options["batch"]):
                size = min(options["batch"], count - start)
                self._batch(rng, session, themes, first + start, size)
                done += size
                self.stdout.write(f"\r{done}/{n} suggestions", ending="")
                self.stdout.flush()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"\ncreated {n} suggestions in {elapsed:.1f} s; now {Suggestion.objects.count()} suggestions, "
            f"{Event.objects.count()} events"
        )

    def _departments(self) -> list[Department]:
        for row in catalog():
            Department.objects.get_or_create(name=row["name"], defaults=row)
        return list(Department.objects.all())

    def _delegates(self, rng: random.Random, count: int) -> list[Delegate]:
        existing = set(Delegate.objects.values_list("name", flat=True))
        new = []
        i = 0
        while len(existing) < count:
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)] + GIVEN[(i // (len(SURNAMES) * len(GIVEN))) % len(GIVEN)]
            if i >= len(SURNAMES) * len(GIVEN):
                name += str(i // (len(SURNAMES) * len(GIVEN) * len(GIVEN)))  # pragma: no cover - only past 100k names
            i += 1
            if name not in existing:
                existing.add(name)
                new.append(Delegate(name=name[:32], phone=f"139{rng.randrange(10**8):08d}"))
        Delegate.objects.bulk_create(new, batch_size=2000)
        return list(Delegate.objects.all())

    def _sessions(self, n: int) -> list[tuple[CongressSession, int]]:
        result = []
        count = max(3, -(-n // SESSION_SIZE))
        per = [n // count + (1 if i < n % count else 0) for i in range(count)]
        for i, size in enumerate(per):
            term, meeting = 10 + i // 5, i % 5 + 1
            start = dt.date(2010 + i % 14, 1, 10)
            session, _ = CongressSession.objects.get_or_create(
                term=term, meeting=meeting,
                defaults=dict(name=f"模拟第{term}届人大{meeting}次会议", start_date=start, end_date=start + dt.timedelta(days=3)),
            )
            for ordinal, title in enumerate(THEMES, start=1):
                Theme.objects.get_or_create(session=session, ordinal=ordinal, defaults={"title": f"关于{title}方面"})
            result.append((session, size))
        return result

    @transaction.atomic
    def _batch(self, rng: random.Random, session: CongressSession, themes: list[Theme], first: int, size: int) -> None:
        states = [s for s, _ in STATES]
        weights = [w for _, w in STATES]
        tz = timezone.get_current_timezone()
        positions = {t.pk: (Suggestion.objects.filter(theme=t).order_by("-position").values_list("position", flat=True).first() or 0) for t in themes}
        plans = []
        suggestions = []
        for i in range(size):
            theme = rng.choice(themes)
            positions[theme.pk] += 1
            status = rng.choices(states, weights)[0]
            rounds = 1 if status in (Status.REGISTERED, Status.NOT_ACCEPTED) else rng.choices([1, 2, 3], [88, 10, 2])[0]
            assigned_on = session.end_date + dt.timedelta(days=rng.randrange(20, 60))
            topic = rng.choice(TOPICS)
            suggestions.append(
                Suggestion(
                    session=session, theme=theme, number=first + i, position=positions[theme.pk],
                    title=f"关于{topic}的建议",
                    text=f"建议进一步加强{topic}工作，{rng.choice(TOPICS)}和{rng.choice(TOPICS)}统筹推进，切实回应群众关切。",
                    status=status, round=rounds, key_supervision=rng.random() < 0.05,
                    due_date=None if status in (Status.REGISTERED, Status.NOT_ACCEPTED) else calendar.add_months(assigned_on, 3 * rounds),
                    created_at=dt.datetime.combine(session.end_date, dt.time(18), tz),
                )
            )
            plans.append((status, rounds, assigned_on))
        Suggestion.objects.bulk_create(suggestions, batch_size=size)
        if suggestions[0].pk is None:  # backends that do not return ids
            ids = dict(Suggestion.objects.filter(session=session, number__gte=first, number__lt=first + size).values_list("number", "pk"))
            for s in suggestions:
                s.pk = ids[s.number]
        rows: dict[type, list] = {m: [] for m in (Proposer, Assignment, ContactRecord, ProgressUpdate, Reply, Event)}
        ratings: list[tuple[int, Rating]] = []
        for s, (status, rounds, assigned_on) in zip(suggestions, plans, strict=True):
            proposers = rng.sample(self.delegates, rng.choices([1, 2, 3, 4], [30, 40, 20, 10])[0])
            rows[Proposer] += [Proposer(suggestion=s, delegate=d, position=i) for i, d in enumerate(proposers, 1)]
            at = dt.datetime.combine(session.end_date, dt.time(18), tz)
            events = rows[Event]
            events.append(Event(suggestion=s, kind=EventKind.REGISTER, at=at, round=1, from_status=Status.REGISTERED, to_status=Status.REGISTERED, actor_name="系统导入"))
            if status in (Status.REGISTERED, Status.NOT_ACCEPTED):
                if status == Status.NOT_ACCEPTED:
                    events.append(Event(suggestion=s, kind=EventKind.NOT_ACCEPT, at=at + dt.timedelta(days=10), round=1, from_status=Status.REGISTERED, to_status=status, note="不属于建议范围"))
                continue
            lead, *co = rng.sample(self.departments, rng.choices([1, 2, 3], [50, 35, 15])[0])
            for r in range(1, rounds + 1):
                on = assigned_on if r == 1 else calendar.add_months(assigned_on, 3 * (r - 1))
                due = calendar.add_months(on, 3)
                final_round = r == rounds
                acknowledged = not (final_round and status == Status.ASSIGNED)
                day = dt.datetime.combine(on, dt.time(9), tz)
                for dept, role in [(lead, HandlerRole.LEAD), *[(c, HandlerRole.CO) for c in co]]:
                    rows[Assignment].append(Assignment(
                        suggestion=s, department=dept, role=role, round=r, assigned_on=on, due_date=due if role == HandlerRole.LEAD else calendar.add_months(on, 1),
                        acknowledge_due=on + dt.timedelta(days=9), acknowledged_on=on + dt.timedelta(days=2) if acknowledged else None,
                        status=AssignmentStatus.ACKNOWLEDGED if acknowledged else AssignmentStatus.PENDING,
                    ))
                events.append(Event(suggestion=s, kind=EventKind.ASSIGN if r == 1 else EventKind.REHANDLE, at=day, round=r,
                                    from_status=Status.REGISTERED if r == 1 else Status.REVIEW, to_status=Status.ASSIGNED if r == 1 else Status.IN_PROGRESS, department=lead))
                if status == Status.WITHDRAWN and final_round:
                    events.append(Event(suggestion=s, kind=EventKind.WITHDRAW, at=day + dt.timedelta(days=5), round=r, from_status=Status.ASSIGNED, to_status=status))
                    break
                if not acknowledged:
                    break
                events.append(Event(suggestion=s, kind=EventKind.ACKNOWLEDGE, at=day + dt.timedelta(days=2), round=r, from_status=Status.ASSIGNED, to_status=Status.IN_PROGRESS, department=lead))
                for c in co:
                    events.append(Event(suggestion=s, kind=EventKind.ACKNOWLEDGE, at=day + dt.timedelta(days=3), round=r, from_status=Status.IN_PROGRESS, to_status=Status.IN_PROGRESS, department=c))
                    events.append(Event(suggestion=s, kind=EventKind.CO_OPINION, at=day + dt.timedelta(days=25), round=r, from_status=Status.IN_PROGRESS, to_status=Status.IN_PROGRESS, department=c))
                for k in range(rng.choice([1, 1, 2])):
                    method = rng.choice(["meet", "visit", "forum", "phone", "written"])
                    rows[ContactRecord].append(ContactRecord(suggestion=s, department=lead, round=r, method=method, contacted_on=on + dt.timedelta(days=10 + k), notes="与代表沟通办理思路"))
                    events.append(Event(suggestion=s, kind=EventKind.CONTACT, at=day + dt.timedelta(days=10 + k), round=r, from_status=Status.IN_PROGRESS, to_status=Status.IN_PROGRESS, department=lead))
                for k in range(3):
                    rows[ProgressUpdate].append(ProgressUpdate(suggestion=s, department=lead, round=r, text="已完成调研，正在制定方案。", reported_on=on + dt.timedelta(days=20 + k * 10)))
                    events.append(Event(suggestion=s, kind=EventKind.PROGRESS, at=day + dt.timedelta(days=20 + k * 10), round=r, from_status=Status.IN_PROGRESS, to_status=Status.IN_PROGRESS, department=lead))
                replied = not final_round or status in (Status.REPLIED, Status.REVIEW, Status.CLOSED)
                if not replied:
                    break
                replied_on = on + dt.timedelta(days=rng.randrange(30, 110))
                published = final_round and status == Status.CLOSED and rng.random() < 0.7
                reply = Reply(
                    suggestion=s, department=lead, round=r, category=rng.choices("ABCD", [45, 35, 15, 5])[0],
                    doc_number=f"太政函〔{on.year}〕{s.number % 1000 + r}号", signer="张主任", contact_person="李科长",
                    contact_phone="0512-53500000", text=f"关于{s.title}的答复：经研究，已采取以下措施……",
                    replied_on=replied_on, due_date=due,
                    publication=Publication.FULL if published else Publication.UNPUBLISHED,
                    published_at=dt.datetime.combine(replied_on + dt.timedelta(days=20), dt.time(10), tz) if published else None,
                )
                rows[Reply].append(reply)
                rat = dt.datetime.combine(replied_on, dt.time(15), tz)
                events.append(Event(suggestion=s, kind=EventKind.REPLY, at=rat, round=r, from_status=Status.IN_PROGRESS, to_status=Status.REPLIED, department=lead))
                if final_round and status == Status.REPLIED:
                    break
                unsatisfied = not final_round or status == Status.REVIEW
                result = "unsatisfied" if unsatisfied else rng.choice(VERDICTS[:-1])
                ratings.append((len(rows[Reply]) - 1, Rating(suggestion=s, round=r, delegate=proposers[0], is_lead=True, attitude=rng.choice(VERDICTS[:-1]), result=result,
                                                               comment="问题尚未解决" if unsatisfied else "", rated_at=rat + dt.timedelta(days=7))))
                events.append(Event(suggestion=s, kind=EventKind.RATE, at=rat + dt.timedelta(days=7), round=r, from_status=Status.REPLIED,
                                    to_status=Status.REVIEW if unsatisfied else Status.CLOSED))
                if published:
                    events.append(Event(suggestion=s, kind=EventKind.PUBLISH, at=rat + dt.timedelta(days=20), round=r, from_status=Status.CLOSED, to_status=Status.CLOSED, department=lead))
        for model in (Proposer, Assignment, ContactRecord, ProgressUpdate, Reply):
            model.objects.bulk_create(rows[model], batch_size=2000)
        replies = rows[Reply]
        if replies and replies[0].pk is None:
            ids = {(sid, rnd): pk for pk, sid, rnd in Reply.objects.filter(suggestion__in=suggestions).values_list("pk", "suggestion_id", "round")}
            for reply in replies:
                reply.pk = ids[(reply.suggestion_id, reply.round)]
        for index, rating in ratings:
            rating.reply = replies[index]
        Rating.objects.bulk_create([r for _, r in ratings], batch_size=2000)
        Event.objects.bulk_create(rows[Event], batch_size=5000)
