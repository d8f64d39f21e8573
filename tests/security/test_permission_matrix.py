"""The permission matrix: every role × every page, API endpoint, export and admin page, and every workflow
action → allowed or denied, with zero leaks of what the role may not read.

The tables below ARE the specification: one row per address or action, one column per role, in the
order of `ROLES` (see tests/security/conftest.py for who each role is and what S1, S2, S3 are):

    anon   the public                     LH  handler of S1's lead department (主办)
    lead   S1's lead delegate (领衔)       CH  handler of S1's co-handling department (协办)
    co     S1's co-proposer (联名)          OH  handler of an unrelated department (it handles S2)
    oth    a delegate with no suggestion  staff  committee staff;  dash  the dashboard account (by token)

Codes: 200 / 201 allowed; 302 sent to a login page (the pages' or the admin's); 401 the API asks for
credentials; 403 refused; 404 does not exist (every role sees at least the public part of every
suggestion, so a handler of another department is refused, 403, not told "no such suggestion"). Whatever a role is allowed to read, the response
is searched for every planted secret (`MARKERS`) the role may not read: contact data of delegates,
unpublished replies and handling records, another department's suggestions.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from suggestions.models import Event
from tests.security.conftest import ROLES, body_text, leaked, suggestion_state

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------------------
# Reading: (what, address) -> expected code per role
# ---------------------------------------------------------------------------------------------------------
#                                                                        anon lead co  oth LH  CH  OH  staff dash
# fmt: off
READ_MATRIX: list[tuple[str, str, str]] = [
    # --- pages --------------------------------------------------------------------------------------------
    ("home", "/", "                                                       200 200 200 200 200 200 200 200 200"),
    ("suggestion list", "/suggestions/", "                                200 200 200 200 200 200 200 200 200"),
    ("S1 page", "/suggestions/{s1}/", "                                   200 200 200 200 200 200 200 200 200"),
    ("S2 page (other department's)", "/suggestions/{s2}/", "              200 200 200 200 200 200 200 200 200"),
    ("S3 page (registered)", "/suggestions/{s3}/", "                      200 200 200 200 200 200 200 200 200"),
    ("S1 letter PDF (unpublished)", "/replies/{r1}/letter.pdf", "         404 200 200 404 200 200 404 200 200"),
    ("S1 publish step form", "/suggestions/{s1}/publish/", "              302 403 403 403 403 403 403 200 403"),
    ("S3 assign step form", "/suggestions/{s3}/assign/", "                302 403 403 403 403 403 403 200 403"),
    ("assignment meeting (交办)", "/assign/", "                            302 403 403 403 403 403 403 200 403"),
    ("staff queue: review", "/queues/review/", "                          302 403 403 403 403 403 403 200 403"),
    ("staff queue: publication", "/queues/publication/", "                302 403 403 403 403 403 403 200 403"),
    ("department inbox (待办)", "/inbox/", "                                302 403 403 403 200 200 200 403 403"),
    ("my suggestions (我的建议)", "/mine/", "                                302 200 200 200 403 403 403 403 403"),
    ("statistics", "/dashboard/", "                                       200 200 200 200 200 200 200 200 200"),
    ("delegates", "/delegates/", "                                        200 200 200 200 200 200 200 200 200"),
    ("delegate D1 (lead of S1)", "/delegates/{d1}/", "                    200 200 200 200 200 200 200 200 200"),
    ("delegate D4 (proposer of S2)", "/delegates/{d4}/", "                200 200 200 200 200 200 200 200 200"),
    ("notifications", "/notifications/", "                                302 200 200 200 200 200 200 200 200"),
    ("rating link, forged", "/notifications/rate/forged-token/", "        400 400 400 400 400 400 400 400 400"),
    ("import (导入)", "/import/", "                                         302 403 403 403 403 403 403 200 403"),
    ("API docs", "/api/docs/", "                                          200 200 200 200 200 200 200 200 200"),
    ("API schema", "/api/schema/", "                                      200 200 200 200 200 200 200 200 200"),
    # --- exports and reports ------------------------------------------------------------------------------
    ("汇总表 CSV", "/reports/suggestions.csv", "                            200 200 200 200 200 200 200 200 200"),
    ("汇总表 Excel", "/reports/suggestions.xlsx", "                         200 200 200 200 200 200 200 200 200"),
    ("CSV of my suggestions", "/reports/suggestions.csv?scope=mine", "    403 200 200 200 403 403 403 403 403"),
    ("CSV of the inbox", "/reports/suggestions.csv?scope=inbox", "        403 403 403 403 200 200 200 403 403"),
    ("CSV of a staff queue", "/reports/suggestions.csv?scope=queue&queue=review", "403 403 403 403 403 403 403 200 403"),
    ("delegates CSV", "/reports/delegates.csv", "                         200 200 200 200 200 200 200 200 200"),
    ("supervision (督办)", "/reports/supervision/", "                      302 403 403 403 403 403 403 200 200"),
    ("report (办理情况报告)", "/reports/report/", "                          302 403 403 403 403 403 403 200 200"),
    ("report as PDF", "/reports/report.pdf", "                             302 403 403 403 403 403 403 200 200"),
    # --- admin (staff only; everyone else is sent to the admin's login) ----------------------------------
    ("admin index", "/admin/", "                                          302 302 302 302 302 302 302 200 302"),
    ("admin suggestions", "/admin/suggestions/suggestion/", "             302 302 302 302 302 302 302 200 302"),
    ("admin S1", "/admin/suggestions/suggestion/{s1}/change/", "          302 302 302 302 302 302 302 200 302"),
    ("admin S1 history", "/admin/suggestions/suggestion/{s1}/history/", " 302 302 302 302 302 302 302 200 302"),
    ("admin S1 step", "/admin/suggestions/suggestion/{s1}/step/publish/", "302 302 302 302 302 302 302 200 302"),
    ("admin reply", "/admin/suggestions/reply/{r1}/change/", "            302 302 302 302 302 302 302 200 302"),
    ("admin events", "/admin/suggestions/event/", "                       302 302 302 302 302 302 302 200 302"),
    ("admin event", "/admin/suggestions/event/{ev_contact1}/change/", "   302 302 302 302 302 302 302 200 302"),
    ("admin delegate D1", "/admin/delegates/delegate/{d1}/change/", "     302 302 302 302 302 302 302 200 302"),
    ("admin department", "/admin/departments/department/{L}/change/", "   302 302 302 302 302 302 302 200 302"),
    ("admin users", "/admin/auth/user/", "                                302 302 302 302 302 302 302 200 302"),
    ("admin tokens", "/admin/authtoken/tokenproxy/", "                    302 302 302 302 302 302 302 200 302"),
    ("admin login failures", "/admin/accounts/loginfailure/", "           302 302 302 302 302 302 302 200 302"),
    # --- REST API (reading is public, scoped by get_queryset) ---------------------------------------------
    ("API suggestions", "/api/v1/suggestions/", "                         200 200 200 200 200 200 200 200 200"),
    ("API suggestions export", "/api/v1/suggestions/export/", "           200 200 200 200 200 200 200 200 200"),
    ("API S1", "/api/v1/suggestions/{s1}/", "                             200 200 200 200 200 200 200 200 200"),
    ("API S2", "/api/v1/suggestions/{s2}/", "                             200 200 200 200 200 200 200 200 200"),
    ("API S3", "/api/v1/suggestions/{s3}/", "                             200 200 200 200 200 200 200 200 200"),
    ("API assignments", "/api/v1/assignments/", "                         200 200 200 200 200 200 200 200 200"),
    ("API S1 lead assignment", "/api/v1/assignments/{a1}/", "             404 200 200 404 200 200 404 200 200"),
    ("API contacts", "/api/v1/contacts/", "                               200 200 200 200 200 200 200 200 200"),
    ("API S1 contact", "/api/v1/contacts/{contact1}/", "                  404 200 200 404 200 200 404 200 200"),
    ("API progress updates", "/api/v1/progress-updates/", "               200 200 200 200 200 200 200 200 200"),
    ("API S1 progress", "/api/v1/progress-updates/{progress1}/", "        404 200 200 404 200 200 404 200 200"),
    ("API co-opinions", "/api/v1/co-opinions/", "                         200 200 200 200 200 200 200 200 200"),
    ("API S1 co-opinion", "/api/v1/co-opinions/{opinion1}/", "            404 200 200 404 200 200 404 200 200"),
    ("API extension requests", "/api/v1/extension-requests/", "           200 200 200 200 200 200 200 200 200"),
    ("API S1 extension", "/api/v1/extension-requests/{extension1}/", "    404 200 200 404 200 200 404 200 200"),
    ("API replies", "/api/v1/replies/", "                                 200 200 200 200 200 200 200 200 200"),
    ("API S1 reply (unpublished)", "/api/v1/replies/{r1}/", "             404 200 200 404 200 200 404 200 200"),
    ("API S2 reply (published)", "/api/v1/replies/{r2}/", "               200 200 200 200 200 200 200 200 200"),
    ("API ratings", "/api/v1/ratings/", "                                 200 200 200 200 200 200 200 200 200"),
    ("API S1 rating", "/api/v1/ratings/{rating1}/", "                     404 200 200 404 200 200 404 200 200"),
    ("API events", "/api/v1/events/", "                                   200 200 200 200 200 200 200 200 200"),
    ("API events export", "/api/v1/events/export/", "                     200 200 200 200 200 200 200 200 200"),
    ("API S1 register event (public)", "/api/v1/events/{ev_register1}/", "200 200 200 200 200 200 200 200 200"),
    ("API S1 contact event (private)", "/api/v1/events/{ev_contact1}/", " 404 200 200 404 200 200 404 200 200"),
    ("API delegates", "/api/v1/delegates/", "                             200 200 200 200 200 200 200 200 200"),
    ("API delegate D1", "/api/v1/delegates/{d1}/", "                      200 200 200 200 200 200 200 200 200"),
    ("API delegate D4", "/api/v1/delegates/{d4}/", "                      200 200 200 200 200 200 200 200 200"),
    ("API departments", "/api/v1/departments/", "                         200 200 200 200 200 200 200 200 200"),
    ("API sessions", "/api/v1/sessions/", "                               200 200 200 200 200 200 200 200 200"),
    ("API themes", "/api/v1/themes/", "                                   200 200 200 200 200 200 200 200 200"),
    ("API stats overview", "/api/v1/stats/overview/", "                   200 200 200 200 200 200 200 200 200"),
    ("API stats by theme", "/api/v1/stats/by-theme/", "                   200 200 200 200 200 200 200 200 200"),
    ("API stats by department", "/api/v1/stats/by-department/", "         200 200 200 200 200 200 200 200 200"),
    ("API stats by round", "/api/v1/stats/by-round/", "                   200 200 200 200 200 200 200 200 200"),
    ("API stats by month", "/api/v1/stats/by-month/", "                   200 200 200 200 200 200 200 200 200"),
]
# fmt: on

LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


def expected(codes: str) -> dict[str, int]:
    values = codes.split()
    assert len(values) == len(ROLES), codes
    return dict(zip(ROLES, map(int, values), strict=True))


def test_every_role_is_a_column_and_every_row_is_complete():
    for what, _address, codes in READ_MATRIX:
        assert len(codes.split()) == len(ROLES), what
    assert len({address for _what, address, _codes in READ_MATRIX}) == len(READ_MATRIX)


@pytest.mark.parametrize(("what", "address", "codes"), READ_MATRIX, ids=[row[0] for row in READ_MATRIX])
def test_read_matrix(world, what, address, codes):
    url = address.format(**world.ids)
    observed, leaks = {}, {}
    for role in ROLES:
        client = world.api(role) if url.startswith("/api/v1/") else world.page(role)
        response = client.get(url)
        observed[role] = response.status_code
        if response.status_code == 302:
            assert response["Location"].split("?")[0] in LOGIN_PAGES, (role, response["Location"])
        if response.status_code == 200:
            found = leaked(role, body_text(response))
            if found:
                leaks[role] = found
    assert observed == expected(codes)
    assert leaks == {}


def test_the_markers_are_shown_where_allowed(world):
    """The leak search is not vacuous: the secrets do appear to those who may read them."""
    staff_page = body_text(world.page("staff").get(f"/suggestions/{world.ids['s1']}/"))
    for marker in ("SECRET-CONTACT-S1", "SECRET-PROGRESS-S1", "SECRET-OPINION-S1", "SECRET-EXTENSION-S1"):
        assert marker in staff_page
    for role in ("lead", "co", "LH", "CH", "staff", "dash"):
        detail = body_text(world.api(role).get(f"/api/v1/suggestions/{world.ids['s1']}/"))
        assert "SECRET-REPLY-S1" in detail and "SECRET-RATING-S1" in detail, role
    for role in ("lead", "staff"):
        page = body_text(world.page(role).get(f"/delegates/{world.ids['d1']}/"))
        assert "13900000001" in page and "d1.secret@example.org" in page, role
    assert "13900000004" in body_text(world.page("staff").get("/reports/delegates.csv"))
    assert "PUBLIC-REPLY-S2" in body_text(world.page("anon").get(f"/suggestions/{world.ids['s2']}/"))
    letter = world.page("LH").get(f"/replies/{world.ids['r1']}/letter.pdf")
    assert "SECRET-LETTER-S1" in body_text(letter)


@pytest.mark.parametrize("role", ["LH", "CH"])
def test_a_handler_of_another_department_reads_only_the_public_part(world, role):
    """S2 belongs to department O: S1's handlers read what the public reads of it, not its record."""
    data = world.api(role).get(f"/api/v1/suggestions/{world.ids['s2']}/").json()
    assert data["details_visible"] is False
    assert data["contacts"] is None and data["progress_updates"] is None and data["assignments"] is None
    (reply,) = data["replies"]  # published in full
    assert reply["text"] == "PUBLIC-REPLY-S2" and reply["contact_person"] is None
    assert reply["contact_phone"] is None
    page = body_text(world.page(role).get(f"/suggestions/{world.ids['s2']}/"))
    assert "TITLE-S2" in page and "PUBLIC-REPLY-S2" in page
    assert "SECRET-CONTACT-S2" not in page and "SECRET-PROGRESS-S2" not in page
    assert world.api(role).get("/api/v1/suggestions/999999/").status_code == 404  # 404: no such one


@pytest.mark.parametrize("role", ROLES)
def test_list_filters_do_not_reveal_hidden_rows(world, role):
    """Filtering the lists by another department or by text finds nothing the role may not read."""
    client = world.api(role)
    for url in (
        f"/api/v1/suggestions/?department={world.ids['L']}",
        "/api/v1/suggestions/?q=TITLE",
        f"/api/v1/contacts/?suggestion={world.ids['s1']}",
        f"/api/v1/replies/?suggestion={world.ids['s1']}&publication=unpublished",
        f"/api/v1/events/?suggestion={world.ids['s1']}&kind=contact",
        f"/api/v1/stats/by-department/?department={world.ids['L']}",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:200])
        assert leaked(role, body_text(response)) == [], url
    page = world.page(role).get("/suggestions/?q=SECRET")
    assert page.status_code == 200 and leaked(role, body_text(page)) == []


# ---------------------------------------------------------------------------------------------------------
# Acting: every workflow step (POST /api/v1/suggestions/{id}/<step>/) from the state it needs
# ---------------------------------------------------------------------------------------------------------
# The same rule holds for the pages (/suggestions/{id}/<step>/): 401 there is 302 to the login page; the
# other codes are the same, a GET of an allowed step shows its form (200). Denied roles change nothing.
#                                                                           anon lead co  oth LH  CH  OH  staff dash
# fmt: off
ACTION_MATRIX: list[tuple[str, str, str]] = [
    ("assign", "registered", "                                                401 403 403 403 403 403 403 200 403"),
    ("not_accept", "registered", "                                            401 403 403 403 403 403 403 200 403"),
    ("supervision", "registered", "                                           401 403 403 403 403 403 403 200 403"),
    ("merge", "assigned", "                                                   401 403 403 403 403 403 403 200 403"),
    ("acknowledge", "assigned", "                                             401 403 403 403 200 200 403 200 403"),
    ("request_reassignment", "assigned", "                                    401 403 403 403 200 200 403 403 403"),
    ("approve_reassignment", "reassignment_requested", "                      401 403 403 403 403 403 403 200 403"),
    ("reject_reassignment", "reassignment_requested", "                       401 403 403 403 403 403 403 200 403"),
    ("contact", "in_progress", "                                              401 403 403 403 200 200 403 200 403"),
    ("progress", "in_progress", "                                             401 403 403 403 200 200 403 200 403"),
    ("co_opinion", "in_progress", "                                           401 403 403 403 403 200 403 200 403"),
    ("request_extension", "in_progress", "                                    401 403 403 403 200 403 403 403 403"),
    ("approve_extension", "extension_requested", "                            401 403 403 403 403 403 403 200 403"),
    ("reject_extension", "extension_requested", "                             401 403 403 403 403 403 403 200 403"),
    ("waive_co_opinion", "in_progress", "                                     401 403 403 403 403 403 403 200 403"),
    ("reply", "co_opinion_given", "                                           401 403 403 403 200 403 403 200 403"),
    ("rate", "replied", "                                                     401 200 200 403 403 403 403 200 403"),
    ("close", "replied", "                                                    401 403 403 403 403 403 403 200 403"),
    ("publish", "replied", "                                                  401 403 403 403 403 403 403 200 403"),
    ("unpublish", "published", "                                              401 403 403 403 403 403 403 200 403"),
    ("rehandle", "review", "                                                  401 403 403 403 403 403 403 200 403"),
    ("withdraw", "assigned", "                                                401 200 403 403 403 403 403 200 403"),
    ("follow_up", "closed", "                                                 401 403 403 403 200 403 403 200 403"),
]
# fmt: on


def _prepare(world, state: str) -> int:
    """A fresh suggestion of S1's people and departments, brought to `state` by the workflow."""
    from delegates.models import Delegate
    from departments.models import Department
    from suggestions import workflow
    from tests import factories
    from tests.security.conftest import reply_data

    u = world.users
    L, C = (
        Department.objects.get(name="太仓市发展和改革委员会"),
        Department.objects.get(name="太仓市交通运输局"),
    )
    s = factories.SuggestionFactory(
        title="ACTION", proposers=[Delegate.objects.get(name="汪香元"), Delegate.objects.get(name="杨锐")]
    )
    if state == "registered":
        return s.pk
    workflow.assign(suggestion=s, lead=L, co_handlers=[C], by=u["staff"])
    if state == "assigned":
        return s.pk
    if state == "reassignment_requested":
        workflow.request_reassignment(suggestion=s, reason="不属于本单位职责", by=u["LH"])
        return s.pk
    workflow.acknowledge(suggestion=s, by=u["LH"])
    if state == "in_progress":  # the co-handler's opinion still awaited
        return s.pk
    if state == "co_opinion_given":
        workflow.give_co_opinion(suggestion=s, text="协办意见", by=u["CH"])
        return s.pk
    if state == "extension_requested":
        s.refresh_from_db()
        workflow.request_extension(
            suggestion=s, requested_due=s.due_date + dt.timedelta(days=10), reason="需要协调", by=u["LH"]
        )
        return s.pk
    workflow.give_co_opinion(suggestion=s, text="协办意见", by=u["CH"])  # the reply waits for it
    workflow.reply(suggestion=s, by=u["LH"], **reply_data(category="B"))
    if state == "replied":
        return s.pk
    if state == "published":
        workflow.publish(suggestion=s, mode="full", by=u["staff"])
        return s.pk
    if state == "review":
        workflow.rate(
            suggestion=s, attitude="satisfied", result="unsatisfied", comment="未解决", by=u["lead"]
        )
        return s.pk
    if state == "closed":
        workflow.rate(suggestion=s, attitude="satisfied", result="satisfied", by=u["lead"])
        return s.pk
    raise AssertionError(state)


def _body(world, step: str, pk: int) -> dict:
    from suggestions.models import Suggestion

    due = Suggestion.objects.get(pk=pk).due_date or timezone.localdate()
    return {
        "assign": {"lead": world.ids["L"]},
        "not_accept": {"reason": "不属于建议范围"},
        "supervision": {"on": True},
        "merge": {"other": _partner_number(pk), "note": "同一事项"},
        "acknowledge": {},
        "request_reassignment": {"reason": "不属于本单位职责"},
        "approve_reassignment": {"new_department": _other_department()},
        "reject_reassignment": {"note": "请继续办理"},
        "contact": {"method": "phone", "notes": "电话沟通"},
        "progress": {"text": "正在办理"},
        "co_opinion": {"text": "协办意见"},
        "waive_co_opinion": {"reason": "协办单位逾期未提交意见"},
        "request_extension": {"requested_due": (due + dt.timedelta(days=10)).isoformat(), "reason": "协调"},
        "approve_extension": {},
        "reject_extension": {"note": "不同意延期"},
        "reply": {
            "category": "A",
            "doc_number": "太发改函〔2023〕99号",
            "signer": "张三",
            "contact_person": "李四",
            "contact_phone": "0512-53500000",
            "text": "答复",
        },
        "rate": {"attitude": "satisfied", "result": "satisfied"},
        "close": {"reason": "代表逾期未评价"},
        "publish": {"mode": "full"},
        "unpublish": {"note": "撤销公开"},
        "rehandle": {"note": "重新办理"},
        "withdraw": {"reason": "代表申请撤回"},
        "follow_up": {"text": "已落实"},
    }[step]


def _partner_number(pk: int) -> int:
    """A fresh suggestion of the same session to link with (并案办理)."""
    from suggestions.models import Suggestion
    from tests import factories

    return factories.SuggestionFactory(session=Suggestion.objects.get(pk=pk).session, title="PARTNER").number


def _other_department() -> int:
    from departments.models import Department

    return Department.objects.get(name="太仓市教育局").pk


def test_every_step_is_in_the_action_matrix():
    from suggestions.workflow import STEPS

    assert {step for step, _state, _codes in ACTION_MATRIX} == set(STEPS)


@pytest.mark.parametrize(("step", "state", "codes"), ACTION_MATRIX, ids=[row[0] for row in ACTION_MATRIX])
def test_action_matrix(world, step, state, codes):
    """Each role tries the step on the page (GET the form; POST it when refused) and through the API.

    Refused roles all try the same suggestion, which must not change; each allowed role gets a fresh one.
    """
    want = expected(codes)
    shared = _prepare(world, state)
    before = suggestion_state(shared)
    api_codes, page_codes, leaks = {}, {}, {}
    for role in ROLES:
        allowed = want[role] == 200
        pk = _prepare(world, state) if allowed else shared
        url = f"/suggestions/{pk}/{step}/"
        data = _body(world, step, pk)
        page = world.page(role)
        shown = page.get(url)
        page_codes[role] = shown.status_code
        if shown.status_code == 302:
            assert shown["Location"].startswith("/accounts/login/"), (role, shown["Location"])
        if not allowed:
            posted = page.post(url, {k: v for k, v in data.items() if v != {}})
            assert posted.status_code == shown.status_code, role
        events = Event.objects.filter(suggestion_id=pk).count()

        response = world.api(role).post(f"/api/v1/suggestions/{pk}/{step}/", data, format="json")

        api_codes[role] = response.status_code
        if allowed:
            assert Event.objects.filter(suggestion_id=pk).count() == events + 1, role
            if found := leaked(role, body_text(response)):
                leaks[role] = found
        else:
            assert response.json()["error"]["code"] in {"not_authenticated", "permission_denied", "not_found"}
            assert suggestion_state(pk) == before, role
    assert api_codes == want
    assert page_codes == {role: 302 if code == 401 else code for role, code in want.items()}
    assert leaks == {}


def test_registering_a_suggestion_is_for_staff_only(world):
    from delegates.models import Delegate

    proposer = Delegate.objects.get(name="王晓红").pk
    observed = {}
    for number, role in enumerate(ROLES, start=500):
        data = {
            "session": world.ids["session"],
            "theme": world.ids["theme"],
            "number": number,
            "position": number,
            "title": "新建议",
            "text": "内容",
            "proposers": [proposer],
        }
        observed[role] = world.api(role).post("/api/v1/suggestions/", data, format="json").status_code
    assert observed == expected("401 403 403 403 403 403 403 201 403")
