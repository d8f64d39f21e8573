"""The labelled set, measured as `make evaluate` measures it (no database): the targets of issue 12."""

import json

from routing import evaluate, similar
from routing.remits import SEED


def test_the_labelled_set_holds_the_30_suggestions_and_enough_pairs():
    labelled = json.loads(evaluate.LABELLED.read_text(encoding="utf-8"))
    assert sorted(s["number"] for s in labelled["suggestions"]) == list(range(1, 31))
    assert all(s["lead"] in SEED and s["reason"] for s in labelled["suggestions"])
    assert len(labelled["pairs"]) >= 60 and len(labelled["unrelated"]) >= 60
    assert all(p["lead"] in SEED for p in labelled["pairs"])


def test_remits_alone_reach_the_targets_on_the_labelled_30():
    labelled, texts = evaluate.load()
    top1, top3, n = evaluate.recommendation(labelled, texts)["remits alone, the labelled 30 (2023)"]
    assert n == 30 and top1 >= 0.70 and top3 >= 0.90


def test_the_history_does_not_make_the_recommendation_worse():
    labelled, texts = evaluate.load()
    results = evaluate.recommendation(labelled, texts)
    with_history = results["remits + history, session 2023 left out"]
    assert with_history[0] >= results["remits alone, the labelled 30 (2023)"][0]
    assert with_history[1] >= 0.90


def test_repeated_topics_at_the_chosen_threshold():
    labelled, texts = evaluate.load()
    rows, _pos, _neg = evaluate.repeated(labelled, texts)
    chosen = [(p, r) for t, p, r, is_chosen in rows if is_chosen]
    assert len(chosen) == 1 and rows[[r[3] for r in rows].index(True)][0] == similar.REPEATED
    precision, recall = chosen[0]
    assert precision >= 0.90 and recall >= 0.80
