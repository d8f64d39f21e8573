"""The admin for committee staff: lists, the step buttons, every step through the step views.

The data is the Taicang 2023 fixture (30 suggestions) plus 30 more, some assigned, replied, overdue,
loaded once for the module; each test's writes are rolled back after it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from delegates.models import Delegate
from departments.models import Department
from suggestions import calendar, workflow
from suggestions.models import (
    Category,
    Event,
    EventKind,
    Publication,
    Status,
    Suggestion,
    Theme,
    chinese_ordinal,
)
from suggestions.policy.groups import ensure_role_groups
from suggestions.workflow import STEPS
from tests import factories

CHANGELIST = "admin:suggestions_suggestion_changelist"
FAGAI = "太仓市发展和改革委员会"
JIAOTONG = "太仓市交通运输局"
SHUIWU = "太仓市水务局"


def change_url(s: Suggestion) -> str:
    return reverse("admin:suggestions_suggestion_change", args=[s.pk])


def step_url(s: Suggestion, step: str) -> str:
    return reverse("admin:suggestions_suggestion_step", args=[s.pk, step])


@pytest.fixture(scope="module")
def taicang(module_db):
    """The fixture's 30 suggestions + 30 more: 1–10 assigned (3–10 in handling, 5–8 replied), 11–12 overdue."""
    with module_db():
        call_command("loaddata", "taicang_2023", verbosity=0)
        ensure_role_groups()
        staff = factories.staff_user(username="admin_seed_staff")
        fagai, jiaotong, shuiwu = (Department.objects.get(name=n) for n in (FAGAI, JIAOTONG, SHUIWU))
        fagai_handler = factories.handler_user(fagai, username="admin_seed_fagai")
        theme = Theme.objects.get(ordinal=7)
        for i in range(31, 61):
            factories.SuggestionFactory(
                session=theme.session,
                theme=theme,
                number=i,
                position=i,
                title=f"模拟建议{chinese_ordinal(i)}",
                text="模拟数据，用于测试列表。",
                proposers__count=3,
            )
        for n in range(1, 11):
            s = Suggestion.objects.get(number=n)
            workflow.assign(suggestion=s, lead=fagai, co_handlers=[jiaotong, shuiwu][: n % 3], by=staff)
            if n >= 3:
                workflow.acknowledge(suggestion=s, by=fagai_handler)
            if 5 <= n <= 8:
                factories.reply(s, fagai_handler, category="ABCD"[n - 5])
        for n in (11, 12):
            workflow.assign(
                suggestion=Suggestion.objects.get(number=n),
                lead=jiaotong,
                on=dt.date(2023, 1, 18),
                by=staff,
            )


pytestmark = pytest.mark.usefixtures("taicang", "db")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def suggestion(number: int) -> Suggestion:
    return Suggestion.objects.get(number=number)


def results(response) -> list[int]:
    return sorted(s.number for s in response.context["cl"].queryset)


# ---------------------------------------------------------------------------
# The changelist
# ---------------------------------------------------------------------------


def test_changelist_over_sixty_rows_in_a_pinned_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    assert Suggestion.objects.count() == 60
    with django_assert_max_num_queries(13):
        response = staff_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_count == 60 and len(cl.result_list) == 50  # one page
    html = response.content.decode()
    assert "聚焦项目引建" in html and "汪香元、杨锐" in html


def test_changelist_query_count_does_not_grow_with_the_page(staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(13):
        staff_client.get(reverse(CHANGELIST), {"p": 2})


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "assigned"}, [1, 2, 11, 12]),
        ({"status__exact": "replied"}, [5, 6, 7, 8]),
        ({"status__exact": "in_progress"}, [3, 4, 9, 10]),
        ({"category": "B"}, [6]),
        ({"deadline": "overdue"}, [11, 12]),
        ({"round__exact": "1", "status__exact": "assigned"}, [1, 2, 11, 12]),
    ],
)
def test_changelist_filters(staff_client, params, expected):
    response = staff_client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    assert results(response) == expected


def test_changelist_filter_by_theme_and_department(staff_client):
    theme = Theme.objects.get(ordinal=4)
    response = staff_client.get(reverse(CHANGELIST), {"theme__id__exact": theme.pk})
    assert results(response) == [12, 13, 14, 15, 16, 17]
    shuiwu = Department.objects.get(name=SHUIWU)
    response = staff_client.get(reverse(CHANGELIST), {"department": shuiwu.pk})
    assert results(response) == [2, 5, 8]  # co-handler where n % 3 == 2
    jiaotong = Department.objects.get(name=JIAOTONG)
    response = staff_client.get(reverse(CHANGELIST), {"department": jiaotong.pk})
    assert results(response) == [1, 2, 4, 5, 7, 8, 10, 11, 12]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("29", [29]),  # the number
        ("老旧小区", [14, 29]),  # title and text
        ("傅玖", [26]),  # a delegate's name
        ("郑丙华", [14, 18, 28]),
    ],
)
def test_changelist_search(staff_client, q, expected, django_assert_max_num_queries):
    with django_assert_max_num_queries(13):
        response = staff_client.get(reverse(CHANGELIST), {"q": q})
    assert results(response) == expected


# ---------------------------------------------------------------------------
# The change page and its step buttons
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "shown", "hidden"),
    [
        (
            20,
            {"assign", "not_accept", "supervision", "withdraw"},
            {"reply", "rate", "acknowledge", "publish"},
        ),
        (
            2,
            {"acknowledge", "contact", "progress", "co_opinion", "withdraw", "supervision"},
            {"assign", "reply"},
        ),
        (4, {"acknowledge", "contact", "reply", "withdraw"}, {"assign", "rate", "request_reassignment"}),
        (3, {"reply", "contact"}, {"acknowledge", "co_opinion"}),  # no co-handler, lead acknowledged
        (6, {"rate", "close", "publish", "contact"}, {"reply", "withdraw", "rehandle"}),
    ],
)
def test_the_change_page_shows_the_available_steps(staff_client, number, shown, hidden):
    s = suggestion(number)
    response = staff_client.get(change_url(s))
    assert response.status_code == 200
    html = response.content.decode()
    for step in shown:
        assert f'href="{step_url(s, step)}"' in html, step
    for step in hidden:
        assert f'href="{step_url(s, step)}"' not in html, step


def test_status_is_read_only_in_the_change_form(staff_client):
    s = suggestion(20)
    response = staff_client.get(change_url(s))
    form = response.context["adminform"].form
    assert "status" not in form.fields and "due_date" not in form.fields and "round" not in form.fields


def test_a_suggestion_added_in_the_admin_is_registered_with_its_event(staff_client, staff):
    theme = Theme.objects.get(ordinal=1)
    lead, co = Delegate.objects.get(name="汪香元"), Delegate.objects.get(name="杨锐")
    data = {
        "session": theme.session_id,
        "theme": theme.pk,
        "number": 61,
        "position": 5,
        "title": "新增建议",
        "text": "会后补充登记的建议。",
        "disclosure_consent": "on",
        "proposers-TOTAL_FORMS": 2,
        "proposers-INITIAL_FORMS": 0,
        "proposers-0-position": 1,
        "proposers-0-delegate": lead.pk,
        "proposers-1-position": 2,
        "proposers-1-delegate": co.pk,
    }
    for prefix in ("assignments", "replies", "ratings", "events"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}

    response = staff_client.post(reverse("admin:suggestions_suggestion_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    s = suggestion(61)
    assert s.status == Status.REGISTERED and s.lead_delegate == lead
    event = s.events.get()
    assert (event.kind, event.actor, event.data["proposers"]) == (
        EventKind.REGISTER,
        staff,
        ["汪香元", "杨锐"],
    )


# ---------------------------------------------------------------------------
# A full cycle through the step views
# ---------------------------------------------------------------------------


def post_step(client, s: Suggestion, step: str, data: dict):
    response = client.post(step_url(s, step), data)
    if response.status_code != 302:
        form = response.context.get("form") if response.context else None
        raise AssertionError(f"{step}: {response.status_code} {form.errors if form else ''}")
    assert response["Location"] == change_url(s)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("已完成" in m for m in messages), messages
    s.refresh_from_db()
    return s


REPLY_DATA = {
    "doc_number": "太发改函〔2023〕12号",
    "signer": "张三",
    "contact_person": "李四",
    "contact_phone": "0512-53500000",
    "text": "经研究，答复如下：……",
    "replied_on": "",
}


def test_a_full_cycle_through_the_admin(staff_client, staff):
    s = suggestion(20)
    fagai, jiaotong = Department.objects.get(name=FAGAI), Department.objects.get(name=JIAOTONG)
    lead = s.lead_delegate

    s = post_step(staff_client, s, "assign", {"lead": fagai.pk, "co_handlers": [jiaotong.pk], "due": ""})
    assert s.status == Status.ASSIGNED and s.due_date is not None
    s = post_step(staff_client, s, "acknowledge", {"department": fagai.pk})
    assert s.status == Status.IN_PROGRESS
    today = calendar.today().isoformat()
    s = post_step(
        staff_client,
        s,
        "contact",
        {
            "method": "meet",
            "contacted_on": today,
            "delegates": [lead.pk],
            "notes": "面商",
            "department": fagai.pk,
        },
    )
    # the lead replies once the co-handler's opinion is in (entered by staff on its behalf)
    s = post_step(
        staff_client, s, "co_opinion", {"text": "同意主办单位的办理方案。", "department": jiaotong.pk}
    )
    s = post_step(staff_client, s, "reply", {**REPLY_DATA, "category": "B"})
    assert s.status == Status.REPLIED
    s = post_step(
        staff_client,
        s,
        "rate",
        {"attitude": "satisfied", "result": "unsatisfied", "comment": "问题未解决", "delegate": lead.pk},
    )
    assert s.status == Status.REVIEW
    s = post_step(staff_client, s, "rehandle", {"note": "请重新办理", "lead": "", "due": ""})
    assert (s.status, s.round) == (Status.IN_PROGRESS, 2)
    s = post_step(
        staff_client, s, "reply", {**REPLY_DATA, "category": "A", "doc_number": "太发改函〔2023〕30号"}
    )
    s = post_step(
        staff_client, s, "rate", {"attitude": "satisfied", "result": "satisfied", "delegate": lead.pk}
    )
    assert s.status == Status.CLOSED
    s = post_step(staff_client, s, "publish", {"mode": Publication.FULL})
    assert s.replies.get(round=2).publication == Publication.FULL

    timeline = [(e.kind, e.from_status, e.to_status, e.round, e.actor) for e in s.events.order_by("id")]
    assert timeline == [
        (EventKind.REGISTER, "registered", "registered", 1, None),
        (EventKind.ASSIGN, "registered", "assigned", 1, staff),
        (EventKind.ACKNOWLEDGE, "assigned", "in_progress", 1, staff),
        (EventKind.CONTACT, "in_progress", "in_progress", 1, staff),
        (EventKind.CO_OPINION, "in_progress", "in_progress", 1, staff),
        (EventKind.REPLY, "in_progress", "replied", 1, staff),
        (EventKind.RATE, "replied", "review", 1, staff),
        (EventKind.REHANDLE, "review", "in_progress", 2, staff),
        (EventKind.REPLY, "in_progress", "replied", 2, staff),
        (EventKind.RATE, "replied", "closed", 2, staff),
        (EventKind.PUBLISH, "closed", "closed", 2, staff),
    ]
    on_behalf = {e.kind for e in s.events.all() if e.data.get("on_behalf")}
    assert on_behalf == {
        EventKind.ACKNOWLEDGE,
        EventKind.CONTACT,
        EventKind.CO_OPINION,
        EventKind.REPLY,
        EventKind.RATE,
    }
    assert s.events.get(kind=EventKind.RATE, round=1).data["delegate"] == lead.name
    assert {r.is_lead for r in s.ratings.all()} == {True}

    # the change page shows every step with who took it
    response = staff_client.get(change_url(s))
    assert response.status_code == 200
    events_formset = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.model is Event
    ).formset
    shown = [(form.instance.kind, form.instance.actor_name) for form in events_formset.forms]
    assert shown == [(kind, "系统导入" if actor is None else "staff") for kind, _, _, _, actor in timeline]


# ---------------------------------------------------------------------------
# Errors: bad data, steps not available, never a 500
# ---------------------------------------------------------------------------


def _unchanged(s: Suggestion):
    s.refresh_from_db()
    return (s.status, s.round, s.due_date, s.events.count(), s.replies.count(), s.ratings.count())


@pytest.mark.parametrize(
    ("number", "step", "data", "field"),
    [
        (6, "rate", {"attitude": "satisfied", "result": "unsatisfied", "comment": ""}, "comment"),
        (6, "rate", {"attitude": "great", "result": "satisfied"}, "attitude"),
        (20, "assign", {"lead": "", "due": ""}, "lead"),
        (20, "assign", {"lead": "FAGAI", "due": "2099-01-01"}, "due"),  # workflow: more than 6 months
        (4, "reply", {**REPLY_DATA, "category": "E"}, "category"),
        (4, "reply", {**REPLY_DATA, "category": "A", "replied_on": "2099-01-01"}, "replied_on"),
        (4, "reply", {**REPLY_DATA, "category": "A", "contact_phone": "abc"}, "contact_phone"),
        (4, "reply", {**REPLY_DATA, "category": "A", "signer": ""}, "signer"),
        (20, "not_accept", {"reason": ""}, "reason"),
        (6, "close", {"reason": "   "}, "reason"),
    ],
)
def test_a_step_with_bad_data_shows_the_error_and_writes_nothing(staff_client, number, step, data, field):
    s = suggestion(number)
    if data.get("lead") == "FAGAI":
        data = {**data, "lead": Department.objects.get(name=FAGAI).pk}
    if "delegate" not in data and step == "rate":
        data = {**data, "delegate": s.lead_delegate.pk}
    before = _unchanged(s)

    response = staff_client.post(step_url(s, step), data)

    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert 'class="errorlist' in response.content.decode()
    assert _unchanged(s) == before


def test_a_workflow_error_without_a_field_is_shown_on_the_form(staff_client, staff):
    s = suggestion(3)  # in handling, no co-handler: approve an extension beyond six months
    fagai_handler = factories.handler_user(Department.objects.get(name=FAGAI), username="fagai2")
    workflow.request_extension(
        suggestion=s, requested_due=s.due_date + dt.timedelta(days=20), reason="工程量大", by=fagai_handler
    )
    before = _unchanged(s)
    too_late = calendar.add_months(s.lead_assignment.assigned_on, 6) + dt.timedelta(days=1)

    response = staff_client.post(step_url(s, "approve_extension"), {"due": too_late.isoformat(), "note": ""})

    assert response.status_code == 200
    form = response.context["form"]
    errors = [e for field_errors in form.errors.values() for e in field_errors]  # on the field sent
    assert any("六个月" in e for e in errors), errors
    assert _unchanged(s) == before


@pytest.mark.parametrize(
    ("number", "step"),
    [(20, "reply"), (20, "rate"), (6, "assign"), (3, "acknowledge"), (20, "unpublish"), (1, "follow_up")],
)
def test_a_step_not_available_now_redirects_with_an_error(staff_client, number, step):
    s = suggestion(number)
    before = _unchanged(s)
    for method in (staff_client.get, staff_client.post):
        response = method(step_url(s, step))
        assert response.status_code == 302
        assert response["Location"] == change_url(s)
        messages = {(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)}
        assert messages == {("error", f"当前不能进行「{STEPS[step].label}」。")}
    assert _unchanged(s) == before


def test_an_unknown_step_or_suggestion_is_not_a_500(staff_client):
    s = suggestion(1)
    assert staff_client.get(step_url(s, "teleport")).status_code == 403
    assert (
        staff_client.get(reverse("admin:suggestions_suggestion_step", args=[999999, "assign"])).status_code
        == 404
    )


@pytest.mark.parametrize("number", [20, 1, 3, 6])
def test_every_step_view_answers_without_a_500(staff_client, number):
    s = suggestion(number)
    for step in STEPS:
        response = staff_client.get(step_url(s, step))
        assert response.status_code in (200, 302), step
        empty = staff_client.post(step_url(s, step), {})
        assert empty.status_code in (200, 302), step
    s2 = suggestion(number)
    assert s2.status == s.status


# ---------------------------------------------------------------------------
# Read-only records, and who may enter
# ---------------------------------------------------------------------------


def test_events_are_read_only_in_the_admin(staff_client, django_assert_max_num_queries):
    event = Event.objects.filter(kind=EventKind.ASSIGN).first()
    with django_assert_max_num_queries(9):
        listing = staff_client.get(reverse("admin:suggestions_event_changelist"))
    assert listing.status_code == 200 and listing.context["cl"].result_count == Event.objects.count()
    assert staff_client.get(reverse("admin:suggestions_event_add")).status_code == 403
    view = staff_client.get(reverse("admin:suggestions_event_change", args=[event.pk]))
    assert view.status_code == 200
    assert not view.context["has_change_permission"] and not view.context["has_delete_permission"]
    assert 'name="_save"' not in view.content.decode()
    posted = staff_client.post(reverse("admin:suggestions_event_change", args=[event.pk]), {"note": "改写"})
    assert posted.status_code == 403
    assert staff_client.get(reverse("admin:suggestions_event_delete", args=[event.pk])).status_code == 403
    assert (
        staff_client.post(
            reverse("admin:suggestions_event_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.note == ""


@pytest.mark.parametrize("model", ["assignment", "rating", "contactrecord", "extensionrequest"])
def test_handling_records_cannot_be_added_in_the_admin(staff_client, model):
    assert staff_client.get(reverse(f"admin:suggestions_{model}_add")).status_code == 403
    assert staff_client.get(reverse(f"admin:suggestions_{model}_changelist")).status_code == 200


def test_bulk_publish_action_goes_through_the_workflow(staff_client):
    ids = [suggestion(n).pk for n in (5, 6, 20)]  # two replied, one without a reply
    response = staff_client.post(
        reverse(CHANGELIST), {"action": "publish_title_only", "_selected_action": ids}, follow=True
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("成功 2 条，未执行 1 条" in m for m in messages), messages
    assert Event.objects.filter(kind=EventKind.PUBLISH).count() == 2


@pytest.mark.parametrize("who", ["anonymous", "handler", "delegate", "dashboard", "plain"])
def test_only_staff_reach_the_admin(client, groups, who):
    s = suggestion(4)
    users = {
        "handler": lambda: factories.handler_user(Department.objects.get(name=FAGAI), username="h"),
        "delegate": lambda: factories.delegate_user(s.lead_delegate, username="d"),
        "dashboard": lambda: factories.dashboard_user(username="screen"),
        "plain": lambda: factories.UserFactory(username="plain"),
    }
    if who != "anonymous":
        client.force_login(users[who]())
    before = _unchanged(s)
    for url in (reverse("admin:index"), reverse(CHANGELIST), change_url(s), step_url(s, "reply")):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = client.post(step_url(s, "reply"), {**REPLY_DATA, "category": Category.A})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert _unchanged(s) == before


def test_assigning_keeps_an_earlier_key_supervision_mark(staff_client, staff):
    s = suggestion(21)
    workflow.set_key_supervision(suggestion=s, on=True, by=staff)
    form = staff_client.get(step_url(s, "assign")).context["form"]
    assert form["key_supervision"].value() is True
    fagai = Department.objects.get(name=FAGAI)
    post_step(staff_client, s, "assign", {"lead": fagai.pk, "due": "", "key_supervision": "on"})
    s.refresh_from_db()
    assert s.key_supervision is True and s.status == Status.ASSIGNED


def test_the_co_opinion_step_is_offered_only_while_an_opinion_is_due(staff_client, staff):
    s = suggestion(1)  # co-handler 交通运输局
    assert staff_client.get(step_url(s, "co_opinion")).status_code == 200
    post_step(
        staff_client,
        s,
        "co_opinion",
        {"text": "同意主办单位意见", "department": s.assignments.get(role="co").department_id},
    )
    assert staff_client.get(step_url(s, "co_opinion")).status_code == 302
    assert staff_client.get(step_url(suggestion(3), "co_opinion")).status_code == 302  # no co-handler


def test_the_follow_up_step_follows_the_latest_reply(staff_client, staff):
    s = suggestion(6)  # a B reply
    workflow.rate(suggestion=s, attitude="satisfied", result="basically", delegate=s.lead_delegate, by=staff)
    assert staff_client.get(step_url(s, "follow_up")).status_code == 200
    post_step(staff_client, s, "follow_up", {"text": "已完成", "fulfilled": "on"})
    assert staff_client.get(step_url(s, "follow_up")).status_code == 302  # promise fulfilled
    a_reply = suggestion(5)  # an A reply: nothing promised
    workflow.close(suggestion=a_reply, reason="代表未评价", by=staff)
    assert staff_client.get(step_url(a_reply, "follow_up")).status_code == 302


# ---------------------------------------------------------------------------
# The data forms write through the workflow: registrations and corrections are events
# ---------------------------------------------------------------------------


def _form_values(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
        elif isinstance(value, list | tuple):
            data[form.add_prefix(name)] = [str(v) for v in value]
        elif value is not None:
            data[form.add_prefix(name)] = str(value)
    return data


def change_form_data(response, **changes) -> dict:
    """What the change form posts back unchanged, with ``changes`` applied (prefixed names as keys)."""
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _form_values(formset.management_form)
        for form in formset.forms:
            data |= _form_values(form)
    return data | changes


def test_editing_a_title_in_the_admin_is_a_correction_with_a_reason(staff_client, staff):
    s = suggestion(20)
    response = staff_client.get(change_url(s))
    data = change_form_data(response, title="更正后的标题")
    response = staff_client.post(change_url(s), data)
    assert response.status_code == 200  # no reason: the form says so
    assert "reason" in response.context["adminform"].form.errors
    s.refresh_from_db()
    assert s.title != "更正后的标题"

    response = staff_client.post(change_url(s), data | {"reason": "标题有错字"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    s.refresh_from_db()
    assert s.title == "更正后的标题"
    event = s.events.latest("id")
    assert (event.kind, event.actor, event.note) == (EventKind.CORRECT_TEXT, staff, "标题有错字")
    assert event.data["changes"]["title"]["after"] == "更正后的标题"


def test_saving_the_change_form_unchanged_records_nothing(staff_client):
    s = suggestion(20)
    events = Event.objects.count()
    response = staff_client.post(change_url(s), change_form_data(staff_client.get(change_url(s))))
    assert response.status_code == 302
    assert Event.objects.count() == events


def test_replacing_proposers_in_the_admin_is_a_correction(staff_client, staff):
    s = suggestion(25)  # registered
    assert s.status == Status.REGISTERED
    response = staff_client.get(change_url(s))
    data = change_form_data(response)
    first = next(k for k in data if k.startswith("proposers-") and k.endswith("-delegate"))
    newcomer = Delegate.objects.exclude(proposals__suggestion=s).first()
    data[first] = str(newcomer.pk)
    refused = staff_client.post(change_url(s), data)
    assert refused.status_code == 200  # a reason is needed
    response = staff_client.post(change_url(s), data | {"reason": "领衔代表有误"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.lead_delegate == newcomer
    event = s.events.latest("id")
    assert (event.kind, event.note) == (EventKind.REPLACE_PROPOSERS, "领衔代表有误")


def test_a_reply_text_edited_in_the_admin_is_a_correction(staff_client, staff):
    reply = suggestion(5).replies.get()
    url = reverse("admin:suggestions_reply_change", args=[reply.pk])
    data = _form_values(staff_client.get(url).context["adminform"].form) | {"text": "更正后的答复内容"}
    assert staff_client.post(url, data).status_code == 200  # no reason
    response = staff_client.post(url, data | {"reason": "答复内容录入有误"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.text == "更正后的答复内容"
    event = reply.suggestion.events.latest("id")
    assert (event.kind, event.actor, event.data["reply"]) == (EventKind.CORRECT_REPLY, staff, reply.pk)


def test_the_add_form_refuses_what_register_refuses(staff_client):
    theme = Theme.objects.get(ordinal=1)
    lead = Delegate.objects.get(name="汪香元")
    data = {
        "session": theme.session_id,
        "theme": theme.pk,
        "number": 62,
        "position": 1,  # taken: 一-1
        "title": "新增建议",
        "text": "内容",
        "proposers-TOTAL_FORMS": 1,
        "proposers-INITIAL_FORMS": 0,
        "proposers-0-position": 1,
        "proposers-0-delegate": lead.pk,
    }
    for prefix in ("assignments", "replies", "ratings", "events"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    response = staff_client.post(reverse("admin:suggestions_suggestion_add"), data)
    assert response.status_code == 200
    assert not Suggestion.objects.filter(number=62).exists()
    assert "该主题已有第 1 条" in response.content.decode()


def test_moving_a_suggestion_to_another_sessions_theme_is_a_form_error(staff_client):
    s = suggestion(20)
    other = factories.ThemeFactory(
        session=factories.SessionFactory(meeting=3, name="市十七届人大三次会议"), ordinal=1
    )
    data = change_form_data(staff_client.get(change_url(s)), theme=str(other.pk), reason="归错主题")
    response = staff_client.post(change_url(s), data)
    assert response.status_code == 200
    assert "theme" in response.context["adminform"].form.errors
    s.refresh_from_db()
    assert s.theme != other
