"""公开 and 跟踪落实: publishing replies and following up the promises of B/C replies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from suggestions import calendar
from suggestions.models import (
    EventKind,
    ProgressKind,
    ProgressUpdate,
    Publication,
    Reply,
    Status,
    Suggestion,
)
from suggestions.policy import permissions

# The allowed status changes: from each state, the states a step may lead to.
from suggestions.workflow import ready
from suggestions.workflow.base import _on_behalf, _record, _text
from suggestions.workflow.steps import ANY_BUT_WITHDRAWN, step

# ---------------------------------------------------------------------------


def _reply_of(suggestion: Suggestion, answer: Reply | None) -> Reply:
    qs = suggestion.replies.all()
    if answer is not None:
        qs = qs.filter(pk=answer.pk)
    found = qs.order_by("-round").first()
    if found is None:
        raise ValidationError(_("该建议还没有答复。"), code="no_reply")
    return found


@step(
    "publish",
    _("公开答复"),
    may=permissions.can_decide,
    states=ANY_BUT_WITHDRAWN,
    ready=ready.has_reply,
    form="suggestions.forms.PublishForm",
    input="suggestions.api.serializers.PublishInput",
    shows_reply=True,
)
def publish(*, suggestion: Suggestion, mode: str = Publication.FULL, reply: Reply | None = None, by) -> Reply:
    """公开答复: publish a reply, whole or title only (whole needs the delegates' consent)."""
    if mode not in (Publication.FULL, Publication.TITLE_ONLY):
        raise ValidationError({"mode": _("公开方式必须是全文公开或仅公开标题。")}, code="invalid_choice")
    answer = _reply_of(suggestion, reply)
    if mode == Publication.FULL and not suggestion.disclosure_consent:
        raise ValidationError({"mode": _("代表未同意公开，只能公开标题。")}, code="no_consent")
    if answer.publication == mode:
        raise ValidationError(_("该答复已按此方式公开。"), code="unchanged")
    answer.publication = mode
    answer.published_at = timezone.now()
    answer.save(update_fields=["publication", "published_at"])
    _record(
        suggestion,
        EventKind.PUBLISH,
        by,
        department=answer.department,
        mode=mode,
        reply_round=answer.round,
        on_time=timezone.localdate() <= calendar.publication_due(answer.replied_on),
    )
    return answer


@step(
    "unpublish",
    _("撤销公开"),
    may=permissions.can_decide,
    states=None,
    ready=ready.has_published_reply,
    form="suggestions.forms.NoteForm",
    input="suggestions.api.serializers.UnpublishInput",
    shows_reply=True,
)
def unpublish(*, suggestion: Suggestion, note: str, reply: Reply | None = None, by) -> Reply:
    """撤销公开: take a published reply back."""
    note = _text(note, "note", _("撤销理由"))
    answer = _reply_of(suggestion, reply)
    if not answer.is_published:
        raise ValidationError(_("该答复未公开。"), code="unchanged")
    answer.publication = Publication.UNPUBLISHED
    answer.published_at = None
    answer.save(update_fields=["publication", "published_at"])
    _record(
        suggestion, EventKind.UNPUBLISH, by, department=answer.department, note=note, reply_round=answer.round
    )
    return answer


@step(
    "follow_up",
    _("跟踪落实"),
    may=permissions.can_follow_up,
    states=(Status.CLOSED,),
    verb=_("报告跟踪落实情况"),
    ready=ready.promise_open,
    form="suggestions.forms.FollowUpForm",
    input="suggestions.api.serializers.FollowUpInput",
    shows_reply=True,
    weight="primary",
)
def follow_up(*, suggestion: Suggestion, text: str, fulfilled: bool = False, by) -> ProgressUpdate:
    """跟踪落实: after closing, the lead department reports on the promise of a B/C reply."""
    text = _text(text, "text", _("落实情况"))
    last = suggestion.replies.order_by("-round").first()  # a B or C reply, its promise open (``ready``)
    update = ProgressUpdate.objects.create(
        suggestion=suggestion,
        department=last.department,
        round=suggestion.round,
        kind=ProgressKind.FOLLOW_UP,
        text=text,
        fulfilled=fulfilled,
        reported_on=calendar.today(),
        created_by=by,
    )
    _record(
        suggestion,
        EventKind.FOLLOW_UP,
        by,
        department=last.department,
        note=text,
        fulfilled=fulfilled,
        on_behalf=_on_behalf(by, suggestion, permissions.is_lead_handler_any_round) or None,
    )
    return update
