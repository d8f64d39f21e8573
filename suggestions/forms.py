"""Forms for each workflow step, shared by the admin and the HTML pages.

A form validates input; `run_step` hands the cleaned data to `suggestions/workflow.py` and turns a
workflow `ValidationError` into form errors. `available_steps` lists what a user may do right now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from delegates.models import Delegate
from departments.models import Department
from suggestions import permissions, workflow
from suggestions.models import (
    PROMISE_CATEGORIES,
    AssignmentStatus,
    Category,
    ContactMethod,
    HandlerRole,
    ProgressKind,
    Publication,
    RequestStatus,
    Status,
    Suggestion,
    Verdict,
    validate_pdf,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
    co_handlers = forms.ModelMultipleChoiceField(
        Department.objects.filter(active=True), label=_("协办单位"), required=False
    )
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
    delegates = forms.ModelMultipleChoiceField(None, label=_("沟通代表"), required=False)
    notes = forms.CharField(
        label=_("情况记录"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegates"].queryset = Delegate.objects.filter(proposals__suggestion=self.suggestion)
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
        Department.objects.filter(active=True), label=_("主办单位"), required=False, help_text=_("留空则不变")
    )
    due = forms.DateField(
        label=_("答复期限"), required=False, widget=DATE_WIDGET, help_text=_("留空则为一个月后")
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


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    form: type[StepForm]
    run: Callable
    available: Callable[[object, Suggestion], bool]


def _prefetched(s: Suggestion, relation: str):
    """The suggestion's prefetched ``relation`` records (the API detail loads them), else None.

    Prefetched records may be scoped to the viewer (replies are); the checks below read them only for
    users who may read the whole handling record, for whom they are all the suggestion's records.
    """
    return getattr(s, "_prefetched_objects_cache", {}).get(relation)


def _exists(s: Suggestion, relation: str, **equal) -> bool:
    """``s.<relation>.filter(**equal).exists()`` (plain equality lookups), read from prefetched records."""
    records = _prefetched(s, relation)
    if records is None:
        return getattr(s, relation).filter(**equal).exists()
    return any(all(getattr(r, name) == value for name, value in equal.items()) for r in records)


def _has_pending_assignment(user, s: Suggestion) -> bool:
    pending = [a for a in s.current_assignments() if a.status == AssignmentStatus.PENDING]
    if permissions.is_staff(user):
        return bool(pending)
    return any(a.department_id in permissions.roles(user).department_ids for a in pending)


def _pending_reassignment(s: Suggestion) -> bool:
    # A request is this round's assignment awaiting the decision (so not a replaced one).
    return any(a.status == AssignmentStatus.REASSIGN_REQUESTED for a in s.current_assignments())


def _pending_extension(s: Suggestion) -> bool:
    return _exists(s, "extension_requests", status=RequestStatus.PENDING)


def _co_opinion_due(user, s: Suggestion) -> bool:
    """A current-round co-handling assignment (the user's own, or any for staff) still without an opinion."""
    due = [a for a in s.current_assignments() if a.role == HandlerRole.CO]
    if not permissions.is_staff(user):
        due = [a for a in due if a.department_id in permissions.roles(user).department_ids]
    if not due:
        return False
    opinions = _prefetched(s, "co_opinions")
    if opinions is None:
        return s.assignments.filter(pk__in=[a.pk for a in due], opinion__isnull=True).exists()
    answered = {o.assignment_id for o in opinions}
    return any(a.pk not in answered for a in due)


def _has_reply(s: Suggestion) -> bool:
    replies = _prefetched(s, "replies")
    return s.replies.exists() if replies is None else bool(replies)


def _has_published_reply(s: Suggestion) -> bool:
    replies = _prefetched(s, "replies")
    if replies is None:
        return s.replies.published().exists()
    return any(r.publication != Publication.UNPUBLISHED for r in replies)


def _promise_open(s: Suggestion) -> bool:
    """The latest reply is B or C and its promise is not yet reported fulfilled (as workflow.follow_up checks)."""
    replies = _prefetched(s, "replies")
    if replies is None:
        last = s.replies.order_by("-round").first()
    else:
        last = max(replies, key=lambda r: r.round, default=None)  # one reply per round
    return (
        last is not None
        and last.category in PROMISE_CATEGORIES
        and not _exists(s, "progress_updates", kind=ProgressKind.FOLLOW_UP, fulfilled=True)
    )


def _can_rate_now(user, s: Suggestion) -> bool:
    if not permissions.can_rate(user, s) or not _exists(s, "replies", round=s.round):
        return False
    r = permissions.roles(user)
    if permissions.is_proposer(user, s):
        rated = _exists(s, "ratings", round=s.round, delegate_id=r.delegate_id)
        lead = permissions.is_lead_delegate(user, s)
        allowed = [Status.REPLIED] if lead else [Status.REPLIED, Status.REVIEW, Status.CLOSED]
        return not rated and s.status in allowed
    return s.status == Status.REPLIED


HANDLING = (Status.ASSIGNED, Status.IN_PROGRESS)

STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "assign",
            _("交办"),
            AssignForm,
            workflow.assign,
            lambda u, s: s.status == Status.REGISTERED and permissions.can_assign(u, s),
        ),
        Step(
            "not_accept",
            _("不予受理"),
            ReasonForm,
            workflow.not_accept,
            lambda u, s: s.status == Status.REGISTERED and permissions.can_decide(u, s),
        ),
        Step(
            "supervision",
            _("重点督办"),
            SupervisionForm,
            workflow.set_key_supervision,
            lambda u, s: (
                s.status not in (Status.WITHDRAWN, Status.NOT_ACCEPTED) and permissions.can_decide(u, s)
            ),
        ),
        Step(
            "acknowledge",
            _("签收"),
            AcknowledgeForm,
            workflow.acknowledge,
            lambda u, s: (
                s.status in HANDLING and permissions.can_acknowledge(u, s) and _has_pending_assignment(u, s)
            ),
        ),
        Step(
            "request_reassignment",
            _("申请调整"),
            RequestReassignmentForm,
            workflow.request_reassignment,
            lambda u, s: (
                s.status in HANDLING
                and permissions.can_request_reassignment(u, s)
                and _has_pending_assignment(u, s)
            ),
        ),
        Step(
            "approve_reassignment",
            _("同意调整"),
            ApproveReassignmentForm,
            workflow.approve_reassignment,
            lambda u, s: s.status in HANDLING and permissions.can_decide(u, s) and _pending_reassignment(s),
        ),
        Step(
            "reject_reassignment",
            _("不同意调整"),
            RejectReassignmentForm,
            workflow.reject_reassignment,
            lambda u, s: s.status in HANDLING and permissions.can_decide(u, s) and _pending_reassignment(s),
        ),
        Step(
            "contact",
            _("记录沟通"),
            ContactForm,
            workflow.log_contact,
            lambda u, s: s.status in workflow.CONTACT_STATUSES and permissions.can_log_contact(u, s),
        ),
        Step(
            "progress",
            _("报告进度"),
            ProgressForm,
            workflow.add_progress,
            lambda u, s: s.status in HANDLING and permissions.can_add_progress(u, s),
        ),
        Step(
            "co_opinion",
            _("协办意见"),
            CoOpinionForm,
            workflow.give_co_opinion,
            lambda u, s: (
                s.status in HANDLING and permissions.can_give_co_opinion(u, s) and _co_opinion_due(u, s)
            ),
        ),
        Step(
            "request_extension",
            _("申请延期"),
            RequestExtensionForm,
            workflow.request_extension,
            lambda u, s: (
                s.status in HANDLING and permissions.can_request_extension(u, s) and not _pending_extension(s)
            ),
        ),
        Step(
            "approve_extension",
            _("同意延期"),
            ApproveExtensionForm,
            workflow.approve_extension,
            lambda u, s: s.status in HANDLING and permissions.can_decide(u, s) and _pending_extension(s),
        ),
        Step(
            "reject_extension",
            _("不同意延期"),
            NoteForm,
            workflow.reject_extension,
            lambda u, s: s.status in HANDLING and permissions.can_decide(u, s) and _pending_extension(s),
        ),
        Step(
            "reply",
            _("答复"),
            ReplyForm,
            workflow.reply,
            lambda u, s: s.status == Status.IN_PROGRESS and permissions.can_reply(u, s),
        ),
        Step("rate", _("评价"), RateForm, workflow.rate, _can_rate_now),
        Step(
            "rehandle",
            _("重新办理"),
            RehandleForm,
            workflow.rehandle,
            lambda u, s: s.status == Status.REVIEW and permissions.can_decide(u, s),
        ),
        Step(
            "close",
            _("办结"),
            ReasonForm,
            workflow.close,
            lambda u, s: s.status in (Status.REVIEW, Status.REPLIED) and permissions.can_decide(u, s),
        ),
        Step(
            "withdraw",
            _("撤回"),
            WithdrawForm,
            workflow.withdraw,
            lambda u, s: s.status in (Status.REGISTERED, *HANDLING) and permissions.can_withdraw(u, s),
        ),
        Step(
            "publish",
            _("公开答复"),
            PublishForm,
            workflow.publish,
            lambda u, s: s.status != Status.WITHDRAWN and permissions.can_decide(u, s) and _has_reply(s),
        ),
        Step(
            "unpublish",
            _("撤销公开"),
            NoteForm,
            workflow.unpublish,
            lambda u, s: permissions.can_decide(u, s) and _has_published_reply(s),
        ),
        Step(
            "follow_up",
            _("跟踪落实"),
            FollowUpForm,
            workflow.follow_up,
            lambda u, s: s.status == Status.CLOSED and permissions.can_follow_up(u, s) and _promise_open(s),
        ),
    ]
}


def available_steps(user, suggestion: Suggestion) -> list[Step]:
    if not permissions.roles(user).authenticated or permissions.roles(user).names == ["dashboard"]:
        return []
    return [step for step in STEPS.values() if step.available(user, suggestion)]


def run_step(step: Step, form: StepForm) -> object | None:
    """Call the workflow with a valid form's data; on a workflow error, put it on the form and return None."""
    try:
        return step.run(suggestion=form.suggestion, by=form.user, **form.workflow_kwargs())
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else NON_FIELD_ERRORS, messages)
        else:
            form.add_error(None, error.messages)
        return None
    except PermissionDenied:
        raise
