"""No Ctrl-click multi-select (issue 15): the single 交办 step's and 重新办理's 协办单位 and the contact step's
沟通代表 are grouped, searchable pickers of checkboxes; what they post is what the workflow records; the
admin, which shares the forms, shows and takes the same checkboxes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from departments.models import Department
from suggestions.models import ContactRecord, HandlerRole, Status
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


def step(s, name: str) -> str:
    return reverse("suggestion_step", args=[s.pk, name])


def picker_groups(html: str) -> list[tuple[str, list[str]]]:
    """[(legend, [box label, …]), …] of the picker in the page's form."""
    picker = re.search(r"<details class=\"picker\" data-picker.*?</details>", html, re.S).group(0)
    return [
        (
            legend,
            [
                re.sub(r"<[^>]+>", "", label).strip()
                for label in re.findall(r"<label [^>]*data-picker-item>(.*?)</label>", body, re.S)
            ],
        )
        for legend, body in re.findall(r"<legend[^>]*>(.*?)</legend>(.*?)</fieldset>", picker, re.S)
    ]


def test_the_assign_step_offers_co_handlers_as_grouped_checkboxes_in_the_official_order(
    client, suggestion, staff
):
    town = Department.objects.create(name="太仓市沙溪镇", short_name="沙溪镇", kind="town")
    fagai = Department.objects.create(name="太仓市发展和改革委员会", short_name="发展和改革委员会")
    jiaotong = Department.objects.create(name="太仓市交通运输局", short_name="交通运输局")
    html = login(staff).get(step(suggestion, "assign")).content.decode()
    assert "<select multiple" not in html and 'name="co_handlers" multiple' not in html
    groups = picker_groups(html)
    assert [label for label, _boxes in groups] == ["市级部门", "镇·区"]
    # 发改委 before 交通运输局: the catalogue's order, not the code points' (交 < 发).
    assert groups[0][1] == ["太仓市发展和改革委员会", "太仓市交通运输局"]
    assert groups[1][1] == ["太仓市沙溪镇"]
    assert 'data-picker-search placeholder="输入单位名称查找"' in html

    response = login(staff).post(
        step(suggestion, "assign"), {"lead": fagai.pk, "co_handlers": [jiaotong.pk, town.pk], "due": ""}
    )
    assert response.status_code == 302
    roles = {a.department_id: a.role for a in suggestion.assignments.all()}
    assert roles == {fagai.pk: HandlerRole.LEAD, jiaotong.pk: HandlerRole.CO, town.pk: HandlerRole.CO}


def test_an_error_unfolds_the_picker_and_keeps_the_ticked_boxes(suggestion, staff):
    fagai = Department.objects.create(name="太仓市发展和改革委员会", short_name="发展和改革委员会")
    jiaotong = Department.objects.create(name="太仓市交通运输局", short_name="交通运输局")
    response = login(staff).post(
        step(suggestion, "assign"), {"lead": fagai.pk, "co_handlers": [jiaotong.pk, 99999], "due": ""}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<details class="picker" data-picker open>' in html
    assert "协办单位：" in html and 'href="#id_co_handlers_0"' in html  # the error summary leads to the boxes
    assert re.search(rf'value="{jiaotong.pk}"[^>]*checked', html)
    assert "太仓市交通运输局</span>" in html  # the summary line names the ticked one
    assert suggestion.assignments.count() == 0


def test_the_contact_step_lists_the_proposers_lead_first_as_checkboxes(in_progress, lead_handler):
    lead, co = in_progress.lead_delegate, in_progress.co_proposers[0]
    html = login(lead_handler).get(step(in_progress, "contact")).content.decode()
    assert "multiple" not in re.search(r'<form method="post".*?</form>', html, re.S).group(0)
    assert picker_groups(html) == [("领衔代表", [lead.name]), ("联名代表", [co.name])]
    assert '<details class="picker" data-picker open>' in html  # a short list: unfolded
    assert 'placeholder="输入代表姓名查找"' in html

    response = login(lead_handler).post(
        step(in_progress, "contact"),
        {
            "method": "meet",
            "contacted_on": in_progress.lead_assignment.acknowledged_on.isoformat(),
            "delegates": [lead.pk, co.pk],
            "notes": "面商",
        },
    )
    assert response.status_code == 302
    record = ContactRecord.objects.get(suggestion=in_progress)
    assert set(record.delegates.values_list("pk", flat=True)) == {lead.pk, co.pk}


def test_rehandling_ticks_the_last_rounds_co_handlers_in_the_picker(replied, staff, lead_delegate_user):
    from suggestions import workflow

    workflow.rate(
        suggestion=replied,
        attitude="unsatisfied",
        result="unsatisfied",
        comment="没有落实",
        by=lead_delegate_user,
    )
    replied.refresh_from_db()
    assert replied.status == Status.REVIEW
    co = replied.assignments.get(role=HandlerRole.CO).department
    html = login(staff).get(step(replied, "rehandle")).content.decode()
    assert re.search(rf'name="co_handlers" value="{co.pk}"[^>]*checked', html)
    assert f"data-picker-chosen>{co.name}</span>" in html
    assert "本轮的协办单位，默认沿用上一轮" in html  # the hint is kept inside the picker


def test_the_admin_shows_and_takes_the_same_boxes(suggestion, staff):
    fagai = Department.objects.create(name="太仓市发展和改革委员会", short_name="发展和改革委员会")
    jiaotong = Department.objects.create(name="太仓市交通运输局", short_name="交通运输局")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    url = reverse("admin:suggestions_suggestion_step", args=[suggestion.pk, "assign"])
    client = login(staff)
    html = client.get(url).content.decode()
    assert re.search(rf'type="checkbox" name="co_handlers" value="{jiaotong.pk}"', html)
    response = client.post(url, {"lead": fagai.pk, "co_handlers": [jiaotong.pk], "due": ""})
    assert response.status_code == 302
    assert set(suggestion.assignments.values_list("department", "role")) == {
        (fagai.pk, HandlerRole.LEAD),
        (jiaotong.pk, HandlerRole.CO),
    }


def test_no_step_page_renders_a_ctrl_click_multi_select(rf, replied, staff):
    """Every workflow step's page form (suggestions.workflow.STEPS), rendered by the step page's template:
    some-of-a-list fields are pickers of checkboxes, never a ``<select multiple>``."""
    from django.template.loader import render_to_string

    from suggestions.workflow import STEPS

    assert {"assign", "contact", "rehandle"} <= set(STEPS)
    request = rf.get("/")
    request.user = staff
    for name, chosen in STEPS.items():
        form = chosen.form_class()(suggestion=replied, user=staff)
        html = render_to_string(
            "suggestions/suggestion_step.html",
            {"s": replied, "step": chosen, "form": form, "on_behalf": False, "warning": False},
            request=request,
        )
        assert '<form method="post"' in html, name
        selects = re.findall(r"<select[^>]*>", html)
        assert not [tag for tag in selects if re.search(r"\smultiple\b", tag)], name
        multiple = [
            f
            for f, field in form.fields.items()
            if hasattr(field, "queryset") and field.widget.allow_multiple_selected
        ]
        for field_name in multiple:
            assert f'type="checkbox" name="{field_name}"' in html, (name, field_name)
