"""Issue 15, the pages for daily use: Chinese words instead of Django's defaults, the step bar, actions by
weight, messages that say what comes next, the error summary, the official order of the departments."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.catalog import OFFICIAL_ORDER, full_name
from departments.models import Department
from suggestions import workflow
from suggestions.models import Status, Suggestion
from tests import factories
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


def detail(s) -> str:
    return reverse("suggestion_detail", args=[s.pk])


def step(s, name: str) -> str:
    return reverse("suggestion_step", args=[s.pk, name])


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


# -- 15.4: no Django defaults in the Chinese pages --------------------------------------------------------


def test_the_list_filters_say_all_and_descending_in_chinese(client, suggestion):
    html = client.get(reverse("suggestion_list")).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>全部</option>' in html
    assert "编号（倒序）" in html and "(descending)" not in html
    assert '<option value="" selected>默认排序</option>' in html


def test_a_chosen_filter_stays_chosen_and_opens_the_filter_box(client, suggestion):
    html = client.get(reverse("suggestion_list"), {"theme": suggestion.theme_id}).content.decode()
    assert re.search(rf'<option value="{suggestion.theme_id}" selected>', html)
    assert '<details class="filter-box" data-open-wide open>' in html
    assert "（已选 1 项）" in html


def test_the_filter_box_is_folded_without_filters(client, suggestion):
    html = client.get(reverse("suggestion_list")).content.decode()
    assert '<details class="filter-box" data-open-wide>' in html  # app.js opens it on a wide screen


def test_rehandling_shows_the_unsatisfied_comment_and_keeps_the_lead_in_chinese(
    replied, lead_delegate_user, staff
):
    workflow.rate(
        suggestion=replied,
        attitude="basically",
        result="unsatisfied",
        comment="希望明确时间表。",
        by=lead_delegate_user,
    )
    html = login(staff).get(step(replied, "rehandle")).content.decode()
    assert "不满意的评价" in html and "希望明确时间表。" in html
    assert "（不变）" in html
    assert "Select an option" not in html and "---------" not in html


def test_the_import_review_counts_with_measure_words(staff):
    from tests.imports.conftest import SOURCE_TEXT

    client = login(staff)
    client.post(reverse("import_upload"), {"file": SimpleUploadedFile("s.txt", SOURCE_TEXT.encode())})
    html = client.get(reverse("import_review")).content.decode()
    assert "新建建议 <strong>30</strong> 条" in html
    assert "新建代表 <strong>107</strong> 名" in html
    assert "建议30，" not in html


# -- 15.11: the departments in the official order, the favicon ------------------------------------------


def test_departments_come_in_the_official_order(db):
    for name in ["太仓市交通运输局", "太仓市政府办公室", "太仓市市场监督管理局"]:
        Department.objects.create(name=name, short_name=name[3:])
    names = list(Department.objects.values_list("name", flat=True))
    assert names == ["太仓市政府办公室", "太仓市交通运输局", "太仓市市场监督管理局"]
    assert names == sorted(names, key=OFFICIAL_ORDER.index)


def test_the_catalogue_names_the_market_regulator_right():
    assert full_name("市场监督管理局") == "太仓市市场监督管理局"
    assert full_name("市政府办公室") == "太仓市政府办公室"
    assert "太仓市场监督管理局" not in OFFICIAL_ORDER


def test_favicon_ico_leads_to_the_apps_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


# -- the step bar, the actions by weight, 代录 ------------------------------------------------------------


def test_the_step_bar_marks_the_current_stage_and_its_deadline(client, in_progress):
    html = client.get(detail(in_progress)).content.decode()
    bar = html[html.index('<ol class="step-bar">') : html.index("</ol>", html.index('<ol class="step-bar">'))]
    labels = re.findall(r'<span class="stage-label">(.+?)</span>', bar)
    assert labels == ["交办", "签收", "办理", "答复", "评价", "办结"]
    assert re.search(r'stage-current" aria-current="step">\s*<span class="stage-label">办理', bar)
    assert bar.count("stage-done") == 2
    assert f"答复期限 <strong>{in_progress.due_date:%Y-%m-%d}</strong>" in html


def test_the_acknowledgement_deadline_is_for_staff_and_handlers_only(client, assigned, staff):
    due = assigned.lead_assignment.acknowledge_due.strftime("%Y-%m-%d")
    assert f"签收期限 <strong>{due}</strong>" in login(staff).get(detail(assigned)).content.decode()
    assert "签收期限" not in client.get(detail(assigned)).content.decode()


def test_a_second_round_shows_in_the_step_bar(replied, lead_delegate_user, staff):
    workflow.rate(
        suggestion=replied,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="不行",
        by=lead_delegate_user,
    )
    workflow.rehandle(suggestion=replied, note="请面商", by=staff)
    html = login(staff).get(detail(replied)).content.decode()
    assert "第2轮办理" in html[html.index("step-bar") :]


def test_one_primary_action_the_others_secondary_warnings_last(staff, suggestion):
    html = login(staff).get(detail(suggestion)).content.decode()
    weights = re.findall(r'data-weight="(\w+)"', html)
    assert weights.count("primary") == 1 and weights[0] == "primary"
    assert weights[-1] == "warning"  # 不予受理
    assert re.search(r'class="button warning" data-weight="warning" href="[^"]+/not_accept/">不予受理', html)


def test_a_warning_step_asks_to_confirm_with_a_warning_button(staff, suggestion):
    html = login(staff).get(step(suggestion, "not_accept")).content.decode()
    assert 'class="warning-text"' in html
    assert '<button type="submit" class="warning">确认不予受理</button>' in html


def test_staff_see_on_behalf_on_a_departments_step(staff, in_progress, lead_handler):
    staff_html = login(staff).get(detail(in_progress)).content.decode()
    assert re.search(r"答复<span class=\"behalf\">代录</span>", staff_html)
    handler_html = login(lead_handler).get(detail(in_progress)).content.decode()
    assert "代录" not in text_of(handler_html[handler_html.index("actions-heading") :].split("</section>")[0])
    assert "代录" in login(staff).get(step(in_progress, "reply")).content.decode()


def test_the_lead_proposer_comes_first_and_is_marked(client, suggestion):
    html = client.get(detail(suggestion)).content.decode()
    lead = suggestion.lead_delegate.name
    assert re.search(rf">{lead}</a><span class=\"lead-mark\">领衔</span>", html)


def test_empty_handling_records_fold_into_one_line(staff, in_progress):
    html = login(staff).get(detail(in_progress)).content.decode()
    assert (
        "暂无沟通联系、办理进度、延期申请。" in html or "暂无沟通联系、办理进度、协办意见、延期申请。" in html
    )
    assert "<h3>沟通联系</h3>" not in html


def test_the_publication_deadline_is_not_shown_to_delegates(replied, lead_delegate_user, staff):
    assert "公开期限" in login(staff).get(detail(replied)).content.decode()
    html = login(lead_delegate_user).get(detail(replied)).content.decode()
    assert "公开期限" not in html
    # The delegate's page starts with the reply, and its status line gives the rating deadline.
    assert html.index("replies-heading") < html.index("text-heading")
    assert "评价期限 <strong>" in html


# -- messages that say what comes next, the error summary ---------------------------------------------


def test_acknowledging_says_when_to_reply_and_whom_to_meet(assigned, lead_handler):
    client = login(lead_handler)
    response = client.post(step(assigned, "acknowledge"), follow=True)
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS
    message = f"已签收。请在 {assigned.due_date:%Y-%m-%d} 前答复；建议先与领衔代表{assigned.lead_delegate.name}面商。"
    assert message in response.content.decode()


def test_assigning_says_who_acknowledges_by_when(staff, suggestion, lead_department):
    response = login(staff).post(step(suggestion, "assign"), {"lead": lead_department.pk}, follow=True)
    html = response.content.decode()
    assert f"已交办{lead_department.name}主办。" in html and "前签收" in html


def test_the_error_summary_links_to_each_field(in_progress, lead_handler):
    html = login(lead_handler).post(step(in_progress, "progress"), {"text": ""}).content.decode()
    summary = html[html.index("error-summary") : html.index("</div>", html.index("error-summary"))]
    assert 'href="#id_text"' in summary and "进度内容：" in summary
    assert 'aria-describedby="id_text_error"' in html  # the field's own message stays tied to it


def test_the_error_summary_links_a_radio_group_to_its_first_choice(replied, lead_delegate_user):
    html = login(lead_delegate_user).post(step(replied, "rate"), {}).content.decode()
    assert 'href="#id_attitude_0"' in html and 'id="id_attitude_0"' in html


# -- 5: 交办 for a real meeting ----------------------------------------------------------------------------


@pytest.fixture
def meeting(db, staff):
    gov = Department.objects.create(name="太仓市交通运输局", short_name="交通运输局", kind="government")
    office = Department.objects.create(name="太仓市政府办公室", short_name="市政府办公室", kind="government")
    town = Department.objects.create(name="太仓市沙溪镇", short_name="沙溪镇", kind="town")
    outpost = Department.objects.create(name="苏州市太仓生态环境局", short_name="生态环境局", kind="outpost")
    rows = [factories.SuggestionFactory(title=f"交办会建议{i}") for i in range(3)]
    return {"gov": gov, "office": office, "town": town, "outpost": outpost, "rows": rows}


def test_the_assign_screen_groups_departments_by_kind_in_official_order_without_ctrl_click(staff, meeting):
    html = login(staff).get(reverse("assign_bulk")).content.decode()
    assert "Ctrl" not in html and "multiple" not in html
    assert '<optgroup label="市级部门">' in html and '<optgroup label="镇·区">' in html
    assert html.index("太仓市政府办公室") < html.index("太仓市交通运输局") < html.index("太仓市沙溪镇")
    assert html.index("太仓市沙溪镇") < html.index("苏州市太仓生态环境局")
    assert "<legend>驻太单位</legend>" in html
    assert html.count("data-recommendation") == 3  # an empty place per row for a recommended department
    assert "data-sticky-bar" in html


def test_one_choice_applied_to_the_picked_rows_without_script(staff, meeting):
    a, b, c = meeting["rows"]
    gov, town = meeting["gov"], meeting["town"]
    data = {
        "rows": [a.pk, b.pk, c.pk],
        "action": "apply",
        "batch-lead": gov.pk,
        "batch-co_handlers": [town.pk],
        f"s{a.pk}-pick": "on",
        f"s{c.pk}-pick": "on",
    }
    html = login(staff).post(reverse("assign_bulk"), data).content.decode()
    assert "已将所选单位填入所选的建议" in html
    for s in (a, c):
        assert re.search(rf'name="s{s.pk}-lead"[^>]*>.*?<option value="{gov.pk}" selected>', html, re.S)
        assert re.search(rf'name="s{s.pk}-co_handlers" value="{town.pk}"[^>]*checked', html)
    assert not re.search(rf'name="s{b.pk}-co_handlers" value="{town.pk}"[^>]*checked', html)
    assert all(s.status == Status.REGISTERED for s in Suggestion.objects.filter(pk__in=[a.pk, b.pk, c.pk]))


def test_a_picked_row_without_a_lead_is_an_error_the_others_are_assigned(staff, meeting):
    a, b, _c = meeting["rows"]
    data = {"rows": [a.pk, b.pk], f"s{a.pk}-pick": "on", f"s{b.pk}-lead": meeting["gov"].pk}
    html = login(staff).post(reverse("assign_bulk"), data).content.decode()
    assert "请选择主办单位。" in html
    assert Suggestion.objects.get(pk=b.pk).status == Status.ASSIGNED
    assert Suggestion.objects.get(pk=a.pk).status == Status.REGISTERED


# -- 7: the staff home as a task list -----------------------------------------------------------------------


def test_staff_home_lists_the_tasks_with_something_to_do_first_and_mutes_the_empty_ones(staff, replied):
    factories.SuggestionFactory(title="待交办的建议")
    html = login(staff).get(reverse("home")).content.decode()
    todo = html[
        html.index('<ul class="task-list">') : html.index("</ul>", html.index('<ul class="task-list">'))
    ]
    tasks = re.findall(r'data-task="(\w+)"', todo)
    assert tasks[0] == "assign" and "publication" in tasks  # 1 registered, 1 reply to publish
    assert "去交办" in todo and "去处理" in todo
    assert todo.count('class="button"') == 1  # one primary call to action, the others secondary
    empty = html[html.index('class="task-empty muted"') :].split("</p>")[0]
    assert "调整申请" in empty and "延期申请" in empty
    assert "调整申请" not in todo
