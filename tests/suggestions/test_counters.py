"""The statistics counters (suggestions/queries/counters.py) are kept by the workflow, and every statistic
read from them equals the same statistic computed from the facts (``measures.reference_*``, re-exported by ``stats``), for every
audience, after random sequences of workflow steps: rehandling, reassignment, withdrawal, not accepted,
corrections, extensions, publications.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from suggestions import workflow
from suggestions.models import (
    Category,
    ContactMethod,
    Publication,
    StatCounter,
    StatDueCounter,
    Status,
    Suggestion,
    Theme,
    Verdict,
)
from suggestions.policy import permissions
from suggestions.policy.groups import ensure_role_groups
from suggestions.policy.scoping import visible
from suggestions.queries import counters, facts, stats
from suggestions.workflow import invariants
from tests import factories

pytestmark = pytest.mark.django_db

NAMES = ("overview", "by_theme", "by_department", "by_round", "by_month")

LIKELY = {
    "registered": ["assign"] * 12 + ["set_key_supervision", "not_accept", "withdraw", "correct_text"],
    "assigned": ["acknowledge"] * 6
    + ["request_reassignment", "approve_reassignment", "approve_reassignment", "set_key_supervision"],
    "in_progress": ["reply"] * 5
    + ["log_contact", "give_co_opinion", "request_extension", "request_extension", "approve_extension"],
    "replied": ["rate", "rate", "rate", "publish", "publish", "close", "log_contact", "correct_text"],
    "review": ["rehandle", "rehandle", "close", "rate"],
    "closed": ["publish", "publish", "unpublish", "rate", "follow_up"],
    "withdrawn": ["correct_text"],
    "not_accepted": ["assign", "correct_text"],
}


class World:
    def __init__(self) -> None:
        ensure_role_groups()
        self.departments = [factories.DepartmentFactory(name=f"太仓市计数测试局{i}") for i in range(4)]
        self.delegates = [factories.DelegateFactory(name=f"计数代表{i}") for i in range(4)]
        self.staff = factories.staff_user(username="c_staff")
        self.users = {
            "staff": self.staff,
            "dashboard": factories.dashboard_user(username="c_dash"),
            "public": AnonymousUser(),
            "handler0": factories.handler_user(self.departments[0], username="c_h0"),
            "handler1": factories.handler_user(self.departments[1], username="c_h1"),
            "delegate0": factories.delegate_user(self.delegates[0], username="c_d0"),
            "delegate3": factories.delegate_user(self.delegates[3], username="c_d3"),
        }
        # a handler of two departments (1 and 3, never co-handlers of one assignment: one user is told once)
        both = factories.handler_user(self.departments[1], username="c_h13")
        self.departments[3].members.add(both)
        self.users["handler13"] = both
        self.users["plain"] = factories.UserFactory(username="c_plain")  # signed in, no role
        self.sessions = [
            factories.SessionFactory(),
            factories.SessionFactory(meeting=3, name="市十七届人大三次会议"),
        ]
        self.themes = {
            s.pk: [factories.ThemeFactory(session=s, ordinal=i + 1) for i in range(3)] for s in self.sessions
        }
        self.ids = []
        for n in range(14):
            session = self.sessions[n % 2]
            proposers = [self.delegates[n % 4], self.delegates[(n + 1) % 4]]
            s = factories.SuggestionFactory(
                session=session, theme=self.themes[session.pk][n % 3], proposers=proposers
            )
            self.ids.append(s.pk)


def _kwargs(name: str, world: World, s: Suggestion, rng: random.Random) -> dict:
    today = timezone.localdate()
    days = rng.randint(-60, 40)
    department = rng.choice([None, None, *world.departments])
    if name == "assign":
        on = today - dt.timedelta(days=100)
        return {
            "on": on,
            "lead": rng.choice(world.departments),
            "co_handlers": rng.sample([world.departments[0], world.departments[2]], rng.randint(0, 2)),
            "due": rng.choice([None, on + dt.timedelta(days=60 + days)]),
            "key_supervision": rng.choice([None, True, False]),
        }
    if name == "set_key_supervision":
        return {"on": rng.random() < 0.5, "note": "督办"}
    if name in ("not_accept", "close", "withdraw"):
        return {"reason": "理由"}
    if name == "acknowledge":
        return {"department": department}
    if name == "request_reassignment":
        return {"reason": "理由", "department": department}
    if name == "approve_reassignment":
        return {"new_department": rng.choice(world.departments), "note": "同意"}
    if name == "unpublish":
        return {"note": "撤回公开"}
    if name == "log_contact":
        return {
            "method": rng.choice(ContactMethod.values),
            "contacted_on": today - dt.timedelta(days=rng.randint(0, 30)),
            "delegates": [],
            "notes": "记录",
            "department": department,
        }
    if name == "give_co_opinion":
        return {"text": "协办意见", "department": department}
    if name == "request_extension":
        return {"requested_due": (s.due_date or today) + dt.timedelta(days=20), "reason": "理由"}
    if name == "approve_extension":
        return {"due": None, "note": "同意"}
    if name == "reply":
        return {
            "category": rng.choice(Category.values),
            "doc_number": "太发改函〔2023〕12号",
            "signer": "张三",
            "contact_person": "李四",
            "contact_phone": "0512-53500000",
            "text": "经研究，答复如下",
            "replied_on": today - dt.timedelta(days=rng.choice([0, 0, 10, 50, 90])),
        }
    if name == "rate":
        return {
            "attitude": rng.choice(Verdict.values),
            "result": rng.choice(Verdict.values),
            "comment": "评价",
            "delegate": None,
        }
    if name == "rehandle":
        return {"note": "重新办理", "lead": rng.choice([None, *world.departments]), "due": None}
    if name == "publish":
        return {"mode": rng.choice(Publication.values)}
    if name == "follow_up":
        return {"text": "跟踪", "fulfilled": rng.random() < 0.5}
    if name == "correct_text":
        themes = world.themes[s.session_id]
        return {"reason": "更正", "theme": rng.choice(themes), "position": 100 + rng.randint(0, 10_000)}
    return {}


def _actor(name: str, world: World, rng: random.Random):
    handlers = [world.users["handler0"], world.users["handler1"], world.users["handler13"]]
    if name in ("acknowledge", "log_contact", "give_co_opinion", "request_extension", "reply", "follow_up"):
        return rng.choice([*handlers, world.staff])
    if name == "request_reassignment":
        return rng.choice([*handlers, world.staff])
    if name in ("rate", "withdraw"):
        return rng.choice([world.users["delegate0"], world.staff])
    return world.staff


def _play(world: World, rng: random.Random, steps: int) -> set[str]:
    done = set()
    for _ in range(steps):
        s = Suggestion.objects.get(pk=rng.choice(world.ids))
        name = rng.choice(LIKELY[s.status])
        user = _actor(name, world, rng)
        permissions.forget_roles(user)
        kwargs = _kwargs(name, world, s, rng)
        if name == "reply":
            factories.co_opinions(s)
            s.refresh_from_db()
        try:
            getattr(workflow, name)(suggestion=s, by=user, **kwargs)
        except (ValidationError, PermissionDenied):
            continue
        done.add(name)
    return done


def _rehandled(world: World) -> None:
    s = factories.SuggestionFactory(
        session=world.sessions[0], theme=world.themes[world.sessions[0].pk][0], proposers=world.delegates[:2]
    )
    world.ids.append(s.pk)
    today = timezone.localdate()
    workflow.assign(suggestion=s, lead=world.departments[1], on=today - dt.timedelta(days=90), by=world.staff)
    workflow.acknowledge(suggestion=s, by=world.users["handler1"])
    factories.reply(s, world.users["handler1"], category="C", replied_on=today - dt.timedelta(days=5))
    workflow.publish(suggestion=s, mode=Publication.FULL, by=world.staff)
    workflow.rate(
        suggestion=s, attitude="satisfied", result="unsatisfied", comment="没有解决", by=world.staff
    )
    workflow.rehandle(suggestion=s, note="重新办理", by=world.staff)


def _querysets(world: World, user):
    session = world.sessions[0]
    theme = world.themes[session.pk][1]
    yield "all", visible(Suggestion, user)
    yield "session", visible(Suggestion, user).filter(session=session)
    yield "theme", visible(Suggestion, user).filter(session=session, theme=theme)
    yield "status", visible(Suggestion, user).filter(status__in=[Status.REPLIED, Status.CLOSED])
    yield "one status", visible(Suggestion, user).filter(session=world.sessions[1], status=Status.IN_PROGRESS)


def _compare(world: World) -> None:
    today = timezone.localdate()
    for who, user in world.users.items():
        permissions.forget_roles(user)
        for label, qs in _querysets(world, user):
            assert stats._cell_plan(qs) is not None, label  # these are read from the counters
            days = (today, today - dt.timedelta(days=30), today + dt.timedelta(days=30))
            for day in days if label == "all" else days[:1]:
                for name in NAMES:
                    counted = getattr(stats, name).__wrapped__(qs, day)
                    reference = getattr(stats, f"reference_{name}")(qs, day)
                    assert counted == reference, (who, label, day, name)


def test_every_statistic_from_the_counters_equals_the_facts_after_random_steps():
    world = World()
    rng = random.Random(20230208)
    done = set()
    for rounds in range(3):
        done |= _play(world, rng, 110)
        if rounds == 0:  # one suggestion surely through 不满意 and 重新办理, then on at random
            _rehandled(world)
        assert counters.differences() == []
        _compare(world)
    # the runs went through the steps that matter for the counters
    assert {
        "assign",
        "reply",
        "rate",
        "rehandle",
        "approve_reassignment",
        "withdraw",
        "not_accept",
        "correct_text",
        "publish",
        "unpublish",
    } <= done, done
    assert [str(v) for v in invariants.violations()] == []
    # a rebuild from the facts gives the cells the workflow kept
    before = counters.stored()
    assert counters.rebuild_counters() > 0
    assert counters.stored() == before


def test_a_filter_the_cells_cannot_express_is_computed_from_the_facts(db):
    world = World()
    _play(world, random.Random(7), 60)
    staff = world.users["staff"]
    qs = visible(Suggestion, staff).filter(title__contains="测试")
    assert stats._cell_plan(qs) is None
    cache.clear()
    assert stats.overview(qs) == stats.reference_overview(qs)
    assert stats._cell_plan(visible(Suggestion, staff).filter(key_supervision=True)) is None
    assert stats._cell_plan(visible(Suggestion, staff).exclude(session=world.sessions[0])) is None


def test_the_cells_of_a_step_are_its_changes(db):
    world = World()
    s = Suggestion.objects.get(pk=world.ids[0])
    cells = StatCounter.objects.filter(grain="S", view="F", session_id=s.session_id, theme_id=s.theme_id)
    registered = Suggestion.objects.filter(theme=s.theme, status=Status.REGISTERED).count()
    assert sum(c.n for c in cells.filter(status=Status.REGISTERED)) == registered == 3
    workflow.assign(suggestion=s, lead=world.departments[0], by=world.staff)
    assert sum(c.n for c in cells.filter(status=Status.REGISTERED)) == registered - 1
    assert sum(c.n for c in cells.filter(status=Status.ASSIGNED)) == 1
    lead = StatCounter.objects.filter(
        grain="L", view="F", dim=world.departments[0].pk, status=Status.ASSIGNED
    )
    # the lead department's cell of the suggestion's theme, and its cell of every theme (theme 0)
    assert [(c.theme_id, c.n) for c in lead.order_by("theme_id")] == [(0, 1), (s.theme_id, 1)]
    # a new theme moves the suggestion's counts with it; the every-theme cell stays as it was
    other = Theme.objects.filter(session=s.session).exclude(pk=s.theme_id).first()
    there = Suggestion.objects.filter(theme=other).count()
    workflow.correct_text(suggestion=s, theme=other, position=500, reason="更正", by=world.staff)
    assert sum(c.n for c in cells.filter(status=Status.ASSIGNED)) == 0
    assert sum(c.n for c in StatCounter.objects.filter(grain="S", view="F", theme_id=other.pk)) == there + 1
    assert {c.theme_id: c.n for c in lead.exclude(n=0)} == {0: 1, other.pk: 1}
    assert counters.differences() == []


def test_by_department_reads_the_every_theme_cells_unless_a_theme_is_chosen(db):
    world = World()
    staff = world.staff
    for i, pk in enumerate(world.ids[:4]):
        workflow.assign(suggestion=Suggestion.objects.get(pk=pk), lead=world.departments[i % 2], by=staff)
    everything = visible(Suggestion, staff)
    one_theme = everything.filter(theme_id=Suggestion.objects.get(pk=world.ids[0]).theme_id)
    for qs in (everything, one_theme, everything.filter(status=Status.ASSIGNED)):
        cache.clear()
        assert stats.by_department(qs) == stats.reference_by_department(qs)
    # the every-theme cells alone answer the unfiltered statistic: break them and it shows
    StatCounter.objects.filter(grain="L", theme_id=counters.ALL_THEMES).update(n=F("n") + 10)
    cache.clear()
    assert stats.by_department(everything) != stats.reference_by_department(everything)
    cache.clear()
    assert stats.by_department(one_theme) == stats.reference_by_department(one_theme)


def test_stale_counters_are_reported_by_the_invariants_and_mended_by_a_rebuild(db):
    world = World()
    workflow.assign(
        suggestion=Suggestion.objects.get(pk=world.ids[0]), lead=world.departments[0], by=world.staff
    )
    cell = StatCounter.objects.filter(grain="S", view="F", status=Status.ASSIGNED).get()
    StatCounter.objects.filter(pk=cell.pk).update(replied=1)
    found = [v for v in invariants.violations() if v.rule == "statistics counters"]
    assert found and "stored" in found[0].detail
    with pytest.raises(Exception, match="violation"):
        call_command("check_invariants")
    counters.rebuild_counters()
    assert counters.differences() == []
    call_command("check_invariants")


def test_a_refresh_of_many_rebuilds_the_counters(db):
    world = World()
    StatCounter.objects.all().delete()
    facts.refresh(world.ids)  # a handful: their contribution subtracted and added back, none rebuilt
    assert counters.differences() != []
    assert facts.refresh() == len(world.ids)
    assert counters.differences() == []


def test_a_statistic_right_after_a_write_reads_one_query(db, django_assert_num_queries):
    world = World()
    _play(world, random.Random(3), 40)
    s = Suggestion.objects.get(pk=world.ids[1])
    workflow.set_key_supervision(suggestion=s, on=not s.key_supervision, note="督办", by=world.staff)
    today = timezone.localdate()
    for who in ("staff", "public", "handler0"):
        user = world.users[who]
        permissions.forget_roles(user)
        qs = visible(Suggestion, user).filter(session=world.sessions[0])
        permissions.roles(user)  # the request's user arrives with its roles
        for name in NAMES:
            with django_assert_num_queries(1):  # the cells; no join over the suggestions
                getattr(stats, name).__wrapped__(qs, today)


def test_only_waiting_suggestions_have_a_due_cell_and_prune_drops_the_cells_left_at_zero(db):
    world = World()
    s = Suggestion.objects.get(pk=world.ids[0])
    on = timezone.localdate() - dt.timedelta(days=100)
    workflow.assign(suggestion=s, lead=world.departments[0], on=on, by=world.staff)
    s.refresh_from_db()
    waiting = StatDueCounter.objects.filter(grain="S", view="F", status=Status.ASSIGNED)
    assert [(c.due, c.n, c.unreplied) for c in waiting] == [(s.due_date, 1, 1)]
    # overdue from the day after its due date, with no write in between
    later = s.due_date + dt.timedelta(days=1)
    qs = visible(Suggestion, world.users["staff"])
    assert stats.overview.__wrapped__(qs, s.due_date)["overdue_now"] == 0
    assert stats.overview.__wrapped__(qs, later)["overdue_now"] == 1
    assert stats.overview.__wrapped__(qs, later) == stats.reference_overview(qs, later)
    # replied and closed: nothing waits any more; its due cells are at 0 until the hourly pass prunes them
    workflow.acknowledge(suggestion=s, by=world.users["handler0"])
    factories.reply(s, world.users["handler0"], category="A")
    workflow.close(suggestion=Suggestion.objects.get(pk=s.pk), reason="办结", by=world.staff)
    assert StatDueCounter.objects.filter(n__gt=0, grain="S", view="F", theme_id=s.theme_id).count() == 0
    assert StatDueCounter.objects.filter(n=0, unreplied=0).exists()
    assert counters.prune() > 0
    assert not StatDueCounter.objects.filter(n=0, unreplied=0).exists()
    assert counters.differences() == []
    assert stats.overview.__wrapped__(qs, later) == stats.reference_overview(qs, later)


def test_the_due_cells_of_past_days_fold_into_one_per_key_and_every_statistic_stays(db):
    world = World()
    today = timezone.localdate()
    registered = [s for s in Suggestion.objects.filter(pk__in=world.ids) if s.status == Status.REGISTERED]
    for k, s in enumerate(registered[:6]):
        on = today - dt.timedelta(days=200 + 9 * k)
        workflow.assign(suggestion=s, lead=world.departments[k % 2], on=on, by=world.staff)
    viewers = {who: visible(Suggestion, world.users[who]) for who in ("staff", "public", "handler0")}

    def figures():
        return {
            (who, name): getattr(stats, name).__wrapped__(qs, today)
            for who, qs in viewers.items()
            for name in NAMES
        }

    before = figures()
    past = StatDueCounter.objects.filter(due__lt=today).exclude(due=counters.FOLDED)
    assert past.values("due").distinct().count() > 1  # a cell per key and past day
    day_cells = past.count()
    assert counters.fold() == day_cells
    assert not past.exists()
    assert StatDueCounter.objects.filter(due=counters.FOLDED).count() < day_cells
    assert figures() == before
    assert counters.differences() == []
    assert counters.fold() == 0  # nothing left to fold
    # a step on a folded suggestion subtracts from its day's cell, which goes below 0 until the next fold
    s = Suggestion.objects.get(pk=registered[0].pk)
    workflow.acknowledge(suggestion=s, by=world.users["handler0"])
    factories.reply(s, world.users["handler0"], category="A")
    assert StatDueCounter.objects.filter(view="F", due=s.due_date, n__lt=0).exists()
    for who, qs in viewers.items():
        for name in NAMES:
            reference = getattr(stats, f"reference_{name}")(qs, today)
            assert getattr(stats, name).__wrapped__(qs, today) == reference, (who, name)
    assert counters.differences() == []
    assert counters.fold() > 0
    assert not past.exists()
    assert not StatDueCounter.objects.filter(view="F", n__lt=0).exists()  # (D cells are F − P: may be < 0)
    assert counters.differences() == []
