"""The hot endpoints' output functions (``suggestions/api/output.py``) give exactly what the plain DRF
serializers give, and the detail's ``available_actions``, read from prefetched records, are the steps
``available_steps`` finds with its own queries.

One world with a record of every kind in several states (replaced, re-handled, published by title only,
a letter, pending requests…) is read as every role, in both languages and two time zones, through the
output functions and through the serializers' ``.data`` (``views.OUTPUT_FUNCTIONS`` off); the responses
must be the same bytes. Every endpoint is read, also those that always render through their serializers.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from suggestions import workflow
from suggestions.api import output, views
from suggestions.models import Suggestion
from suggestions.policy import permissions
from suggestions.workflow import STEPS, available_steps
from tests import factories

ROLES = ("anon", "lead", "co", "oth", "LH", "CH", "OH", "NH", "staff", "dash")
LETTER = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _reply(suggestion, by, category="B", **kwargs):
    return factories.reply(suggestion, by, category=category, **kwargs)


@pytest.fixture(scope="module")
def world(module_db, tmp_path_factory):
    """Suggestions in every state, with every kind of record, and a user per role."""
    from django.test import override_settings

    from suggestions.policy.groups import ensure_role_groups

    with module_db(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        ensure_role_groups()
        lead_dept, co_dept, other_dept, new_dept = (
            factories.DepartmentFactory(name=f"太仓市{name}", short_name=name)
            for name in ("发改委", "交通运输局", "教育局", "民政局")
        )
        d1 = factories.DelegateFactory(name="汪香元", phone="13900000001", email="d1@example.org")
        d2 = factories.DelegateFactory(name="杨锐", phone="13900000002", address="某路1号")
        d3 = factories.DelegateFactory(name="王晓红", organization="某公司")
        d4 = factories.DelegateFactory(name="郑丙华")
        users = {
            "lead": factories.delegate_user(d1, username="fo_lead"),
            "co": factories.delegate_user(d2, username="fo_co"),
            "oth": factories.delegate_user(d3, username="fo_oth"),
            "LH": factories.handler_user(lead_dept, username="fo_lh"),
            "CH": factories.handler_user(co_dept, username="fo_ch"),
            "OH": factories.handler_user(other_dept, username="fo_oh"),
            "NH": factories.handler_user(new_dept, username="fo_nh"),
            "staff": factories.staff_user(username="fo_staff"),
            "dash": factories.dashboard_user(username="fo_dash"),
        }
        staff, lh, ch = users["staff"], users["LH"], users["CH"]
        today = timezone.localdate()

        # s1: the whole first round (a letter, extensions approved and refused, ratings, a C reply published
        # by title only), an unsatisfied lead, a second round answered A and closed (no promise left).
        s1 = factories.SuggestionFactory(proposers=[d1, d2])
        workflow.assign(suggestion=s1, lead=lead_dept, co_handlers=[co_dept], by=staff)
        workflow.set_key_supervision(suggestion=s1, on=True, note="督办", by=staff)
        workflow.acknowledge(suggestion=s1, by=lh)
        workflow.acknowledge(suggestion=s1, by=ch)
        workflow.log_contact(
            suggestion=s1, method="meet", contacted_on=today, delegates=[d1, d2], notes="面商", by=lh
        )
        workflow.log_contact(suggestion=s1, method="phone", notes="", by=lh)
        workflow.add_progress(suggestion=s1, text="正在协调", by=lh)
        workflow.give_co_opinion(suggestion=s1, text="协办意见", by=ch)
        s1.refresh_from_db()
        workflow.request_extension(
            suggestion=s1, requested_due=s1.due_date + dt.timedelta(days=20), reason="协调", by=lh
        )
        workflow.approve_extension(suggestion=s1, note="同意", by=staff)
        s1.refresh_from_db()
        workflow.request_extension(
            suggestion=s1, requested_due=s1.due_date + dt.timedelta(days=10), reason="再延", by=lh
        )
        workflow.reject_extension(suggestion=s1, note="不同意", by=staff)
        letter = SimpleUploadedFile("letter.pdf", LETTER, content_type="application/pdf")
        _reply(s1, lh, "C", pdf=letter)
        workflow.rate(suggestion=s1, attitude="satisfied", result="basically", by=users["co"])
        workflow.rate(
            suggestion=s1, attitude="unsatisfied", result="unsatisfied", comment="不满意", by=users["lead"]
        )
        workflow.publish(suggestion=s1, mode="title_only", by=staff)
        workflow.rehandle(suggestion=s1, note="重新办理", by=staff)
        _reply(s1, lh, "A")
        workflow.rate(suggestion=s1, attitude="satisfied", result="satisfied", by=users["lead"])

        # s2: a reassignment approved (a replaced assignment), replied on behalf by staff, published.
        s2 = factories.SuggestionFactory(proposers=[d4, d3])
        workflow.assign(suggestion=s2, lead=other_dept, by=staff)
        workflow.request_reassignment(suggestion=s2, reason="不归我们", by=users["OH"])
        workflow.approve_reassignment(suggestion=s2, new_department=new_dept, note="改交", by=staff)
        workflow.acknowledge(suggestion=s2, by=users["NH"])
        _reply(s2, staff, "A")
        workflow.publish(suggestion=s2, mode="full", by=staff)
        workflow.rate(suggestion=s2, attitude="satisfied", result="satisfied", by=staff)

        # s3 registered; s4 withdrawn; s5 not accepted.
        s3 = factories.SuggestionFactory(proposers=[d1])
        s4 = factories.SuggestionFactory(proposers=[d1, d4])
        workflow.withdraw(suggestion=s4, reason="撤回", by=users["lead"])
        s5 = factories.SuggestionFactory(proposers=[d2])
        workflow.not_accept(suggestion=s5, reason="不予受理", by=staff)

        # s6: pending everywhere: unacknowledged co-handler, a reassignment request, an extension request.
        s6 = factories.SuggestionFactory(proposers=[d2, d1])
        workflow.assign(suggestion=s6, lead=lead_dept, co_handlers=[co_dept, other_dept], by=staff)
        workflow.acknowledge(suggestion=s6, by=lh)
        s6.refresh_from_db()
        workflow.request_extension(
            suggestion=s6, requested_due=s6.due_date + dt.timedelta(days=15), reason="申请", by=lh
        )
        workflow.request_reassignment(suggestion=s6, reason="应由他局主办", by=users["OH"])

        # s7: replied, unpublished, the lead has not rated; s8: closed with a promise to follow up.
        s7 = factories.SuggestionFactory(proposers=[d1, d2, d3])
        workflow.assign(suggestion=s7, lead=co_dept, co_handlers=[lead_dept], by=staff)
        workflow.acknowledge(suggestion=s7, by=ch)
        _reply(s7, ch, "D")
        s8 = factories.SuggestionFactory(proposers=[d1])
        workflow.assign(suggestion=s8, lead=lead_dept, by=staff)
        workflow.acknowledge(suggestion=s8, by=lh)
        _reply(s8, lh, "B")
        workflow.rate(suggestion=s8, attitude="satisfied", result="satisfied", by=users["lead"])
        workflow.publish(suggestion=s8, mode="full", by=staff)
        workflow.unpublish(suggestion=s8, note="撤销", by=staff)

        # s9: in progress, the co-handler's opinion given; s10: the lead is not satisfied, to be reviewed.
        s9 = factories.SuggestionFactory(proposers=[d3])
        workflow.assign(suggestion=s9, lead=lead_dept, co_handlers=[co_dept], by=staff)
        workflow.acknowledge(suggestion=s9, by=lh)
        workflow.give_co_opinion(suggestion=s9, text="已提出", by=ch)
        s10 = factories.SuggestionFactory(proposers=[d2, d1])
        workflow.assign(suggestion=s10, lead=other_dept, by=staff)
        workflow.acknowledge(suggestion=s10, by=users["OH"])
        _reply(s10, users["OH"], "A")
        workflow.rate(
            suggestion=s10, attitude="basically", result="unsatisfied", comment="否", by=users["co"]
        )

        pks = [x.pk for x in (s1, s2, s3, s4, s5, s6, s7, s8, s9, s10)]
        return {"users": users, "pks": pks, "delegates": [d.pk for d in (d1, d2, d3, d4)]}


def _client(api, world, role):
    return api(None if role == "anon" else world["users"][role])


def _paths(world) -> list[str]:
    return [
        "/api/v1/suggestions/?page_size=100",
        "/api/v1/suggestions/export/",
        *(f"/api/v1/suggestions/{pk}/" for pk in world["pks"]),
        "/api/v1/assignments/?page_size=100",
        "/api/v1/contacts/",
        "/api/v1/progress-updates/",
        "/api/v1/co-opinions/",
        "/api/v1/extension-requests/",
        "/api/v1/replies/",
        "/api/v1/ratings/",
        "/api/v1/events/?page_size=100",
        "/api/v1/events/export/",
        "/api/v1/sessions/",
        "/api/v1/themes/",
        "/api/v1/departments/",
        "/api/v1/delegates/",
        *(f"/api/v1/delegates/{pk}/" for pk in world["delegates"]),
        *(
            f"/api/v1/stats/{name}/{query}"
            for name in ("overview", "by-theme", "by-department", "by-round", "by-month")
            for query in ("", "?status=closed")
        ),
    ]


def test_the_paths_read_every_output_function(db, api, world, monkeypatch):
    """The comparison below reaches every function of ``output``: none renders unchecked."""
    called = set()
    functions = {
        name: f
        for name, f in vars(output).items()
        if callable(f) and getattr(f, "__module__", None) == output.__name__
    }
    for name, function in functions.items():

        def spy(*args, _name=name, _function=function, **kwargs):
            called.add(_name)
            return _function(*args, **kwargs)

        monkeypatch.setattr(output, name, spy)
    for path in _paths(world):
        assert _client(api, world, "staff").get(path).status_code == 200, path
    assert len(functions) >= 15
    assert called == set(functions)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("time_zone", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize("role", ROLES)
def test_the_output_functions_render_what_the_serializers_render(
    db, api, world, role, language, time_zone, monkeypatch, settings
):
    settings.TIME_ZONE = time_zone
    checked = 0
    for path in _paths(world):
        responses = []
        for fast in (True, False):
            monkeypatch.setattr(views, "OUTPUT_FUNCTIONS", fast)
            client = _client(api, world, role)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            responses.append(client.get(path))
        fast_response, drf_response = responses
        assert fast_response.status_code == drf_response.status_code, path
        assert fast_response.content == drf_response.content, path
        checked += fast_response.status_code == 200
    assert checked >= 10


@pytest.mark.parametrize("role", ROLES)
def test_the_detail_offers_the_steps_available_steps_finds(db, api, world, role):
    """``available_actions`` reads the prefetched records; ``available_steps`` on a bare suggestion
    queries them: both give the same steps, for every suggestion and role."""
    user = world["users"].get(role)
    for pk in world["pks"]:
        response = _client(api, world, role).get(f"/api/v1/suggestions/{pk}/")
        if response.status_code == 404:
            continue
        if user is not None:
            permissions.forget_roles(user)
        bare = Suggestion.objects.get(pk=pk)
        expected = [step.name for step in available_steps(user, bare)] if user is not None else []
        assert response.json()["available_actions"] == expected, (role, pk)


def test_the_world_offers_every_step(db, api, world):
    """The comparison above is meaningful: every step is offered to someone somewhere."""
    offered = set()
    for role in ("staff", "LH", "CH", "OH", "lead", "co"):
        for pk in world["pks"]:
            response = _client(api, world, role).get(f"/api/v1/suggestions/{pk}/")
            if response.status_code == 200:
                offered.update(response.json()["available_actions"])
    assert offered == set(STEPS), sorted(set(STEPS) - offered)


def test_the_letter_address_is_absolute(db, api, world):
    staff = _client(api, world, "staff")
    replies = staff.get(f"/api/v1/suggestions/{world['pks'][0]}/").json()["replies"]
    letters = [r["pdf"] for r in replies if r["pdf"]]
    assert letters and all(url.startswith("http://testserver/") for url in letters)


def test_the_detail_lists_each_record_in_its_model_order(db, api, world):
    """The detail's prefetches order within the suggestion (``serializers.record_order``), without the
    join to the suggestions that their models' ordering adds: the order is the models' own."""
    from suggestions.models import (
        Assignment,
        CoHandlerOpinion,
        ContactRecord,
        Event,
        ExtensionRequest,
        ProgressUpdate,
        Rating,
        Reply,
    )

    lists = {
        "assignments": Assignment,
        "contacts": ContactRecord,
        "progress_updates": ProgressUpdate,
        "co_opinions": CoHandlerOpinion,
        "extension_requests": ExtensionRequest,
        "ratings": Rating,
        "replies": Reply,
        "events": Event,
    }
    seen, several = dict.fromkeys(lists, 0), dict.fromkeys(lists, 0)
    client = _client(api, world, "staff")
    for pk in world["pks"]:
        data = client.get(f"/api/v1/suggestions/{pk}/").json()
        for name, model in lists.items():
            expected = list(model.objects.filter(suggestion_id=pk).values_list("id", flat=True))
            assert [row["id"] for row in data[name]] == expected, (pk, name)
            seen[name] += len(expected)
            several[name] += len(expected) > 1
    assert all(seen.values()), seen  # every list is read
    assert sum(several.values()) >= 6, several  # and most have a suggestion with several records to order
