"""Tests for imports.deliberation (pure Python, no database)."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.deliberation import (
    DeliberationError,
    Document,
    Person,
    Problem,
    chinese_numeral,
    parse,
    read_document,
)

SOURCE = Path(__file__).resolve().parents[2] / "fixtures/source/taicang-2023-deliberation-summary.txt"


@pytest.fixture(scope="module")
def source_text() -> str:
    return SOURCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc(source_text: str) -> Document:
    return parse(source_text)


def signature(document: Document) -> list[tuple]:
    return [
        (s.number, s.theme, s.position, s.title, [(p.name, p.attendee) for p in s.proposers], s.text)
        for s in document.suggestions
    ]


def remark_signature(document: Document) -> list[tuple]:
    return [
        (r.part, r.section, r.heading, [(p.name, p.attendee) for p in r.people], r.text)
        for r in document.remarks
    ]


def theme_signature(document: Document) -> list[tuple]:
    return [(t.ordinal, t.title, t.declared_count) for t in document.themes]


def line_of(text: str, needle: str) -> int:
    """1-based line number of the first line containing needle."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(DeliberationError) as info:
        parse(text)
    return info.value.problems


def hard_wrap(text: str, width: int) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        if not line:
            out.append("")
            continue
        out.extend(line[i : i + width] for i in range(0, len(line), width))
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------
# The source document
# --------------------------------------------------------------------------------------------------


def test_session_fields(doc: Document) -> None:
    assert doc.session_name == "市十七届人大二次会议"
    assert (doc.term, doc.meeting) == (17, 2)
    assert doc.start_date == date(2023, 1, 3)
    assert doc.end_date == date(2023, 1, 5)
    assert doc.issued_on == date(2023, 2, 10)


def test_themes(doc: Document, source_text: str) -> None:
    assert [t.ordinal for t in doc.themes] == [1, 2, 3, 4, 5, 6, 7]
    assert [t.declared_count for t in doc.themes] == [4, 4, 3, 6, 3, 5, 5]
    assert doc.themes[0].title == "关于增强产业发展硬实力方面"
    assert doc.themes[6].title == "关于增强社会风险防范力方面"
    assert doc.themes[1].line == line_of(source_text, "二是关于增强对外合作影响力方面")


def test_suggestion_counts(doc: Document) -> None:
    assert [s.number for s in doc.suggestions] == list(range(1, 31))
    per_theme = Counter(s.theme for s in doc.suggestions)
    assert [per_theme[i] for i in range(1, 8)] == [4, 4, 3, 6, 3, 5, 5]
    for theme in range(1, 8):
        positions = [s.position for s in doc.suggestions if s.theme == theme]
        assert positions == list(range(1, len(positions) + 1))


def test_people(doc: Document) -> None:
    people = doc.people()
    assert len(people) == 107
    assert len({p.name for p in people}) == 107
    assert people[0] == Person("汪香元", False)
    assert [p.name for p in people if p.attendee] == ["傅玖"]
    proposers = doc.proposers()
    assert len(proposers) == 60
    assert {p.name for s in doc.suggestions for p in s.proposers} == {p.name for p in proposers}
    counts = Counter(p.name for s in doc.suggestions for p in s.proposers)
    assert counts["郑丙华"] == 3
    assert counts["陈颖"] == 3
    assert all(2 <= len(p.name) <= 4 for p in people)


def test_first_suggestion(doc: Document, source_text: str) -> None:
    first = doc.suggestions[0]
    assert (first.number, first.theme, first.position) == (1, 1, 1)
    assert first.title == "聚焦项目引建"
    assert first.proposers == [Person("汪香元", False), Person("杨锐", False)]
    assert first.lead == Person("汪香元", False)
    assert first.text == (
        "大抓项目、抓大项目，以项目建设牵引有效投资，以有效投资助推经济高质量发展，"
        "全力推动重大项目建设各环节全面提速增效。"
    )
    assert first.line == line_of(source_text, "1.聚焦项目引建")


def test_theme_two_item_three(doc: Document) -> None:
    item = doc.suggestions[6]
    assert (item.theme, item.position) == (2, 3)
    assert item.title == "深化开放合作"
    assert [p.name for p in item.proposers] == ["张展", "王永伟", "段月强"]
    assert item.text.startswith("要全力打造")
    assert (
        item.text
        == "要全力打造国家级对德合作平台，加强对德各领域全方位的合作交流，积极拓展欧美、日韩等国际会商渠道。"
    )


def test_single_proposer(doc: Document) -> None:
    item = next(s for s in doc.suggestions if (s.theme, s.position) == (4, 3))
    assert item.title == "提质老旧小区"
    assert item.proposers == [Person("郑丙华", False)]
    assert item.text == "加快老旧小区改造，完善基础设施，有序推进增梯工作。"


def test_attendee_proposer(doc: Document) -> None:
    item = next(s for s in doc.suggestions if (s.theme, s.position) == (7, 1))
    assert item.number == 26
    assert item.title == "加强风险防范"
    assert item.proposers == [Person("吴敬宇", False), Person("傅玖", True)]
    assert item.text.startswith("加强和完善现代金融监管")
    assert item.text.endswith("提高应对突发公共事件的能力。")


def test_last_suggestion(doc: Document, source_text: str) -> None:
    last = doc.suggestions[-1]
    assert (last.number, last.theme, last.position) == (30, 7, 5)
    assert last.title == "规范劳务市场"
    assert [p.name for p in last.proposers] == ["徐洪明", "顾建康"]
    assert last.text == "严查非法人力资源市场，摸排劳务派遣市场存在隐患，并及时清理整顿。"
    assert "本期发送" not in last.text
    assert last.line == line_of(source_text, "5.规范劳务市场")


def test_theme_without_blank_line_before(doc: Document) -> None:
    # "…运营管理模式。\n二是关于…" has no blank line in the source
    item = doc.suggestions[3]
    assert item.text == "与知名文旅运营品牌合作，学习先进经验和发展思路，形成本土独特运营管理模式。"


def test_remark_sections(doc: Document) -> None:
    sections = {(r.part, r.section) for r in doc.remarks}
    assert sorted(s for p, s in sections if p == 1) == [1, 2, 3, 4, 5, 6]
    assert sorted(s for p, s in sections if p == 2) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert all(r.people for r in doc.remarks)
    assert len(doc.remarks) == 57  # 25 in part 一, 32 in part 二


def test_known_remark(doc: Document, source_text: str) -> None:
    first = doc.remarks[0]
    assert (first.part, first.section) == (1, 1)
    assert first.heading == "坚定不移两手抓、两手胜，经济发展韧劲更强"
    assert [p.name for p in first.people] == ["汪香元", "王晓红"]
    assert first.text.startswith("汪香元、王晓红代表认为，过去一年，")
    assert first.text.endswith("最大程度保护人民群众的生命安全和身体健康。")
    assert first.line == line_of(source_text, "（一）坚定不移两手抓")

    multi = next(r for r in doc.remarks if r.people and r.people[0].name == "戚振宇")
    # a remark may run over several sentences until the next attributed sentence
    assert multi.text == (
        "戚振宇、黄冬明代表认为，太仓港集装箱吞吐量突破800万标箱、货物吞吐量超2.6亿吨，均创历史新高。"
        "跨境电商交易额1.1亿元、增长114%，港区未来发展潜力无限。"
    )

    attendee = next(r for r in doc.remarks if (r.part, r.section) == (1, 2) and r.people[0].name == "施敬")
    assert attendee.people == [Person("施敬", False), Person("傅玖", True)]
    assert attendee.text.startswith("施敬代表、傅玖列席代表认为，今年引进")

    single = [r for r in doc.remarks if (r.part, r.section) == (2, 6)][-1]
    assert single.people == [Person("肖婷婷", False)]
    assert single.heading == "突出幸福提升，增强民生服务保障力"


def test_chinese_numerals() -> None:
    assert [chinese_numeral(s) for s in ["一", "九", "十", "十一", "十九", "二十", "二十三", "一百零五"]] == [
        1,
        9,
        10,
        11,
        19,
        20,
        23,
        105,
    ]
    assert chinese_numeral("") is None
    assert chinese_numeral("甲") is None
    assert chinese_numeral("十十") is None


# --------------------------------------------------------------------------------------------------
# Variations of the source that must parse to the same result
# --------------------------------------------------------------------------------------------------


def assert_same(variant: Document, reference: Document, remarks: bool = True) -> None:
    assert signature(variant) == signature(reference)
    assert theme_signature(variant) == theme_signature(reference)
    assert (variant.session_name, variant.start_date, variant.end_date, variant.issued_on) == (
        reference.session_name,
        reference.start_date,
        reference.end_date,
        reference.issued_on,
    )
    if remarks:
        assert remark_signature(variant) == remark_signature(reference)


@pytest.mark.parametrize("width", [37, 8, 13, 21, 50, 79])
def test_hard_wrapped(source_text: str, doc: Document, width: int) -> None:
    assert_same(parse(hard_wrap(source_text, width)), doc)


def test_hard_wrapped_every_width(source_text: str, doc: Document) -> None:
    reference = signature(doc)
    for width in range(4, 120):
        assert signature(parse(hard_wrap(source_text, width))) == reference, width


def test_wrapped_inside_a_name_and_keyword(source_text: str, doc: Document) -> None:
    text = source_text.replace("汪香元、杨锐代表建议", "汪香\n元、杨锐代\n表建议")
    text = text.replace("吴敬宇代表、傅玖列席代表建议", "吴敬宇代表、傅\n玖列席\n代表建\n议")
    text = text.replace("汪香元、王晓红代表认为", "汪\n香元、王晓红代表认\n为")
    assert text.count("\n") == source_text.count("\n") + 7
    variant = parse(text)
    assert_same(variant, doc)
    # line numbers stay physical: item 2 moved down by two lines
    assert variant.suggestions[1].line == doc.suggestions[1].line + 4


def test_gb18030_bytes(source_text: str, doc: Document, tmp_path: Path) -> None:
    data = source_text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert_same(parse(read_document(data, filename="summary.txt")), doc)
    path = tmp_path / "summary.txt"
    path.write_bytes(data)
    assert_same(parse(read_document(path)), doc)
    assert_same(parse(read_document(str(path))), doc)


def test_utf8_with_bom_and_crlf(source_text: str, doc: Document) -> None:
    data = b"\xef\xbb\xbf" + source_text.replace("\n", "\r\n").encode("utf-8")
    text = read_document(data)
    assert "\r" not in text
    assert_same(parse(text), doc)
    assert_same(parse("\ufeff" + source_text), doc)


def test_crlf_and_cr(source_text: str, doc: Document) -> None:
    crlf = parse(source_text.replace("\n", "\r\n"))
    assert_same(crlf, doc)
    assert [s.line for s in crlf.suggestions] == [s.line for s in doc.suggestions]
    assert_same(parse(source_text.replace("\n", "\r")), doc)


def test_blank_lines_removed(source_text: str, doc: Document) -> None:
    text = "\n".join(line for line in source_text.split("\n") if line.strip())
    assert_same(parse(text), doc)


def test_extra_blank_lines(source_text: str, doc: Document) -> None:
    # blank lines between the pieces of a wrapped paragraph (PDF page breaks) are harmless
    assert_same(parse(hard_wrap(source_text, 30).replace("\n", "\n\n")), doc)


def test_ideographic_comma_numbering(source_text: str, doc: Document) -> None:
    text = re.sub(r"(?m)^(\d+)\.", r"\1、", source_text)
    assert "1、聚焦项目引建" in text
    assert_same(parse(text), doc)


def test_fullwidth_digits(source_text: str, doc: Document) -> None:
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    text = re.sub(r"(?m)^(\d+)\.", lambda m: m.group(1).translate(fullwidth) + "．", source_text)
    text = re.sub(r"（(\d+)条）", lambda m: "（" + m.group(1).translate(fullwidth) + "条）", text)
    assert "１．聚焦项目引建" in text and "（４条）" in text
    assert_same(parse(text), doc)


def test_halfwidth_parentheses_and_spaced_numbers(source_text: str, doc: Document) -> None:
    text = re.sub(r"（(\d+)条）", r"(\1条)", source_text)
    text = re.sub(r"(?m)^(\d+)\.", r"\1. ", text)
    assert "(4条)" in text and "1. 聚焦" in text
    assert_same(parse(text), doc)


def test_stray_spaces(source_text: str, doc: Document) -> None:
    rng = random.Random(20230210)
    ascii_alnum = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    out: list[str] = []
    for i, ch in enumerate(source_text):
        out.append(ch)
        nxt = source_text[i + 1] if i + 1 < len(source_text) else ""
        if ch in ascii_alnum and nxt in ascii_alnum:
            continue  # a space between two ASCII letters/digits would be kept
        if rng.random() < 0.15:
            out.append(rng.choice([" ", "\u3000", "\t", "  ", " \u3000 "]))
    text = "".join(out)
    variant = parse(text)
    assert_same(variant, doc)
    assert [s.line for s in variant.suggestions] == [s.line for s in doc.suggestions]


def test_leading_indentation(source_text: str, doc: Document) -> None:
    text = "\n".join("\u3000\u3000" + line if line else line for line in source_text.split("\n"))
    assert_same(parse(text), doc)


def test_theme_glued_to_previous_item(source_text: str, doc: Document) -> None:
    text = source_text.replace("运营管理模式。\n二是关于", "运营管理模式。二是关于")
    variant = parse(text)
    assert_same(variant, doc)
    assert variant.themes[1].line == line_of(text, "4.推动文旅发展")


def test_item_glued_to_theme_header(source_text: str, doc: Document) -> None:
    text = source_text.replace("（4条）\n\n1.推进以港强市", "（4条）1.推进以港强市")
    assert_same(parse(text), doc)


def test_everything_at_once(source_text: str, doc: Document) -> None:
    text = "\n".join(line for line in source_text.split("\n") if line.strip())
    text = re.sub(r"(?m)^(\d+)\.", r"\1、", text)
    text = hard_wrap(text, 23).replace("\n", "\r\n")
    assert_same(parse(text), doc)


def test_docx(source_text: str, doc: Document, tmp_path: Path) -> None:
    import docx

    word = docx.Document()
    for line in source_text.split("\n"):
        word.add_paragraph(line)
    path = tmp_path / "summary.docx"
    word.save(str(path))
    assert_same(parse(read_document(path)), doc)
    data = path.read_bytes()
    assert_same(parse(read_document(data)), doc)  # detected by the zip magic bytes
    with path.open("rb") as handle:
        assert_same(parse(read_document(handle)), doc)


def test_read_document_errors(tmp_path: Path) -> None:
    with pytest.raises(DeliberationError):
        read_document(tmp_path / "missing.txt")
    with pytest.raises(DeliberationError):
        read_document(b"PK\x03\x04 not really a zip")
    with pytest.raises(DeliberationError):
        read_document(b"plain text", filename="broken.docx")
    with pytest.raises(DeliberationError):
        read_document(12345)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Broken documents
# --------------------------------------------------------------------------------------------------


def test_wrong_declared_count(source_text: str) -> None:
    text = source_text.replace(
        "一是关于增强产业发展硬实力方面（4条）", "一是关于增强产业发展硬实力方面（5条）"
    )
    problems = problems_of(text)
    assert len(problems) == 1
    assert problems[0].line == line_of(text, "一是关于增强产业发展硬实力方面")
    assert problems[0].message == "第一主题声明5条，实际找到4条"
    assert problems[0].text == "一是关于增强产业发展硬实力方面（5条）"


def test_numbering_gap(source_text: str) -> None:
    text = source_text.replace("4.推动文旅发展", "5.推动文旅发展")
    problems = problems_of(text)
    assert [p.line for p in problems] == [line_of(text, "5.推动文旅发展")]
    assert "不连续" in problems[0].message and "第一主题" in problems[0].message


def test_numbering_gap_later_items_follow(source_text: str) -> None:
    text = source_text.replace("2.加速协同发展", "3.加速协同发展").replace("3.深化开放合作", "4.深化开放合作")
    text = text.replace("\n4.保障资源要素", "\n5.保障资源要素")
    problems = problems_of(text)
    assert [p.line for p in problems] == [line_of(text, "3.加速协同发展")]
    assert "第二主题" in problems[0].message


def test_repeated_number(source_text: str) -> None:
    text = source_text.replace("4.推动文旅发展", "3.推动文旅发展")
    problems = problems_of(text)
    assert [p.line for p in problems] == [line_of(text, "3.推动文旅发展")]
    assert "重复" in problems[0].message


def test_missing_item(source_text: str) -> None:
    lines = source_text.split("\n")
    lines = [line for line in lines if not line.startswith("2.推广拆迁经验")]
    text = "\n".join(lines)
    problems = problems_of(text)
    messages = [p.message for p in problems]
    assert "第四主题声明6条，实际找到5条" in messages
    assert any("不连续" in m for m in messages)
    assert problems[0].line == line_of(text, "四是关于")


def test_item_without_proposers(source_text: str) -> None:
    text = source_text.replace("郑丙华代表建议加快老旧小区改造", "加快老旧小区改造")
    problems = problems_of(text)
    assert [p.line for p in problems] == [line_of(text, "3.提质老旧小区")]
    assert "缺少提议代表" in problems[0].message


def test_item_with_keyword_only_in_body(source_text: str) -> None:
    text = source_text.replace("郑丙华代表建议加快老旧小区改造", "加快老旧小区改造，听取人大代表建议")
    problems = problems_of(text)
    assert [p.line for p in problems] == [line_of(text, "3.提质老旧小区")]
    assert "缺少提议代表" in problems[0].message


@pytest.mark.parametrize("bad", ["ABC", "严海月朱弇菁", "王1", "严海月，朱弇菁", "王"])
def test_bad_name(source_text: str, bad: str) -> None:
    text = source_text.replace("严海月、朱弇菁代表建议", f"{bad}代表建议")
    problems = problems_of(text)
    assert [p.line for p in problems] == [line_of(text, "4.推动文旅发展")]
    assert "不像人名" in problems[0].message or "缺少提议代表" in problems[0].message


def test_bad_name_message(source_text: str) -> None:
    text = source_text.replace("严海月、朱弇菁代表建议", "ABC、朱弇菁代表建议")
    error = pytest.raises(DeliberationError, parse, text).value
    assert len(error.problems) == 1
    assert "“ABC”不像人名" in error.problems[0].message
    assert f"第{line_of(text, '4.推动文旅发展')}行: " in str(error)
    assert "«4.推动文旅发展。ABC、朱弇菁代表建议" in str(error)


def test_minority_name_accepted(source_text: str) -> None:
    text = source_text.replace("严海月、朱弇菁代表建议", "阿依古丽·买买提、朱弇菁代表建议")
    item = parse(text).suggestions[3]
    assert [p.name for p in item.proposers] == ["阿依古丽·买买提", "朱弇菁"]


def test_several_problems_collected(source_text: str) -> None:
    text = source_text.replace("（4条）", "（9条）", 1)
    text = text.replace("郑丙华代表建议加快老旧小区改造", "加快老旧小区改造")
    text = text.replace("2.抓好社会治理", "3.抓好社会治理")
    problems = problems_of(text)
    assert len(problems) >= 3
    assert problems == sorted(problems, key=lambda p: p.line)
    message = str(pytest.raises(DeliberationError, parse, text).value)
    assert message.count("第") >= 3
    assert not re.search("[A-Za-z]", message)


def test_empty_input() -> None:
    for text in ["", "\n\n", "   \r\n\t"]:
        problems = problems_of(text)
        assert {p.line for p in problems} == {0}
        assert any("会议" in p.message for p in problems)
        assert any("主题" in p.message for p in problems)


def test_no_session_line(source_text: str) -> None:
    text = source_text.replace("2023年1月3日至5日，出席", "出席")
    problems = problems_of(text)
    assert len(problems) == 1 and "会议信息" in problems[0].message


def test_no_themes(source_text: str) -> None:
    text = source_text.split("三、关于对2023年政府工作")[0]
    problems = problems_of(text)
    assert len(problems) == 1 and "主题" in problems[0].message


def test_theme_without_count(source_text: str) -> None:
    text = source_text.replace("三是关于增强转型升级驱动力方面（3条）", "三是关于增强转型升级驱动力方面")
    problems = problems_of(text)
    assert [p.line for p in problems] == [line_of(text, "三是关于增强转型升级驱动力方面")]
    assert "条数" in problems[0].message


def test_theme_ordinal_gap(source_text: str) -> None:
    text = source_text.replace("三是关于增强转型升级驱动力方面", "四是关于增强转型升级驱动力方面")
    problems = problems_of(text)
    assert problems[0].line == line_of(text, "四是关于增强转型升级驱动力方面")
    assert "主题序号" in problems[0].message


def test_invalid_session_date(source_text: str) -> None:
    text = source_text.replace("2023年1月3日至5日", "2023年2月30日至3月2日")
    problems = problems_of(text)
    assert [p.line for p in problems] == [line_of(text, "2023年2月30日")]
    assert "日期无效" in problems[0].message


def test_error_pickles(source_text: str) -> None:
    import pickle

    error = pytest.raises(DeliberationError, parse, "").value
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems
    assert str(copy) == str(error)


def test_session_line_variants(source_text: str) -> None:
    text = source_text.replace(
        "2023年1月3日至5日，出席市十七届人大二次会议的代表们",
        "市十七届人大二次会议于2022年12月30日至2023年1月2日召开，代表们",
    )
    document = parse(text)
    assert document.session_name == "市十七届人大二次会议"
    assert (document.start_date, document.end_date) == (date(2022, 12, 30), date(2023, 1, 2))
    assert document.issued_on == date(2023, 2, 10)

    single_day = parse(source_text.replace("2023年1月3日至5日", "2023年1月3日"))
    assert single_day.start_date == single_day.end_date == date(2023, 1, 3)

    no_header = parse(source_text.replace("2023年2月10日", ""))
    assert no_header.issued_on is None


def test_enumeration_inside_remark_is_not_a_theme(source_text: str, doc: Document) -> None:
    # "一是关于……" at the start of a wrapped remark line must not open the suggestions part
    text = source_text.replace(
        "最大程度保护人民群众的生命安全和身体健康。",
        "最大程度保护人民群众的生命安全和身体健康。\n一是关于防疫方面，措施有力。",
    )
    variant = parse(text)
    assert signature(variant) == signature(doc)
    assert variant.remarks[0].text.endswith("身体健康。一是关于防疫方面，措施有力。")


def test_unattributed_text_after_heading(source_text: str) -> None:
    text = source_text.replace(
        "（八）突出作风提效，增强干事创业凝聚力。汪香元代表认为",
        "（八）突出作风提效，增强干事创业凝聚力。代表们普遍关注作风建设。汪香元代表认为",
    )
    remarks = [r for r in parse(text).remarks if (r.part, r.section) == (2, 8)]
    assert remarks[0].people == []
    assert remarks[0].text == "代表们普遍关注作风建设。"
    assert [p.name for p in remarks[1].people] == ["汪香元"]


def test_form_feed_is_not_a_line_break(source_text: str, doc: Document) -> None:
    text = source_text.replace("2.做强产业标识。", "2.做强产业\x0c标识。")
    variant = parse(text)
    assert signature(variant) == signature(doc)
    assert [s.line for s in variant.suggestions] == [s.line for s in doc.suggestions]


def test_parse_rejects_non_text() -> None:
    with pytest.raises(DeliberationError):
        parse(b"bytes")  # type: ignore[arg-type]


def test_performance_thousand_suggestions() -> None:
    spec = GeneratedDoc(
        themes=[
            [
                (f"推动发展{i}", [("王伟", False), ("李娜", False)], "加快建设，提升服务质量。" * 3)
                for i in range(100)
            ]
            for _ in range(10)
        ],
        sections=[],
        wrap=None,
        blank_lines=True,
        separator=".",
        newline="\n",
    )
    text, _ = render(spec)
    start = time.perf_counter()
    document = parse(text)
    elapsed = time.perf_counter() - start
    assert len(document.suggestions) == 1000
    assert elapsed < 1.0


# --------------------------------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------------------------------

_EXCLUDED = set("一二三四五六七八九十百千零〇两是关于代表列席本期发送认为示建议指提出强调希望谈到")
_SURNAMES = [
    c
    for c in "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤"
    if c not in _EXCLUDED
]
_GIVEN = [
    c
    for c in "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹香月媛瑞凡佳嘉琼勤珍贞莉娣璐娅琦晶妍茜秋珊莎锦青倩婷姣婉娴瑾颖露瑶怡雁蓓仪荷丹蓉眉君琴蕊薇菁梦岚苑馨韵园艺卿聪澜纯悦昭冰爽茗羽希宁欣育滢筠柔竹凝晓欢霄枫芸菲寒伊亚宜可舒影"
    if c not in _EXCLUDED
]
_WORD_CHARS = [
    c
    for c in "加快推进建设完善提升服务质量企业产业城市生态文化民生安全保障创新改革开放合作项目发展环境治理农村教育医疗交通港口人才科技绿色低碳数字经济政府公共资源整治规划管理社会基层"
    if c not in _EXCLUDED
]

_rng = random.Random(17)
NAME_POOL = sorted(
    {
        _rng.choice(_SURNAMES) + "".join(_rng.choice(_GIVEN) for _ in range(_rng.randint(1, 2)))
        for _ in range(400)
    }
)
names = st.sampled_from(NAME_POOL)
words = st.text(alphabet=_WORD_CHARS, min_size=1, max_size=8)
titles = st.text(alphabet=_WORD_CHARS, min_size=2, max_size=8)
sentences = st.builds(
    lambda parts, number: "，".join(parts[:1] + ([f"{number}个"] if number else []) + parts[1:]) + "。",
    st.lists(words, min_size=1, max_size=3),
    st.one_of(st.none(), st.integers(min_value=1, max_value=2023)),
)
texts = st.lists(sentences, min_size=1, max_size=2).map("".join)
# the last of two or more proposers may be a 列席代表
proposer_lists = st.builds(
    lambda people, attendee: [(n, attendee and i == len(people) - 1 > 0) for i, n in enumerate(people)],
    st.lists(names, min_size=1, max_size=5, unique=True),
    st.booleans(),
)
items = st.tuples(titles, proposer_lists, texts)


@dataclass
class GeneratedDoc:
    themes: list[list[tuple[str, list[tuple[str, bool]], str]]]
    sections: list[list[tuple[list[str], str]]]
    wrap: int | None
    blank_lines: bool
    separator: str
    newline: str


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _attribution(people: list[tuple[str, bool]]) -> str:
    delegates = [n for n, a in people if not a]
    attendees = [n for n, a in people if a]
    groups = []
    if delegates:
        groups.append("、".join(delegates) + "代表")
    if attendees:
        groups.append("、".join(attendees) + "列席代表")
    return "、".join(groups)


def render(spec: GeneratedDoc) -> tuple[str, dict[tuple[int, int], int]]:
    """Render a generated document; also return the physical line of every item."""
    logical: list[tuple[str, tuple[int, int] | None]] = [
        ("太仓市人大常委会办公室编    2024年2月1日", None),
        ("关于市十八届人大三次会议审议情况", None),
        ("2024年1月8日至10日，出席市十八届人大三次会议的代表们认真审议了报告。现将审议情况汇总如下：", None),
    ]
    for part in (1, 2):
        logical.append((f"{_cn(part)}、关于第{_cn(part)}部分", None))
        for s_index, remarks in enumerate(spec.sections, start=1):
            body = "".join(f"{'、'.join(people)}代表认为，{text}" for people, text in remarks)
            logical.append((f"（{_cn(s_index)}）第{_cn(s_index)}节标题。{body}", None))
    logical.append(("三、关于意见和建议", None))
    for t_index, theme in enumerate(spec.themes, start=1):
        logical.append((f"{_cn(t_index)}是关于第{_cn(t_index)}方面（{len(theme)}条）", None))
        for i_index, (title, people, text) in enumerate(theme, start=1):
            logical.append(
                (f"{i_index}{spec.separator}{title}。{_attribution(people)}建议{text}", (t_index, i_index))
            )
    logical.append(("本期发送：各位代表。", None))

    physical: list[str] = []
    lines: dict[tuple[int, int], int] = {}
    for text, key in logical:
        if key is not None:
            lines[key] = len(physical) + 1
        if spec.wrap:
            physical.extend(text[i : i + spec.wrap] for i in range(0, len(text), spec.wrap))
        else:
            physical.append(text)
        if spec.blank_lines:
            physical.append("")
    return spec.newline.join(physical), lines


remark_sections = st.lists(
    st.lists(st.tuples(st.lists(names, min_size=1, max_size=3, unique=True), texts), min_size=1, max_size=3),
    max_size=2,
)
generated_docs = st.builds(
    GeneratedDoc,
    themes=st.lists(st.lists(items, min_size=1, max_size=4), min_size=1, max_size=6),
    sections=remark_sections,
    wrap=st.one_of(st.none(), st.integers(min_value=8, max_value=60)),
    blank_lines=st.booleans(),
    separator=st.sampled_from([".", "、", "．", ". "]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_docs)
def test_generated_documents_round_trip(spec: GeneratedDoc) -> None:
    text, lines = render(spec)
    document = parse(text)
    assert document.session_name == "市十八届人大三次会议"
    assert (document.start_date, document.end_date, document.issued_on) == (
        date(2024, 1, 8),
        date(2024, 1, 10),
        date(2024, 2, 1),
    )
    assert [t.declared_count for t in document.themes] == [len(t) for t in spec.themes]
    expected = [
        (t_index, i_index, title, people, body)
        for t_index, theme in enumerate(spec.themes, start=1)
        for i_index, (title, people, body) in enumerate(theme, start=1)
    ]
    got = [
        (s.theme, s.position, s.title, [(p.name, p.attendee) for p in s.proposers], s.text)
        for s in document.suggestions
    ]
    assert got == expected
    assert [s.number for s in document.suggestions] == list(range(1, len(expected) + 1))
    assert {(s.theme, s.position): s.line for s in document.suggestions} == lines

    expected_remarks = [
        (part, s_index, [(n, False) for n in people], f"{'、'.join(people)}代表认为，{body}")
        for part in (1, 2)
        for s_index, remarks in enumerate(spec.sections, start=1)
        for people, body in remarks
    ]
    got_remarks = [
        (r.part, r.section, [(p.name, p.attendee) for p in r.people], r.text) for r in document.remarks
    ]
    assert got_remarks == expected_remarks


def _is_internal(error: DeliberationError) -> bool:
    return any("内部错误" in p.message for p in error.problems)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_only_raises_deliberation_error(text: str) -> None:
    try:
        parse(text)
    except DeliberationError as error:
        assert error.problems
        assert not _is_internal(error)


_FRAGMENTS = [
    "一是关于",
    "二是关于",
    "方面",
    "（3条）",
    "(2条)",
    "（",
    "）",
    "1.",
    "2、",
    "3．",
    "１．",
    "代表建议",
    "列席代表",
    "代表认为，",
    "、",
    "。",
    "，",
    "\n",
    "\r\n",
    "\n\n",
    " ",
    "\u3000",
    "（一）",
    "（二）",
    "一、",
    "二、",
    "三、",
    "2023年1月3日至5日",
    "2023年2月30日至1日",
    "市十七届人大二次会议",
    "本期发送：",
    "王伟",
    "李娜",
    "张",
    "ABC",
    "·",
    "标题",
    "加快建设",
    "0",
    "12",
    "十一是关于",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=3)), max_size=60).map("".join))
def test_structured_garbage_only_raises_deliberation_error(text: str) -> None:
    try:
        parse(text)
    except DeliberationError as error:
        assert error.problems
        assert not _is_internal(error)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([None, "a.txt", "a.docx"]))
def test_read_document_only_raises_deliberation_error(data: bytes, filename: str | None) -> None:
    try:
        text = read_document(data, filename=filename)
    except DeliberationError:
        return
    assert isinstance(text, str)
