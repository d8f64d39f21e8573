"""登记: suggestions enter the tracker, one by one or many at once (an import)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from delegates.models import Delegate
from suggestions.models import (
    CongressSession,
    EventKind,
    Proposer,
    Suggestion,
    Theme,
)
from suggestions.policy import permissions
from suggestions.queries import facts
from suggestions.workflow.base import _actor, _check, _lock, _record, _record_many, _text

# ---------------------------------------------------------------------------


def check_registration(
    *,
    session: CongressSession,
    theme: Theme,
    number: int,
    position: int,
    title: str,
    text: str,
    proposers: Sequence[Delegate],
) -> tuple[str, str]:
    """`register`'s checks, writing nothing (the admin's add form asks them before it saves); returns
    the cleaned title and text."""
    if theme.session_id != session.pk:
        raise ValidationError({"theme": _("主题不属于该会议。")})
    if not proposers:
        raise ValidationError({"proposers": _("至少需要一名提出代表。")}, code="required")
    if len(set(proposers)) != len(proposers):
        raise ValidationError({"proposers": _("提出代表不能重复。")}, code="duplicate")
    if Suggestion.objects.filter(session=session, number=number).exists():
        raise ValidationError({"number": _("该会议已有第 %(n)s 号建议。") % {"n": number}}, code="duplicate")
    if Suggestion.objects.filter(theme=theme, position=position).exists():
        raise ValidationError({"position": _("该主题已有第 %(n)s 条。") % {"n": position}}, code="duplicate")
    return _text(title, "title", _("标题"), max_length=200), _text(text, "text", _("建议内容"))


@transaction.atomic
def register(
    *,
    session: CongressSession,
    theme: Theme,
    number: int,
    position: int,
    title: str,
    text: str,
    proposers: Sequence[Delegate],
    disclosure_consent: bool = True,
    by=None,
    at: dt.datetime | None = None,
) -> Suggestion:
    """登记: record a new suggestion with its proposers (the first is the lead, 领衔)."""
    if by is not None:
        _check(permissions.can_register(by))
    title, text = check_registration(
        session=session,
        theme=theme,
        number=number,
        position=position,
        title=title,
        text=text,
        proposers=proposers,
    )
    suggestion = Suggestion.objects.create(
        session=session,
        theme=theme,
        number=number,
        position=position,
        title=title,
        text=text,
        disclosure_consent=disclosure_consent,
        created_at=at or timezone.now(),
    )
    Proposer.objects.bulk_create(
        Proposer(suggestion=suggestion, delegate=d, position=i) for i, d in enumerate(proposers, start=1)
    )
    _record(suggestion, EventKind.REGISTER, by, proposers=[d.name for d in proposers])
    return suggestion


@transaction.atomic
def record_registration(*, suggestion: Suggestion, by) -> Suggestion:
    """登记 of a suggestion created with its proposers outside `register` (the admin form, an import)."""
    if by is not None:
        _check(permissions.can_register(by))
    suggestion = _lock(suggestion)
    names = list(suggestion.proposers.order_by("position").values_list("delegate__name", flat=True))
    if not names:
        raise ValidationError({"proposers": _("至少需要一名提出代表。")}, code="required")
    _record(suggestion, EventKind.REGISTER, by, proposers=names)
    return suggestion


@dataclass(frozen=True)
class NewSuggestion:
    """One suggestion for `register_many`: what `register` takes, minus the session."""

    theme: Theme
    number: int
    position: int
    title: str
    text: str
    proposers: Sequence[Delegate]
    disclosure_consent: bool = True


@transaction.atomic
def register_many(
    *,
    session: CongressSession,
    suggestions: Sequence[NewSuggestion],
    by=None,
    at: dt.datetime | None = None,
) -> list[Suggestion]:
    """登记 of many suggestions at once (an import): `register`'s checks and records, written in bulk."""
    if by is not None:
        _check(permissions.can_register(by))
    at = at or timezone.now()
    errors: list[str] = []
    numbers = Counter(item.number for item in suggestions)
    slots = Counter((item.theme.pk, item.position) for item in suggestions)
    taken_numbers = set(
        Suggestion.objects.filter(session=session, number__in=list(numbers)).values_list("number", flat=True)
    )
    taken_slots = set(
        Suggestion.objects.filter(theme__in={t for t, _p in slots}).values_list("theme_id", "position")
    )
    objs: list[Suggestion] = []
    for item in suggestions:
        found = []
        if item.theme.session_id != session.pk:
            found.append(_("主题不属于该会议。"))
        if not item.proposers:
            found.append(_("至少需要一名提出代表。"))
        if len(set(item.proposers)) != len(item.proposers):
            found.append(_("提出代表不能重复。"))
        if item.number in taken_numbers or numbers[item.number] > 1:
            found.append(_("该会议已有第 %(n)s 号建议。") % {"n": item.number})
        if (item.theme.pk, item.position) in taken_slots or slots[item.theme.pk, item.position] > 1:
            found.append(_("该主题已有第 %(n)s 条。") % {"n": item.position})
        title, text = item.title.strip(), item.text.strip()
        if not title or len(title) > 200 or not text:
            try:
                _text(title, "title", _("标题"), max_length=200)
                _text(text, "text", _("建议内容"))
            except ValidationError as error:
                found.extend(error.messages)
        if found:
            errors.extend(_("第 %(n)s 号：") % {"n": item.number} + m for m in found)
            continue
        objs.append(
            Suggestion(
                session=session,
                theme=item.theme,
                number=item.number,
                position=item.position,
                title=title,
                text=text,
                disclosure_consent=item.disclosure_consent,
                created_at=at,
            )
        )
    if errors:
        raise ValidationError(errors)
    created = bulk_create_with_history(objs, Suggestion, default_user=_actor(by)[0], default_date=at)
    Proposer.objects.bulk_create(
        Proposer(suggestion=s, delegate=d, position=i)
        for s, item in zip(created, suggestions, strict=True)
        for i, d in enumerate(item.proposers, start=1)
    )
    _record_many(
        created,
        EventKind.REGISTER,
        by,
        data=[{"proposers": [d.name for d in item.proposers]} for item in suggestions],
    )
    facts.refresh([s.pk for s in created])  # the statistics facts and counters of the new suggestions
    return created
