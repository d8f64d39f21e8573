"""更正: what was registered, replied or imported is corrected, and the correction is on the record.

Staff correct a suggestion's title, text, theme or disclosure consent, its proposers (while it is still
registered) and a reply's texts from the admin's change forms; an import of a corrected deliberation
summary does the same, and also corrects a theme's title, the session's name and dates and a delegate's
kind. Each correction records one event per suggestion it touches, with the reason (``note``) and what
was before and after (``data["changes"]``), so the history shows it and the data version (the newest
event id) moves: every cache keyed on it is retired at once.

The corrections of one suggestion are steps (``@step(..., listed=False)``: the same transaction, row
lock and checks as every step, but no door lists them as an action); the reference corrections touch
many suggestions and lock them together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from delegates.models import Delegate, DelegateKind
from suggestions.models import (
    CongressSession,
    EventKind,
    Proposer,
    Reply,
    Status,
    Suggestion,
    Theme,
)
from suggestions.policy import permissions
from suggestions.workflow.base import _check, _record, _record_many, _text
from suggestions.workflow.steps import step


def staff_or_system(user, suggestion: Suggestion | None = None) -> bool:
    """Staff correct; so does the system (``by=None``: a management command's import)."""
    return user is None or permissions.is_staff(user)


def _reason(reason: str) -> str:
    return _text(reason, "reason", _("更正理由"), max_length=500)


def _author(instance, by, reason: str) -> None:
    """What simple-history records with the new version: who and why."""
    instance._change_reason = reason
    instance._history_user = by if by is not None and by.is_authenticated else None


def _change(before: Any, after: Any) -> dict[str, Any]:
    return {"before": before, "after": after}


# ---------------------------------------------------------------------------
# One suggestion
# ---------------------------------------------------------------------------


@step("correct_text", _("更正建议"), may=staff_or_system, states=None, listed=False)
def correct_text(
    *,
    suggestion: Suggestion,
    reason: str,
    title: str | None = None,
    text: str | None = None,
    theme: Theme | None = None,
    position: int | None = None,
    disclosure_consent: bool | None = None,
    by,
) -> Suggestion:
    """更正建议: a suggestion's title, text, theme (and place in it) or disclosure consent, in any status.

    Only what differs is written; nothing differing, nothing is written and no event is recorded.
    """
    changes: dict[str, dict[str, Any]] = {}
    if title is not None:
        title = _text(title, "title", _("标题"), max_length=200)
        if title != suggestion.title:
            changes["title"] = _change(suggestion.title, title)
            suggestion.title = title
    if text is not None:
        text = _text(text, "text", _("建议内容"))
        if text != suggestion.text:
            changes["text"] = _change(suggestion.text, text)
            suggestion.text = text
    if theme is not None or position is not None:
        new_theme = theme if theme is not None else suggestion.theme
        new_position = position if position is not None else suggestion.position
        if (new_theme.pk, new_position) != (suggestion.theme_id, suggestion.position):
            if new_theme.session_id != suggestion.session_id:
                raise ValidationError({"theme": _("主题不属于该会议。")}, code="other_session")
            taken = Suggestion.objects.filter(theme=new_theme, position=new_position).exclude(
                pk=suggestion.pk
            )
            if taken.exists():
                raise ValidationError(
                    {"position": _("该主题已有第 %(n)s 条。") % {"n": new_position}}, code="duplicate"
                )
            old_place = suggestion.place
            suggestion.theme, suggestion.position = new_theme, new_position
            changes["place"] = _change(old_place, suggestion.place)
    if disclosure_consent is not None and disclosure_consent != suggestion.disclosure_consent:
        changes["disclosure_consent"] = _change(suggestion.disclosure_consent, disclosure_consent)
        suggestion.disclosure_consent = disclosure_consent
    if not changes:
        return suggestion
    reason = _reason(reason)
    _author(suggestion, by, reason)
    _record(suggestion, EventKind.CORRECT_TEXT, by, note=reason, changes=changes)
    return suggestion


def check_proposers(delegates: Sequence[Delegate]) -> None:
    """What every list of proposers must be: someone, nobody twice (the admin's forms ask it first)."""
    if not delegates:
        raise ValidationError({"proposers": _("至少需要一名提出代表。")}, code="required")
    if len({d.pk for d in delegates}) != len(delegates):
        raise ValidationError({"proposers": _("提出代表不能重复。")}, code="duplicate")


@step(
    "replace_proposers",
    _("更正提出代表"),
    may=staff_or_system,
    states=(Status.REGISTERED,),
    listed=False,
)
def replace_proposers(
    *, suggestion: Suggestion, delegates: Sequence[Delegate], reason: str, by
) -> Suggestion:
    """更正提出代表: the proposers, in order (the first is the lead, 领衔), while still registered."""
    check_proposers(delegates)
    current = list(suggestion.proposers.order_by("position").select_related("delegate"))
    if [p.delegate_id for p in current] == [d.pk for d in delegates]:
        return suggestion
    reason = _reason(reason)
    suggestion.proposers.all().delete()
    Proposer.objects.bulk_create(
        Proposer(suggestion=suggestion, delegate=d, position=i) for i, d in enumerate(delegates, start=1)
    )
    _author(suggestion, by, reason)
    _record(
        suggestion,
        EventKind.REPLACE_PROPOSERS,
        by,
        note=reason,
        changes={"proposers": _change([p.delegate.name for p in current], [d.name for d in delegates])},
    )
    return suggestion


REPLY_TEXTS = ("doc_number", "signer", "contact_person", "contact_phone", "text")


@step("correct_reply", _("更正答复"), may=staff_or_system, states=None, listed=False)
def correct_reply(
    *,
    suggestion: Suggestion,
    reply: Reply | int,
    reason: str,
    by,
    **texts: str,
) -> Reply:
    """更正答复: staff correct a reply's texts (文号, 签发人, 联系人, 联系电话, 答复内容); its category,
    dates and publication stay as the workflow wrote them."""
    unknown = set(texts) - set(REPLY_TEXTS)
    if unknown:
        raise ValidationError(_("答复的这些内容不能更正：%(f)s") % {"f": "、".join(sorted(unknown))})
    pk = reply.pk if isinstance(reply, Reply) else reply
    try:
        reply = Reply.objects.select_for_update().get(pk=pk, suggestion=suggestion)
    except Reply.DoesNotExist:
        raise ValidationError(_("答复不存在。"), code="not_found") from None
    changes: dict[str, dict[str, Any]] = {}
    for name in REPLY_TEXTS:
        if name not in texts:
            continue
        model_field = Reply._meta.get_field(name)
        value = _text(texts[name], name, str(model_field.verbose_name), max_length=model_field.max_length)
        if value != getattr(reply, name):
            changes[name] = _change(getattr(reply, name), value)
            setattr(reply, name, value)
    if not changes:
        return reply
    reason = _reason(reason)
    _author(reply, by, reason)
    reply.save(update_fields=list(changes))
    _record(
        suggestion,
        EventKind.CORRECT_REPLY,
        by,
        department=reply.department,
        note=reason,
        reply=reply.pk,
        reply_round=reply.round,
        changes=changes,
    )
    return reply


# ---------------------------------------------------------------------------
# Reference data: a theme, the session, a delegate (an event on every suggestion it shows on)
# ---------------------------------------------------------------------------


def _record_on(suggestions: QuerySet, by, *, what: str, changes: dict, reason: str) -> int:
    """One 更正主题或代表 event on each of the suggestions (locked first); returns how many."""
    locked = list(
        Suggestion.objects.select_for_update().filter(pk__in=suggestions.values("pk")).order_by("pk")
    )
    _record_many(
        locked,
        EventKind.CORRECT_REFERENCE,
        by,
        data=[{"what": what, "changes": changes}] * len(locked),
        note=reason,
    )
    return len(locked)


def _correct_reference(
    instance, values: dict[str, Any], *, what: str, suggestions: QuerySet, reason: str, by, shown=None
):
    """Write the values that differ and record them on the suggestions (``shown`` words a value)."""
    _check(staff_or_system(by))
    changed = {f: v for f, v in values.items() if getattr(instance, f) != v}
    if not changed:
        return instance
    reason = _reason(reason)
    word = shown or (lambda field, value: value)
    changes = {f: _change(word(f, getattr(instance, f)), word(f, v)) for f, v in changed.items()}
    for f, v in changed.items():
        setattr(instance, f, v)
    instance.save(update_fields=list(changed))
    _record_on(suggestions, by, what=what, changes=changes, reason=reason)
    return instance


@transaction.atomic
def correct_theme(*, theme: Theme, title: str, reason: str, by=None) -> Theme:
    """更正主题: a theme's title; every suggestion of the theme records it."""
    title = _text(title, "title", _("主题标题"), max_length=Theme._meta.get_field("title").max_length)
    return _correct_reference(
        theme,
        {"title": title},
        what=f"theme:{theme.ordinal}",
        suggestions=Suggestion.objects.filter(theme=theme),
        reason=reason,
        by=by,
    )


@transaction.atomic
def correct_session(
    *, session: CongressSession, name: str, start_date: dt.date, end_date: dt.date, reason: str, by=None
) -> CongressSession:
    """更正会议: the session's name and dates; every suggestion of the session records it."""
    name = _text(name, "name", _("会议名称"), max_length=CongressSession._meta.get_field("name").max_length)
    return _correct_reference(
        session,
        {"name": name, "start_date": start_date, "end_date": end_date},
        what="session",
        suggestions=Suggestion.objects.filter(session=session),
        reason=reason,
        by=by,
    )


@transaction.atomic
def correct_delegate(
    *, delegate: Delegate, reason: str, kind: str | None = None, name: str | None = None, by=None
) -> Delegate:
    """更正代表: the delegate's kind (代表 / 列席代表) or name; every suggestion the delegate proposed
    records it. (The contact data is the delegate's own, not a suggestion's record: the admin saves it.)"""
    values: dict[str, Any] = {}
    if kind is not None:
        if kind not in DelegateKind.values:
            raise ValidationError({"kind": _("身份无效。")}, code="invalid")
        values["kind"] = kind
    if name is not None:
        name = _text(name, "name", _("姓名"), max_length=Delegate._meta.get_field("name").max_length)
        if Delegate.objects.filter(name=name).exclude(pk=delegate.pk).exists():
            raise ValidationError({"name": _("已有同名代表。")}, code="unique")
        values["name"] = name
    return _correct_reference(
        delegate,
        values,
        what=f"delegate:{delegate.name}",
        suggestions=Suggestion.objects.filter(proposers__delegate=delegate).distinct(),
        reason=reason,
        by=by,
        shown=lambda field, value: str(DelegateKind(value).label) if field == "kind" else value,
    )
