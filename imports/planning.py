"""The plan of an import: what it would create, change or delete, compared with the database (no writes).

`load_state` reads the objects the document names by their natural keys (locked, inside `apply`'s
transaction); `Planner` compares them with the rows and collects the changes and the problems.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from delegates.models import Delegate, DelegateKind
from imports.document import Problem
from imports.rows import Rows
from suggestions.models import (
    CongressSession,
    Proposer,
    Remark,
    Status,
    Suggestion,
    Theme,
    chinese_ordinal,
)

# --------------------------------------------------------------------------------------------------
# The plan: what an import would create, change or delete
# --------------------------------------------------------------------------------------------------

SESSION, THEME, DELEGATE, SUGGESTION, REMARK = "session", "theme", "delegate", "suggestion", "remark"
KINDS = (SESSION, THEME, DELEGATE, SUGGESTION, REMARK)
CREATE, UPDATE, DELETE = "create", "update", "delete"


def kind_label(kind: str) -> str:
    return {
        SESSION: _("会议"),
        THEME: _("主题"),
        DELEGATE: _("代表"),
        SUGGESTION: _("建议"),
        REMARK: _("审议发言"),
    }[kind]


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after (``old`` is empty for a new object)."""

    field: str
    label: str
    old: str
    new: str

    @property
    def long(self) -> bool:
        return len(self.old) > 60 or len(self.new) > 60

    def fragments(self) -> list[tuple[str, str]]:
        """The change as ("", same) / ("del", removed) / ("ins", added) pieces, for the review page."""
        pieces: list[tuple[str, str]] = []
        matcher = difflib.SequenceMatcher(None, self.old, self.new, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                pieces.append(("", self.old[a1:a2]))
                continue
            if a2 > a1:
                pieces.append(("del", self.old[a1:a2]))
            if b2 > b1:
                pieces.append(("ins", self.new[b1:b2]))
        return pieces

    @property
    def old_fragments(self) -> list[tuple[str, str]]:
        return [(op, text) for op, text in self.fragments() if op != "ins"]

    @property
    def new_fragments(self) -> list[tuple[str, str]]:
        return [(op, text) for op, text in self.fragments() if op != "del"]

    def inline(self, context: int = 12) -> str:
        """The change in one line, wdiff style: …same[-removed-]{+added+}same…"""
        out: list[str] = []
        pieces = self.fragments()
        for index, (op, text) in enumerate(pieces):
            if op == "del":
                out.append(f"[-{text}-]")
            elif op == "ins":
                out.append(f"{{+{text}+}}")
            elif len(text) > 2 * context:
                head = text[:context] if index > 0 else ""
                tail = text[-context:] if index < len(pieces) - 1 else ""
                out.append(f"{head}…{tail}")
            else:
                out.append(text)
        return "".join(out)


@dataclass
class Change:
    """One object the import creates, updates or deletes."""

    kind: str
    action: str
    label: str
    line: int
    fields: list[FieldChange] = field(default_factory=list)
    target: Any = None  # the existing model instance (update, delete)
    row: Any = None  # the row the object gets (create, update)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def brief(self) -> str:
        """The new object's short fields in one line (the long texts are shown apart)."""
        return "；".join(
            f"{f.label}：{f.new}" for f in self.fields if not f.long and f.field not in ("title", "text")
        )

    @property
    def text_field(self) -> FieldChange | None:
        return next((f for f in self.fields if f.field == "text"), None)


@dataclass
class Group:
    """The changes of one kind of object, for the review page."""

    kind: str
    label: str
    created: list[Change]
    updated: list[Change]
    deleted: list[Change]
    unchanged: int


@dataclass
class Plan:
    """What importing a document would do; built by `plan`, carried out by `apply`."""

    rows: Rows
    source: str | None = None
    changes: list[Change] = field(default_factory=list)
    unchanged: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def session_name(self) -> str:
        return self.rows.session.name

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def of(self, kind: str, action: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind and c.action == action]

    @property
    def groups(self) -> list[Group]:
        return [
            Group(
                kind,
                kind_label(kind),
                self.of(kind, CREATE),
                self.of(kind, UPDATE),
                self.of(kind, DELETE),
                self.unchanged[kind],
            )
            for kind in KINDS
        ]

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                CREATE: len(self.of(kind, CREATE)),
                UPDATE: len(self.of(kind, UPDATE)),
                DELETE: len(self.of(kind, DELETE)),
                "unchanged": self.unchanged[kind],
            }
            for kind in KINDS
        }

    def summary(self) -> str:
        """One line: 新建建议30条、代表107名…；or that nothing changes."""
        parts = []
        for group in self.groups:
            for changes, verb in (
                (group.created, _("新建")),
                (group.updated, _("更新")),
                (group.deleted, _("删除")),
            ):
                if changes:
                    parts.append(f"{verb}{group.label}{len(changes)}")
        if not parts:
            return _("与数据库一致，没有需要导入的变化。")
        return "，".join(parts) + "。"


# --------------------------------------------------------------------------------------------------
# Reading the database
# --------------------------------------------------------------------------------------------------


@dataclass
class State:
    session: CongressSession | None = None
    themes: dict[int, Theme] = field(default_factory=dict)
    delegates: dict[str, Delegate] = field(default_factory=dict)
    suggestions: dict[int, Suggestion] = field(default_factory=dict)
    proposers: dict[int, tuple[str, ...]] = field(default_factory=dict)  # suggestion pk -> names
    remarks: dict[tuple[int, int, int], Remark] = field(default_factory=dict)
    remark_delegates: dict[int, frozenset[str]] = field(default_factory=dict)


CHUNK = 500


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_state(rows: Rows, *, lock: bool = False) -> State:
    state = State()
    names = [d.name for d in rows.delegates]
    for chunk in chunks(names):
        state.delegates.update((d.name, d) for d in Delegate.objects.filter(name__in=chunk))
    sessions = CongressSession.objects.filter(term=rows.session.term, meeting=rows.session.meeting)
    if lock:
        sessions = sessions.select_for_update()
    state.session = sessions.first()
    if state.session is None:
        return state
    state.themes = {t.ordinal: t for t in Theme.objects.filter(session=state.session)}
    suggestions = (
        Suggestion.objects.filter(session=state.session)
        .select_related("theme")
        .prefetch_related(
            Prefetch("proposers", queryset=Proposer.objects.select_related("delegate").order_by("position"))
        )
    )
    if lock:  # serialise with workflow steps, which lock the suggestion row
        suggestions = suggestions.select_for_update(of=("self",))
    for s in suggestions:
        state.suggestions[s.number] = s
        state.proposers[s.pk] = tuple(p.delegate.name for p in s.proposers.all())
    for remark in Remark.objects.filter(session=state.session).prefetch_related("delegates"):
        state.remarks[remark.part, remark.section, remark.position] = remark
        state.remark_delegates[remark.pk] = frozenset(d.name for d in remark.delegates.all())
    return state


# --------------------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------------------

_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
_QUOTE_LIMIT = 60


class Planner:
    def __init__(self, rows: Rows, state: State, source: str | None) -> None:
        self.rows = rows
        self.state = state
        self.lines = _LINE_BREAK_RE.split(source.removeprefix("\ufeff")) if source else []
        self.plan = Plan(rows=rows, source=source)

    def quote(self, line: int) -> str:
        """The physical line, as the parser quotes it in its problems."""
        text = self.lines[line - 1].strip() if 1 <= line <= len(self.lines) else ""
        return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…"

    def problem(self, line: int, message: str) -> None:
        self.plan.problems.append(Problem(line, self.quote(line), message))

    def change(self, kind: str, action: str, label: str, line: int = 0, **kwargs: Any) -> Change:
        c = Change(kind, action, label, line, **kwargs)
        self.plan.changes.append(c)
        return c

    @staticmethod
    def diff(pairs: Iterable[tuple[str, str, Any, Any]]) -> list[FieldChange]:
        return [FieldChange(f, label, str(old), str(new)) for f, label, old, new in pairs if old != new]

    def too_long(self, value: str, model: type, field_name: str, line: int, label: str) -> None:
        limit = model._meta.get_field(field_name).max_length
        if len(value) > limit:
            self.problem(
                line,
                _("%(what)s超过%(n)s个字（%(len)s个字）") % {"what": label, "n": limit, "len": len(value)},
            )

    def run(self) -> Plan:
        self.session()
        self.themes()
        self.delegates()
        self.suggestions()
        self.remarks()
        self.plan.problems.sort(key=lambda p: p.line)
        return self.plan

    def session(self) -> None:
        row, existing = self.rows.session, self.state.session
        self.too_long(row.name, CongressSession, "name", 0, _("会议名称"))
        fields = [
            ("name", _("名称"), existing.name if existing else "", row.name),
            ("start_date", _("开幕日期"), existing.start_date if existing else "", row.start_date),
            ("end_date", _("闭幕日期"), existing.end_date if existing else "", row.end_date),
        ]
        changed = self.diff(fields)
        if existing is None:
            self.change(SESSION, CREATE, row.name, fields=changed, row=row)
        elif changed:
            self.change(SESSION, UPDATE, row.name, fields=changed, target=existing, row=row)
        else:
            self.plan.unchanged[SESSION] += 1

    def themes(self) -> None:
        for row in self.rows.themes:
            label = f"{chinese_ordinal(row.ordinal)}、{row.title}"
            self.too_long(row.title, Theme, "title", row.line, _("主题标题"))
            existing = self.state.themes.get(row.ordinal)
            changed = self.diff([("title", _("标题"), existing.title if existing else "", row.title)])
            if existing is None:
                self.change(THEME, CREATE, label, row.line, fields=changed, row=row)
            elif changed:
                self.change(THEME, UPDATE, label, row.line, fields=changed, target=existing, row=row)
            else:
                self.plan.unchanged[THEME] += 1
        missing = sorted(set(self.state.themes) - {t.ordinal for t in self.rows.themes})
        if missing:
            self.plan.notes.append(
                _("数据库中的主题%(list)s不在本文档中，保持不变。")
                % {"list": "、".join(chinese_ordinal(n) for n in missing)}
            )

    def delegates(self) -> None:
        for row in self.rows.delegates:
            existing = self.state.delegates.get(row.name)
            new_kind = DelegateKind(row.kind).label
            if existing is None:
                fields = [FieldChange("kind", _("身份"), "", str(new_kind))]
                self.change(DELEGATE, CREATE, row.name, fields=fields, row=row)
            elif existing.kind != row.kind:
                fields = [FieldChange("kind", _("身份"), str(existing.get_kind_display()), str(new_kind))]
                self.change(DELEGATE, UPDATE, row.name, fields=fields, target=existing, row=row)
            else:
                self.plan.unchanged[DELEGATE] += 1

    def suggestions(self) -> None:
        state = self.state
        slots = {(s.theme.ordinal, s.position): s.number for s in state.suggestions.values()}
        for row in self.rows.suggestions:
            label = f"第{row.number}号（{row.place}）{row.title}"
            self.too_long(
                row.title, Suggestion, "title", row.line, _("第%(n)s号建议的标题") % {"n": row.number}
            )
            if not row.text:
                self.problem(row.line, _("第%(n)s号建议没有内容（“代表建议”之后为空）") % {"n": row.number})
            repeated = [name for name, n in Counter(row.proposers).items() if n > 1]
            if repeated:
                self.problem(
                    row.line,
                    _("第%(n)s号建议的提出代表重复：%(names)s")
                    % {"n": row.number, "names": "、".join(repeated)},
                )
            existing = state.suggestions.get(row.number)
            names = "、".join(row.proposers)
            if existing is None:
                taken = slots.get((row.theme, row.position))
                if taken is not None:
                    self.problem(
                        row.line,
                        _("%(place)s在数据库中已是第%(other)s号建议，文档中却是第%(n)s号")
                        % {"place": row.place, "other": taken, "n": row.number},
                    )
                fields = [
                    FieldChange("title", _("标题"), "", row.title),
                    FieldChange("proposers", _("提出代表"), "", names),
                    FieldChange("text", _("建议内容"), "", row.text),
                ]
                self.change(SUGGESTION, CREATE, label, row.line, fields=fields, row=row)
                continue
            if (existing.theme.ordinal, existing.position) != (row.theme, row.position):
                self.problem(
                    row.line,
                    _(
                        "第%(n)s号建议在数据库中位于“%(old)s”，文档中位于“%(new)s”：已导入建议的编号不能改变"
                        "（是否在中间插入或删除了条目？）"
                    )
                    % {"n": row.number, "old": existing.place, "new": row.place},
                )
                continue
            old_names = state.proposers[existing.pk]
            changed = self.diff(
                [
                    ("title", _("标题"), existing.title, row.title),
                    ("text", _("建议内容"), existing.text, row.text),
                    ("proposers", _("提出代表"), "、".join(old_names), names),
                ]
            )
            if old_names != row.proposers and existing.status != Status.REGISTERED:
                self.problem(
                    row.line,
                    _("第%(n)s号建议的状态为“%(status)s”，不能通过导入更改提出代表（%(old)s → %(new)s）")
                    % {
                        "n": row.number,
                        "status": existing.get_status_display(),
                        "old": "、".join(old_names),
                        "new": names,
                    },
                )
            if changed:
                self.change(SUGGESTION, UPDATE, label, row.line, fields=changed, target=existing, row=row)
            else:
                self.plan.unchanged[SUGGESTION] += 1
        missing = sorted(set(state.suggestions) - {s.number for s in self.rows.suggestions})
        if missing:
            shown = "、".join(str(n) for n in missing[:20]) + ("…" if len(missing) > 20 else "")
            self.plan.notes.append(
                _("数据库中有%(n)s条建议不在本文档中（第%(list)s号），保持不变。")
                % {"n": len(missing), "list": shown}
            )

    def remarks(self) -> None:
        seen: set[tuple[int, int, int]] = set()
        for row in self.rows.remarks:
            key = (row.part, row.section, row.position)
            seen.add(key)
            label = _("%(part)s、（%(section)s）%(heading)s 第%(position)s段") % {
                "part": chinese_ordinal(row.part),
                "section": chinese_ordinal(row.section),
                "heading": row.heading,
                "position": row.position,
            }
            if row.part not in (1, 2):
                self.problem(row.line, _("审议发言只能出现在第一、二部分"))
            self.too_long(row.heading, Remark, "heading", row.line, _("审议发言的节标题"))
            existing = self.state.remarks.get(key)
            names = "、".join(row.delegates)
            if existing is None:
                fields = [
                    FieldChange("delegates", _("发言代表"), "", names),
                    FieldChange("text", _("发言内容"), "", row.text),
                ]
                self.change(REMARK, CREATE, label, row.line, fields=fields, row=row)
                continue
            old_names = self.state.remark_delegates[existing.pk]
            changed = self.diff(
                [
                    ("heading", _("节标题"), existing.heading, row.heading),
                    ("text", _("发言内容"), existing.text, row.text),
                ]
            )
            if old_names != frozenset(row.delegates):
                changed.append(FieldChange("delegates", _("发言代表"), "、".join(sorted(old_names)), names))
            if changed:
                self.change(REMARK, UPDATE, label, row.line, fields=changed, target=existing, row=row)
            else:
                self.plan.unchanged[REMARK] += 1
        for key, remark in sorted(self.state.remarks.items()):
            if key not in seen:
                label = _("%(part)s、（%(section)s）%(heading)s 第%(position)s段") % {
                    "part": chinese_ordinal(remark.part),
                    "section": chinese_ordinal(remark.section),
                    "heading": remark.heading,
                    "position": remark.position,
                }
                fields = [FieldChange("text", _("发言内容"), remark.text, "")]
                self.change(REMARK, DELETE, label, fields=fields, target=remark)
