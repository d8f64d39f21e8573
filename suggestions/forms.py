"""Forms for each workflow step, shared by the admin and the HTML pages.

A form validates input; `run_step` hands the cleaned data to `suggestions/workflow/` and turns a
workflow `ValidationError` into form errors. `take_step` is the step flow of the pages and the admin.
`CorrectionForm` is the admins' change form whose edits are corrections (`workflow.correct_*`).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from delegates.models import Delegate
from departments.groups import department_groups
from departments.models import Department
from suggestions.models import (
    AssignmentStatus,
    Category,
    ContactMethod,
    HandlerRole,
    Publication,
    Suggestion,
    Verdict,
    validate_pdf,
)
from suggestions.policy import permissions
from suggestions.workflow import Step
from suggestions.workflow.ready import awaited_co_opinions

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PickerBoundField(BoundField):
    """A field of checkboxes that the pages show as a searchable picker of grouped boxes
    (templates/suggestions/includes/department_picker.html); the admin shows the plain boxes."""

    def picker_groups(self) -> list[tuple[str, list]]:
        """[(group label, [checkbox subwidget, …]), …] in the field's groups' order."""
        boxes = {str(w.data["value"]): w for w in self.subwidgets}
        return [
            (label, [boxes[str(pk)] for pk in pks if str(pk) in boxes]) for label, pks in self.field.groups()
        ]

    def chosen_names(self) -> list[str]:
        chosen = {str(v) for v in self.value() or []}
        return [w.choice_label for w in self.subwidgets if str(w.data["value"]) in chosen]


class PickerField(forms.ModelMultipleChoiceField):
    """Some of a list, one checkbox each (no Ctrl-click), shown by the pages as a grouped, searchable picker.

    ``grouped``: the queryset's objects → [(group label, [pk, …]), …]; ``search``: the search box's hint;
    ``open``: the picker starts unfolded (a short list).
    """

    widget = forms.CheckboxSelectMultiple
    bound_field_class = PickerBoundField

    def __init__(self, queryset, *, grouped=None, search=None, open=False, **kwargs) -> None:
        super().__init__(queryset, **kwargs)
        self.grouped = grouped or (lambda objects: [("", [o.pk for o in objects])])
        self.search = search or _("输入名称查找")
        self.open = open

    def groups(self) -> list[tuple[str, list]]:
        return self.grouped(self.queryset)


def departments_by_kind(departments) -> list[tuple[str, list[int]]]:
    """The departments grouped by kind (市级部门 / 镇·区 / 驻太单位 …), each group in the official order."""
    return [(label, [pk for pk, _name in members]) for label, members in department_groups(departments)]


def department_picker(**kwargs) -> PickerField:
    """协办单位: the active departments by kind, each box with its full name (as on the 交办 screen)."""
    field = PickerField(
        Department.objects.filter(active=True),
        grouped=departments_by_kind,
        search=_("输入单位名称查找"),
        required=False,
        **kwargs,
    )
    field.label_from_instance = lambda department: department.name
    return field


class StepForm(forms.Form):
    """A workflow step's input; knows the suggestion and the acting user."""

    def __init__(self, *args, suggestion: Suggestion, user, **kwargs) -> None:
        self.suggestion = suggestion
        self.user = user
        super().__init__(*args, **kwargs)

    def workflow_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    def _department_field(self, *, role: str | None = None, required: bool = False) -> None:
        """Offer the departments the user may act for on this suggestion, when there is a choice."""
        qs = self.suggestion.assignments.active().filter(round=self.suggestion.round)
        if role:
            qs = qs.filter(role=role)
        if not permissions.is_staff(self.user):
            qs = qs.filter(department_id__in=permissions.roles(self.user).department_ids)
        departments = Department.objects.filter(pk__in=qs.values("department"))
        if departments.count() > 1 or required:
            self.fields["department"] = forms.ModelChoiceField(
                departments, label=_("以哪个单位的名义"), required=True
            )


class AssignForm(StepForm):
    lead = forms.ModelChoiceField(Department.objects.filter(active=True), label=_("主办单位"))
    co_handlers = department_picker(label=_("协办单位"))
    due = forms.DateField(
        label=_("答复期限"), required=False, widget=DATE_WIDGET, help_text=_("留空则为交办后三个月")
    )
    key_supervision = forms.BooleanField(label=_("重点督办"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # An unticked box posts False: start from the current mark so assigning keeps it.
        self.fields["key_supervision"].initial = self.suggestion.key_supervision


class ReasonForm(StepForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class MergeForm(StepForm):
    other = forms.IntegerField(
        label=_("并案建议编号"), min_value=1, max_value=100000, help_text=_("本次会议中内容相近的建议的编号")
    )
    note = forms.CharField(
        label=_("并案说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class NoteForm(StepForm):
    note = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OptionalNoteForm(StepForm):
    note = forms.CharField(
        label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class WithdrawForm(StepForm):
    reason = forms.CharField(
        label=_("撤回理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class AcknowledgeForm(StepForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._department_field()


class RequestReassignmentForm(ReasonForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._department_field()


class ApproveReassignmentForm(StepForm):
    assignment = forms.ModelChoiceField(None, label=_("调整申请"))
    new_department = forms.ModelChoiceField(Department.objects.filter(active=True), label=_("调整为"))
    note = forms.CharField(
        label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = self.suggestion.assignments.filter(
            status=AssignmentStatus.REASSIGN_REQUESTED
        ).select_related("department")
        self.fields["assignment"].label_from_instance = lambda a: (
            f"{a.department}（{a.get_role_display()}）：{a.reassignment_reason}"
        )


class RejectReassignmentForm(NoteForm):
    assignment = forms.ModelChoiceField(None, label=_("调整申请"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = self.suggestion.assignments.filter(
            status=AssignmentStatus.REASSIGN_REQUESTED
        ).select_related("department")


class ContactForm(StepForm):
    method = forms.ChoiceField(label=_("方式"), choices=ContactMethod.choices)
    contacted_on = forms.DateField(label=_("日期"), widget=DATE_WIDGET)
    delegates = PickerField(
        None, label=_("沟通代表"), required=False, search=_("输入代表姓名查找"), open=True
    )
    notes = forms.CharField(
        label=_("情况记录"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The proposers, the lead (领衔) first: one box each, in two groups.
        field = self.fields["delegates"]
        field.queryset = Delegate.objects.filter(proposals__suggestion=self.suggestion).order_by(
            "proposals__position"
        )
        lead = self.suggestion.proposers.filter(position=1).values_list("delegate_id", flat=True).first()
        field.grouped = lambda delegates: [
            (str(label), pks)
            for label, pks in (
                (_("领衔代表"), [d.pk for d in delegates if d.pk == lead]),
                (_("联名代表"), [d.pk for d in delegates if d.pk != lead]),
            )
            if pks
        ]
        self._department_field()


class ProgressForm(StepForm):
    text = forms.CharField(label=_("进度内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._department_field()


class CoOpinionForm(StepForm):
    text = forms.CharField(label=_("协办意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._department_field(role=HandlerRole.CO, required=permissions.is_staff(self.user))


class WaiveCoOpinionForm(ReasonForm):
    """准予先行答复: for which co-handler (all awaited ones when left empty), and why."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        awaited = awaited_co_opinions(self.suggestion)
        self.fields["department"] = forms.ModelChoiceField(
            Department.objects.filter(pk__in=[a.department_id for a in awaited]),
            label=_("协办单位"),
            required=False,
            empty_label=_("全部尚未提交意见的协办单位"),
        )


class RequestExtensionForm(ReasonForm):
    requested_due = forms.DateField(label=_("申请延至"), widget=DATE_WIDGET)


class ApproveExtensionForm(OptionalNoteForm):
    due = forms.DateField(
        label=_("同意延至"), required=False, widget=DATE_WIDGET, help_text=_("留空则按申请日期")
    )


class ReplyForm(StepForm):
    category = forms.ChoiceField(label=_("答复分类"), choices=Category.choices, widget=forms.RadioSelect)
    doc_number = forms.CharField(label=_("文号"), max_length=64, help_text=_("例如：太发改函〔2023〕12号"))
    signer = forms.CharField(label=_("签发人"), max_length=32)
    contact_person = forms.CharField(label=_("联系人"), max_length=32)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=32)
    text = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 8}))
    pdf = forms.FileField(label=_("答复函 PDF"), required=False, validators=[validate_pdf])
    replied_on = forms.DateField(
        label=_("答复日期"), required=False, widget=DATE_WIDGET, help_text=_("留空则为今天")
    )


class RateForm(StepForm):
    attitude = forms.ChoiceField(label=_("办理态度"), choices=Verdict.choices, widget=forms.RadioSelect)
    result = forms.ChoiceField(label=_("办理结果"), choices=Verdict.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("评价为不满意时必须填写"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not permissions.is_proposer(self.user, self.suggestion):
            self.fields["delegate"] = forms.ModelChoiceField(
                Delegate.objects.filter(proposals__suggestion=self.suggestion).order_by(
                    "proposals__position"
                ),
                label=_("代哪位代表录入"),
            )

    def clean(self):
        data = super().clean()
        if (
            Verdict.UNSATISFIED in (data.get("attitude"), data.get("result"))
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", _("评价为不满意时必须填写意见。"))
        return data


class RehandleForm(NoteForm):
    lead = forms.ModelChoiceField(
        Department.objects.filter(active=True),
        label=_("主办单位"),
        required=False,
        empty_label=_("（不变）"),
        help_text=_("留空则不变"),
    )
    due = forms.DateField(
        label=_("答复期限"), required=False, widget=DATE_WIDGET, help_text=_("留空则为一个月后")
    )
    co_handlers = department_picker(
        label=_("协办单位"), help_text=_("本轮的协办单位，默认沿用上一轮；全部取消则本轮无协办单位")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "co_handlers",
                [
                    a.department_id
                    for a in self.suggestion.assignments.active().filter(
                        round=self.suggestion.round, role=HandlerRole.CO
                    )
                ],
            )


class PublishForm(StepForm):
    mode = forms.ChoiceField(
        label=_("公开方式"),
        choices=[
            (Publication.FULL, Publication.FULL.label),
            (Publication.TITLE_ONLY, Publication.TITLE_ONLY.label),
        ],
    )


class SupervisionForm(OptionalNoteForm):
    on = forms.BooleanField(label=_("重点督办"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = not self.suggestion.key_supervision


class FollowUpForm(StepForm):
    text = forms.CharField(label=_("落实情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    fulfilled = forms.BooleanField(label=_("承诺已兑现"), required=False)


def add_workflow_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a workflow ``ValidationError`` on the form: on the fields it names, else on the form itself."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else NON_FIELD_ERRORS, messages)
    else:
        form.add_error(None, error.messages)


def run_step(step: Step, form: StepForm) -> object | None:
    """Call the workflow with a valid form's data; on a workflow error, put it on the form and return None.

    ``PermissionDenied`` propagates: each door answers it its own way (the pages 403, the admin a message).
    """
    try:
        return step.run(suggestion=form.suggestion, by=form.user, **form.workflow_kwargs())
    except ValidationError as error:
        add_workflow_errors(form, error)
        return None


def take_step(request, step: Step, suggestion: Suggestion) -> tuple[StepForm, object | None]:
    """The step flow both the pages and the admin run: the form (bound on POST), then the workflow.

    Returns the form (to show again) and what the workflow returned (None unless it ran and succeeded).
    """
    posted = request.method == "POST"
    form = step.form_class()(
        request.POST if posted else None,
        request.FILES if posted else None,
        suggestion=suggestion,
        user=request.user,
    )
    done = run_step(step, form) if posted and form.is_valid() else None
    return form, done


class CorrectionForm(forms.ModelForm):
    """A change form whose edits are corrections: changing one of ``corrected`` needs a reason."""

    corrected: tuple[str, ...] = ()
    reason = forms.CharField(
        label=_("更正理由"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("修改已登记的内容时必填，记入办理记录。"),
    )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and set(self.changed_data) & set(self.corrected):
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("请填写更正理由。"))
        return cleaned
