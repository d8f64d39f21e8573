"""The pages in a real browser: Playwright driving Debian's Chromium against the live test server.

The browser and the page helper are in tests/browser/conftest.py; `scripts/ensure-chromium` installs
the browser for `make test` and CI.
"""

from __future__ import annotations

import pytest

from suggestions import workflow
from suggestions.models import Publication, Reply, Status
from suggestions.policy.groups import ensure_role_groups
from tests import factories
from tests.browser.conftest import PHONE, new_page
from tests.pages.conftest import PDF_BYTES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The session-wide live server starts before the per-test STATIC_ROOT exists; it serves static itself.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def people(db):
    ensure_role_groups()
    lead_department = factories.DepartmentFactory(
        name="太仓市发展和改革委员会", short_name="发展和改革委员会"
    )
    staff = factories.staff_user(username="b_staff")
    handler = factories.handler_user(lead_department, username="b_handler")
    suggestion = factories.SuggestionFactory(title="聚焦项目引建", text="大抓项目、抓大项目。")
    delegate = factories.delegate_user(suggestion.lead_delegate, username="b_delegate")
    workflow.assign(suggestion=suggestion, lead=lead_department, by=staff)
    workflow.acknowledge(suggestion=suggestion, by=handler)
    return {"staff": staff, "handler": handler, "delegate": delegate, "suggestion": suggestion}


def test_reply_with_pdf_then_unsatisfied_rating_then_rehandling(browser, live_server, people, tmp_path):
    s = people["suggestion"]
    detail = f"{live_server.url}/suggestions/{s.pk}/"

    # The lead department files the formal reply with its signed letter.
    page = new_page(browser, live_server, people["handler"])
    page.goto(detail)
    page.get_by_role("link", name="答复", exact=True).click()
    page.check("input[name=category][value=C]")
    page.fill("#id_doc_number", "太发改函〔2023〕12号")
    page.fill("#id_signer", "张三")
    page.fill("#id_contact_person", "李四")
    page.fill("#id_contact_phone", "0512-53500000")
    page.fill("#id_text", "经研究，该项目需待条件成熟后实施。")
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(PDF_BYTES)
    page.set_input_files("#id_pdf", str(letter))
    page.get_by_role("button", name="提交答复").click()
    page.wait_for_url(detail)
    assert "已答复。领衔代表" in page.inner_text(".messages")
    assert page.get_by_role("link", name="下载答复函（PDF）").is_visible()
    page.context.close()
    assert Reply.objects.get(suggestion=s).pdf

    # The lead delegate rates it 不满意: a comment is required.
    page = new_page(browser, live_server, people["delegate"])
    page.goto(detail)
    page.get_by_role("link", name="评价", exact=True).click()
    page.check("input[name=attitude][value=basically]")
    page.check("input[name=result][value=unsatisfied]")
    assert page.is_visible("[data-comment-required]")  # said before submitting (static JS)
    page.get_by_role("button", name="提交评价").click()
    assert "评价为不满意时必须填写意见" in page.inner_text("#id_comment_error")
    page.fill("#id_comment", "项目推进时间过长，希望明确时间表。")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(detail)
    page.context.close()
    s.refresh_from_db()
    assert s.status == Status.REVIEW

    # Staff order re-handling.
    page = new_page(browser, live_server, people["staff"])
    page.goto(detail)
    page.get_by_role("link", name="重新办理", exact=True).click()
    page.fill("#id_note", "请与代表面商后重新答复。")
    page.get_by_role("button", name="提交重新办理").click()
    page.wait_for_url(detail)
    assert "第2轮办理" in page.inner_text("main")
    page.context.close()
    s.refresh_from_db()
    assert s.round == 2 and s.status == Status.IN_PROGRESS


def test_public_sees_only_published_replies(browser, live_server, people):
    staff, handler = people["staff"], people["handler"]
    published = people["suggestion"]
    factories.reply(published, handler, text="已公开的答复内容。")
    workflow.publish(suggestion=published, mode=Publication.FULL, by=staff)
    hidden = factories.SuggestionFactory(title="加强生态保护")
    workflow.assign(suggestion=hidden, lead=handler.departments.get(), by=staff)
    workflow.acknowledge(suggestion=hidden, by=handler)
    factories.reply(hidden, handler, text="尚未公开的答复内容。")

    page = new_page(browser, live_server)
    page.goto(f"{live_server.url}/suggestions/{published.pk}/")
    assert "已公开的答复内容。" in page.inner_text("main")
    page.goto(f"{live_server.url}/suggestions/{hidden.pk}/")
    main = page.inner_text("main")
    assert "尚未公开的答复内容。" not in main
    assert "暂无公开的答复" in main
    assert hidden.lead_delegate.phone not in page.content()
    page.context.close()


def test_language_switch(browser, live_server, people):
    page = new_page(browser, live_server)
    page.goto(f"{live_server.url}/suggestions/")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert page.get_by_role("heading", name="建议列表").is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("heading", name="Suggestions").is_visible()
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="建议列表").is_visible()
    page.context.close()


def test_phone_width_has_no_horizontal_scroll(browser, live_server, people, tmp_path):
    s = people["suggestion"]
    pages = {
        "home": "/",
        "list": "/suggestions/",
        "detail": f"/suggestions/{s.pk}/",
        "dashboard": "/dashboard/",
        "reply-form": f"/suggestions/{s.pk}/reply/",
        "inbox": "/inbox/",
    }
    page = new_page(browser, live_server, people["handler"], viewport=PHONE)
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
        shot = tmp_path / f"phone-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0
    # Keyboard: the skip link is the first stop and moves focus to the content.
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.context.close()
