"""What a viewer may read of a reply (答复): the one rule the API, the suggestion page and the exports ask.

- Who may read the suggestion's handling record (``permissions.can_view_details``: staff, the dashboard,
  its departments' handlers, its proposers) reads every field of every reply, published or not.
- Everyone else reads published replies only:
  - 全文公开 (full): the text, the category, the document number, the signer, the department, the dates
    (and whether the reply was on time, which they give), the letter; never the contact person and phone,
    which are the department's working contact for the delegates, not for the public;
  - 仅公开标题 (title only): that the reply exists (its round and document number, the title the page
    names it by), its department, its date and the publication itself; no category, no text, no
    letter, no signer, no contact, no due date;
  - 未公开 (unpublished): nothing (the scoping rules do not even list it).

Field names are the reply's model fields as the API names them (``pdf`` is the letter, ``on_time`` the
property). A field outside the set is shown as null by the API, left out by the page and left blank by
the exports.
"""

from __future__ import annotations

from django.db.models import Q

from suggestions.models import Publication, Reply, Suggestion
from suggestions.policy import permissions, scoping

CONTACT_FIELDS = frozenset({"contact_person", "contact_phone"})

#: Every field of a reply a viewer may be shown.
ALL_FIELDS = frozenset(
    {
        "id",
        "suggestion",
        "department",
        "round",
        "category",
        "doc_number",
        "text",
        "pdf",
        "signer",
        "contact_person",
        "contact_phone",
        "replied_on",
        "due_date",
        "on_time",
        "publication",
        "published_at",
    }
)

#: A title-only publication: that the reply exists, its department and its date.
TITLE_ONLY_FIELDS = frozenset(
    {"id", "suggestion", "department", "round", "doc_number", "replied_on", "publication", "published_at"}
)

#: A full publication: all but the contact person and phone.
FULL_FIELDS = ALL_FIELDS - CONTACT_FIELDS

_PUBLIC = {
    Publication.FULL: FULL_FIELDS,
    Publication.TITLE_ONLY: TITLE_ONLY_FIELDS,
}

NOTHING: frozenset[str] = frozenset()


def publications_showing(field: str) -> tuple[str, ...]:
    """The publications under which a viewer without the handling record reads ``field`` of a reply
    (``category`` and ``on_time``: full only; ``replied_on``: full and title only). The list filters and
    the statistics ask this, so neither says more of a reply than the reply itself shows."""
    return tuple(publication for publication, fields in _PUBLIC.items() if field in fields)


def readable(user, field: str) -> Q | None:
    """A Q on replies: those whose ``field`` ``user`` reads (None: every reply's). The same rule as
    ``fields_for``, for queries over many replies (the list's category filter)."""
    follows = scoping.followed(permissions.roles(user), "suggestion_id")
    if follows is None:
        return None
    return follows | Q(publication__in=publications_showing(field))


#: A lead delegate's rating counts for a viewer without the handling record once the rated reply is
#: published (in full or by title: either way the round is publicly answered); never before.
RATINGS_PUBLIC_UNDER: tuple[str, ...] = tuple(_PUBLIC)

#: What the handling record adds to the statistics (a 面商/走访/座谈 contact, approved extensions) counts
#: for a viewer without the record once the suggestion's reply is published in full, with its text.
RECORD_PUBLIC_UNDER: tuple[str, ...] = publications_showing("text")


def fields_for(*, details: bool, publication: str) -> frozenset[str]:
    """The reply fields a viewer reads, from whether they read the suggestion's handling record
    (``can_view_details``) and the reply's publication. For callers that know ``details`` already for
    many rows (the API's cached ids, the exports' value queries)."""
    if details:
        return ALL_FIELDS
    return _PUBLIC.get(publication, NOTHING)


def reply_fields(user, reply: Reply, suggestion: Suggestion | None = None) -> frozenset[str]:
    """The fields of ``reply`` that ``user`` may read (``suggestion``: the reply's, when already loaded)."""
    if suggestion is None:
        suggestion = reply.suggestion
    return fields_for(details=permissions.can_view_details(user, suggestion), publication=reply.publication)


def may_read(user, reply: Reply, field: str, suggestion: Suggestion | None = None) -> bool:
    return field in reply_fields(user, reply, suggestion)
