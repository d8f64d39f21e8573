"""`make evaluate`: the recommendation and the repeated-topic detection measured on the labelled set.

No database: the labelled set (routing/data/labelled.json), the 2023 texts (fixtures/taicang_2023.json)
and the seed remits (routing/remits.py) are indexed in memory, with the same code the pages use.

- top-1 / top-3 from the remits alone, on the labelled 30 of 2023 (and from the remits' texts without
  their keywords: how much the keyword lists carry);
- the same with a history, leave one session out: the pairs' earlier texts are a 2020 session, their
  restatements a 2022 session, the 30 the 2023 one; each session is tested with the other two as its
  history, every history suggestion led by the department the clerk chose for its topic, its reply
  category drawn (seeded) as a year's replies fall: A 50 %, B 35 %, C 10 %, D 5 %;
- precision and recall of "raised before" at ``similar.REPEATED``: the 60 restated pairs are positives,
  the 60 unrelated pairs negatives, scored with an index of every labelled text.
"""

from __future__ import annotations

import json
import random
import time
from datetime import date
from pathlib import Path

from routing import index as routing_index
from routing import recommend, similar
from routing.remits import SEED

ROOT = Path(__file__).resolve().parent.parent
LABELLED = Path(__file__).resolve().parent / "data" / "labelled.json"


def load():
    labelled = json.loads(LABELLED.read_text(encoding="utf-8"))
    fixture = json.loads((ROOT / "fixtures" / "taicang_2023.json").read_text(encoding="utf-8"))
    texts = {
        o["fields"]["number"]: (o["fields"]["title"], o["fields"]["text"])
        for o in fixture
        if o["model"] == "suggestions.suggestion"
    }
    return labelled, texts


def _remit_rows():
    names = list(SEED)
    rows = []
    for pk, name in enumerate(names, start=1):
        text, keywords = SEED[name]
        short = (
            name.removeprefix("太仓市")
            .removeprefix("太仓")
            .removeprefix("苏州市太仓")
            .removeprefix("江苏太仓")
        )
        rows.append((pk, name, short, text, keywords.split()))
    return rows, {name: pk for pk, name in enumerate(names, start=1)}


def _documents(labelled, texts, department_ids):
    """(session, Past, title, text, lead id) of every labelled text."""
    rng = random.Random(2023)
    sessions = {2020: "十六届人大四次会议", 2022: "十七届人大一次会议", 2023: "十七届人大二次会议"}
    docs = []
    pk = 0

    def add(year, number, title, text, lead):
        nonlocal pk
        pk += 1
        category = rng.choices("ABCD", weights=[50, 35, 10, 5])[0]
        past = routing_index.Past(
            pk, year, date(year, 1, 10), sessions[year], number, title, department_ids[lead], (), category
        )
        docs.append((year, past, title, text))

    for i, pair in enumerate(labelled["pairs"], start=1):
        add(2020, i, pair["earlier"]["title"], pair["earlier"]["text"], pair["lead"])
        add(2022, i, pair["later"]["title"], pair["later"]["text"], pair["lead"])
    for row in labelled["suggestions"]:
        title, text = texts[row["number"]]
        add(2023, row["number"], title, text, row["lead"])
    return docs


def _accuracy(idx, tests):
    top1 = top3 = 0
    for past, title, text in tests:
        ranked, _co = recommend.rank(idx, title=title, text=text, exclude=past.id)
        ids = [c.department_id for c in ranked[:3]]
        top1 += ids[:1] == [past.lead_id]
        top3 += past.lead_id in ids
    n = len(tests) or 1
    return top1 / n, top3 / n, len(tests)


def recommendation(labelled, texts):
    remits, department_ids = _remit_rows()
    docs = _documents(labelled, texts, department_ids)
    results = {}
    tests_2023 = [(p, t, x) for year, p, t, x in docs if year == 2023]
    alone = routing_index.from_documents([])
    routing_index.set_remits(alone, remits)
    results["remits alone, the labelled 30 (2023)"] = _accuracy(alone, tests_2023)
    text_only = routing_index.from_documents([])
    routing_index.set_remits(
        text_only, [(pk, name, short, text, []) for pk, name, short, text, _kw in remits]
    )
    results["remit texts only (no keywords), the labelled 30"] = _accuracy(text_only, tests_2023)
    for held in (2023, 2022, 2020):
        history = [(p, t, x) for year, p, t, x in docs if year != held]
        idx = routing_index.from_documents(history)
        routing_index.set_remits(idx, remits)
        tests = [(p, t, x) for year, p, t, x in docs if year == held]
        results[f"remits + history, session {held} left out"] = _accuracy(idx, tests)
        if held != 2023:
            results[f"remits alone, session {held}"] = _accuracy(alone, tests)
    return results


def repeated(labelled, texts, thresholds=(0.1, 0.15, 0.2, 0.25, 0.3, 0.4)):
    pairs = labelled["pairs"]
    documents = []
    for i, pair in enumerate(pairs):
        for j, side in enumerate(("earlier", "later")):
            past = routing_index.Past(2 * i + j + 1, j, date(2020 + 2 * j, 1, 1), "", i, pair[side]["title"])
            documents.append((past, pair[side]["title"], pair[side]["text"]))
    for k, (title, text) in enumerate(texts.values()):
        documents.append((routing_index.Past(1000 + k, 3, date(2023, 1, 1), "", k, title), title, text))
    idx = routing_index.from_documents(documents)
    vectors = {p.id: idx.vector(t, x) for p, t, x in documents}

    def sim(i, j):
        from routing.text import cosine

        return cosine(vectors[2 * i + 1], vectors[2 * j + 2])

    positives = [sim(i, i) for i in range(len(pairs))]
    negatives = [sim(u["earlier"], u["later"]) for u in labelled["unrelated"]]
    rows = []
    for t in sorted(set(thresholds) | {similar.REPEATED}):
        tp = sum(s >= t for s in positives)
        fp = sum(s >= t for s in negatives)
        precision = tp / (tp + fp) if tp + fp else 1.0
        rows.append((t, precision, tp / len(positives), t == similar.REPEATED))
    return rows, len(positives), len(negatives)


def timing(sizes=(10_000, 100_000), queries=200):
    """p50 and p95 of one recommendation over a synthetic corpus (the load generator's texts' shape)."""
    labelled, texts = load()
    remits, department_ids = _remit_rows()
    pool = [(p["earlier"]["title"], p["earlier"]["text"], p["lead"]) for p in labelled["pairs"]]
    pool += [(p["later"]["title"], p["later"]["text"], p["lead"]) for p in labelled["pairs"]]
    rng = random.Random(7)
    out = []
    for size in sizes:
        docs = []
        for pk in range(1, size + 1):
            a, b, c = rng.sample(pool, 3)
            title = a[0]
            text = f"{a[1]}{b[1][: rng.randint(10, 30)]}{c[1][: rng.randint(5, 20)]}"
            docs.append(
                (
                    routing_index.Past(
                        pk, pk % 8, date(2016 + pk % 8, 1, 1), "", pk, title, department_ids[a[2]], (), "A"
                    ),
                    title,
                    text,
                )
            )
        started = time.perf_counter()
        idx = routing_index.from_documents(docs)
        routing_index.set_remits(idx, remits)
        built = time.perf_counter() - started
        laps = []
        for _q in range(queries):
            _past, title, text = docs[rng.randrange(size)]
            started = time.perf_counter()
            recommend.rank(idx, title=title, text=text)
            idx.neighbours(idx.vector(title, text), limit=similar.LIMIT * 2)
            laps.append((time.perf_counter() - started) * 1000)
        laps.sort()
        out.append((size, built, laps[len(laps) // 2], laps[int(len(laps) * 0.95)]))
    return out


def report(*, with_timing: bool = False) -> str:
    labelled, texts = load()
    lines = ["Recommended lead departments (top-1, top-3, n)"]
    for name, (top1, top3, n) in recommendation(labelled, texts).items():
        lines.append(f"  {name:<50} top-1 {top1:6.1%}   top-3 {top3:6.1%}   n={n}")
    rows, npos, nneg = repeated(labelled, texts)
    lines.append(
        f"Repeated topics ({npos} restated pairs, {nneg} unrelated pairs): threshold, precision, recall"
    )
    for t, p, r, chosen in rows:
        lines.append(
            f"  {t:.2f}   precision {p:6.1%}   recall {r:6.1%}{'   ← chosen (similar.REPEATED)' if chosen else ''}"
        )
    if with_timing:
        lines.append(
            "Query time, in memory (remits + history recommendation and a similar-suggestions search)"
        )
        for size, built, p50, p95 in timing():
            lines.append(
                f"  {size:>7,} suggestions: built in {built:5.1f} s, p50 {p50:5.1f} ms, p95 {p95:5.1f} ms"
            )
    return "\n".join(lines)
