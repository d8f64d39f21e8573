"""The demo (`make run`'s setup_demo): the 2023 suggestions driven through the real workflow at 2023
dates, so every screen shows a realistic spring of handling; new actions still use today."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from departments.models import Department
from notifications.models import Kind, Notification
from suggestions import calendar, demo_story, workflow
from suggestions.models import (
    Event,
    EventKind,
    ExtensionRequest,
    Publication,
    Rating,
    Reply,
    RequestStatus,
    Status,
    Suggestion,
)
from suggestions.queries import stats
from suggestions.workflow import invariants


@pytest.fixture(scope="module")
def demo(module_db, django_db_blocker):
    from django.test import override_settings

    with module_db(), override_settings(DEBUG=True):
        call_command("setup_demo", verbosity=0)
        yield


pytestmark = pytest.mark.django_db


def number(n: int) -> Suggestion:
    return Suggestion.objects.get(session__term=17, session__meeting=2, number=n)


def test_the_story_leaves_each_state_as_a_real_spring_would(demo):
    assert Counter(Suggestion.objects.values_list("status", flat=True)) == {
        Status.CLOSED: 18,
        Status.IN_PROGRESS: 4,  # 5 (extended), 12 (extension asked), 21 and 23 (late)
        Status.REGISTERED: 3,  # 28–30 wait for 交办 today
        Status.REPLIED: 2,  # 20 and 22 wait for the delegates' rating
        Status.ASSIGNED: 2,  # 24 and 25, assigned in May
        Status.REVIEW: 1,  # 15: 不满意, staff to decide
    }
    assert invariants.violations() == []


def test_every_step_happened_in_2023_through_the_workflow(demo):
    span = Event.objects.exclude(kind=EventKind.REGISTER).aggregate(first=Min("at"), last=Max("at"))
    assert timezone.localdate(span["first"]) >= demo_story.MEETING - dt.timedelta(days=1)
    assert timezone.localdate(span["last"]) <= dt.date(2023, 6, 30)
    kinds = Counter(Event.objects.values_list("kind", flat=True))
    assert kinds[EventKind.ASSIGN] == 27 and kinds[EventKind.REPLY] == 22 and kinds[EventKind.REHANDLE] == 1
    assert number(1).due_date == dt.date(2023, 5, 8)  # three months after the 交办会


def test_one_unsatisfied_reply_went_round_again_and_one_waits(demo):
    s14 = number(14)
    assert (s14.status, s14.round) == (Status.CLOSED, 2)
    assert list(Rating.objects.filter(suggestion=s14, is_lead=True).values_list("round", "result")) == [
        (1, "unsatisfied"),
        (2, "basically"),
    ]
    assert number(15).status == Status.REVIEW
    assert Notification.objects.filter(kind=Kind.UNSATISFIED).exists()


def test_extensions_reassignments_and_publications(demo):
    assert Counter(ExtensionRequest.objects.values_list("status", flat=True)) == {
        RequestStatus.APPROVED: 1,
        RequestStatus.REJECTED: 1,
        RequestStatus.PENDING: 1,
    }
    assert number(5).due_date == dt.date(2023, 6, 30)
    assert number(27).assignments.active().get(round=1, role="lead").department.name == "太仓市公安局"
    assert number(25).assignments.filter(status="reassign_requested").exists()
    published = Counter(Reply.objects.values_list("publication", flat=True))
    assert published[Publication.FULL] + published[Publication.TITLE_ONLY] == 10
    assert published[Publication.UNPUBLISHED] == 12


def test_the_statistics_show_late_replies_but_not_everything_late(demo):
    overview = stats.overview(Suggestion.objects.all())
    assert overview["replied"] == 21  # suggestions with a reply (14 counted once)
    assert 0 < overview["on_time_rate"] < 1


def test_every_department_and_lead_delegate_of_the_story_can_log_in(demo):
    involved = {lead for lead, _co in demo_story.ROUTES.values()} | {
        c for _lead, co in demo_story.ROUTES.values() for c in co
    }
    with_accounts = set(Department.objects.filter(members__isnull=False).values_list("name", flat=True))
    assert involved <= with_accounts
    for username in ("staff", "fagai", "zhujian", "zhengbinghua", "dashboard"):
        assert authenticate(username=username, password="taicang-2023") is not None
    leads = set(number(n).proposers.get(position=1).delegate.name for n in range(1, 31))
    assert leads <= set(demo_story.DELEGATES.values())


def test_new_actions_use_today(demo):
    staff = authenticate(username="staff", password="taicang-2023")
    # 17:30 UTC is 01:30 the next day in Taicang: the event's local day, not its UTC day, is "today"
    evening_utc = dt.datetime.combine(dt.date.today(), dt.time(17, 30), tzinfo=dt.UTC)
    with time_machine.travel(evening_utc, tick=False):
        s = workflow.assign(
            suggestion=number(28), lead=Department.objects.get(name="太仓市应急管理局"), by=staff
        )
        assert s.due_date == calendar.reply_due(calendar.today())
        event = Event.objects.filter(suggestion=s, kind=EventKind.ASSIGN).get()
        assert timezone.localdate(event.at) == calendar.today()
        assert event.at.date() != calendar.today()  # its UTC day is the day before


def test_playing_again_changes_nothing(demo):
    from django.test import override_settings

    before = Event.objects.count()
    with override_settings(DEBUG=True):
        call_command("setup_demo", verbosity=0)
    assert Event.objects.count() == before
