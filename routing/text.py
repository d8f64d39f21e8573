"""Chinese text without segmentation: character bigrams, TF-IDF, cosine.

No word segmenter guesses where a word ends: a suggestion's text is cut into overlapping pairs of
characters (字符 bigram) inside each run of Chinese characters, letters or digits; punctuation breaks a
run. (Trigrams and single characters were measured too, `make evaluate`: trigrams lowered the recall of
restated topics, single characters made unrelated texts alike; docs/routing.md.) A restated topic shares most of its bigrams (老旧 旧小 小区 …) with the earlier text, whatever
the words around them. Weights are sublinear term frequency times smoothed inverse document frequency,
vectors are L2-normalised, so the dot product of two vectors is their cosine.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

_RUN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")

#: Words of the genre that say nothing of the topic: removed before the n-grams are cut, so "建议进一步
#: 加强" does not make two suggestions alike.
FILLER = (
    "关于",
    "建议",
    "进一步",
    "切实",
    "加大力度",
    "力度",
    "持续",
    "全面",
    "积极",
    "不断",
    "着力",
    "工作",
    "方面",
    "问题",
    "有关",
    "相关",
    "我市",
    "太仓",
    "全市",
)
_FILLER = re.compile("|".join(sorted(FILLER, key=len, reverse=True)))

TITLE_WEIGHT = 1  # a title counts as much as its text (measured: twice was no better)


def runs(text: str) -> list[str]:
    return _RUN.findall(_FILLER.sub(" ", text or ""))


def grams(text: str) -> Counter[str]:
    """The character bigrams of ``text`` (a single-character run counts as itself)."""
    found: Counter[str] = Counter()
    for run in runs(text):
        if len(run) == 1:
            found[run] += 1
            continue
        for i in range(len(run) - 1):
            found[run[i : i + 2]] += 1
    return found


def document_grams(title: str, text: str) -> Counter[str]:
    found = grams(text)
    for gram, count in grams(title).items():
        found[gram] += TITLE_WEIGHT * count
    return found


class Idf:
    """Smoothed inverse document frequency over a corpus of n-gram sets."""

    def __init__(self, documents: Iterable[Iterable[str]] = ()):
        self.df: Counter[str] = Counter()
        self.n = 0
        for doc in documents:
            self.add(doc)

    def add(self, doc: Iterable[str]) -> None:
        self.n += 1
        self.df.update(set(doc))

    def __call__(self, gram: str) -> float:
        return math.log((1 + self.n) / (1 + self.df.get(gram, 0))) + 1.0


def vector(counts: Counter[str], idf: Idf) -> dict[str, float]:
    weights = {g: (1.0 + math.log(c)) * idf(g) for g, c in counts.items() if c > 0}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {g: w / norm for g, w in weights.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(g, 0.0) for g, w in a.items())


def shared_words(a: dict[str, float], b: dict[str, float], text: str, limit: int = 5) -> list[str]:
    """The stretches of ``text`` made of n-grams both vectors hold, heaviest first: what two texts share,
    as words a reader recognises (adjacent shared bigrams joined: 老旧 + 旧小 + 小区 → 老旧小区)."""
    pieces: dict[str, float] = {}
    for run in runs(text):
        i = 0
        while i < len(run) - 1:
            if run[i : i + 2] in a and run[i : i + 2] in b:
                j = i + 2
                while j < len(run) and run[j - 1 : j + 1] in a and run[j - 1 : j + 1] in b:
                    j += 1
                piece = run[i:j]
                weight = sum(a[run[k : k + 2]] * b[run[k : k + 2]] for k in range(i, j - 1))
                pieces[piece] = max(pieces.get(piece, 0.0), weight)
                i = j
            else:
                i += 1
    return [p for p, _w in sorted(pieces.items(), key=lambda kv: -kv[1])[:limit]]
