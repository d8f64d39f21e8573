"""Text search of suggestions (the list's ``q`` filter): one condition per word, indexed on PostgreSQL.

Why: Django's ``icontains`` compiles to ``UPPER(col::text) LIKE UPPER('%word%')``. The pg_trgm GIN indexes of
migrations 0003/0004 serve that LIKE only when the word has at least one trigram, and a two-character Chinese
term such as 「老旧」 has none, so PostgreSQL tested the LIKE on every candidate row (all 25,000 suggestions of
one status at 100,000). Migration 0006 adds a character-bigram GIN index on::

    tracker_bigrams(UPPER(title::text) || chr(1) || UPPER(text))

(``tracker_bigrams(t)``: the distinct two-character substrings of ``t``; the ``chr(1)`` between the columns
keeps the bigram that straddles the title/text boundary from matching a searched word). A two-character word
then becomes ``<that expression> @> tracker_bigrams(UPPER(word))``: it has exactly one bigram, so the
containment alone *is* the ``icontains`` test, and the planner BitmapAnds it with the other filters' indexes.

- The word's bigram is computed by PostgreSQL from ``UPPER(word)``, the very upper-casing ``icontains``
  applies (Python's ``str.upper`` differs: ``'ß'.upper() == 'SS'``, PostgreSQL's ``upper('ß')`` is ``'ß'``);
  the word travels as a query parameter and the planner folds ``tracker_bigrams(UPPER('老旧'))`` to the
  constant ``'{老旧}'``.
- Words of three or more characters keep ``icontains`` and the trigram indexes (as selective, and a LIKE
  costs far less than ``tracker_bigrams()`` when rows must be rechecked), and when a search has such a word
  its two-character words keep ``icontains`` too: see :func:`uses_bigrams`.
- One-character words, words containing ``chr(1)``, and SQLite keep the plain ``icontains``.
- ``tracker_bigrams()`` costs ~15 µs a row, so the index has no statistics (the planner then takes any bigram
  to be rare, and always reads it through the index rather than computing it row by row): migration 0006.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.functions import Cast, Length, Upper
from django.db.models.lookups import Exact

from delegates.models import Delegate
from suggestions.models import Proposer

BIGRAM_FUNCTION = "tracker_bigrams"
BIGRAM_INDEX = "suggestion_search_bigrams"
SEPARATOR = "\x01"  # chr(1) in the indexed expression (migration 0006)


class Bigrams(Func):
    """``tracker_bigrams(<text>)``: the distinct two-character substrings (a ``text[]``)."""

    function = BIGRAM_FUNCTION
    output_field = ArrayField(TextField())


class SearchedText(Func):
    """``UPPER(title::text) || chr(1) || UPPER(text::text)``: the indexed expression's argument.

    It must compile to the same expression as the index (PostgreSQL matches index expressions structurally),
    which is why it is spelled out here rather than built with ``Concat`` (that adds COALESCE calls).
    """

    template = "(%(expressions)s)"
    arg_joiner = " || chr(1) || "
    output_field = TextField()

    def __init__(self, title: str = "title", text: str = "text"):
        super().__init__(Upper(Cast(F(title), TextField())), Upper(Cast(F(text), TextField())))


class ArrayContains(Func):
    """``<array> @> <array>`` as a boolean expression (usable in ``filter()`` and ``Q``)."""

    template = "(%(expressions)s)"
    arg_joiner = " @> "
    output_field = BooleanField()


class Like(Func):
    """``<text> LIKE <pattern>`` as a boolean expression."""

    template = "(%(expressions)s)"
    arg_joiner = " LIKE "
    output_field = BooleanField()


def icontains(word: str) -> Q:
    """The plain test: the word occurs in the title or the text (case-insensitive substring)."""
    return Q(title__icontains=word) | Q(text__icontains=word)


def uses_bigrams(words: list[str], vendor: str) -> bool:
    """Whether the two-character words of this search go through the bigram index.

    Only on PostgreSQL, and only when no word is longer than two characters: a longer word is served by the
    trigram indexes, and a bitmap of a trigram index is lossy, which makes PostgreSQL recheck *every*
    condition of the scan on each row it returns -- tracker_bigrams() included, ~15 µs a row instead of
    ~0.5 µs for a LIKE. Such searches keep the plain icontains for every word (the trigram plan).
    """
    return vendor == "postgresql" and all(len(word) <= 2 for word in words)


def bigram_condition(word: str, *, using: str = "default") -> Q:
    """The two-character word in the title or the text, through the bigram index; equivalent to icontains."""
    connection = connections[using]
    upper_word = Upper(Value(word, output_field=TextField()))
    contains = Q(ArrayContains(Bigrams(SearchedText()), Bigrams(upper_word)))
    # One bigram, so the containment is the whole test -- as long as PostgreSQL's UPPER keeps the word two
    # characters long (it does, character by character, with libc locales; ICU's may not, e.g. 'ß' -> 'SS').
    # The planner folds "LENGTH(UPPER('老旧')) = 2" to TRUE and drops the OR, so the LIKE stays only if needed.
    # It is one LIKE over "UPPER(title) chr(1) UPPER(text)" (the word has no chr(1), so it occurs there exactly
    # when it occurs in one of the two) rather than icontains, whose LIKEs would bring in the trigram indexes.
    pattern = Value(f"%{connection.ops.prep_for_like_query(word)}%", output_field=TextField())
    like = Q(Like(SearchedText(), Upper(pattern)))
    return contains & (Q(Exact(Length(upper_word), 2)) | like)


def _looks_like_a_name(word: str) -> bool:
    return 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" or ch == "·" for ch in word)


def delegate_names(words: list[str], *, using: str = "default") -> set[str]:
    """The search words that are a delegate's name (one query, only when a word could be one)."""
    candidates = [word for word in words if _looks_like_a_name(word)]
    if not candidates:
        return set()
    return set(Delegate.objects.using(using).filter(name__in=candidates).values_list("name", flat=True))


def word_conditions(words: list[str], *, using: str = "default") -> list[Q]:
    """One condition per search word (all must hold), each equivalent to :func:`icontains` of the word;
    a word that is a delegate's name also finds the suggestions that delegate proposed (领衔 or 联名)."""
    bigrams = uses_bigrams(words, connections[using].vendor)
    names = delegate_names(words, using=using)
    conditions = []
    for word in words:
        condition = (
            bigram_condition(word, using=using)
            if bigrams and len(word) == 2 and SEPARATOR not in word
            else icontains(word)
        )
        if word in names:
            proposed = Proposer.objects.using(using).filter(delegate__name=word).values("suggestion_id")
            condition |= Q(pk__in=proposed)
        conditions.append(condition)
    return conditions
