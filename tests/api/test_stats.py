"""The statistics on a hand-built data set whose every number is worked out in the comments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Status, Suggestion
from suggestions.queries import stats
from tests import factories

D = dt.date
ASSIGNED_ON = D(2023, 2, 1)
DUE = D(2023, 4, 28)


def _assign(s, staff, lead, co=(), **kwargs):
    return workflow.assign(
        suggestion=s, lead=lead, co_handlers=list(co), due=DUE, on=ASSIGNED_ON, by=staff, **kwargs
    )


def _reply(s, staff, category, on):
    return factories.reply(s, staff, category=category, replied_on=on)


def _rate(s, staff, result, delegate=None):
    comment = "没有解决" if result == "unsatisfied" else ""
    return workflow.rate(
        suggestion=s, attitude="satisfied", result=result, comment=comment, delegate=delegate, by=staff
    )


@pytest.fixture(scope="module")
def world_data(module_db):
    with module_db():
        from suggestions.policy.groups import ensure_role_groups

        ensure_role_groups()
        return build_world(factories.staff_user(username="stats_staff"))


@pytest.fixture
def world(db, world_data):
    return world_data


def build_world(staff):
    """Eight suggestions in two themes, three departments.

    theme 1: S1 A on time, met, lead satisfied, a co-proposer unsatisfied (not counted), closed
             S2 B late, phone only, lead unsatisfied -> re-handled -> round 2 C, lead basically satisfied, closed
             S6 registered; S7 not accepted
    theme 2: S3 key supervision, extension granted, visited, D on the extended date, not rated
             S4 assigned, never acknowledged, overdue
             S5 reassigned from D1 to D3 (due restarts today: not overdue)
             S8 withdrawn after assignment
    """
    d1 = factories.DepartmentFactory(name="太仓市一局")
    d2 = factories.DepartmentFactory(name="太仓市二局")
    d3 = factories.DepartmentFactory(name="太仓市三局")
    h1 = factories.handler_user(d1, username="h1")
    h2 = factories.handler_user(d2, username="h2")
    t1 = factories.ThemeFactory(ordinal=1)
    t2 = factories.ThemeFactory(ordinal=2, title="第二主题")
    s = {
        n: factories.SuggestionFactory(theme=t1 if n in (1, 2, 6, 7) else t2, number=n, position=n)
        for n in range(1, 9)
    }

    _assign(s[1], staff, d1, [d2])
    workflow.acknowledge(suggestion=s[1], by=staff)
    workflow.log_contact(suggestion=s[1], method="meet", contacted_on=D(2023, 3, 1), by=staff)
    _reply(s[1], staff, "A", D(2023, 4, 10))
    _rate(s[1], staff, "satisfied")
    _rate(s[1], staff, "unsatisfied", delegate=s[1].co_proposers[0])

    _assign(s[2], staff, d1)
    workflow.acknowledge(suggestion=s[2], by=staff)
    workflow.log_contact(suggestion=s[2], method="phone", contacted_on=D(2023, 3, 1), by=staff)
    _reply(s[2], staff, "B", D(2023, 6, 1))
    _rate(s[2], staff, "unsatisfied")
    workflow.rehandle(suggestion=s[2], note="请重新办理", by=staff)
    _reply(s[2], staff, "C", None)
    _rate(s[2], staff, "basically")

    _assign(s[3], staff, d2, [d1], key_supervision=True)
    workflow.acknowledge(suggestion=s[3], by=h2)
    workflow.request_extension(suggestion=s[3], requested_due=D(2023, 6, 30), reason="需要协调", by=h2)
    workflow.approve_extension(suggestion=s[3], by=staff)
    workflow.log_contact(suggestion=s[3], method="visit", contacted_on=D(2023, 3, 2), by=h2)
    _reply(s[3], staff, "D", D(2023, 5, 20))

    _assign(s[4], staff, d3)

    _assign(s[5], staff, d1)
    workflow.request_reassignment(suggestion=s[5], reason="不属于本单位职责", by=h1)
    workflow.approve_reassignment(suggestion=s[5], new_department=d3, by=staff)

    workflow.not_accept(suggestion=s[7], reason="不属于建议范围", by=staff)
    _assign(s[8], staff, d1)
    workflow.withdraw(suggestion=s[8], reason="代表撤回", by=staff)
    return {"d1": d1, "d2": d2, "d3": d3, "t1": t1, "t2": t2, "s": s}


ZERO = dict.fromkeys(stats.COUNT_FIELDS, 0)


def _counts(row, *names):
    return {k: row[k] for k in (*stats.COUNT_FIELDS, *names)}


def test_overview_counts_and_rates_by_hand(world):
    row = stats.overview(Suggestion.objects.all())
    assert row["total"] == 8 and row["registered"] == 1 and row["not_accepted"] == 1 and row["withdrawn"] == 1
    assert _counts(row) == {
        **ZERO,
        "assigned": 5,  # S1 S2 S3 S4 S5 (S6 registered, S7 not accepted, S8 withdrawn left out)
        "replied": 3,  # S1 S2 S3
        "replied_on_time": 2,  # S1, S3 (on its extended date); S2's first reply was late
        "closed": 2,  # S1 S2
        "face_to_face": 2,  # S1 met, S3 visited; S2 phone only
        "rated": 2,  # lead ratings on S1, S2
        "satisfied": 2,  # S1 satisfied, S2's latest (round 2) basically satisfied
        "first_round_rated": 2,
        "first_round_satisfied": 1,  # S2's first round was unsatisfied
        "category_a": 1,  # S1
        "category_c": 1,  # S2's latest reply
        "category_d": 1,  # S3
        "key_supervision": 1,  # S3
        "extensions_granted": 1,  # S3
        "reassignments": 1,  # S5
        "overdue_now": 1,  # S4
        "reply_due": 4,  # S1 S2 S3 replied, S4 past its due date; S5's due date (restarted) is still ahead
    }
    assert row["reply_rate"] == 0.6
    assert row["on_time_rate"] == 0.5  # 2 on time of the 4 due, not of all 5 assigned
    assert row["close_rate"] == 0.4
    assert row["meeting_rate"] == 0.4
    assert row["satisfaction_rate"] == 1.0
    assert row["first_satisfaction_rate"] == 0.5
    assert row["solved_rate"] == 0.3333
    assert row["solved_or_planned_rate"] == 0.3333


def test_by_theme(world):
    rows = stats.by_theme(Suggestion.objects.all())
    assert [r["theme_id"] for r in rows] == [world["t1"].pk, world["t2"].pk]
    t1, t2 = rows
    assert (t1["total"], t1["registered"], t1["not_accepted"], t1["withdrawn"]) == (4, 1, 1, 0)
    assert _counts(t1) == {
        **ZERO,
        "assigned": 2,
        "replied": 2,
        "replied_on_time": 1,
        "closed": 2,
        "face_to_face": 1,
        "rated": 2,
        "satisfied": 2,
        "first_round_rated": 2,
        "first_round_satisfied": 1,
        "category_a": 1,
        "category_c": 1,
        "reply_due": 2,
    }
    assert (t2["total"], t2["withdrawn"]) == (4, 1)
    assert _counts(t2) == {
        **ZERO,
        "assigned": 3,
        "replied": 1,
        "replied_on_time": 1,
        "face_to_face": 1,
        "category_d": 1,
        "key_supervision": 1,
        "extensions_granted": 1,
        "reassignments": 1,
        "overdue_now": 1,
        "reply_due": 2,  # S3 replied, S4 overdue (S5 not yet due)
    }
    assert t2["reply_rate"] == 0.3333 and t2["satisfaction_rate"] is None


def test_by_department_counts_current_leads_and_co_handling_apart(world):
    rows = {r["department_id"]: r for r in stats.by_department(Suggestion.objects.all())}
    d1, d2, d3 = (rows[world[k].pk] for k in ("d1", "d2", "d3"))
    assert _counts(d1, "co_handled") == {
        **ZERO,
        "assigned": 2,  # S1, S2 (S5 moved to D3, S8 withdrawn)
        "replied": 2,
        "replied_on_time": 1,
        "closed": 2,
        "face_to_face": 1,
        "rated": 2,
        "satisfied": 2,
        "first_round_rated": 2,
        "first_round_satisfied": 1,
        "category_a": 1,
        "category_c": 1,
        "reply_due": 2,
        "co_handled": 1,  # S3
    }
    assert _counts(d2, "co_handled") == {
        **ZERO,
        "assigned": 1,
        "replied": 1,
        "replied_on_time": 1,
        "face_to_face": 1,
        "category_d": 1,
        "key_supervision": 1,
        "extensions_granted": 1,
        "reply_due": 1,
        "co_handled": 1,  # S1
    }
    assert _counts(d3, "co_handled") == {
        **ZERO,
        "assigned": 2,
        "reassignments": 1,
        "overdue_now": 1,
        "reply_due": 1,  # S4
        "co_handled": 0,
    }
    assert d3["reply_rate"] == 0.0 and d3["satisfaction_rate"] is None
    assert d1["department_name"] == "太仓市一局"


def test_by_round_counts_each_round_with_its_own_records(world):
    r1, r2 = stats.by_round(Suggestion.objects.all())
    assert r1["round"] == 1 and r2["round"] == 2
    assert _counts(r1) == {
        **ZERO,
        "assigned": 5,
        "replied": 3,
        "replied_on_time": 2,
        "closed": 1,  # S1; S2 was closed in round 2
        "face_to_face": 2,
        "rated": 2,
        "satisfied": 1,
        "unsatisfied": 1,  # S2's first rating
        "first_round_rated": 2,
        "first_round_satisfied": 1,
        "category_a": 1,
        "category_b": 1,
        "category_d": 1,
        "key_supervision": 1,
        "extensions_granted": 1,
        "reassignments": 1,
        "overdue_now": 1,
        "reply_due": 4,
    }
    assert _counts(r2) == {
        **ZERO,
        "assigned": 1,
        "replied": 1,
        "replied_on_time": 1,
        "closed": 1,
        "rated": 1,
        "satisfied": 1,
        "category_c": 1,
        "reply_due": 1,
    }
    assert r1["satisfaction_rate"] == 0.5 and r2["first_satisfaction_rate"] is None


def test_by_month_groups_by_first_reply(world):
    rows = stats.by_month(Suggestion.objects.all())
    assert [r["month"] for r in rows] == [D(2023, 4, 1), D(2023, 5, 1), D(2023, 6, 1)]
    april, may, june = rows
    assert _counts(april) == {
        **ZERO,
        "assigned": 1,
        "replied": 1,
        "replied_on_time": 1,
        "closed": 1,
        "face_to_face": 1,
        "rated": 1,
        "satisfied": 1,
        "first_round_rated": 1,
        "first_round_satisfied": 1,
        "category_a": 1,
        "reply_due": 1,
    }
    assert may["category_d"] == 1 and may["extensions_granted"] == 1 and may["key_supervision"] == 1
    assert june["replied_on_time"] == 0 and june["first_round_satisfied"] == 0 and june["satisfied"] == 1


def test_statistics_follow_the_given_queryset(world):
    row = stats.overview(Suggestion.objects.filter(theme=world["t1"]))
    assert row["total"] == 4 and row["assigned"] == 2


def test_empty_queryset_gives_zero_counts_and_no_rates(db):
    row = stats.overview(Suggestion.objects.none())
    assert row["assigned"] == 0 and row["reply_rate"] is None
    assert stats.by_theme(Suggestion.objects.none()) == []


def test_statistics_take_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    qs = Suggestion.objects.all()
    # each: the aggregate plus the data version that keys the cache
    with django_assert_max_num_queries(2):
        stats.overview(qs)
    with django_assert_max_num_queries(2):
        stats.by_theme(qs)
    with django_assert_max_num_queries(3):
        stats.by_department(qs)
    with django_assert_max_num_queries(2):
        stats.by_round(qs)
    with django_assert_max_num_queries(2):
        stats.by_month(qs)
    assert Suggestion.objects.get(number=2).status == Status.CLOSED


# -- the same numbers through the API --------------------------------------------------------------------


def test_api_overview_matches_the_hand_count(api, world, dashboard):
    data = api(dashboard).get("/api/v1/stats/overview/").json()
    assert data["assigned"] == 5 and data["reply_rate"] == 0.6 and data["first_satisfaction_rate"] == 0.5
    assert data["total"] == 8 and data["overdue_now"] == 1


def test_api_statistics_take_the_suggestion_filters(api, world, staff):
    data = api(staff).get("/api/v1/stats/overview/", {"theme": world["t1"].pk}).json()
    assert data["total"] == 4 and data["assigned"] == 2 and data["closed"] == 2
    rows = api(staff).get("/api/v1/stats/by-theme/", {"key_supervision": "true"}).json()
    assert [(r["theme_id"], r["assigned"]) for r in rows] == [(world["t2"].pk, 1)]


def test_api_grouped_statistics(api, world, staff):
    client = api(staff)
    months = client.get("/api/v1/stats/by-month/").json()
    assert [m["month"] for m in months] == ["2023-04-01", "2023-05-01", "2023-06-01"]
    rounds = client.get("/api/v1/stats/by-round/").json()
    assert [(r["round"], r["assigned"]) for r in rounds] == [(1, 5), (2, 1)]
    departments = {r["department_name"]: r for r in client.get("/api/v1/stats/by-department/").json()}
    assert departments["太仓市二局"]["co_handled"] == 1 and departments["太仓市三局"]["overdue_now"] == 1


def test_api_statistics_reject_bad_filters(api, world):
    response = api().get("/api/v1/stats/by-theme/", {"theme": "x"})
    assert response.status_code == 400 and "theme" in response.json()["error"]["fields"]


def test_every_statistic_has_a_schema_definition():
    from suggestions.api import serializers

    # Every figure has its definition in one place (stats.DEFINITIONS), which the API documents.
    assert set(stats.DEFINITIONS) == {*stats.COUNT_FIELDS, *stats.RATE_FIELDS, *stats.TOTAL_FIELDS}
    assert set(serializers.RATE_HELP) == set(stats.RATE_FIELDS)
    assert set(serializers.TOTAL_HELP) == set(stats.TOTAL_FIELDS)
    # reply_due (应答复, the denominator of 按期答复率) is new; the serializer may not list it yet.
    assert set(serializers.COUNT_HELP) <= set(stats.COUNT_FIELDS)


def test_statistics_are_cached_until_the_next_workflow_step(
    replied, lead_delegate_user, django_assert_max_num_queries
):
    """A second read is served from the cache (one version query); a workflow step makes it recompute."""
    from suggestions import workflow
    from suggestions.models import Suggestion
    from suggestions.queries import stats

    first = stats.overview(Suggestion.objects.all())
    with django_assert_max_num_queries(1):
        assert stats.overview(Suggestion.objects.all()) == first
    workflow.rate(suggestion=replied, attitude="satisfied", result="satisfied", by=lead_delegate_user)
    after = stats.overview(Suggestion.objects.all())
    assert after["closed"] == first["closed"] + 1 and after["rated"] == first["rated"] + 1


# -- whose numbers: each viewer counts only what it may read (issue 16.6) --------------------------------

FIGURES = ("replied", "category_b", "rated", "unsatisfied", "replied_on_time", "face_to_face")


def _figures(client, path, number):
    data = client.get(path, {"q": str(number)}).json()
    rows = data if isinstance(data, list) else [data]
    return {key: sum(row[key] for row in rows) for key in FIGURES}


@pytest.fixture
def rated_unsatisfied(replied, lead_delegate_user, lead_handler):
    """`replied` (reply B, unpublished, with a 面商 contact), rated 不满意 by its lead delegate."""
    workflow.log_contact(suggestion=replied, method="meet", notes="面商", by=lead_handler)
    workflow.rate(
        suggestion=replied,
        attitude="satisfied",
        result="unsatisfied",
        comment="没有解决",
        by=lead_delegate_user,
    )
    replied.refresh_from_db()
    return replied


@pytest.mark.parametrize("path", ["/api/v1/stats/overview/", "/api/v1/stats/by-department/"])
def test_the_public_statistics_count_only_published_replies_and_their_ratings(
    api, path, rated_unsatisfied, staff, other_handler, lead_handler, co_proposer_user
):
    s = rated_unsatisfied
    none = dict.fromkeys(FIGURES, 0)
    everything = {**none, "replied": 1, "category_b": 1, "rated": 1, "unsatisfied": 1, "face_to_face": 1}
    everything["replied_on_time"] = 1
    # The list hides the unpublished reply; the statistics narrowed to the suggestion say no more.
    assert api().get("/api/v1/replies/", {"suggestion": s.pk}).json()["count"] == 0
    assert _figures(api(), path, s.number) == none
    assert _figures(api(other_handler), path, s.number) == none  # a handler of another department
    for follower in (staff, lead_handler, co_proposer_user):
        assert _figures(api(follower), path, s.number) == everything

    # Published by title: that it was answered, and the rating of it; not its category nor whether on time.
    workflow.publish(suggestion=s, mode="title_only", by=staff)
    title_only = {**none, "replied": 1, "rated": 1, "unsatisfied": 1}
    assert _figures(api(), path, s.number) == title_only
    assert _figures(api(other_handler), path, s.number) == title_only

    workflow.unpublish(suggestion=s, note="撤销", by=staff)
    workflow.publish(suggestion=s, mode="full", by=staff)
    assert _figures(api(), path, s.number) == everything
    assert _figures(api(staff), path, s.number) == everything


def test_the_page_and_the_report_count_by_the_same_rule(rated_unsatisfied, staff, other_handler):
    """The functions themselves: a queryset from visible() remembers its viewer (the dashboard, the home
    page and the report pass one); a queryset nobody scoped (the code's own counts) counts everything."""
    from django.contrib.auth.models import AnonymousUser

    from suggestions.policy.scoping import visible

    public = stats.overview(visible(Suggestion, AnonymousUser()).filter(pk=rated_unsatisfied.pk))
    assert (public["replied"], public["rated"], public["category_b"]) == (0, 0, 0)
    assert public["reply_rate"] == 0.0 and public["satisfaction_rate"] is None
    other = stats.by_round(visible(Suggestion, other_handler).filter(pk=rated_unsatisfied.pk))
    assert [(r["round"], r["replied"], r["unsatisfied"]) for r in other] == [(1, 0, 0)]
    full = stats.overview(visible(Suggestion, staff).filter(pk=rated_unsatisfied.pk))
    assert (full["replied"], full["rated"], full["category_b"]) == (1, 1, 1)
    assert stats.overview(Suggestion.objects.filter(pk=rated_unsatisfied.pk)) == full


def test_viewers_do_not_share_cached_statistics(rated_unsatisfied, staff):
    from django.contrib.auth.models import AnonymousUser

    from suggestions.policy.scoping import visible

    pk = rated_unsatisfied.pk  # (this module's hand-built world lives beside it)
    assert stats.overview(visible(Suggestion, staff).filter(pk=pk))["replied"] == 1
    assert stats.overview(visible(Suggestion, AnonymousUser()).filter(pk=pk))["replied"] == 0  # not cached
    assert stats.overview(visible(Suggestion, staff).filter(pk=pk))["replied"] == 1


def test_viewer_statistics_take_the_same_number_of_queries(
    rated_unsatisfied, lead_handler, django_assert_max_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    from suggestions.policy.scoping import visible

    for user in (AnonymousUser(), lead_handler):
        qs = visible(Suggestion, user)
        with django_assert_max_num_queries(2):
            stats.overview(qs)
        with django_assert_max_num_queries(3):
            stats.by_department(qs)
        with django_assert_max_num_queries(2):
            stats.by_round(qs)


# -- 按期答复率: among the suggestions already due or replied (issue 15.7) --------------------------------


def test_on_time_rate_is_100_percent_when_nothing_is_overdue(db, staff, lead_department):
    today = timezone.localdate()
    on_time, waiting = factories.SuggestionFactory(), factories.SuggestionFactory()
    for s in (on_time, waiting):
        workflow.assign(suggestion=s, lead=lead_department, due=today + dt.timedelta(days=30), by=staff)
    workflow.acknowledge(suggestion=on_time, by=staff)
    factories.reply(on_time, staff, category="A", replied_on=today)

    row = stats.overview(Suggestion.objects.filter(pk__in=[on_time.pk, waiting.pk]))
    assert (row["assigned"], row["replied_on_time"], row["reply_due"], row["overdue_now"]) == (2, 1, 1, 0)
    assert row["on_time_rate"] == 1.0  # the suggestion not yet due is not counted as late
    assert row["reply_rate"] == 0.5


def test_on_time_rate_is_none_when_nothing_is_due_yet(db, staff, lead_department):
    s = factories.SuggestionFactory()
    workflow.assign(
        suggestion=s, lead=lead_department, due=timezone.localdate() + dt.timedelta(days=5), by=staff
    )
    row = stats.overview(Suggestion.objects.filter(pk=s.pk))
    assert row["assigned"] == 1 and row["reply_due"] == 0 and row["on_time_rate"] is None  # shown as "—"


def test_an_overdue_unreplied_suggestion_counts_against_the_rate(db, staff, lead_department):
    s = factories.SuggestionFactory()
    workflow.assign(suggestion=s, lead=lead_department, on=D(2023, 2, 1), due=D(2023, 4, 28), by=staff)
    row = stats.overview(Suggestion.objects.filter(pk=s.pk))
    assert row["reply_due"] == 1 and row["overdue_now"] == 1 and row["on_time_rate"] == 0.0


def test_every_figure_has_a_short_chinese_definition():
    from django.utils import translation

    with translation.override("zh-hans"):
        for key, text in stats.DEFINITIONS.items():
            assert str(text) and len(str(text)) < 120, key
        assert "应答复" in str(stats.DEFINITIONS["on_time_rate"])
    # The API documents the statistics with these texts, and points to no file of the repository.
    assert "按期答复率 = 按期答复 ÷ 应答复" in stats.__doc__
    assert ".md" not in stats.__doc__ and ".py" not in stats.__doc__


def test_pages_receive_the_definitions_in_their_context(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 200
    definitions = response.context["stat_definitions"]
    assert definitions is stats.DEFINITIONS and "on_time_rate" in definitions
