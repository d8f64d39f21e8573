"""The data version: the newest event id, read at most once per request. The one cache-invalidation scheme.

Every write of a suggestion's record is a workflow step that appends an Event (registrations, handling,
corrections, imports; tests/test_architecture.py holds that nothing else writes those models), so the
newest event id changes whenever a suggestion or its handling record can change. Caches of expensive
reads (statistics, list counts) are keyed by it; a cache check then costs no more than reading this
number, and every process sees a change at once (it is read from the database).

The reference tables (sessions, themes, departments) are also edited outside the workflow (a department
in its admin has no suggestion to record an event on): their saves and deletes bump the *reference
generation*, a counter in the cache. ``token()`` is the two together, the key of every cache (the
statistics and list totals, ``stats.py``; the filter choices, ``choices.py``): they read the reference
tables' names too.

Within a request the number is read once: the authentication query brings it along with the user (see
``accounts.backends``), otherwise the first reader queries it. Creating an event forgets it, so a request
that writes and then reads sees its own write. Outside requests (commands, task workers) every call
queries the database.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Subquery

_REFERENCE_KEY = "dataversion:reference"

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


def reference_generation() -> int:
    """The counter the reference tables' saves and deletes bump (one cache read, no query)."""
    return cache.get_or_set(_REFERENCE_KEY, 1, timeout=None)


def bump(key: str) -> None:
    """Move a generation counter on now and once more when the transaction commits: the first bump serves
    the writer's own transaction, the second drops what another process may have cached, under the
    new generation, from the rows it could still see before the commit (a cache shared by processes)."""

    def incr() -> None:
        try:
            cache.incr(key)
        except ValueError:  # nothing cached under any generation yet
            cache.set(key, 2, timeout=None)

    incr()
    transaction.on_commit(incr)


def reference_changed(**kwargs) -> None:
    """A session, theme or department was saved or deleted (a post_save/post_delete receiver)."""
    bump(_REFERENCE_KEY)


def token() -> str:
    """The data version and the reference generation: the key of caches that read both."""
    return f"{current()}.{reference_generation()}"
