"""The suggestion page and its step forms: what each role sees, and every action through the workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from suggestions import workflow
from suggestions.models import (
    AssignmentStatus,
    CoHandlerOpinion,
    ContactRecord,
    Event,
    EventKind,
    Publication,
    Rating,
    Reply,
    Status,
)
from tests import factories
from tests.pages.conftest import login, pdf_upload

pytestmark = pytest.mark.django_db


def detail_url(s) -> str:
    return reverse("suggestion_detail", args=[s.pk])


def step_url(s, step: str) -> str:
    return reverse("suggestion_step", args=[s.pk, step])


REPLY_DATA = {
    "category": "B",
    "doc_number": "太发改函〔2023〕12号",
    "signer": "张三",
    "contact_person": "李四",
    "contact_phone": "0512-53500000",
    "text": "经研究，答复如下：已列入明年计划。",
}


# -- who sees what -------------------------------------------------------------------------------------


def test_public_page_shows_text_and_departments_but_not_the_handling_record(
    client, in_progress, lead_handler
):
    workflow.log_contact(suggestion=in_progress, method="meet", notes="面商纪要：很私密", by=lead_handler)
    response = client.get(detail_url(in_progress))
    assert response.status_code == 200
    html = response.content.decode()
    assert in_progress.text in html
    assert "太仓市发展和改革委员会" in html  # departments and roles are public
    assert "面商纪要" not in html  # contact log is not
    assert "沟通联系" not in html
    assert in_progress.lead_delegate.phone not in html


def test_public_sees_a_reply_only_once_published(client, replied, staff):
    answer = replied.replies.get()
    assert answer.text not in client.get(detail_url(replied)).content.decode()
    workflow.publish(suggestion=replied, mode=Publication.FULL, by=staff)
    html = client.get(detail_url(replied)).content.decode()
    assert answer.text in html
    assert answer.contact_phone not in html  # the department's contact line stays internal


def test_title_only_publication_hides_the_reply_text(client, replied, staff):
    workflow.publish(suggestion=replied, mode=Publication.TITLE_ONLY, by=staff)
    html = client.get(detail_url(replied)).content.decode()
    assert replied.replies.get().text not in html
    assert "仅公开标题" in html


def test_proposer_sees_the_unpublished_reply_and_the_rate_action(replied, lead_delegate_user):
    html = login(lead_delegate_user).get(detail_url(replied)).content.decode()
    assert replied.replies.get().text in html
    assert step_url(replied, "rate") in html


def test_handler_of_another_department_reads_only_the_public_part(assigned, other_handler, lead_handler):
    workflow.log_contact(suggestion=assigned, method="meet", notes="面商纪要：很私密", by=lead_handler)
    response = login(other_handler).get(detail_url(assigned))
    assert response.status_code == 200
    html = response.content.decode()
    assert "面商纪要" not in html and "可进行的操作" not in html


def test_unknown_suggestion_is_404(client, db):
    assert client.get(reverse("suggestion_detail", args=[999999])).status_code == 404


def test_staff_sees_the_actions_they_may_take(assigned, staff):
    html = login(staff).get(detail_url(assigned)).content.decode()
    assert step_url(assigned, "supervision") in html
    assert step_url(assigned, "withdraw") in html
    assert step_url(assigned, "reply") not in html  # not in progress yet


def test_timeline_shows_events_the_viewer_may_see(client, in_progress, lead_handler):
    workflow.add_progress(suggestion=in_progress, text="已完成调研", by=lead_handler)
    public = client.get(detail_url(in_progress)).content.decode()
    assert "交办" in public
    assert "已完成调研" not in public
    own = login(lead_handler).get(detail_url(in_progress)).content.decode()
    assert "已完成调研" in own


# -- the step view -------------------------------------------------------------------------------------


def test_step_requires_login(client, assigned):
    response = client.get(step_url(assigned, "acknowledge"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_unknown_step_is_404(assigned, staff):
    assert login(staff).get(step_url(assigned, "explode")).status_code == 404


def test_acknowledge_moves_the_suggestion_into_handling(assigned, lead_handler):
    client = login(lead_handler)
    assert client.get(step_url(assigned, "acknowledge")).status_code == 200
    response = client.post(step_url(assigned, "acknowledge"))
    assert response.status_code == 302 and response["Location"] == detail_url(assigned)
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS


def test_acknowledge_twice_is_a_message_not_a_second_record(assigned, lead_handler):
    client = login(lead_handler)
    client.post(step_url(assigned, "acknowledge"))
    response = client.post(step_url(assigned, "acknowledge"), follow=True)
    assert "当前不能进行「签收」：没有待签收的交办" in response.content.decode()  # and says why
    assert assigned.events.filter(kind=EventKind.ACKNOWLEDGE).count() == 1


def test_request_reassignment_needs_a_reason(assigned, co_handler):
    client = login(co_handler)
    response = client.post(step_url(assigned, "request_reassignment"), {"reason": "  "})
    assert response.status_code == 200
    assert "该字段是必填项" in response.content.decode()
    response = client.post(step_url(assigned, "request_reassignment"), {"reason": "不属于本单位职责"})
    assert response.status_code == 302
    assert assigned.assignments.get(department__name="太仓市交通运输局").status == (
        AssignmentStatus.REASSIGN_REQUESTED
    )


def test_delegate_may_not_request_reassignment(assigned, lead_delegate_user):
    client = login(lead_delegate_user)
    assert client.get(step_url(assigned, "request_reassignment")).status_code == 403
    assert client.post(step_url(assigned, "request_reassignment"), {"reason": "x"}).status_code == 403


def test_contact_log_success_and_future_date_error(in_progress, lead_handler):
    client = login(lead_handler)
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(step_url(in_progress, "contact"), {"method": "meet", "contacted_on": future})
    assert response.status_code == 200
    assert "日期不能晚于今天" in response.content.decode()
    assert not ContactRecord.objects.exists()
    today = timezone.localdate().isoformat()
    response = client.post(step_url(in_progress, "contact"), {"method": "meet", "contacted_on": today})
    assert response.status_code == 302
    assert ContactRecord.objects.count() == 1


def test_co_opinion_by_the_co_handler_only(in_progress, co_handler, lead_handler):
    assert login(lead_handler).get(step_url(in_progress, "co_opinion")).status_code == 403
    client = login(co_handler)
    assert client.post(step_url(in_progress, "co_opinion"), {"text": ""}).status_code == 200
    assert client.post(step_url(in_progress, "co_opinion"), {"text": "同意主办意见"}).status_code == 302
    assert CoHandlerOpinion.objects.count() == 1


def test_progress_update(in_progress, lead_handler):
    response = login(lead_handler).post(step_url(in_progress, "progress"), {"text": "正在推进"})
    assert response.status_code == 302
    assert in_progress.progress_updates.count() == 1


def test_reply_form_shows_the_official_wording_of_each_category(in_progress, lead_handler):
    html = login(lead_handler).get(step_url(in_progress, "reply")).content.decode()
    assert "所提问题已经解决或者基本解决" in html
    assert "所提问题留作参考" in html
    assert 'enctype="multipart/form-data"' in html


def test_reply_with_pdf_then_a_double_submit_creates_one_reply(in_progress, lead_handler):
    factories.co_opinions(in_progress)  # a reply waits for the co-handlers' opinions
    client = login(lead_handler)
    response = client.post(step_url(in_progress, "reply"), {**REPLY_DATA, "pdf": pdf_upload()})
    assert response.status_code == 302
    answer = Reply.objects.get()
    assert answer.pdf.name.endswith(".pdf")
    again = client.post(step_url(in_progress, "reply"), {**REPLY_DATA, "pdf": pdf_upload()}, follow=True)
    assert "建议当前状态为「已答复」，不能进行「答复」。" in again.content.decode()
    assert Reply.objects.count() == 1


def test_reply_validation_errors_name_the_fields(in_progress, lead_handler):
    client = login(lead_handler)
    data = {**REPLY_DATA, "doc_number": "", "contact_phone": "abc"}
    response = client.post(step_url(in_progress, "reply"), {**data, "pdf": pdf_upload("x.pdf")})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_doc_number_error"' in html
    assert not Reply.objects.exists()
    fake = SimpleUploadedFile("fake.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    response = client.post(step_url(in_progress, "reply"), {**REPLY_DATA, "pdf": fake})
    assert "只能上传 PDF 文件" in response.content.decode()
    response = client.post(step_url(in_progress, "reply"), {**REPLY_DATA, "contact_phone": "电话abc"})
    assert "联系电话只能包含数字" in response.content.decode()
    assert not Reply.objects.exists()


def test_co_handler_may_not_reply(in_progress, co_handler):
    assert login(co_handler).post(step_url(in_progress, "reply"), REPLY_DATA).status_code == 403
    assert not Reply.objects.exists()


def test_dashboard_account_may_not_act(in_progress, dashboard):
    assert login(dashboard).get(step_url(in_progress, "reply")).status_code == 403


def test_unsatisfied_rating_needs_a_comment(replied, lead_delegate_user):
    client = login(lead_delegate_user)
    data = {"attitude": "satisfied", "result": "unsatisfied", "comment": ""}
    response = client.post(step_url(replied, "rate"), data)
    assert response.status_code == 200
    assert "评价为不满意时必须填写意见" in response.content.decode()
    assert not Rating.objects.exists()
    response = client.post(step_url(replied, "rate"), {**data, "comment": "问题没有解决"})
    assert response.status_code == 302
    replied.refresh_from_db()
    assert replied.status == Status.REVIEW


def test_other_delegate_may_not_rate(replied, other_delegate_user):
    assert login(other_delegate_user).post(step_url(replied, "rate"), {}).status_code == 403


def test_staff_order_rehandling_after_unsatisfied(replied, lead_delegate_user, staff):
    workflow.rate(
        suggestion=replied,
        attitude="basically",
        result="unsatisfied",
        comment="未解决",
        by=lead_delegate_user,
    )
    client = login(staff)
    assert client.post(step_url(replied, "rehandle"), {"note": ""}).status_code == 200
    response = client.post(step_url(replied, "rehandle"), {"note": "请重新办理"})
    assert response.status_code == 302
    replied.refresh_from_db()
    assert replied.round == 2 and replied.status == Status.IN_PROGRESS


def test_handler_may_not_order_rehandling(replied, lead_delegate_user, lead_handler):
    workflow.rate(
        suggestion=replied,
        attitude="satisfied",
        result="unsatisfied",
        comment="未解决",
        by=lead_delegate_user,
    )
    assert login(lead_handler).post(step_url(replied, "rehandle"), {"note": "x"}).status_code == 403


def test_publish_step(replied, staff):
    response = login(staff).post(step_url(replied, "publish"), {"mode": "full"})
    assert response.status_code == 302
    assert replied.replies.get().publication == Publication.FULL


def test_every_successful_step_left_an_event(in_progress, lead_handler):
    before = Event.objects.count()
    login(lead_handler).post(step_url(in_progress, "progress"), {"text": "推进中"})
    assert Event.objects.count() == before + 1


def test_csrf_is_enforced_on_steps(in_progress, lead_handler):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(lead_handler)
    assert client.post(step_url(in_progress, "progress"), {"text": "x"}).status_code == 403
    page = client.get(step_url(in_progress, "progress")).content.decode()
    assert "csrfmiddlewaretoken" in page


# -- the reply letter ----------------------------------------------------------------------------------


@pytest.fixture
def replied_with_pdf(in_progress, lead_handler):
    factories.reply(in_progress, lead_handler, pdf=pdf_upload())
    in_progress.refresh_from_db()
    return in_progress


def test_reply_pdf_is_private_until_published_in_full(client, replied_with_pdf, staff, lead_delegate_user):
    answer = replied_with_pdf.replies.get()
    url = reverse("reply_pdf", args=[answer.pk])
    assert client.get(url).status_code == 404
    response = login(lead_delegate_user).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    workflow.publish(suggestion=replied_with_pdf, mode=Publication.TITLE_ONLY, by=staff)
    assert client.get(url).status_code == 404
    workflow.publish(suggestion=replied_with_pdf, mode=Publication.FULL, by=staff)
    assert client.get(url).status_code == 200


def test_every_step_declares_a_form_for_the_pages_that_takes_its_workflow_arguments():
    import inspect

    from suggestions.forms import StepForm
    from suggestions.workflow import STEPS

    for step in STEPS.values():
        form = step.form_class()
        assert issubclass(form, StepForm), step.name
        accepted = set(inspect.signature(step.run.__wrapped__).parameters)
        assert set(form.base_fields) - {"confirm"} <= accepted | {"department"}, step.name
