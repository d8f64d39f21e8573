"""Reads of the API, the dashboards and the exports from a read replica; everything else on the primary.

With ``DATABASE_REPLICA_URL`` the settings add ``DATABASES["replica"]`` and turn ``REPLICA_READS`` on
(never under the test suite, where the alias is a test mirror of ``default``). Then:

- ``ReplicaReadsMiddleware`` decides, before the request's first query, where its reads go: to the
  replica for a safe method (GET, HEAD, OPTIONS) on a path of ``REPLICA_READ_PATHS`` (the API, the
  dashboard, the 大屏, the exports and reports), unless the requesting user is *pinned*; to the primary
  otherwise. The decision comes first because the authentication query also reads the data version that
  keys every cache (suggestions/queries/dataversion.py): the version and the data it keys must come from
  the same database, or a lagging replica's numbers would be cached under the primary's newer version.
- A user who writes is pinned to the primary for ``REPLICA_PIN_SECONDS`` (read-your-writes): after any
  request with an unsafe method, or any request that wrote (a model saved or deleted, an event appended:
  a GET that records something counts too), the middleware stores ``replica-pin:<user id>`` in the
  default cache.
  The cache is shared by every process and server (Redis, ``REDIS_URL``; the settings refuse a replica
  with a per-process cache), so the user's next read on any server goes to the primary. Other users may
  read from the replica, as much as it lags behind.
- ``ReplicaRouter`` sends every write to the primary, and every read there too except in a request the
  middleware marked, and even then not: after the request's first write, inside a transaction of the
  primary, or for sessions and the database cache (a session written a moment ago must be found).
- Nothing ever migrates the replica (``allow_migrate``); commands, task workers and the tests outside a
  request read the primary.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.functional import SimpleLazyObject

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Tables read on the primary whatever the request: a session or a cache entry written a moment ago.
PRIMARY_ONLY_APPS = frozenset({"sessions", "django_cache"})
#: Writes that are bookkeeping of every request, not the user's data: they pin nobody.
UNPINNING_APPS = PRIMARY_ONLY_APPS

_reads: ContextVar[str] = ContextVar("tracker_reads", default=DEFAULT_DB_ALIAS)
_wrote: ContextVar[bool] = ContextVar("tracker_wrote", default=False)


def reads_alias() -> str:
    """Where this context's reads go now: ``"replica"`` or ``"default"``."""
    return _reads.get()


def pin_key(user_id) -> str:
    return f"replica-pin:{user_id}"


def pin(user_id) -> None:
    """Send ``user_id``'s reads to the primary for ``REPLICA_PIN_SECONDS``, on every server."""
    cache.set(pin_key(user_id), 1, timeout=settings.REPLICA_PIN_SECONDS)


def is_pinned(user_id) -> bool:
    return cache.get(pin_key(user_id)) is not None


class ReplicaRouter:
    """Reads to the replica only where ``ReplicaReadsMiddleware`` allowed it; writes to the primary."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label in PRIMARY_ONLY_APPS or _reads.get() != REPLICA:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:  # reads inside a transaction see its writes
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        # No side effect here: Django also asks it when a related object is merely assigned.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True  # the same data
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None


# -- the request's decision ------------------------------------------------------------------------------

#: Token key (hashed) → user id, read once per process from the primary. A key belongs to one user for
#: its life, so the processes cannot disagree; a deleted token simply fails authentication.
_TOKEN_USERS: dict[str, int] = {}
_TOKEN_USERS_MAX = 10_000


def _token_user_id(key: str) -> int | None:
    from rest_framework.authtoken.models import Token

    digest = hashlib.sha256(key.encode()).hexdigest()
    user_id = _TOKEN_USERS.get(digest)
    if user_id is None:
        user_id = (
            Token.objects.using(DEFAULT_DB_ALIAS).filter(key=key).values_list("user_id", flat=True).first()
        )
        if user_id is not None:  # an unknown key is asked again (it may be issued meanwhile)
            if len(_TOKEN_USERS) >= _TOKEN_USERS_MAX:
                _TOKEN_USERS.clear()
            _TOKEN_USERS[digest] = user_id
    return user_id


def _requesting_user_id(request):
    """The user id the request authenticates as, known before authentication runs: the session's, or
    the API token's (``Authorization: Token <key>``)."""
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) == 2 and header[0].lower() == "token":
        return _token_user_id(header[1])
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def _authenticated_user_id(request):
    """Who the request turned out to be, without loading a user that nobody loaded: the session's user
    (after a login: the new one), or the user DRF authenticated (it sets ``request.user``)."""
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY):
        return session.get(SESSION_KEY)
    user = request.__dict__.get("user")
    if user is not None and not isinstance(user, SimpleLazyObject) and user.is_authenticated:
        return user.pk
    return None


def replica_allowed(request) -> bool:
    if not settings.REPLICA_READS or request.method not in SAFE_METHODS:
        return False
    if not request.path_info.startswith(tuple(settings.REPLICA_READ_PATHS)):
        return False
    user_id = _requesting_user_id(request)
    return user_id is None or not is_pinned(user_id)


class ReplicaReadsMiddleware:
    """Marks the request's reads for the replica or the primary, and pins a user who wrote.

    Goes after SessionMiddleware (it reads the session's user id) and before anything that queries. The
    mark lasts until the request finishes (``request_finished``), so a streamed export reads where its
    view did."""

    def __init__(self, get_response):
        from suggestions.models import Event, events_appended  # models load after the settings

        # Events are appended by bulk_create too, which sends no post_save.
        events_appended.connect(wrote, sender=Event, dispatch_uid="tracker_replica_reads_events")
        self.get_response = get_response

    def __call__(self, request):
        _wrote.set(False)
        _reads.set(REPLICA if replica_allowed(request) else DEFAULT_DB_ALIAS)
        response = self.get_response(request)
        if settings.REPLICA_READS and (request.method not in SAFE_METHODS or _wrote.get()):
            user_id = _authenticated_user_id(request)
            if user_id is not None:
                pin(user_id)
        return response


def wrote(sender=None, **kwargs) -> None:
    """Something was written (a receiver of the save, delete and event signals): the rest of the request
    reads the primary, and its user is pinned when it ends."""
    if sender is None or sender._meta.app_label not in UNPINNING_APPS:
        _wrote.set(True)
        _reads.set(DEFAULT_DB_ALIAS)


def _reset(**kwargs) -> None:
    _reads.set(DEFAULT_DB_ALIAS)
    _wrote.set(False)


for _signal in (post_save, post_delete, m2m_changed):
    _signal.connect(wrote, dispatch_uid="tracker_replica_reads_wrote")
request_started.connect(_reset, dispatch_uid="tracker_replica_reads_started")
request_finished.connect(_reset, dispatch_uid="tracker_replica_reads_finished")
