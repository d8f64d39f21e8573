"""Character bigrams, TF-IDF and cosine: the text side of the routing, no segmentation."""

from routing import text


def test_bigrams_are_cut_inside_runs_and_punctuation_breaks_them():
    assert set(text.grams("老旧小区，增梯")) == {"老旧", "旧小", "小区", "增梯"}


def test_genre_filler_says_nothing_of_the_topic():
    assert text.grams("建议进一步加强") == text.grams("加强")


def test_a_restated_topic_is_nearer_than_another_topic():
    docs = {
        "a": ("加快老旧小区改造", "老旧小区管网老化，建议加快改造。"),
        "b": ("推进老旧小区改造提升", "老旧小区基础设施老化，建议加大改造力度。"),
        "c": ("缓解学位紧张", "新城区入学人数增长，建议加快新建学校。"),
    }
    counts = {k: text.document_grams(*v) for k, v in docs.items()}
    idf = text.Idf(counts.values())
    vec = {k: text.vector(c, idf) for k, c in counts.items()}
    assert text.cosine(vec["a"], vec["b"]) > 0.3 > text.cosine(vec["a"], vec["c"])
    assert abs(text.cosine(vec["a"], vec["a"]) - 1.0) < 1e-9


def test_shared_words_join_adjacent_bigrams():
    idf = text.Idf([text.grams("老旧小区改造"), text.grams("学校")])
    a = text.vector(text.grams("老旧小区改造"), idf)
    b = text.vector(text.grams("推进老旧小区"), idf)
    assert text.shared_words(a, b, "推进老旧小区") == ["老旧小区"]
