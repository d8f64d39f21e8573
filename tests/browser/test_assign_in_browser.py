"""交办 in the browser: pick rows, search the picker, apply one choice to the picked rows, assign; the single
交办 step's and 记录沟通's searchable pickers of checkboxes."""

from __future__ import annotations

import pytest

from departments.models import Department
from suggestions.models import HandlerRole, Status, Suggestion
from suggestions.policy.groups import ensure_role_groups
from tests import factories
from tests.browser.conftest import PHONE, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def test_pick_apply_and_assign_with_the_searchable_picker(browser, live_server):
    ensure_role_groups()
    staff = factories.staff_user(username="m_staff")
    lead = Department.objects.create(name="太仓市交通运输局", short_name="交通运输局", kind="government")
    co = Department.objects.create(name="太仓市沙溪镇", short_name="沙溪镇", kind="town")
    Department.objects.create(name="太仓市教育局", short_name="教育局", kind="government")
    a, b, c = (factories.SuggestionFactory(title=f"交办会建议{i}") for i in range(3))

    page = new_page(browser, live_server, staff)
    page.goto(f"{live_server.url}/assign/")
    bar = page.locator("[data-picked-count]")
    assert bar.inner_text() == "勾选建议后交办"
    page.check(f"#id_s{a.pk}-pick")
    page.check(f"#id_s{c.pk}-pick")
    assert bar.inner_text() == "已选 2 条 · 交办"

    # The batch: a lead, and a co-handler found by typing in the picker.
    page.select_option("#id_batch-lead", str(lead.pk))
    page.click(".batch-panel [data-picker] > summary")
    page.fill("#id_batch-co_handlers_search", "沙溪")
    assert page.is_hidden(".batch-panel label[data-picker-item]:has-text('教育局')")
    page.check(f".batch-panel input[value='{co.pk}']")
    assert page.inner_text(".batch-panel [data-picker-chosen]") == "太仓市沙溪镇"
    page.click("[data-batch-apply]")
    assert page.input_value(f"#id_s{a.pk}-lead") == str(lead.pk)
    assert page.input_value(f"#id_s{b.pk}-lead") == ""
    assert page.inner_text(f"#row-{c.pk} [data-picker-chosen]") == "太仓市沙溪镇"

    page.locator("[data-sticky-bar] button").click()
    page.wait_for_url(f"{live_server.url}/assign/")
    assert "已交办 2 条建议" in page.inner_text(".messages")
    assert page.problems == []
    page.context.close()
    for s in (a, c):
        s = Suggestion.objects.get(pk=s.pk)
        assert s.status == Status.ASSIGNED
        roles = {x.department_id: x.role for x in s.assignments.all()}
        assert roles == {lead.pk: HandlerRole.LEAD, co.pk: HandlerRole.CO}
    assert Suggestion.objects.get(pk=b.pk).status == Status.REGISTERED


def test_the_assign_screen_is_one_card_per_suggestion_on_a_phone(browser, live_server):
    ensure_role_groups()
    staff = factories.staff_user(username="m_staff2")
    Department.objects.create(name="太仓市交通运输局", short_name="交通运输局", kind="government")
    factories.SuggestionFactory(title="交办会建议")
    page = new_page(browser, live_server, staff, viewport=PHONE)
    page.goto(f"{live_server.url}/assign/")
    card = page.evaluate("document.querySelector('.assign-row').getBoundingClientRect().width")
    assert PHONE["width"] - 40 <= card <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Choosing a row's lead picks the row.
    page.select_option(".assign-row select[name$='-lead']", index=1)
    assert page.inner_text("[data-picked-count]") == "已选 1 条 · 交办"
    page.context.close()


def test_merge_then_assign_with_the_linked_suggestions_departments(browser, live_server):
    """并案办理 in the browser: a click fills the near-duplicate's number; on the 交办 page the linked
    suggestion's departments fill the 主办 select and tick the 协办 picker's box in one click each."""
    from suggestions import workflow
    from suggestions.models import Event, EventKind

    ensure_role_groups()
    staff = factories.staff_user(username="merge_staff")
    lead = Department.objects.create(
        name="太仓市住房和城乡建设局", short_name="住房和城乡建设局", kind="government"
    )
    co = Department.objects.create(name="太仓市应急管理局", short_name="应急管理局", kind="government")
    text = "老旧小区房屋年久失修，建议排查房屋安全隐患，加快老旧小区改造。"
    first = factories.SuggestionFactory(title="排查老旧小区房屋隐患", text=text)
    second = factories.SuggestionFactory(session=first.session, title="加快老旧小区改造", text=text)
    workflow.assign(suggestion=first, lead=lead, co_handlers=[co], by=staff)

    page = new_page(browser, live_server, staff, viewport=PHONE)
    page.goto(f"{live_server.url}/suggestions/{second.pk}/merge/")
    page.click(f"[data-routing-other='{first.number}']")
    assert page.input_value("input[name=other]") == str(first.number)
    page.fill("textarea[name=note]", "同一事项")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{live_server.url}/suggestions/{second.pk}/")
    assert page.locator("[data-merged]").is_visible()

    page.goto(f"{live_server.url}/suggestions/{second.pk}/assign/")
    assert page.locator("select[multiple]").count() == 0  # 协办 is a picker of checkboxes
    page.click("[data-routing-partner] [data-routing-lead]")
    page.click("[data-routing-partner] [data-routing-co]")
    assert page.input_value("select[name=lead]") == str(lead.pk)
    ticked = "input[name=co_handlers]:checked"
    assert page.eval_on_selector_all(ticked, "boxes => boxes.map(b => b.value)") == [str(co.pk)]
    assert page.inner_text("form [data-picker-chosen]") == "太仓市应急管理局"
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{live_server.url}/suggestions/{second.pk}/")
    assert page.problems == []
    page.context.close()
    roles = {a.department_id: a.role for a in Suggestion.objects.get(pk=second.pk).assignments.all()}
    assert roles == {lead.pk: HandlerRole.LEAD, co.pk: HandlerRole.CO}
    assert Event.objects.filter(kind=EventKind.MERGE, suggestion__in=[first, second]).count() == 2


def test_the_single_assign_step_and_the_contact_step_pick_with_searchable_checkboxes(browser, live_server):
    """交办 one suggestion: 协办单位 found by typing, ticked, named in the summary line; then 记录沟通 picks the
    proposers the same way. No select[multiple] on either page."""
    ensure_role_groups()
    staff = factories.staff_user(username="one_staff")
    lead = Department.objects.create(name="太仓市交通运输局", short_name="交通运输局", kind="government")
    co = Department.objects.create(name="太仓市沙溪镇", short_name="沙溪镇", kind="town")
    other = Department.objects.create(name="太仓市教育局", short_name="教育局", kind="government")
    handler = factories.handler_user(lead, username="one_jiaotong")
    s = factories.SuggestionFactory(title="改善镇区道路")

    page = new_page(browser, live_server, staff, viewport=PHONE)
    page.goto(f"{live_server.url}/suggestions/{s.pk}/assign/")
    assert page.locator("select[multiple]").count() == 0
    page.select_option("select[name=lead]", str(lead.pk))
    page.click("form.stacked [data-picker] > summary")
    page.fill("#id_co_handlers_search", "沙溪")
    assert page.is_hidden(f"form.stacked label[data-picker-item]:has(input[value='{other.pk}'])")
    assert page.is_hidden(
        f"form.stacked fieldset.picker-group:has(input[value='{other.pk}'])"
    )  # its group too
    page.check(f"form.stacked input[name=co_handlers][value='{co.pk}']")
    assert page.inner_text("form.stacked [data-picker-chosen]") == "太仓市沙溪镇"
    page.fill("#id_co_handlers_search", "")
    assert page.is_visible(f"form.stacked label[data-picker-item]:has(input[value='{other.pk}'])")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{live_server.url}/suggestions/{s.pk}/")
    assert page.problems == []
    page.context.close()
    roles = {a.department_id: a.role for a in Suggestion.objects.get(pk=s.pk).assignments.all()}
    assert roles == {lead.pk: HandlerRole.LEAD, co.pk: HandlerRole.CO}

    from suggestions import workflow

    workflow.acknowledge(suggestion=s, by=handler)
    s = Suggestion.objects.get(pk=s.pk)
    co_proposer = s.co_proposers[0]
    page = new_page(browser, live_server, handler, viewport=PHONE)
    page.goto(f"{live_server.url}/suggestions/{s.pk}/contact/")
    assert page.locator("select[multiple]").count() == 0
    assert page.evaluate("document.querySelector('form.stacked [data-picker]').open") is True
    page.fill("#id_delegates_search", co_proposer.name)
    assert page.is_hidden(f"label[data-picker-item]:has-text('{s.lead_delegate.name}')")
    page.check(f"input[name=delegates][value='{co_proposer.pk}']")
    assert page.inner_text("form.stacked [data-picker-chosen]") == co_proposer.name
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.problems == []
    page.context.close()
