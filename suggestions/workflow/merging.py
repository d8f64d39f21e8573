"""并案办理: staff link two suggestions of one session that raise the same matter, so that they are handed
to the same departments and answered together. The link is an event on both suggestions (no other record);
``suggestions.queries.cases`` reads it back for the pages, the 交办 screen and the API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.utils.translation import gettext as _

from suggestions.models import EventKind, Status, Suggestion
from suggestions.policy import permissions
from suggestions.queries import cases
from suggestions.workflow.base import _record, _text
from suggestions.workflow.steps import step

MERGE_STATES = (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS)


def _refused(message: str, code: str) -> ValidationError:
    """A refusal naming the ``other`` field, with its code (the API's 400 names both)."""
    return ValidationError({"other": ValidationError(message, code=code)})


def _partner_pk(pk: int, kwargs: dict) -> list[int]:
    """The other suggestion's id, for the step to lock both rows in id order before it starts."""
    number = kwargs.get("other")
    if not isinstance(number, int):
        return []
    session = Suggestion.objects.filter(pk=pk).values("session_id")[:1]
    return list(
        Suggestion.objects.filter(session_id=Subquery(session), number=number).values_list("pk", flat=True)
    )


@step(
    "merge",
    _("并案办理"),
    may=permissions.can_assign,
    states=MERGE_STATES,
    form="suggestions.forms.MergeForm",
    input="suggestions.api.serializers.MergeInput",
    also_locks=_partner_pk,
)
def merge(*, suggestion: Suggestion, other: int, note: str = "", by) -> Suggestion:
    """并案办理: link ``suggestion`` with suggestion number ``other`` of the same session (both not yet
    answered); each records a 并案办理 event naming the other. Returns the other suggestion."""
    note = _text(note, "note", _("并案说明"), required=False, max_length=2000)
    if other == suggestion.number:
        raise _refused(_("不能与本建议自身并案。"), "self")
    partner = Suggestion.objects.filter(session_id=suggestion.session_id, number=other).first()  # locked
    if partner is None:
        raise _refused(_("本次会议没有第%(n)s号建议。") % {"n": other}, "not_found")
    if partner.status not in MERGE_STATES:
        raise _refused(
            _("第%(n)s号建议当前状态为「%(status)s」，不能并案。")
            % {"n": partner.number, "status": partner.get_status_display()},
            "invalid_state",
        )
    if partner.pk in cases.partner_ids(suggestion.pk):
        raise _refused(_("已与第%(n)s号建议并案。") % {"n": partner.number}, "duplicate")
    for this, that in ((suggestion, partner), (partner, suggestion)):
        _record(
            this,
            EventKind.MERGE,
            by,
            note=note,
            merged_with=that.number,
            other_id=that.pk,
        )
    return partner
