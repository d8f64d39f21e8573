"""The whole cycle in the browser with nothing but the web server running (no task worker, no reminder
run): staff assign, the department sees the new task in its 提醒, replies, and the delegate finds the
"please rate" notification at once and rates from it; only the e-mails wait for the worker."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from notifications.models import EmailStatus, Kind, Notification
from suggestions.models import Status
from suggestions.policy.groups import ensure_role_groups
from tests import factories
from tests.browser.conftest import PHONE, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def cast(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as `make run`: queued only
    ensure_role_groups()
    department = factories.DepartmentFactory(name="太仓市住房和城乡建设局", short_name="住房和城乡建设局")
    suggestion = factories.SuggestionFactory(title="提质老旧小区", text="加快老旧小区加装电梯。")
    return {
        "department": department,
        "suggestion": suggestion,
        "staff": factories.staff_user(username="n_staff"),
        "handler": factories.handler_user(department, username="n_handler", email="zhujian@example.test"),
        "delegate": factories.delegate_user(suggestion.lead_delegate, username="n_delegate"),
    }


def test_the_delegate_sees_the_reply_notification_without_any_worker(browser, live_server, cast):
    s = cast["suggestion"]
    detail = f"{live_server.url}/suggestions/{s.pk}/"

    # Staff assign it on the 交办 step of the suggestion page.
    page = new_page(browser, live_server, cast["staff"])
    page.goto(detail)
    page.locator("#main").get_by_role("link", name="交办", exact=True).click()
    page.select_option("#id_lead", str(cast["department"].pk))
    page.locator("main form.stacked button[type=submit]").click()
    page.wait_for_url(detail)
    page.context.close()

    # The department's handler sees the new task in 提醒 at once, signs for it and replies.
    page = new_page(browser, live_server, cast["handler"])
    page.goto(f"{live_server.url}/")
    assert page.locator(".notifications-badge .badge").inner_text() == "1"
    page.goto(f"{live_server.url}/notifications/")
    assert "新交办" in page.inner_text("main")
    page.goto(detail)
    page.locator("#main").get_by_role("link", name="签收", exact=True).click()
    page.locator("main form.stacked button[type=submit]").click()
    page.wait_for_url(detail)
    page.locator("#main").get_by_role("link", name="答复", exact=True).click()
    page.check("input[name=category][value=A]")
    page.fill("#id_doc_number", "太住建函〔2023〕8号")
    page.fill("#id_signer", "王建华")
    page.fill("#id_contact_person", "刘晓")
    page.fill("#id_contact_phone", "0512-53510014")
    page.fill("#id_text", "经研究，加装电梯补贴已落实。")
    page.get_by_role("button", name="提交答复").click()
    page.wait_for_url(detail)
    page.context.close()

    # The delegate, on a phone, sees the notification appear and opens it.
    page = new_page(browser, live_server, cast["delegate"], viewport=PHONE)
    page.goto(f"{live_server.url}/")
    assert page.locator(".notifications-badge .badge").inner_text() == "1"
    page.goto(f"{live_server.url}/notifications/")
    assert "请评价" in page.inner_text("main")
    assert not page.problems
    page.context.close()

    note = Notification.objects.get(kind=Kind.RATING_REQUEST, recipient=cast["delegate"])
    s.refresh_from_db()
    assert s.status == Status.REPLIED and note.read_at is None
    # Only the e-mail waits for the worker: the handler's 新交办 e-mail is queued, not sent.
    assert Notification.objects.get(kind=Kind.ASSIGNED).email_status == EmailStatus.QUEUED
    assert DBTaskResult.objects.filter(status="READY").exists()
