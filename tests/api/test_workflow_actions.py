"""One success and one failure per workflow step through the API (the rules are tested in test_workflow.py).

Each success proves the action reaches the workflow and returns the updated suggestion; each failure
proves a workflow error comes back as a 400 naming the field, or a 403.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Status
from tests import factories


def post(client, suggestion, step, data=None, **kwargs):
    return client.post(f"/api/v1/suggestions/{suggestion.pk}/{step}/", data or {}, **kwargs)


def ok(response, status=Status.IN_PROGRESS):
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    return response.json()


def error(response, status_code=400, field=None, code=None):
    assert response.status_code == status_code, response.content
    body = response.json()["error"]
    if field:
        assert field in body["fields"], body
    if code:
        assert body["code"] == code, body
    return body


# -- registration and assignment -----------------------------------------------------------------------


def test_register(api, staff):
    theme = factories.ThemeFactory()
    delegates = [factories.DelegateFactory(), factories.DelegateFactory()]
    data = {
        "session": theme.session_id,
        "theme": theme.pk,
        "number": 31,
        "position": 9,
        "title": "新增建议",
        "text": "建议内容。",
        "proposers": [d.pk for d in delegates],
    }
    response = api(staff).post("/api/v1/suggestions/", data)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.REGISTERED
    assert response["Location"] == f"http://testserver/api/v1/suggestions/{response.json()['id']}/"
    assert [p["name"] for p in response.json()["proposers"]] == [d.name for d in delegates]


def test_register_by_a_delegate_is_forbidden(api, lead_delegate_user, suggestion):
    data = {
        "session": suggestion.session_id,
        "theme": suggestion.theme_id,
        "number": 99,
        "position": 99,
        "title": "x",
        "text": "y",
        "proposers": [suggestion.lead_delegate.pk],
    }
    error(api(lead_delegate_user).post("/api/v1/suggestions/", data), 403, code="permission_denied")


def test_assign(api, staff, suggestion, lead_department, co_department):
    data = ok(
        post(
            api(staff), suggestion, "assign", {"lead": lead_department.pk, "co_handlers": [co_department.pk]}
        ),
        Status.ASSIGNED,
    )
    assert [h["role"] for h in data["handlers"]] == ["lead", "co"]


def test_assign_lead_as_co_handler_is_a_field_error(api, staff, suggestion, lead_department):
    body = error(
        post(
            api(staff),
            suggestion,
            "assign",
            {"lead": lead_department.pk, "co_handlers": [lead_department.pk]},
        ),
        field="co_handlers",
    )
    assert body["message"]


def test_not_accept(api, staff, suggestion):
    ok(post(api(staff), suggestion, "not_accept", {"reason": "不属于建议范围"}), Status.NOT_ACCEPTED)


def test_not_accept_without_reason(api, staff, suggestion):
    error(post(api(staff), suggestion, "not_accept", {}), field="reason", code="invalid")


def test_supervision(api, staff, assigned):
    assert ok(post(api(staff), assigned, "supervision", {"on": True}), Status.ASSIGNED)["key_supervision"]


def test_supervision_unchanged_is_rejected(api, staff, assigned):
    error(post(api(staff), assigned, "supervision", {"on": False}), code="unchanged")


# -- departments ---------------------------------------------------------------------------------------


def test_acknowledge(api, lead_handler, assigned):
    ok(post(api(lead_handler), assigned, "acknowledge"))


def test_acknowledge_by_a_delegate_is_forbidden(api, lead_delegate_user, assigned):
    error(post(api(lead_delegate_user), assigned, "acknowledge"), 403, code="permission_denied")


def test_request_reassignment(api, co_handler, assigned):
    ok(
        post(api(co_handler), assigned, "request_reassignment", {"reason": "不属于本单位职责"}),
        Status.ASSIGNED,
    )


def test_request_reassignment_without_reason(api, co_handler, assigned):
    error(post(api(co_handler), assigned, "request_reassignment", {"reason": "  "}), field="reason")


@pytest.fixture
def reassignment_requested(assigned, co_handler):
    workflow.request_reassignment(suggestion=assigned, reason="不属于本单位职责", by=co_handler)
    return assigned


def test_approve_reassignment(api, staff, reassignment_requested, other_department):
    data = ok(
        post(
            api(staff),
            reassignment_requested,
            "approve_reassignment",
            {"new_department": other_department.pk},
        ),
        Status.ASSIGNED,
    )
    assert other_department.pk in {h["department"]["id"] for h in data["handlers"]}


def test_approve_reassignment_to_a_handling_department(api, staff, reassignment_requested, lead_department):
    error(
        post(
            api(staff), reassignment_requested, "approve_reassignment", {"new_department": lead_department.pk}
        ),
        field="new_department",
    )


def test_reject_reassignment(api, staff, reassignment_requested):
    ok(
        post(api(staff), reassignment_requested, "reject_reassignment", {"note": "请继续办理"}),
        Status.ASSIGNED,
    )


def test_reject_reassignment_without_request(api, staff, assigned):
    error(post(api(staff), assigned, "reject_reassignment", {"note": "请继续办理"}), field="assignment")


def test_contact(api, lead_handler, in_progress):
    data = ok(post(api(lead_handler), in_progress, "contact", {"method": "meet", "notes": "当面沟通"}))
    assert data["contacts"][0]["method"] == "meet"


def test_contact_with_unknown_method(api, lead_handler, in_progress):
    error(post(api(lead_handler), in_progress, "contact", {"method": "fax"}), field="method")


def test_progress(api, lead_handler, in_progress):
    assert ok(post(api(lead_handler), in_progress, "progress", {"text": "正在推进"}))["progress_updates"]


def test_progress_dated_in_the_future(api, lead_handler, in_progress):
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    error(
        post(api(lead_handler), in_progress, "progress", {"text": "x", "reported_on": tomorrow}),
        field="reported_on",
    )


def test_co_opinion(api, co_handler, in_progress):
    assert ok(post(api(co_handler), in_progress, "co_opinion", {"text": "协办意见"}))["co_opinions"]


def test_co_opinion_by_the_lead_department_is_forbidden(api, lead_handler, in_progress):
    error(post(api(lead_handler), in_progress, "co_opinion", {"text": "协办意见"}), 403)


def test_request_extension(api, lead_handler, in_progress):
    later = (in_progress.due_date + dt.timedelta(days=20)).isoformat()
    data = ok(
        post(
            api(lead_handler),
            in_progress,
            "request_extension",
            {"requested_due": later, "reason": "需要协调"},
        )
    )
    assert data["extension_requests"][0]["status"] == "pending"


def test_request_extension_to_an_earlier_date(api, lead_handler, in_progress):
    earlier = (in_progress.due_date - dt.timedelta(days=1)).isoformat()
    error(
        post(api(lead_handler), in_progress, "request_extension", {"requested_due": earlier, "reason": "x"}),
        field="requested_due",
    )


@pytest.fixture
def extension_requested(in_progress, lead_handler):
    later = in_progress.due_date + dt.timedelta(days=20)
    workflow.request_extension(
        suggestion=in_progress, requested_due=later, reason="需要协调", by=lead_handler
    )
    return in_progress


def test_approve_extension(api, staff, extension_requested):
    old = extension_requested.due_date
    data = ok(post(api(staff), extension_requested, "approve_extension"))
    assert data["due_date"] == (old + dt.timedelta(days=20)).isoformat()


def test_approve_extension_to_a_wrong_date_names_the_input_field(api, staff, extension_requested):
    """The workflow checks the new date as ``requested_due``; the client sent ``due``: the error says ``due``."""
    earlier = (extension_requested.due_date - dt.timedelta(days=1)).isoformat()
    body = error(post(api(staff), extension_requested, "approve_extension", {"due": earlier}), field="due")
    assert "requested_due" not in body["fields"]


def test_approve_extension_without_request(api, staff, in_progress):
    error(post(api(staff), in_progress, "approve_extension"), code="no_request")


def test_reject_extension(api, staff, extension_requested):
    ok(post(api(staff), extension_requested, "reject_extension", {"note": "请按期答复"}))


def test_reject_extension_without_note(api, staff, extension_requested):
    error(post(api(staff), extension_requested, "reject_extension", {}), field="note")


# -- reply, rating, review -----------------------------------------------------------------------------

REPLY = {
    "category": "A",
    "doc_number": "太发改函〔2023〕12号",
    "signer": "张三",
    "contact_person": "李四",
    "contact_phone": "0512-53500000",
    "text": "经研究，答复如下。",
}


@pytest.fixture
def co_opinions_in(in_progress):
    """In progress, the co-handlers' opinions given: what the lead needs before replying."""
    factories.co_opinions(in_progress)
    return in_progress


def test_reply(api, lead_handler, co_opinions_in):
    data = ok(post(api(lead_handler), co_opinions_in, "reply", REPLY), Status.REPLIED)
    assert data["replies"][0]["category"] == "A" and data["replies"][0]["on_time"]


def test_reply_before_the_co_handlers_opinions(api, lead_handler, in_progress):
    error(post(api(lead_handler), in_progress, "reply", REPLY), code="co_opinion_awaited")


def test_reply_with_the_signed_letter_as_multipart(api, lead_handler, co_opinions_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("reply.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    data = ok(
        post(api(lead_handler), co_opinions_in, "reply", {**REPLY, "pdf": pdf}, format="multipart"),
        Status.REPLIED,
    )
    assert data["replies"][0]["pdf"].endswith(".pdf")


def test_reply_with_a_letter_that_is_not_a_pdf(api, lead_handler, co_opinions_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("reply.pdf", b"<html>not a pdf", content_type="application/pdf")
    error(
        post(api(lead_handler), co_opinions_in, "reply", {**REPLY, "pdf": fake}, format="multipart"),
        field="pdf",
    )


def test_reply_with_unknown_category(api, lead_handler, in_progress):
    error(post(api(lead_handler), in_progress, "reply", {**REPLY, "category": "E"}), field="category")


def test_rate(api, lead_delegate_user, replied):
    data = ok(
        post(api(lead_delegate_user), replied, "rate", {"attitude": "satisfied", "result": "basically"}),
        Status.CLOSED,
    )
    assert data["ratings"][0]["is_lead"]


def test_rate_unsatisfied_without_comment(api, lead_delegate_user, replied):
    error(
        post(api(lead_delegate_user), replied, "rate", {"attitude": "satisfied", "result": "unsatisfied"}),
        field="comment",
    )


@pytest.fixture
def under_review(replied, lead_delegate_user):
    workflow.rate(
        suggestion=replied,
        attitude="satisfied",
        result="unsatisfied",
        comment="没解决",
        by=lead_delegate_user,
    )
    return replied


def test_rehandle(api, staff, under_review):
    assert ok(post(api(staff), under_review, "rehandle", {"note": "请重新办理"}))["round"] == 2


def test_rehandle_before_review(api, staff, replied):
    error(post(api(staff), replied, "rehandle", {"note": "请重新办理"}), code="invalid_state")


def test_close(api, staff, under_review):
    ok(post(api(staff), under_review, "close", {"reason": "已做解释"}), Status.CLOSED)


def test_close_by_a_department_is_forbidden(api, lead_handler, replied):
    error(post(api(lead_handler), replied, "close", {"reason": "x"}), 403)


def test_withdraw(api, lead_delegate_user, assigned):
    ok(post(api(lead_delegate_user), assigned, "withdraw"), Status.WITHDRAWN)


def test_withdraw_by_a_co_proposer_is_forbidden(api, co_proposer_user, assigned):
    error(post(api(co_proposer_user), assigned, "withdraw"), 403)


# -- publication and follow-up -------------------------------------------------------------------------


def test_publish(api, staff, replied):
    assert (
        ok(post(api(staff), replied, "publish", {"mode": "full"}), Status.REPLIED)["replies"][0][
            "publication"
        ]
        == "full"
    )


def test_publish_with_unknown_mode(api, staff, replied):
    error(post(api(staff), replied, "publish", {"mode": "all"}), field="mode")


def test_unpublish(api, staff, replied):
    workflow.publish(suggestion=replied, mode="full", by=staff)
    data = ok(post(api(staff), replied, "unpublish", {"note": "内容有误"}), Status.REPLIED)
    assert data["replies"][0]["publication"] == "unpublished"


def test_unpublish_an_unpublished_reply(api, staff, replied):
    error(post(api(staff), replied, "unpublish", {"note": "x"}), code="unchanged")


def test_follow_up(api, lead_handler, lead_delegate_user, replied):
    workflow.rate(suggestion=replied, attitude="satisfied", result="satisfied", by=lead_delegate_user)
    data = ok(
        post(api(lead_handler), replied, "follow_up", {"text": "已落实一半", "fulfilled": False}),
        Status.CLOSED,
    )
    assert data["progress_updates"][-1]["kind"] == "follow_up"


def test_follow_up_before_closing(api, lead_handler, replied):
    error(post(api(lead_handler), replied, "follow_up", {"text": "x"}), code="invalid_state")


def test_every_step_has_an_action(api):
    from suggestions.api.serializers import StepInput
    from suggestions.api.views import SuggestionViewSet
    from suggestions.workflow import STEPS

    actions = {a.url_path for a in SuggestionViewSet.get_extra_actions()}
    assert set(STEPS) <= actions
    assert all(issubclass(step.input_class(), StepInput) for step in STEPS.values())


def test_available_actions_are_listed_for_the_viewer(api, staff, lead_handler, assigned):
    assert (
        "acknowledge"
        in api(lead_handler).get(f"/api/v1/suggestions/{assigned.pk}/").json()["available_actions"]
    )
    assert "assign" not in api(staff).get(f"/api/v1/suggestions/{assigned.pk}/").json()["available_actions"]
