"""Parser for a people's-congress office's summary of a session's deliberation.

The summary (审议情况汇总) has a preamble with the session line ("2023年1月3日至5日，出席市十七届
人大二次会议的代表们……"), then

* 一、 remarks on last year's work and 二、 remarks on this year's tasks, each made of sections
  "（一）heading。names代表认为，……。names代表表示，……";
* 三、 the suggestions, grouped under themes "一是关于……方面（4条）" with numbered items
  "1.title。names代表建议text";
* "本期发送：" (distribution list), ignored.

Copies pasted from Word or PDF are hard-wrapped anywhere, lose blank lines, mix full- and half-width
digits and punctuation and carry stray spaces.  ``parse`` therefore first *unwraps* the physical lines
into logical paragraphs (recognising where structural lines start, remembering the physical line number
of every piece), then interprets the paragraphs and validates the result.  Texts are kept verbatim
except for whitespace, which is removed (a run of whitespace between two ASCII letters/digits on one
physical line becomes a single space).

Pure Python: no Django imports.  ``parse`` and ``read_document`` raise nothing but
:class:`DeliberationError`, which carries every problem found.  The data types are in
``imports.document``, the file readers in ``imports.reading`` (and ``imports.docx``); this module
re-exports them, so ``from imports.deliberation import …`` is the one entry point.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from imports.document import (
    DeliberationError,
    Document,
    Person,
    Problem,
    Remark,
    SuggestionItem,
    ThemeItem,
)
from imports.reading import read_document

__all__ = [
    "DeliberationError",
    "Document",
    "Person",
    "Problem",
    "Remark",
    "SuggestionItem",
    "ThemeItem",
    "chinese_numeral",
    "parse",
    "read_document",
]

_QUOTE_LIMIT = 60


# --------------------------------------------------------------------------------------------------
# Chinese numerals
# --------------------------------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = frozenset("零〇一二两三四五六七八九十百千")
_CN = "[零〇一二两三四五六七八九十百千]{1,6}"


def chinese_numeral(text: str) -> int | None:
    """Value of a Chinese numeral such as 一, 十, 十一, 二十三, 一百零五; ``None`` if not one."""
    if not text:
        return None
    total = 0
    current = 0
    pending = False
    last_unit = 10**9
    for ch in text:
        if ch in ("零", "〇"):
            if pending:  # 二〇 style digit strings are not supported
                return None
            current = 0
        elif ch in _CN_DIGITS:
            if pending:
                return None
            current = _CN_DIGITS[ch]
            pending = True
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            total += (current if pending else 1) * unit
            current = 0
            pending = False
            last_unit = unit
        else:
            return None
    return total + current if pending else total


def _to_cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if 0 <= n < 10:
        return digits[n]
    if 10 <= n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return str(n)


# --------------------------------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_DOTS = "·・•‧∙"
_DIGIT = "0-9０-９"
_NAME_RE = re.compile(rf"[{_CJK}]{{2,4}}|[{_CJK}]{{1,8}}(?:[{_DOTS}][{_CJK}]{{1,8}}){{1,2}}")
# a name never contains "代表" nor ends in "列席" before "代表": keeps the attribution pattern unambiguous
# (and therefore free of catastrophic backtracking on long "A代表、B代表、……" runs)
_NAME_CHAR = rf"(?:(?!代表|列席代表)[{_CJK}])"
_NAME_P = rf"(?:{_NAME_CHAR}{{1,8}}(?:[{_DOTS}]{_NAME_CHAR}{{1,8}}){{1,2}}|{_NAME_CHAR}{{2,4}})"
_GROUP_P = rf"{_NAME_P}(?:[、､]{_NAME_P})*(?:列席)?代表"
_VERBS = "认为|表示|建议|指出|提出|强调|希望|谈到"
# names attributed at the start of a sentence of a remark, e.g. "施敬代表、傅玖列席代表认为"
_REMARK_ATTR_RE = re.compile(rf"{_GROUP_P}(?:[、､]{_GROUP_P})*(?=(?:{_VERBS}))")
_SENTENCE_END_RE = re.compile("[。！？；!?;]")

_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
_WS_RE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_TERMINAL = frozenset("。！？；：:!?;”’）)】》」』")

_END_RE = re.compile("(?:本期发送|抄送[：:])")
_END_INLINE_RE = re.compile("本期发送[：:]")
_THEME_START_RE = re.compile(rf"({_CN})是关于")
_COUNT_P = rf"[（(]共?([{_DIGIT}]{{1,4}})条[）)]"
_THEME_FULL_RE = re.compile(rf"({_CN})是(关于[^。；]{{0,80}}?){_COUNT_P}")
_THEME_NOCOUNT_RE = re.compile(rf"({_CN})是(关于[^。；（(]{{0,80}}?方面|关于[^。；（(]{{0,80}})")
_THEME_GLUED_RE = re.compile(rf"(?<=[。；！？!?;”])({_CN})是关于[^。；，,]{{0,80}}?{_COUNT_P}")
_PART_RE = re.compile(rf"({_CN})[、､]")
_SECTION_RE = re.compile(rf"[（(]({_CN})[）)]")
_ITEM_RAW_RE = re.compile(rf"\s*([{_DIGIT}]{{1,4}})\s*[.．、､](?![{_DIGIT}])")
_ITEM_RE = re.compile(rf"([{_DIGIT}]{{1,4}})[.．、､]")
_ITEM_GLUED_RE = re.compile(rf"([{_DIGIT}]{{1,4}})[.．、､](?![{_DIGIT}])")

_DATE_P = rf"([{_DIGIT}]{{4}})年([{_DIGIT}]{{1,2}})月([{_DIGIT}]{{1,2}})日"
_DATE_RE = re.compile(_DATE_P)
_RANGE_P = (
    rf"(?P<y>[{_DIGIT}]{{4}})年(?P<m>[{_DIGIT}]{{1,2}})月(?P<d>[{_DIGIT}]{{1,2}})日"
    rf"(?:[至到~～—－-]{{1,3}}(?:(?P<ey>[{_DIGIT}]{{4}})年)?(?:(?P<em>[{_DIGIT}]{{1,2}})月)?(?P<ed>[{_DIGIT}]{{1,2}})日)?"
)
_SESSION_P = rf"(?P<session>[市县区省州旗]?(?P<term>{_CN})届人大(?P<meeting>{_CN})次会议)"
# "2023年1月3日至5日，出席市十七届人大二次会议……" or "市十七届人大二次会议于2023年1月3日至5日召开"
_SESSION_LINE_RES = (
    re.compile(rf"{_RANGE_P}[，,]?(?:(?!关于)[^。；：:]){{0,12}}?{_SESSION_P}"),
    re.compile(rf"{_SESSION_P}[^。；：:]{{0,6}}?于{_RANGE_P}"),
)

_ATTR_FORBIDDEN = frozenset('，,；;。！？!?“”"：:（）()《》')


# --------------------------------------------------------------------------------------------------
# Unwrapping
# --------------------------------------------------------------------------------------------------

_PREAMBLE, _PART, _SECTION, _THEME, _ITEM, _END = "preamble", "part", "section", "theme", "item", "end"


class _Paragraph:
    __slots__ = ("kind", "line", "number", "_pieces", "_offsets", "_lines", "_length", "_text")

    def __init__(self, kind: str, line: int, number: int = 0) -> None:
        self.kind = kind
        self.line = line
        self.number = number
        self._pieces: list[str] = []
        self._offsets: list[int] = []
        self._lines: list[int] = []
        self._length = 0
        self._text: str | None = None

    def add(self, piece: str, line: int) -> None:
        self._pieces.append(piece)
        self._offsets.append(self._length)
        self._lines.append(line)
        self._length += len(piece)
        self._text = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self._pieces)
        return self._text

    def line_at(self, offset: int) -> int:
        index = bisect.bisect_right(self._offsets, offset) - 1
        return self._lines[max(index, 0)] if self._lines else self.line


def _clean(line: str) -> str:
    """Remove whitespace; keep one space between two ASCII letters/digits."""
    if not _WS_RE.search(line):
        return line

    def repl(m: re.Match[str]) -> str:
        s, e = m.start(), m.end()
        if s > 0 and e < len(line) and line[s - 1] in _ASCII_ALNUM and line[e] in _ASCII_ALNUM:
            return " "
        return ""

    return _WS_RE.sub(repl, line)


def _lookahead(cleaned: list[str], index: int, size: int = 120) -> str:
    parts: list[str] = []
    total = 0
    for c in cleaned[index : index + 8]:
        parts.append(c)
        total += len(c)
        if total >= size:
            break
    return "".join(parts)


def _unwrap(raw_lines: list[str]) -> list[_Paragraph]:
    cleaned = [_clean(line) for line in raw_lines]
    paragraphs: list[_Paragraph] = []
    current: _Paragraph | None = None
    part = 0
    section = 0
    last_item = 0
    in_suggestions = False
    blank_before = True
    prev_terminal = True

    for index, c in enumerate(cleaned):
        lineno = index + 1
        if not c:
            blank_before = True
            continue
        boundary = blank_before or prev_terminal
        kind: str | None = None
        number = 0

        if _END_RE.match(c):
            kind = _END
        elif (
            c[0] in _CN_CHARS
            and (m := _THEME_START_RE.match(ahead := _lookahead(cleaned, index)))
            # the first theme needs its "（N条）"; later ones (e.g. missing the count) a clean line start
            and (_THEME_FULL_RE.match(ahead) or (in_suggestions and boundary))
        ):
            kind, number = _THEME, chinese_numeral(m.group(1)) or 0
            in_suggestions, last_item, section = True, 0, 0
        elif (
            (m := _PART_RE.match(c))
            and chinese_numeral(m.group(1)) == part + 1
            and (boundary or c[m.end() :].startswith("关于"))
        ):
            part += 1
            kind, number = _PART, part
            section, in_suggestions = 0, False
        elif not in_suggestions and part >= 1 and (m := _SECTION_RE.match(c)):
            n = chinese_numeral(m.group(1)) or 0
            if boundary or n == section + 1:
                kind, number, section = _SECTION, n, n
        elif in_suggestions and (m := _ITEM_RAW_RE.match(raw_lines[index])):
            n = int(m.group(1))
            if boundary or n in (1, last_item + 1):
                kind, number, last_item = _ITEM, n, n

        if kind == _END:
            break
        if kind is not None or current is None:
            current = _Paragraph(kind or _PREAMBLE, lineno, number)
            paragraphs.append(current)
        current.add(c, lineno)
        blank_before = False
        prev_terminal = c[-1] in _TERMINAL
    return paragraphs


# --------------------------------------------------------------------------------------------------
# Interpretation
# --------------------------------------------------------------------------------------------------


@dataclass
class _Theme:
    info: ThemeItem
    has_count: bool
    items: list[SuggestionItem] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        # physical lines as an editor counts them (form feeds, U+2028 etc. are whitespace, not breaks)
        self.raw_lines = _LINE_BREAK_RE.split(text)
        self.problems: list[Problem] = []
        self.remarks: list[Remark] = []
        self.themes: list[_Theme] = []
        self.ended = False

    # -- helpers ---------------------------------------------------------------------------------

    def quote(self, line: int) -> str:
        if not 1 <= line <= len(self.raw_lines):
            return ""
        text = self.raw_lines[line - 1].strip()
        return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…"

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, self.quote(line), message))

    def truncate_at_end(self, text: str) -> str:
        m = _END_INLINE_RE.search(text)
        if m:
            self.ended = True
            return text[: m.start()]
        return text

    # -- main ----------------------------------------------------------------------------------------

    def run(self) -> Document:
        paragraphs = _unwrap(self.raw_lines)
        preamble: list[_Paragraph] = []
        part = 0
        for para in paragraphs:
            if self.ended:
                break
            if para.kind == _PREAMBLE:
                preamble.append(para)
            elif para.kind == _PART:
                part = para.number
            elif para.kind == _SECTION:
                self.section(para, part)
            elif para.kind in (_THEME, _ITEM):
                self.suggestion_segments(para)
        session = self.session(preamble, paragraphs)
        self.validate()
        if self.problems:
            raise DeliberationError(self.problems)
        assert session is not None
        name, term, meeting, start, end, issued = session
        return Document(
            session_name=name,
            term=term,
            meeting=meeting,
            start_date=start,
            end_date=end,
            issued_on=issued,
            themes=[t.info for t in self.themes],
            suggestions=[item for t in self.themes for item in t.items],
            remarks=self.remarks,
        )

    # -- session line ---------------------------------------------------------------------------------

    def session(
        self, preamble: list[_Paragraph], paragraphs: list[_Paragraph]
    ) -> tuple[str, int, int, date, date, date | None] | None:
        candidates = preamble + [p for p in paragraphs if p.kind == _PART]
        for para in candidates:
            text = para.text
            found = [m for pattern in _SESSION_LINE_RES if (m := pattern.search(text))]
            if not found:
                continue
            m = min(found, key=lambda f: f.start())
            line = para.line_at(m.start())
            y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
            start = self.make_date(y, mo, d, line)
            end = self.make_date(
                int(m["ey"]) if m["ey"] else y,
                int(m["em"]) if m["em"] else mo,
                int(m["ed"]) if m["ed"] else d,
                line,
            )
            if start is None or end is None:
                return None
            if end < start:
                self.problem(line, f"会议结束日期{end.isoformat()}早于开始日期{start.isoformat()}")
                return None
            term = chinese_numeral(m["term"])
            meeting = chinese_numeral(m["meeting"])
            if not term or not meeting:
                self.problem(para.line_at(m.start("session")), f"无法识别届次或会次：“{m['session']}”")
                return None
            issued = None
            for other_para in preamble:
                for other in _DATE_RE.finditer(other_para.text):
                    if other_para is para and m.start() <= other.start() < m.end():
                        continue
                    issued = self.make_date(
                        int(other.group(1)), int(other.group(2)), int(other.group(3)), 0, report=False
                    )
                    if issued is not None:
                        break
                if issued is not None:
                    break
            return m["session"], term, meeting, start, end, issued
        self.problem(0, "未找到会议信息行（应如“2023年1月3日至5日，出席市十七届人大二次会议的代表们……”）")
        return None

    def make_date(self, y: int, m: int, d: int, line: int, report: bool = True) -> date | None:
        try:
            return date(y, m, d)
        except ValueError:
            if report:
                self.problem(line, f"日期无效：{y}年{m}月{d}日")
            return None

    # -- remarks ----------------------------------------------------------------------------------------

    def section(self, para: _Paragraph, part: int) -> None:
        text = self.truncate_at_end(para.text)
        m = _SECTION_RE.match(text)
        if not m:  # cannot happen: the paragraph was classified by the same pattern
            return
        number = para.number
        rest_start = m.end()
        stop = text.find("。", rest_start)
        if stop < 0:
            heading, body_start = text[rest_start:], len(text)
        else:
            heading, body_start = text[rest_start:stop], stop + 1
        starts: list[tuple[int, int]] = []  # (start, end of attribution)
        candidates = [body_start] + [e.end() for e in _SENTENCE_END_RE.finditer(text, body_start)]
        for pos in candidates:
            if pos >= len(text):
                continue
            a = _REMARK_ATTR_RE.match(text, pos)
            if a:
                starts.append((pos, a.end()))
        if body_start < len(text) and (not starts or starts[0][0] > body_start):
            starts.insert(0, (body_start, body_start))  # unattributed text right after the heading
        for i, (start, attr_end) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
            people = (
                [Person(n, att) for n, att in _split_attribution(text[start:attr_end])]
                if attr_end > start
                else []
            )
            self.remarks.append(
                Remark(
                    part=part,
                    section=number,
                    heading=heading,
                    people=people,
                    text=text[start:end],
                    line=para.line_at(start),
                )
            )

    # -- suggestions ------------------------------------------------------------------------------------

    def suggestion_segments(self, para: _Paragraph) -> None:
        text = self.truncate_at_end(para.text)
        kind = para.kind
        offset = 0
        while offset < len(text):
            if kind == _THEME:
                consumed = self.theme(text, offset, para)
                offset += consumed
                if offset >= len(text):
                    break
                if _ITEM_GLUED_RE.match(text, offset):
                    kind = _ITEM
                    continue
                self.problem(para.line_at(offset), "无法识别的内容（是否缺少条目编号？）")
                break
            glued = _THEME_GLUED_RE.search(text, offset)
            end = glued.start() if glued else len(text)
            self.item(text[offset:end], offset, para)
            if not glued:
                break
            offset, kind = end, _THEME

    def theme(self, text: str, offset: int, para: _Paragraph) -> int:
        line = para.line_at(offset)
        m = _THEME_FULL_RE.match(text, offset)
        if m:
            title, count, has_count, consumed = m.group(2), int(m.group(3)), True, m.end() - offset
        else:
            m = _THEME_NOCOUNT_RE.match(text, offset)
            if not m:  # cannot happen: the start was recognised by a looser pattern
                self.problem(line, "无法识别的主题标题")
                return len(text) - offset
            title, count, has_count, consumed = m.group(2), 0, False, len(text) - offset
            self.problem(line, "主题标题缺少条数声明（应如“（4条）”）")
        ordinal = chinese_numeral(m.group(1)) or 0
        expected = len(self.themes) + 1
        if ordinal != expected:
            self.problem(line, f"主题序号不连续：应为“{_to_cn(expected)}是关于”，实际为“{m.group(1)}是关于”")
        self.themes.append(_Theme(ThemeItem(ordinal or expected, title, count, line), has_count))
        return consumed

    def item(self, text: str, offset: int, para: _Paragraph) -> None:
        line = para.line_at(offset)
        m = _ITEM_RE.match(text)
        if not m or not self.themes:  # cannot happen: items only follow a theme
            self.problem(line, "无法识别的条目")
            return
        theme = self.themes[-1]
        number = int(m.group(1))
        rest = text[m.end() :]
        title = ""
        proposers: list[Person] = []
        body = rest
        label = f"第{_to_cn(len(self.themes))}主题第{number}条"
        k = rest.find("代表建议")
        if k < 0:
            self.problem(line, f"{label}缺少提议代表（未找到“……代表建议”）")
            stop = rest.find("。")
            title = rest[:stop] if stop >= 0 else rest
            body = rest[stop + 1 :] if stop >= 0 else ""
        else:
            head = rest[:k]
            stop = max(head.rfind("。"), head.rfind("："), head.rfind(":"))
            title = head[:stop] if stop >= 0 else ""
            names = head[stop + 1 :]
            body = rest[k + 4 :]
            if not title:
                self.problem(line, f"{label}缺少标题（应如“1.聚焦项目引建。……”）")
            if not names or len(names) > 80 or any(ch in _ATTR_FORBIDDEN for ch in names):
                self.problem(line, f"{label}缺少提议代表（未找到“……代表建议”）")
            else:
                for name, attendee in _split_attribution(names + "代表"):
                    if _looks_like_name(name):
                        proposers.append(Person(_normalise_name(name), attendee))
                    else:
                        self.problem(
                            line, f"{label}的提议人“{name}”不像人名（应为2至4个汉字，少数民族姓名可含“·”）"
                        )
        theme.items.append(
            SuggestionItem(
                number=0,
                theme=len(self.themes),
                position=number,
                title=title,
                proposers=proposers,
                text=body,
                line=line,
            )
        )

    # -- validation ---------------------------------------------------------------------------------------

    def validate(self) -> None:
        if not self.themes:
            self.problem(0, "未找到建议主题（应如“一是关于增强产业发展硬实力方面（4条）”）")
        counter = 0
        for index, theme in enumerate(self.themes, start=1):
            cn = _to_cn(index)
            expected = 1
            seen: set[int] = set()
            for item in theme.items:
                counter += 1
                item.number = counter
                n = item.position
                if n == expected:
                    expected += 1
                elif n in seen:
                    self.problem(item.line, f"第{cn}主题编号重复：第{n}条出现不止一次")
                elif n > expected:
                    missing = f"第{expected}条" if n == expected + 1 else f"第{expected}至{n - 1}条"
                    self.problem(item.line, f"第{cn}主题编号不连续：缺少{missing}，直接出现第{n}条")
                    expected = n + 1
                else:
                    self.problem(item.line, f"第{cn}主题编号顺序错误：第{n}条出现在第{expected - 1}条之后")
                seen.add(n)
            found = len(theme.items)
            if theme.has_count and found != theme.info.declared_count:
                self.problem(
                    theme.info.line, f"第{cn}主题声明{theme.info.declared_count}条，实际找到{found}条"
                )
        self.problems.sort(key=lambda p: p.line)


def _split_attribution(text: str) -> Iterator[tuple[str, bool]]:
    """Split "A、B代表、C列席代表" into (name, attendee) pairs, in order."""
    pending: list[str] = []
    for token in re.split("[、､]", text):
        if token.endswith("列席代表"):
            pending.append(token[:-4])
            yield from ((n, True) for n in pending)
            pending = []
        elif token.endswith("代表"):
            pending.append(token[:-2])
            yield from ((n, False) for n in pending)
            pending = []
        else:
            pending.append(token)
    yield from ((n, False) for n in pending)


def _looks_like_name(name: str) -> bool:
    return len(name) <= 16 and _NAME_RE.fullmatch(name) is not None


def _normalise_name(name: str) -> str:
    return re.sub(f"[{_DOTS}]", "·", name)


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def parse(text: str) -> Document:
    """Parse the text of a deliberation summary.  Raises only :class:`DeliberationError`."""
    if not isinstance(text, str):
        raise DeliberationError([Problem(0, "", "输入不是文本")])
    try:
        return _Parser(text).run()
    except DeliberationError:
        raise
    except Exception:  # the contract: nothing but DeliberationError escapes
        raise DeliberationError([Problem(0, "", "解析器内部错误，无法解析该文档")]) from None
