"""The data version: the newest event id, read at most once per request.

Every workflow step appends an Event, and so do imports and the load generator, so the newest event id
changes whenever a suggestion or its handling record can change. Caches of expensive reads (statistics,
list counts) are keyed by it; a cache check then costs no more than reading this number.

Within a request the number is read once: the authentication query brings it along with the user (see
``accounts.backends``), otherwise the first reader queries it. Creating an event forgets it, so a request
that writes and then reads sees its own write. Outside requests (commands, task workers) every call
queries the database.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.db.models import Max, Subquery

_OFF = object()  # outside a request: never remember
_UNKNOWN = object()  # inside a request, not read yet
_version: ContextVar[object] = ContextVar("tracker_data_version", default=_OFF)


def _query() -> int:
    from suggestions.models import Event

    return Event.objects.aggregate(version=Max("id"))["version"] or 0


def expression() -> Subquery:
    """The version as a subquery, for annotating another query (one index-only lookup on the pk)."""
    from suggestions.models import Event

    return Subquery(Event.objects.order_by("-id").values("id")[:1])


def current() -> int:
    value = _version.get()
    if isinstance(value, int):
        return value
    version = _query()
    if value is _UNKNOWN:
        _version.set(version)
    return version


def remember(value: int | None) -> None:
    """The version read by another query of this request (ignored outside a request)."""
    if _version.get() is not _OFF:
        _version.set(value or 0)


def forget(**kwargs) -> None:
    """Data changed: the next reader queries again."""
    if _version.get() is not _OFF:
        _version.set(_UNKNOWN)


def request_started(**kwargs) -> None:
    _version.set(_UNKNOWN)


def request_finished(**kwargs) -> None:
    _version.set(_OFF)
