"""The hot suggestion endpoints' output, written out: the list, the export and one suggestion.

Each function returns what the matching serializer of ``suggestions/api/serializers.py`` returns for the
same object and viewer: the same keys in the same order, the same values (``None`` for what the viewer
may not read). The serializers stay the declaration (the OpenAPI schema, and every other endpoint);
these functions exist because DRF's per-field machinery is most of a list page's or a detail's time (see
docs/performance.md). tests/api/test_fast_output.py renders every endpoint as every role, in both
languages and two time zones, through these functions and through the serializers, and compares the
bytes. A field added to a serializer and not here fails that test.

What a viewer reads of a reply is ``suggestions/policy/redaction.py``'s ``fields_for``; of a suggestion's
handling record and its events, ``permissions.can_view_details``: nothing is decided here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone, translation

from suggestions.api.serializers import derive_active_assignments, handling_record_prefetches
from suggestions.models import (
    Assignment,
    CoHandlerOpinion,
    ContactRecord,
    Event,
    ExtensionRequest,
    ProgressUpdate,
    Proposer,
    Rating,
    Reply,
    Suggestion,
)
from suggestions.policy import permissions, redaction
from suggestions.workflow import available_steps

# ---------------------------------------------------------------------------
# Values as DRF's fields render them
# ---------------------------------------------------------------------------


def iso_datetime(value: dt.datetime | None) -> str | None:
    """DRF's DateTimeField: ISO 8601 in the current time zone, ``Z`` for UTC."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


_STATUS_LABELS: dict[str | None, dict[str, str]] = {}


def status_display(s: Suggestion) -> str:
    """``get_status_display()`` with the labels translated once per language (Django rebuilds and
    translates the whole choices table on every call: a fifth of a list page's rendering)."""
    language = translation.get_language()
    labels = _STATUS_LABELS.get(language)
    if labels is None:
        choices = Suggestion._meta.get_field("status").flatchoices
        labels = _STATUS_LABELS[language] = {value: str(label) for value, label in choices}
    return labels.get(s.status, s.status)


def department_ref(department) -> dict[str, Any] | None:
    if department is None:
        return None
    return {"id": department.id, "name": department.name, "short_name": department.short_name}


def delegate_ref(delegate) -> dict[str, Any] | None:
    if delegate is None:
        return None
    return {"id": delegate.id, "name": delegate.name, "kind": delegate.kind}


def letter_url(reply: Reply, request) -> str | None:
    """``LetterField``: the page that checks who may read the letter, never the file's storage path."""
    if not reply.pdf:
        return None
    url = reverse("reply_pdf", args=[reply.pk])
    return request.build_absolute_uri(url) if request is not None else url


# ---------------------------------------------------------------------------
# Suggestions as lists show them (SuggestionListSerializer, SuggestionExportSerializer)
# ---------------------------------------------------------------------------


def proposer(p: Proposer) -> dict[str, Any]:
    delegate = p.delegate
    return {
        "id": delegate.id,
        "name": delegate.name,
        "kind": delegate.kind,
        "position": p.position,
        "is_lead": p.is_lead,
    }


def handler(a: Assignment) -> dict[str, Any]:
    return {"department": department_ref(a.department), "role": a.role}


def suggestion_row(s: Suggestion) -> dict[str, Any]:
    """SuggestionListSerializer: reads only what ``Suggestion.objects.for_list()`` loads."""
    return {
        "id": s.id,
        "number": s.number,
        "place": s.place,
        "title": s.title,
        "session": s.session_id,
        "session_name": s.session.name,
        "theme": s.theme_id,
        "theme_title": s.theme.title,
        "status": s.status,
        "status_display": status_display(s),
        "round": s.round,
        "key_supervision": s.key_supervision,
        "disclosure_consent": s.disclosure_consent,
        "due_date": iso_date(s.due_date),
        "is_overdue": s.is_overdue,
        "proposers": [proposer(p) for p in s.ordered_proposers()],
        "handlers": [handler(a) for a in s.current_handlers()],
        "created_at": iso_datetime(s.created_at),
        "updated_at": iso_datetime(s.updated_at),
    }


def suggestion_export_row(s: Suggestion) -> dict[str, Any]:
    """SuggestionExportSerializer: the list row with the full text."""
    row = suggestion_row(s)
    row["text"] = s.text
    return row


# ---------------------------------------------------------------------------
# One suggestion (SuggestionDetailSerializer) and its records
# ---------------------------------------------------------------------------


def assignment(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "suggestion": a.suggestion_id,
        "department": department_ref(a.department),
        "role": a.role,
        "round": a.round,
        "status": a.status,
        "assigned_on": iso_date(a.assigned_on),
        "acknowledge_due": iso_date(a.acknowledge_due),
        "acknowledged_on": iso_date(a.acknowledged_on),
        "due_date": iso_date(a.due_date),
        "reassignment_reason": a.reassignment_reason,
        "reassignment_decision": a.reassignment_decision,
        "reassignment_note": a.reassignment_note,
        "created_at": iso_datetime(a.created_at),
    }


def contact(c: ContactRecord) -> dict[str, Any]:
    return {
        "id": c.id,
        "suggestion": c.suggestion_id,
        "department": department_ref(c.department),
        "round": c.round,
        "method": c.method,
        "face_to_face": c.face_to_face,
        "contacted_on": iso_date(c.contacted_on),
        "delegates": [delegate_ref(d) for d in c.delegates.all()],
        "notes": c.notes,
        "created_at": iso_datetime(c.created_at),
    }


def progress_update(p: ProgressUpdate) -> dict[str, Any]:
    return {
        "id": p.id,
        "suggestion": p.suggestion_id,
        "department": department_ref(p.department),
        "round": p.round,
        "kind": p.kind,
        "text": p.text,
        "fulfilled": p.fulfilled,
        "reported_on": iso_date(p.reported_on),
        "created_at": iso_datetime(p.created_at),
    }


def co_opinion(o: CoHandlerOpinion) -> dict[str, Any]:
    return {
        "id": o.id,
        "suggestion": o.suggestion_id,
        "department": department_ref(o.assignment.department),
        "round": o.assignment.round,
        "text": o.text,
        "submitted_on": iso_date(o.submitted_on),
        "created_at": iso_datetime(o.created_at),
    }


def extension_request(e: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": e.id,
        "suggestion": e.suggestion_id,
        "department": department_ref(e.assignment.department),
        "round": e.round,
        "reason": e.reason,
        "current_due": iso_date(e.current_due),
        "requested_due": iso_date(e.requested_due),
        "status": e.status,
        "decision_note": e.decision_note,
        "decided_at": iso_datetime(e.decided_at),
        "created_at": iso_datetime(e.created_at),
    }


def rating(r: Rating) -> dict[str, Any]:
    return {
        "id": r.id,
        "suggestion": r.suggestion_id,
        "reply": r.reply_id,
        "round": r.round,
        "delegate": delegate_ref(r.delegate),
        "is_lead": r.is_lead,
        "attitude": r.attitude,
        "result": r.result,
        "comment": r.comment,
        "rated_at": iso_datetime(r.rated_at),
    }


def reply(r: Reply, *, details: bool, request) -> dict[str, Any]:
    """ReplySerializer: the fields ``redaction.fields_for`` does not allow are null."""
    readable = redaction.fields_for(details=details, publication=r.publication)
    data = {
        "id": r.id,
        "suggestion": r.suggestion_id,
        "department": department_ref(r.department),
        "round": r.round,
        "category": r.category,
        "doc_number": r.doc_number,
        "text": r.text,
        "pdf": letter_url(r, request) if "pdf" in readable else None,
        "signer": r.signer,
        "contact_person": r.contact_person,
        "contact_phone": r.contact_phone,
        "replied_on": iso_date(r.replied_on),
        "due_date": iso_date(r.due_date),
        "on_time": r.on_time,
        "publication": r.publication,
        "published_at": iso_datetime(r.published_at),
    }
    if len(readable) < len(data):
        for name in data:
            if name not in readable:
                data[name] = None
    return data


def event(e: Event, *, details: bool) -> dict[str, Any]:
    """EventSerializer: actor, data and note only for those who read the handling record."""
    return {
        "id": e.id,
        "suggestion": e.suggestion_id,
        "kind": e.kind,
        "at": iso_datetime(e.at),
        "round": e.round,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "department": department_ref(e.department),
        "actor_name": e.actor_name if details else None,
        "data": e.data if details else None,
        "note": e.note if details else None,
    }


def suggestion_detail(s: Suggestion, request) -> dict[str, Any]:
    """SuggestionDetailSerializer, for a suggestion loaded by the view's ``detail_queryset``; the handling
    record (``handling_record_prefetches``) is loaded here, and only for a viewer who may read it."""
    viewer = getattr(request, "user", None)
    derive_active_assignments(s)
    details = permissions.can_view_details(viewer, s)
    if details:  # what is already prefetched is not read again
        prefetch_related_objects([s], *handling_record_prefetches())
    data = suggestion_export_row(s)
    data["details_visible"] = details
    data["available_actions"] = [step.name for step in available_steps(viewer, s)]
    data["replies"] = [reply(r, details=details, request=request) for r in s.replies.all()]
    data["events"] = [event(e, details=details) for e in s.events.all()]
    if details:
        data["assignments"] = [assignment(a) for a in s.assignments.all()]
        data["contacts"] = [contact(c) for c in s.contacts.all()]
        data["progress_updates"] = [progress_update(p) for p in s.progress_updates.all()]
        data["co_opinions"] = [co_opinion(o) for o in s.co_opinions.all()]
        data["extension_requests"] = [extension_request(e) for e in s.extension_requests.all()]
        data["ratings"] = [rating(r) for r in s.ratings.all()]
    else:
        for name in ("assignments", "contacts", "progress_updates", "co_opinions", "extension_requests"):
            data[name] = None
        data["ratings"] = None
    return data


def stats_row(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """A statistics serializer's row (``serializers.Stats*Serializer``): its fields in its order; the month
    as an ISO date. The rows of ``suggestions/queries/stats.py`` hold every one of them."""
    return {name: iso_date(v) if isinstance(v := row[name], dt.date) else v for name in names}
