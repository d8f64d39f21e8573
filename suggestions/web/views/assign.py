"""交办: the assignment meeting's screen, many suggestions at once."""

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
    """One row of the 交办 screen; a row without a lead department is left as it is."""

    lead = forms.TypedChoiceField(label=gettext_lazy("主办单位"), coerce=int, required=False)
    co_handlers = forms.TypedMultipleChoiceField(label=gettext_lazy("协办单位"), coerce=int, required=False)
    due = forms.DateField(label=gettext_lazy("答复期限"), required=False, widget=DATE_WIDGET)
    key_supervision = forms.BooleanField(label=gettext_lazy("重点督办"), required=False)

    def __init__(self, *args, department_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = [("", _("（暂不交办）")), *department_choices]
        self.fields["co_handlers"].choices = department_choices
        self.fields["co_handlers"].widget.attrs["size"] = 4

    def clean(self):
        data = super().clean()
        if not data.get("lead") and data.get("co_handlers"):
            self.add_error("lead", _("请选择主办单位。"))
        return data

    @property
    def chosen(self) -> bool:
        return bool(self.cleaned_data.get("lead"))


@login_required
def assign_bulk(request: HttpRequest) -> HttpResponse:
    """交办会: assign many registered suggestions at once.

    Each row is its own transaction (`workflow.assign` is atomic): valid rows are assigned, rows with
    errors are shown again with their errors and their input, rows left without a lead stay registered.
    """
    staff_only(request)
    departments = list(Department.objects.filter(active=True).order_by("kind", "name"))
    by_pk = {d.pk: d for d in departments}
    choices = [(d.pk, d.name) for d in departments]
    today = timezone.localdate()
    default_due = calendar.reply_due(today)
    registered = Suggestion.objects.filter(status=Status.REGISTERED).for_list().order_by("session", "number")

    if request.method == "POST":
        try:
            row_ids = [int(v) for v in request.POST.getlist("rows")]
        except ValueError:
            row_ids = []
        suggestions = list(registered.filter(pk__in=row_ids))
        gone = set(row_ids) - {s.pk for s in suggestions}
        if gone:
            messages.warning(request, _("%(n)s 条建议已不是待交办状态，已跳过。") % {"n": len(gone)})
        rows = [
            (s, AssignRowForm(request.POST, prefix=f"s{s.pk}", department_choices=choices))
            for s in suggestions
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
                _("已交办 %(n)s 条建议：%(numbers)s。")
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
            {"rows": remaining, "page_obj": None, "default_due": default_due, "total": len(remaining)},
        )

    page = paginate(request, registered, ASSIGN_PAGE_SIZE)
    rows = [
        (
            s,
            AssignRowForm(
                prefix=f"s{s.pk}",
                department_choices=choices,
                initial={"due": default_due, "key_supervision": s.key_supervision},
            ),
        )
        for s in page.object_list
    ]
    return render(
        request,
        "suggestions/assign_bulk.html",
        {"rows": rows, "page_obj": page, "default_due": default_due, "total": page.paginator.count},
    )
