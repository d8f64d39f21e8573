"""推荐承办单位: the three likeliest lead departments and the likely co-handlers of one suggestion.

Two sources, added up per department:

- the remit (职责): the cosine of the suggestion's n-grams with the remit's (its text, its keywords
  weighted ``KEYWORD_WEIGHT``), plus ``KEYWORD_BONUS`` per keyword the suggestion contains word for word;
- the history: the ``NEIGHBOURS`` most similar other suggestions that have a lead department; each votes
  for its lead with its similarity times what came of it (``OUTCOME``: an A/B reply counts more than a
  C/D, a 不满意 less). The votes' share, times how similar the nearest is (``CONFIDENT`` and above: full
  weight), is added with the weight ``HISTORY``.

Each department comes with its reason: the words of the suggestion that match its remit, and the most
similar earlier suggestions it led. Nothing is assigned: the 交办 screen pre-fills its picker from a
choice the clerk clicks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing import index as routing_index
from routing import text as ngrams
from suggestions.models import Suggestion

NEIGHBOURS = 15
KEYWORD_BONUS = 0.12
HISTORY = 1.0
CONFIDENT = 0.35
CO_SHARE = 0.25  # a co-handler: its share of the similar suggestions' co-handling votes at least this,
CO_REMIT = 0.4  # or its remit score at least this share of the best department's
OUTCOME = {"A": 1.0, "B": 0.9, "C": 0.6, "D": 0.4, "": 0.75}
UNSATISFIED = 0.6


@dataclass
class Precedent:
    id: int
    number: int
    session: str
    title: str
    similarity: float
    category: str


@dataclass
class Candidate:
    department_id: int
    name: str
    short_name: str
    score: float
    remit_score: float
    history_score: float
    matched_words: list[str] = field(default_factory=list)
    precedents: list[Precedent] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "department": self.department_id,
            "name": self.name,
            "short_name": self.short_name,
            "score": round(self.score, 4),
            "remit_score": round(self.remit_score, 4),
            "history_score": round(self.history_score, 4),
            "reason": {
                "matched_words": self.matched_words,
                "similar_suggestions": [
                    p.__dict__ | {"similarity": round(p.similarity, 4)} for p in self.precedents
                ],
            },
        }


@dataclass
class Recommendation:
    suggestion_id: int
    leads: list[Candidate]
    co_handlers: list[Candidate]
    version: int

    def as_dict(self) -> dict:
        return {
            "suggestion": self.suggestion_id,
            "data_version": self.version,
            "leads": [c.as_dict() for c in self.leads],
            "co_handlers": [c.as_dict() for c in self.co_handlers],
        }


def _weight(past: routing_index.Past) -> float:
    w = OUTCOME.get(past.category, OUTCOME[""])
    return w * (UNSATISFIED if past.verdict == "unsatisfied" else 1.0)


def rank(idx: routing_index.Index, *, title: str, text: str, exclude: int | None = None, keep=None):
    """Every department scored for a text: (candidates best first, co-handling votes, vote total)."""
    body = f"{title} {text}"
    rvec = idx.remit_vector(title, text)
    remit_scores: dict[int, float] = {}
    matched: dict[int, list[str]] = {}
    for pk, r in idx.remits.items():
        words = [w for w in r.keywords if len(w) >= 2 and w in body]
        matched[pk] = [w for w in words if not any(w != o and w in o for o in words)]  # 犯罪 in 违法犯罪
        remit_scores[pk] = ngrams.cosine(rvec, r.vector) + KEYWORD_BONUS * len(words)
    top_remit = max(remit_scores.values(), default=0.0) or 1.0

    def has_lead(p):
        return p.lead_id is not None and (keep is None or keep(p))

    near = idx.neighbours(idx.vector(title, text), exclude=exclude, limit=NEIGHBOURS, keep=has_lead)
    total = sum(s for s, _p in near) or 1.0
    confidence = min(1.0, (near[0][0] / CONFIDENT) if near else 0.0)
    lead_votes: dict[int, float] = {}
    co_votes: dict[int, float] = {}
    precedents: dict[int, list[Precedent]] = {}
    for s, p in near:
        lead_votes[p.lead_id] = lead_votes.get(p.lead_id, 0.0) + s * _weight(p)
        for co in p.co_ids:
            co_votes[co] = co_votes.get(co, 0.0) + s
        precedents.setdefault(p.lead_id, []).append(
            Precedent(p.id, p.number, p.session_name, p.title, s, p.category)
        )
    candidates = []
    for pk, r in idx.remits.items():
        history = confidence * lead_votes.get(pk, 0.0) / total
        remit = remit_scores[pk] / top_remit
        words = matched[pk] or ngrams.shared_words(rvec, r.vector, body, limit=4)
        candidates.append(
            Candidate(
                pk,
                r.name,
                r.short_name,
                remit + HISTORY * history,
                remit,
                history,
                words,
                precedents.get(pk, [])[:3],
            )
        )
    candidates.sort(key=lambda c: (-c.score, c.department_id))
    co = {pk: confidence * v / total for pk, v in co_votes.items()}
    return candidates, co


def recommend(suggestion: Suggestion, *, leads: int = 3, co_handlers: int = 3) -> Recommendation:
    idx = routing_index.current()
    candidates, co_votes = rank(idx, title=suggestion.title, text=suggestion.text, exclude=suggestion.pk)
    top = candidates[:leads]
    lead = top[0].department_id if top else None
    co = []
    for c in candidates[1:]:
        votes = co_votes.get(c.department_id, 0.0)
        if c.department_id != lead and (votes >= CO_SHARE or c.remit_score >= CO_REMIT):
            co.append((votes + c.remit_score, c))
    co.sort(key=lambda sc: -sc[0])
    return Recommendation(suggestion.pk, top, [c for _s, c in co[:co_handlers]], idx.version)
