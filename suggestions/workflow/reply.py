"""答复, 评价 and what follows: the reply, the ratings, re-handling, closing and the side exits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from delegates.models import Delegate
from departments.models import Department
from suggestions import calendar
from suggestions.models import (
    OPEN_STATUSES,
    Category,
    EventKind,
    HandlerRole,
    Rating,
    Reply,
    Status,
    Suggestion,
    Verdict,
    validate_pdf,
)
from suggestions.policy import permissions

# The allowed status changes: from each state, the states a step may lead to.
from suggestions.workflow import ready
from suggestions.workflow.base import (
    _assignment_for,
    _date_not_future,
    _department_list,
    _new_assignment,
    _on_behalf,
    _record,
    _require_status,
    _text,
    move,
)
from suggestions.workflow.steps import step

# ---------------------------------------------------------------------------


@step(
    "reply",
    _("答复"),
    may=permissions.can_reply,
    states=(Status.IN_PROGRESS,),
    form="suggestions.forms.ReplyForm",
    input="suggestions.api.serializers.ReplyInput",
    weight="primary",
)
def reply(
    *,
    suggestion: Suggestion,
    category: str,
    doc_number: str,
    signer: str,
    contact_person: str,
    contact_phone: str,
    text: str,
    pdf: UploadedFile | None = None,
    replied_on: dt.date | None = None,
    by,
) -> Reply:
    """答复: the lead department files the formal reply of this round, marked A–D."""
    if category not in Category.values:
        raise ValidationError({"category": _("答复分类必须是 A、B、C 或 D。")}, code="invalid_choice")
    fields = {
        "doc_number": _text(doc_number, "doc_number", _("文号"), max_length=64),
        "signer": _text(signer, "signer", _("签发人"), max_length=32),
        "contact_person": _text(contact_person, "contact_person", _("联系人"), max_length=32),
        "contact_phone": _text(contact_phone, "contact_phone", _("联系电话"), max_length=32),
        "text": _text(text, "text", _("答复内容")),
    }
    if not all(ch.isdigit() or ch in "-+ （）()转" for ch in fields["contact_phone"]):
        raise ValidationError({"contact_phone": _("联系电话只能包含数字和 - + ( )。")}, code="invalid")
    lead = _assignment_for(suggestion, by, None, role=HandlerRole.LEAD)
    replied_on = _date_not_future(replied_on, "replied_on", not_before=lead.assigned_on)
    awaited = ready.awaited_co_opinions(suggestion)
    if awaited:
        raise ValidationError(
            _(
                "协办单位%(names)s尚未提交协办意见（期限 %(due)s）。请在收到协办意见后再答复；"
                "如确需先行答复，请人大常委会工作人员办理「准予先行答复」并写明理由。"
            )
            % {
                "names": "、".join(a.department.name for a in awaited),
                "due": max(a.due_date for a in awaited),
            },
            code="co_opinion_awaited",
        )
    if pdf:
        try:
            validate_pdf(pdf)
        except ValidationError as error:
            raise ValidationError({"pdf": error.messages}) from None
    try:
        with transaction.atomic():
            answer = Reply.objects.create(
                suggestion=suggestion,
                department=lead.department,
                round=suggestion.round,
                category=category,
                replied_on=replied_on,
                due_date=suggestion.due_date,
                created_by=by,
                **fields,
            )
    except IntegrityError:
        raise ValidationError(_("本轮已有答复。"), code="duplicate") from None
    if pdf:
        answer.pdf.save(pdf.name or "reply.pdf", pdf, save=True)
    before = move(suggestion, Status.REPLIED)
    _record(
        suggestion,
        EventKind.REPLY,
        by,
        before=before,
        department=lead.department,
        category=category,
        doc_number=fields["doc_number"],
        replied_on=replied_on,
        on_time=answer.on_time,
        on_behalf=_on_behalf(by, suggestion, permissions.is_lead_handler) or None,
    )
    # The proposers' "please rate" notifications are written by notifications.events in this
    # transaction, when the event above is saved; their e-mails go to the worker on commit.
    return answer


@step(
    "rate",
    _("评价"),
    may=permissions.can_rate,
    states=(Status.REPLIED, Status.REVIEW, Status.CLOSED),
    ready=ready.can_rate_now,
    form="suggestions.forms.RateForm",
    input="suggestions.api.serializers.RateInput",
    shows_reply=True,
    weight="primary",
)
def rate(
    *,
    suggestion: Suggestion,
    attitude: str,
    result: str,
    comment: str = "",
    delegate: Delegate | None = None,
    by,
) -> Rating:
    """评价: a proposer rates this round's reply; the lead's rating closes it or sends it to review."""
    roles = permissions.roles(by)
    own = permissions.is_proposer(by, suggestion)
    if delegate is None:
        if own:
            delegate = Delegate.objects.get(pk=roles.delegate_id)
        else:
            delegate = suggestion.lead_delegate
    elif delegate.pk != roles.delegate_id and not roles.staff:
        raise PermissionDenied(_("只能以本人名义评价。"))
    positions = dict(suggestion.proposers.values_list("delegate_id", "position"))
    if delegate is None or delegate.pk not in positions:
        raise ValidationError({"delegate": _("只有该建议的提出代表可以评价。")}, code="not_proposer")
    is_lead = positions[delegate.pk] == 1
    for field, value in (("attitude", attitude), ("result", result)):
        if value not in Verdict.values:
            raise ValidationError({field: _("评价必须是满意、基本满意或不满意。")}, code="invalid_choice")
    comment = (comment or "").strip()
    if Verdict.UNSATISFIED in (attitude, result) and not comment:
        raise ValidationError({"comment": _("评价为不满意时必须填写意见。")}, code="required")
    answer = suggestion.replies.get(round=suggestion.round)  # there is one (``ready.can_rate_now``)
    if is_lead:  # co-proposers may still rate after the lead's rating moved the suggestion on
        _require_status(suggestion, [Status.REPLIED], _("评价"))
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                suggestion=suggestion,
                reply=answer,
                round=suggestion.round,
                delegate=delegate,
                is_lead=is_lead,
                attitude=attitude,
                result=result,
                comment=comment,
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s 已评价过本轮答复。") % {"name": delegate.name}, code="duplicate"
        ) from None
    before = suggestion.status
    if is_lead:
        move(suggestion, Status.REVIEW if rating.unsatisfied else Status.CLOSED)
    _record(
        suggestion,
        EventKind.RATE,
        by,
        before=before,
        note=comment,
        delegate=delegate.name,
        lead=is_lead,
        attitude=attitude,
        result=result,
        on_behalf=(delegate.pk != roles.delegate_id) or None,
    )
    return rating


@step(
    "rehandle",
    _("重新办理"),
    may=permissions.can_decide,
    states=(Status.REVIEW,),
    form="suggestions.forms.RehandleForm",
    input="suggestions.api.serializers.RehandleInput",
    shows_reply=True,
    weight="primary",
)
def rehandle(
    *,
    suggestion: Suggestion,
    note: str,
    lead: Department | None = None,
    co_handlers: Sequence[Department] | None = None,
    due: dt.date | None = None,
    by,
) -> Suggestion:
    """重新办理: after a 不满意 rating staff send it back; round + 1, reply due in 1 month. The lead and
    the co-handlers stay unless staff name new ones (``co_handlers=[]``: none this round)."""
    note = _text(note, "note", _("重新办理意见"))
    previous = list(
        suggestion.assignments.active().filter(round=suggestion.round).select_related("department")
    )
    old_lead = next(a.department for a in previous if a.is_lead)
    new_lead = lead or old_lead
    if co_handlers is None:
        co_handlers = [a.department for a in previous if not a.is_lead and a.department != new_lead]
    co = _department_list(new_lead, co_handlers)
    today = calendar.today()
    due = due or calendar.rehandling_due(today)
    if due < today or due > calendar.latest_extension(today):
        raise ValidationError({"due": _("答复期限须在今天之后、六个月之内。")}, code="invalid_due")
    before = move(suggestion, Status.IN_PROGRESS)
    suggestion.round += 1
    suggestion.due_date = due
    suggestion.save()
    _new_assignment(suggestion, new_lead, HandlerRole.LEAD, on=today, by=by, due=due, acknowledged=True)
    for department in co:
        _new_assignment(suggestion, department, HandlerRole.CO, on=today, by=by, acknowledged=True)
    _record(
        suggestion,
        EventKind.REHANDLE,
        by,
        before=before,
        department=new_lead,
        note=note,
        lead=new_lead.name,
        co_handlers=[d.name for d in co],
        due=due,
    )
    return suggestion


@step(
    "close",
    _("办结"),
    may=permissions.can_decide,
    states=(Status.REVIEW, Status.REPLIED),
    form="suggestions.forms.ReasonForm",
    input="suggestions.api.serializers.ReasonInput",
    shows_reply=True,
    weight="warning",
)
def close(*, suggestion: Suggestion, reason: str, by) -> Suggestion:
    """办结 by staff: after a 不满意 review, or a reply the delegates never rated, with a written reason."""
    reason = _text(reason, "reason", _("办结理由"))
    before = move(suggestion, Status.CLOSED)
    _record(suggestion, EventKind.CLOSE, by, before=before, note=reason)
    return suggestion


@step(
    "withdraw",
    _("撤回"),
    may=permissions.can_withdraw,
    states=(Status.REGISTERED, *OPEN_STATUSES),
    form="suggestions.forms.WithdrawForm",
    input="suggestions.api.serializers.WithdrawInput",
    weight="warning",
)
def withdraw(*, suggestion: Suggestion, reason: str = "", by) -> Suggestion:
    """撤回: the lead delegate (or staff at their request) withdraws the suggestion."""
    reason = _text(reason, "reason", _("撤回理由"), required=not permissions.is_lead_delegate(by, suggestion))
    before = move(suggestion, Status.WITHDRAWN)
    _record(
        suggestion,
        EventKind.WITHDRAW,
        by,
        before=before,
        note=reason,
        on_behalf=_on_behalf(by, suggestion, permissions.is_lead_delegate) or None,
    )
    return suggestion


# ---------------------------------------------------------------------------
# Publication and follow-up
