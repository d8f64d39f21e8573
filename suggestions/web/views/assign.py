"""交办: the assignment meeting's screen, many suggestions at once.

Pick, then assign: tick rows, choose the lead and the co-handlers (grouped by kind, in the official
order; a search box filters them when script runs), apply one choice to the picked rows
(「应用到所选」, a form action, so it works without script), then 交办.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.groups import department_groups
from departments.models import Department
from suggestions import calendar, workflow
from suggestions.forms import DATE_WIDGET, add_workflow_errors
from suggestions.models import (
    Status,
    Suggestion,
)
from suggestions.web.views.common import ASSIGN_PAGE_SIZE, paginate, staff_only

# ---------------------------------------------------------------------------
# 交办: the assignment meeting's screen, many suggestions at once
# ---------------------------------------------------------------------------


class AssignRowForm(forms.Form):
    """One row of the 交办 screen; a row without a lead department is left as it is (unless it is picked)."""

    pick = forms.BooleanField(label=gettext_lazy("选择"), required=False)
    lead = forms.TypedChoiceField(label=gettext_lazy("主办单位"), coerce=int, required=False)
    co_handlers = forms.TypedMultipleChoiceField(
        label=gettext_lazy("协办单位"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    due = forms.DateField(label=gettext_lazy("答复期限"), required=False, widget=DATE_WIDGET)
    key_supervision = forms.BooleanField(label=gettext_lazy("重点督办"), required=False)

    def __init__(self, *args, department_groups: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Grouped choices: <optgroup>s in the lead's select, one fieldset per group of co-handler boxes.
        self.fields["lead"].choices = [("", _("（暂不交办）")), *department_groups]
        self.fields["co_handlers"].choices = department_groups
        self.groups = department_groups

    def clean(self):
        data = super().clean()
        if not data.get("lead") and (data.get("co_handlers") or data.get("pick")):
            self.add_error("lead", _("请选择主办单位。"))
        return data

    @property
    def chosen(self) -> bool:
        return bool(self.cleaned_data.get("lead"))

    def co_groups(self):
        """The co-handler boxes by group: [(label, [checkbox subwidget, …]), …]."""
        boxes = {int(w.data["value"]): w for w in self["co_handlers"]}
        return [(label, [boxes[pk] for pk, _name in members]) for label, members in self.groups]

    def chosen_co_names(self) -> list[str]:
        value = self["co_handlers"].value() or []
        chosen = {int(v) for v in value if str(v).isdigit()}
        return [name for _label, members in self.groups for pk, name in members if pk in chosen]


def batch_form(data, groups) -> AssignRowForm:
    """The choice to apply to the picked rows (its empty lead keeps each row's own)."""
    form = AssignRowForm(data, prefix="batch", department_groups=groups)
    form.fields["lead"].choices = [("", _("（不改变）")), *groups]
    return form


def _apply_to_picked(post, row_ids: list[int]):
    """「应用到所选」 without script: the batch choice copied into every picked row's fields."""
    data = post.copy()
    lead = post.get("batch-lead", "")
    co = post.getlist("batch-co_handlers")
    for pk in row_ids:
        if post.get(f"s{pk}-pick"):
            if lead:
                data[f"s{pk}-lead"] = lead
            data.setlist(f"s{pk}-co_handlers", co)
    return data


@login_required
def assign_bulk(request: HttpRequest) -> HttpResponse:
    """交办会: assign many registered suggestions at once.

    Each row is its own transaction (`workflow.assign` is atomic): valid rows are assigned, rows with
    errors are shown again with their errors and their input, rows left without a lead stay registered.
    """
    staff_only(request)
    departments = list(Department.objects.filter(active=True))
    by_pk = {d.pk: d for d in departments}
    groups = department_groups(departments)
    today = timezone.localdate()
    default_due = calendar.reply_due(today)
    registered = Suggestion.objects.filter(status=Status.REGISTERED).for_list().order_by("session", "number")
    context = {
        "default_due": default_due,
        "groups": groups,
        "batch": batch_form(None, groups),
    }

    if request.method == "POST":
        try:
            row_ids = [int(v) for v in request.POST.getlist("rows")]
        except ValueError:
            row_ids = []
        suggestions = list(registered.filter(pk__in=row_ids))
        if request.POST.get("action") == "apply":
            data = _apply_to_picked(request.POST, [s.pk for s in suggestions])
            rows = [
                (s, AssignRowForm(data, prefix=f"s{s.pk}", department_groups=groups)) for s in suggestions
            ]
            context["batch"] = batch_form(request.POST, groups)
            if any(request.POST.get(f"s{s.pk}-pick") for s in suggestions):
                messages.info(request, _("已将所选单位填入所选的建议，请核对后交办。"))
            else:
                messages.warning(request, _("请先勾选要应用的建议。"))
            return render(
                request,
                "suggestions/assign_bulk.html",
                {**context, "rows": rows, "page_obj": None, "total": len(rows)},
            )
        gone = set(row_ids) - {s.pk for s in suggestions}
        if gone:
            messages.warning(request, _("%(n)s 条建议已不是待交办状态，已跳过。") % {"n": len(gone)})
        rows = [
            (s, AssignRowForm(request.POST, prefix=f"s{s.pk}", department_groups=groups)) for s in suggestions
        ]
        done, failed = [], 0
        for s, form in rows:
            if not form.is_valid():
                failed += 1
                continue
            if not form.chosen:
                continue
            data = form.cleaned_data
            try:
                workflow.assign(
                    suggestion=s,
                    lead=by_pk[data["lead"]],
                    co_handlers=[by_pk[pk] for pk in data["co_handlers"]],
                    due=data["due"] or None,
                    key_supervision=data["key_supervision"],
                    by=request.user,
                )
            except ValidationError as error:
                failed += 1
                add_workflow_errors(form, error)
                continue
            done.append(s)
        if done:
            messages.success(
                request,
                _("已交办 %(n)s 条建议：%(numbers)s。各主办单位应在 7 个工作日内签收。")
                % {"n": len(done), "numbers": "、".join(f"第{s.number}号" for s in done)},
            )
        if not failed:
            if not done and not gone:
                messages.info(request, _("没有选择主办单位的建议，未交办任何建议。"))
            return redirect(reverse("assign_bulk") + (f"?{request.GET.urlencode()}" if request.GET else ""))
        messages.error(request, _("%(n)s 条建议未能交办，请修改后重新提交。") % {"n": failed})
        remaining = [(s, form) for s, form in rows if s not in done]
        return render(
            request,
            "suggestions/assign_bulk.html",
            {**context, "rows": remaining, "page_obj": None, "total": len(remaining)},
        )

    page = paginate(request, registered, ASSIGN_PAGE_SIZE)
    rows = [
        (
            s,
            AssignRowForm(
                prefix=f"s{s.pk}",
                department_groups=groups,
                initial={"due": default_due, "key_supervision": s.key_supervision},
            ),
        )
        for s in page.object_list
    ]
    return render(
        request,
        "suggestions/assign_bulk.html",
        {**context, "rows": rows, "page_obj": page, "total": page.paginator.count},
    )
