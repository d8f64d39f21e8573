"""The suggestion page in the browser once the lead department has replied and a co-handler never
acknowledged: the row says 未签收（主办单位已答复）, on a phone as on a wide screen, without sideways scroll."""

from __future__ import annotations

import os

import pytest

from suggestions import workflow
from suggestions.policy.groups import ensure_role_groups
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def test_the_unacknowledged_co_handler_after_the_reply_at_both_widths(browser, live_server):
    ensure_role_groups()
    lead = factories.DepartmentFactory(name="太仓市发展和改革委员会", short_name="发展和改革委员会")
    co = factories.DepartmentFactory(name="太仓市交通运输局", short_name="交通运输局")
    staff = factories.staff_user(username="co_state_staff")
    handler = factories.handler_user(lead, username="co_state_fagai")
    s = factories.SuggestionFactory(title="完善城区停车设施")
    workflow.assign(suggestion=s, lead=lead, co_handlers=[co], by=staff)
    workflow.acknowledge(suggestion=s, by=handler)
    factories.reply(s, handler, category="B")  # the co-handler's opinion entered by staff; it never 签收

    page = new_page(browser, live_server, staff, viewport=PHONE)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/suggestions/{s.pk}/")
        cell = page.locator("[data-unacknowledged-after-reply]")
        assert cell.count() == 1 and cell.is_visible()
        assert cell.inner_text() == "未签收（主办单位已答复）"
        assert "待签收" not in page.inner_text("#departments-heading + *")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        if os.environ.get("SHOTS_DIR"):
            path = os.path.join(os.environ["SHOTS_DIR"], f"{viewport['width']}-co-state.png")
            page.screenshot(path=path, full_page=True)
    assert page.problems == []
    page.context.close()
