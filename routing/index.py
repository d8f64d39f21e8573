"""The routing index: every suggestion's n-gram vector, what the past did with it, and every remit.

One index per process, built once (``build``) and kept fresh lazily: each read compares the data version
(the newest event id, suggestions/queries/dataversion.py) with the version the index has seen and
reloads only the suggestions whose events came since (a registration, a correction, an assignment, a
reply, a rating: each appends an event). The remits follow their own cache counter (bumped by a Remit's
save or delete) and the reference generation (a department renamed). So every process of a deployment
answers from what the database holds, without a message between them.

Scoring reads posting lists (n-gram → suggestions, weights), skipping the n-grams found in more than
``COMMON_SHARE`` of the suggestions (lists as long as the corpus that change no ranking). A query looks
up its ``QUERY_GRAMS`` heaviest n-grams and reads at most ``SCAN`` postings of each, heaviest first
(each list is sorted by weight): the suggestions where that n-gram weighs most, so a query costs about
the same at 10,000 and 1,000,000. Suggestions changed since the build are held apart: ``past`` is an
``Overlay`` (the build's dict, shared and never copied, with the changes beside it), ``fresh`` (their
vectors) and ``fresh_postings`` (their own small posting lists) are read beside the main lists, whose
entries for them (``stale``) are skipped; past ``REBUILD_AFTER`` changes the index is rebuilt.

Each process holds its own index (at 100,000 suggestions about 0.6 GB resident with Django, built in
about 10 s on the first read of the process; `build_routing_index --time` reports both).
"""

from __future__ import annotations

import heapq
import threading
from array import array
from collections.abc import MutableMapping
from dataclasses import dataclass, field, replace
from datetime import date
from operator import itemgetter

from django.core.cache import cache
from django.db.models import Max

from departments.models import Department
from routing import text as ngrams
from routing.models import Remit, split_keywords
from routing.remits import SEED
from suggestions.models import Assignment, AssignmentStatus, Event, HandlerRole, Rating, Reply, Suggestion
from suggestions.queries import dataversion

COMMON_SHARE = 0.5  # n-grams in more than half the suggestions (and more than MIN_COMMON) score nothing
MIN_COMMON = 200
SCAN = 1500  # postings read per n-gram of a query, heaviest first (where the n-gram weighs most)
QUERY_GRAMS = 40  # the query's heaviest n-grams that are looked up
REBUILD_AFTER = 5000  # suggestions changed since the build before the index is rebuilt
KEYWORD_WEIGHT = 3  # a remit keyword's n-grams count three times its text's
_REMITS_KEY = "routing:remits"


@dataclass(slots=True)
class Past:
    """What the index knows of one suggestion: where it sits and what its handling became."""

    id: int
    session_id: int
    session_start: date
    session_name: str
    number: int
    title: str
    lead_id: int | None = None
    co_ids: tuple[int, ...] = ()
    category: str = ""
    publication: str = ""
    verdict: str = ""


_MISSING = object()


class Overlay(MutableMapping):
    """A mapping over a base dict that is never copied: what changes goes to a small dict of its own (and
    what is gone to a set). The index's ``past`` is one: at 1,000,000 suggestions a copy of the dict on
    every catch-up cost 40 MB of each worker's own memory (the base is shared with the gunicorn master)."""

    __slots__ = ("base", "changed", "removed")

    def __init__(self, base: dict, changed: dict | None = None, removed: set | None = None):
        self.base, self.changed, self.removed = base, changed or {}, removed or set()

    def __getitem__(self, key):
        value = self.changed.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if key in self.removed:
            raise KeyError(key)
        return self.base[key]

    def get(self, key, default=None):
        value = self.changed.get(key, _MISSING)
        if value is not _MISSING:
            return value
        return default if key in self.removed else self.base.get(key, default)

    def __setitem__(self, key, value) -> None:
        self.changed[key] = value
        self.removed.discard(key)

    def __delitem__(self, key) -> None:
        if key not in self:
            raise KeyError(key)
        self.changed.pop(key, None)
        if key in self.base:
            self.removed.add(key)

    def __contains__(self, key) -> bool:
        return key in self.changed or (key not in self.removed and key in self.base)

    def __iter__(self):
        for key in self.base:
            if key not in self.removed and key not in self.changed:
                yield key
        yield from self.changed

    def __len__(self) -> int:
        added = sum(1 for key in self.changed if key not in self.base)
        return len(self.base) - len(self.removed) + added

    def copy(self) -> Overlay:
        """Another overlay on the same base (the changes copied, the base shared)."""
        return Overlay(self.base, dict(self.changed), set(self.removed))


@dataclass
class RemitEntry:
    department_id: int
    name: str
    short_name: str
    keywords: list[str]
    vector: dict[str, float]


@dataclass
class Index:
    version: int = 0
    idf: ngrams.Idf = field(default_factory=ngrams.Idf)
    past: MutableMapping[int, Past] = field(default_factory=dict)
    ids: dict[str, array] = field(default_factory=dict)
    weights: dict[str, array] = field(default_factory=dict)
    fresh: dict[int, dict[str, float]] = field(default_factory=dict)
    fresh_postings: dict[str, dict[int, float]] = field(default_factory=dict)
    stale: set[int] = field(default_factory=set)
    remits: dict[int, RemitEntry] = field(default_factory=dict)
    remit_idf: ngrams.Idf = field(default_factory=ngrams.Idf)
    remit_key: str = ""

    # -- queries -----------------------------------------------------------------------------------

    def vector(self, title: str, text: str) -> dict[str, float]:
        return ngrams.vector(ngrams.document_grams(title, text), self.idf)

    def remit_vector(self, title: str, text: str) -> dict[str, float]:
        return ngrams.vector(ngrams.document_grams(title, text), self.remit_idf)

    def neighbours(self, vec: dict[str, float], *, exclude: int | None = None, limit: int = 20, keep=None):
        """The ``limit`` suggestions most like ``vec`` (cosine over the topical n-grams), best first,
        as (similarity, Past); ``keep(past)`` filters."""
        scores: dict[int, float] = {}
        get = scores.get
        heaviest = sorted(vec.items(), key=lambda gw: -gw[1])[:QUERY_GRAMS]
        for gram, w in heaviest:
            ids = self.ids.get(gram)
            if ids is None:
                continue
            for doc, dw in zip(ids[:SCAN], self.weights[gram][:SCAN], strict=True):
                scores[doc] = get(doc, 0.0) + w * dw
        for doc in self.stale:
            scores.pop(doc, None)
        for gram, w in heaviest:  # the suggestions changed since the build: their own small lists
            for doc, dw in self.fresh_postings.get(gram, {}).items():
                scores[doc] = get(doc, 0.0) + w * dw
        scores.pop(exclude, None)
        found = []
        best = heapq.nlargest(max(limit * 10, 200), scores.items(), key=itemgetter(1))
        if len(best) < len(scores):
            best.append((None, 0.0))  # more beyond: read them all if these do not give ``limit``
        for doc, s in best:
            if doc is None:
                best = sorted(scores.items(), key=lambda kv: -kv[1])[len(best) - 1 :]
                found += self._kept(best, keep, limit - len(found))
                break
            past = self.past.get(doc)
            if past is None or (keep is not None and not keep(past)):
                continue
            found.append((s, past))
            if len(found) >= limit:
                break
        return found

    def _kept(self, rows, keep, limit):
        found = []
        for doc, s in rows:
            past = self.past.get(doc)
            if past is not None and (keep is None or keep(past)):
                found.append((s, past))
                if len(found) >= limit:
                    break
        return found


_lock = threading.Lock()
_index: Index | None = None


def remits_changed(**kwargs) -> None:
    dataversion.bump(_REMITS_KEY)


def _remit_key() -> str:
    return f"{cache.get_or_set(_REMITS_KEY, 1, timeout=None)}.{dataversion.reference_generation()}"


def remit_of(department: Department, remit: Remit | None) -> tuple[str, list[str]]:
    """A department's remit text and keywords: its Remit row, or the seed for a catalogue department."""
    if remit is not None:
        return remit.text, remit.keyword_list()
    text, keywords = SEED.get(department.name, ("", ""))
    return text, split_keywords(keywords)


def set_remits(index: Index, remits) -> None:
    """The remit part of ``index`` from (department id, name, short name, text, keywords) rows."""
    counts = {}
    entries = {}
    for pk, name, short_name, text, keywords in remits:
        grams = ngrams.grams(short_name or name) + ngrams.grams(text)
        for word in keywords:
            for g, c in ngrams.grams(word).items():
                grams[g] += KEYWORD_WEIGHT * c
        counts[pk] = grams
        entries[pk] = (name, short_name or name, keywords)
    idf = ngrams.Idf(counts.values())
    index.remit_idf = idf
    index.remits = {
        pk: RemitEntry(pk, name, short, keywords, ngrams.vector(counts[pk], idf))
        for pk, (name, short, keywords) in entries.items()
    }


def _load_remits(index: Index) -> None:
    rows = {r.department_id: r for r in Remit.objects.all()}
    found = []
    for d in Department.objects.filter(active=True).order_by("sort_order", "name"):
        text, keywords = remit_of(d, rows.get(d.pk))
        found.append((d.pk, d.name, d.short_name, text, keywords))
    set_remits(index, found)


def _handling(ids=None) -> dict[int, dict]:
    """Each suggestion's last round's lead and co-handlers, the reply's category and the lead's verdict."""
    found: dict[int, dict] = {}
    assignments = Assignment.objects.exclude(status=AssignmentStatus.REPLACED)
    replies = Reply.objects.all()
    ratings = Rating.objects.filter(is_lead=True)
    if ids is not None:
        assignments = assignments.filter(suggestion_id__in=ids)
        replies = replies.filter(suggestion_id__in=ids)
        ratings = ratings.filter(suggestion_id__in=ids)
    for sid, dep, role, rnd in assignments.values_list(
        "suggestion_id", "department_id", "role", "round"
    ).order_by("suggestion_id", "round"):
        h = found.setdefault(sid, {"round": 0, "lead": None, "co": []})
        if rnd > h["round"]:
            h.update(round=rnd, lead=None, co=[])
        if role == HandlerRole.LEAD:
            h["lead"] = dep
        else:
            h["co"].append(dep)
    for sid, cat, pub in replies.values_list("suggestion_id", "category", "publication").order_by("round"):
        found.setdefault(sid, {"round": 0, "lead": None, "co": []}).update(category=cat, publication=pub)
    for sid, result in ratings.values_list("suggestion_id", "result").order_by("round", "rated_at"):
        found.setdefault(sid, {"round": 0, "lead": None, "co": []})["verdict"] = result
    return found


def _suggestions(ids=None):
    qs = Suggestion.objects.all()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.values_list(
        "pk", "session_id", "session__start_date", "session__name", "number", "title", "text"
    ).iterator(chunk_size=5000)


def _past(row, handling: dict) -> Past:
    pk, session_id, start, session_name, number, title, _text = row
    h = handling.get(pk, {})
    return Past(
        pk,
        session_id,
        start,
        session_name,
        number,
        title,
        h.get("lead"),
        tuple(h.get("co", ())),
        h.get("category", ""),
        h.get("publication", ""),
        h.get("verdict", ""),
    )


def from_documents(documents, *, version: int = 0) -> Index:
    """An index of (Past, title, text) documents (no remits yet: ``set_remits``)."""
    index = Index(version=version)
    counts: dict[int, object] = {}
    for past, title, text in documents:
        counts[past.id] = ngrams.document_grams(title, text)
        index.idf.add(counts[past.id])
        index.past[past.id] = past
    limit = max(MIN_COMMON, int(COMMON_SHARE * index.idf.n))
    postings: dict[str, list[tuple[float, int]]] = {}
    for pk, grams in counts.items():
        for gram, w in ngrams.vector(grams, index.idf).items():
            if index.idf.df[gram] <= limit:
                postings.setdefault(gram, []).append((w, pk))
    del counts
    for gram, rows in postings.items():
        rows.sort(reverse=True)  # heaviest first: a query reads at most SCAN of them
        index.ids[gram] = array("q", [pk for _w, pk in rows])
        index.weights[gram] = array("f", [w for w, _pk in rows])
    return index


def build() -> Index:
    """The index from scratch: every suggestion and remit as the database holds them now."""
    version = Event.objects.aggregate(v=Max("id"))["v"] or 0
    handling = _handling()
    index = from_documents(
        ((_past(row, handling), row[5], row[6]) for row in _suggestions()), version=version
    )
    _load_remits(index)
    index.remit_key = _remit_key()
    return index


def _catch_up(index: Index, version: int) -> Index:
    changed = set(
        Event.objects.filter(id__gt=index.version, id__lte=version).values_list("suggestion_id", flat=True)
    )
    if len(changed) + len(index.fresh) > REBUILD_AFTER:
        return build()
    # A copy, so that a reader of the index being replaced never sees it change under it.
    index = replace(
        index,
        past=index.past.copy() if isinstance(index.past, Overlay) else Overlay(index.past),
        fresh=dict(index.fresh),
        fresh_postings=dict(index.fresh_postings),
        stale=set(index.stale),
    )
    postings = index.fresh_postings
    copied: set[str] = set()

    def posting(gram: str) -> dict[int, float]:
        if gram not in copied:  # the lists a reader of the old index may be reading are copied first
            postings[gram] = dict(postings.get(gram, {}))
            copied.add(gram)
        return postings[gram]

    def forget(pk: int) -> None:
        for gram in index.fresh.pop(pk, {}):
            posting(gram).pop(pk, None)

    handling = _handling(changed)
    seen = set()
    for row in _suggestions(changed):
        pk = row[0]
        seen.add(pk)
        forget(pk)
        index.past[pk] = _past(row, handling)
        index.fresh[pk] = index.vector(row[5], row[6])
        for gram, w in index.fresh[pk].items():
            posting(gram)[pk] = w
        index.stale.add(pk)
    for pk in changed - seen:  # gone
        forget(pk)
        index.past.pop(pk, None)
        index.stale.add(pk)
    index.version = version
    return index


def current() -> Index:
    """The index as of the current data version (built on first use, caught up on every later one)."""
    global _index
    version = dataversion.current()
    key = _remit_key()
    index = _index
    if index is not None and index.version == version and index.remit_key == key:
        return index
    with _lock:
        index = _index
        if index is None or version < index.version:
            index = build()
        elif version > index.version:
            index = _catch_up(index, version)
        if index.remit_key != key:
            _load_remits(index)
            index.remit_key = key
        _index = index
        return index


def reset() -> None:
    """Forget the index (tests, and the build command before it builds)."""
    global _index
    _index = None


def rebuild() -> Index:
    global _index
    with _lock:
        _index = build()
        return _index
