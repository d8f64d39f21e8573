"""导入审议情况汇总: the database side of the deliberation importer.

`imports.deliberation` turns the document into a `Document` (pure Python); this module maps it onto
model field values (`document_rows`, shared with `imports.fixture` so the Taicang fixture and an import
can never disagree), compares those rows with the database (`plan`: no writes) and writes the difference
in one transaction (`apply`).

Rules of an import:
- objects are matched by their natural keys: the session by (term, meeting), a theme by its ordinal, a
  suggestion by its number, a delegate by name, a remark by (part, section, position);
- new suggestions are registered through `workflow.register`, so each has its 登记 event;
- an existing suggestion may have its title and text corrected (any status; a simple-history record says
  who and why) and, while still registered, its proposers replaced; its status, assignments, replies,
  ratings and events are never touched;
- anything the import cannot do cleanly is a `Problem` with its line; one problem and nothing is written.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from delegates.models import Delegate, DelegateKind
from imports.deliberation import DeliberationError, Document, Problem, parse
from suggestions import workflow
from suggestions.models import (
    CongressSession,
    Proposer,
    Remark,
    Status,
    Suggestion,
    Theme,
    chinese_ordinal,
)
from suggestions.queries import choices

__all__ = [
    "Change",
    "FieldChange",
    "Plan",
    "Rows",
    "apply",
    "describe",
    "document_rows",
    "import_text",
    "plan",
]

# --------------------------------------------------------------------------------------------------
# Document -> model field values (shared with imports.fixture)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    name: str
    term: int
    meeting: int
    start_date: date
    end_date: date


@dataclass(frozen=True)
class ThemeRow:
    ordinal: int
    title: str
    line: int


@dataclass(frozen=True)
class DelegateRow:
    name: str
    kind: str


@dataclass(frozen=True)
class SuggestionRow:
    number: int
    theme: int  # the theme's ordinal
    position: int
    title: str
    text: str
    proposers: tuple[str, ...]  # names, lead first
    line: int

    @property
    def place(self) -> str:
        return f"{chinese_ordinal(self.theme)}-{self.position}"


@dataclass(frozen=True)
class RemarkRow:
    part: int
    section: int
    position: int
    heading: str
    text: str
    delegates: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Rows:
    """What a document says, as model field values (foreign keys as natural keys)."""

    session: SessionRow
    themes: tuple[ThemeRow, ...]
    delegates: tuple[DelegateRow, ...]
    suggestions: tuple[SuggestionRow, ...]
    remarks: tuple[RemarkRow, ...]


def document_rows(document: Document) -> Rows:
    """The one mapping from a parsed document to model field values (the importer and the fixture)."""
    positions: Counter[tuple[int, int]] = Counter()
    remarks = []
    for remark in document.remarks:
        positions[remark.part, remark.section] += 1
        remarks.append(
            RemarkRow(
                part=remark.part,
                section=remark.section,
                position=positions[remark.part, remark.section],
                heading=remark.heading,
                text=remark.text,
                delegates=tuple(dict.fromkeys(p.name for p in remark.people)),
                line=remark.line,
            )
        )
    return Rows(
        session=SessionRow(
            name=document.session_name,
            term=document.term,
            meeting=document.meeting,
            start_date=document.start_date,
            end_date=document.end_date,
        ),
        themes=tuple(ThemeRow(t.ordinal, t.title, t.line) for t in document.themes),
        delegates=tuple(
            DelegateRow(p.name, DelegateKind.ATTENDEE if p.attendee else DelegateKind.DELEGATE)
            for p in document.people()
        ),
        suggestions=tuple(
            SuggestionRow(
                number=s.number,
                theme=s.theme,
                position=s.position,
                title=s.title,
                text=s.text,
                proposers=tuple(p.name for p in s.proposers),
                line=s.line,
            )
            for s in document.suggestions
        ),
        remarks=tuple(remarks),
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
class _State:
    session: CongressSession | None = None
    themes: dict[int, Theme] = field(default_factory=dict)
    delegates: dict[str, Delegate] = field(default_factory=dict)
    suggestions: dict[int, Suggestion] = field(default_factory=dict)
    proposers: dict[int, tuple[str, ...]] = field(default_factory=dict)  # suggestion pk -> names
    remarks: dict[tuple[int, int, int], Remark] = field(default_factory=dict)
    remark_delegates: dict[int, frozenset[str]] = field(default_factory=dict)


_CHUNK = 500


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load(rows: Rows, *, lock: bool = False) -> _State:
    state = _State()
    names = [d.name for d in rows.delegates]
    for chunk in _chunks(names):
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


class _Planner:
    def __init__(self, rows: Rows, state: _State, source: str | None) -> None:
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


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

IMPORT_REASON = "导入审议情况汇总"


def _writer(by) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _write(plan: Plan, state: _State, by, quote: Callable[[int], str]) -> None:
    rows = plan.rows
    user = _writer(by)

    # the session
    if plan.of(SESSION, CREATE):
        state.session = CongressSession.objects.create(**vars(rows.session))
    for change in plan.of(SESSION, UPDATE):
        session = change.target
        for f in ("name", "start_date", "end_date"):
            setattr(session, f, getattr(rows.session, f))
        session.save(update_fields=["name", "start_date", "end_date"])
    session = state.session
    assert session is not None

    # themes
    created = Theme.objects.bulk_create(
        Theme(session=session, ordinal=c.row.ordinal, title=c.row.title) for c in plan.of(THEME, CREATE)
    )
    for change in plan.of(THEME, UPDATE):
        Theme.objects.filter(pk=change.target.pk).update(title=change.row.title)
    choices.forget(Theme)  # bulk writes send no signals: retire the cached filter choices
    if created:
        state.themes = {t.ordinal: t for t in Theme.objects.filter(session=session)}

    # delegates
    new_delegates = [Delegate(name=c.row.name, kind=c.row.kind) for c in plan.of(DELEGATE, CREATE)]
    Delegate.objects.bulk_create(new_delegates)
    for change in plan.of(DELEGATE, UPDATE):
        Delegate.objects.filter(pk=change.target.pk).update(kind=change.row.kind)
    if new_delegates:
        for chunk in _chunks([d.name for d in new_delegates]):
            state.delegates.update((d.name, d) for d in Delegate.objects.filter(name__in=chunk))

    # suggestions: corrections first, then the new ones, registered (with their events) by the workflow
    for change in plan.of(SUGGESTION, UPDATE):
        suggestion: Suggestion = change.target
        row: SuggestionRow = change.row
        changed = {f.field for f in change.fields}
        reasons = []
        if changed & {"title", "text"}:
            suggestion.title, suggestion.text = row.title, row.text
            reasons.append(_("更正文字"))
        if "proposers" in changed:  # only reached while the suggestion is still registered
            suggestion.proposers.all().delete()
            Proposer.objects.bulk_create(
                Proposer(suggestion=suggestion, delegate=state.delegates[name], position=i)
                for i, name in enumerate(row.proposers, start=1)
            )
            reasons.append(_("更正提出代表"))
        suggestion._change_reason = f"{IMPORT_REASON}：{'、'.join(reasons)}"
        suggestion._history_user = user
        suggestion.save(update_fields=["title", "text", "updated_at"])
    new_suggestions = [
        workflow.NewSuggestion(
            theme=state.themes[row.theme],
            number=row.number,
            position=row.position,
            title=row.title,
            text=row.text,
            proposers=[state.delegates[name] for name in row.proposers],
        )
        for row in (c.row for c in plan.of(SUGGESTION, CREATE))
    ]
    if new_suggestions:
        try:
            workflow.register_many(session=session, suggestions=new_suggestions, by=by)
        except ValidationError as error:  # the plan checked all of this; a concurrent change did not
            raise DeliberationError(
                [Problem(0, "", _("建议无法登记：") + message) for message in error.messages]
            ) from None

    # remarks: the document is their only source, so they follow it exactly
    for change in plan.of(REMARK, DELETE):
        change.target.delete()
    for change in plan.of(REMARK, UPDATE):
        remark: Remark = change.target
        row = change.row
        remark.heading, remark.text = row.heading, row.text
        remark.save(update_fields=["heading", "text"])
        remark.delegates.set([state.delegates[name] for name in row.delegates])
    new_remarks = [c.row for c in plan.of(REMARK, CREATE)]
    if new_remarks:
        Remark.objects.bulk_create(
            Remark(
                session=session,
                part=r.part,
                section=r.section,
                position=r.position,
                heading=r.heading,
                text=r.text,
            )
            for r in new_remarks
        )
        ids = {
            (r.part, r.section, r.position): r.pk
            for r in Remark.objects.filter(session=session).only("id", "part", "section", "position")
        }
        through = Remark.delegates.through
        through.objects.bulk_create(
            through(remark_id=ids[r.part, r.section, r.position], delegate_id=state.delegates[name].pk)
            for r in new_remarks
            for name in r.delegates
        )


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def plan(document: Document | Rows, *, source: str | None = None) -> Plan:
    """What importing the document would create, change or delete; writes nothing.

    ``source`` (the document's text) lets problems quote their line.  Problems found against the database
    are in ``plan.problems``; `apply` refuses a plan with problems.
    """
    rows = document if isinstance(document, Rows) else document_rows(document)
    return _Planner(rows, _load(rows), source).run()


def apply(document: Plan | Document | Rows, *, by=None, source: str | None = None) -> Plan:
    """Import the document in one transaction; return the plan that was carried out.

    A `Plan` given here is only a carrier of its rows: the comparison is made again inside the transaction
    with the rows locked, so what is written matches the database at that moment (a second import of the
    same document changes nothing).  Raises `DeliberationError` (nothing written) when there is a problem,
    `PermissionDenied` when ``by`` may not register suggestions.
    """
    if isinstance(document, Plan):
        rows, source = document.rows, source or document.source
    else:
        rows = document if isinstance(document, Rows) else document_rows(document)
    try:
        with transaction.atomic():
            planner = _Planner(rows, _load(rows, lock=True), source)
            result = planner.run()
            if result.problems:
                raise DeliberationError(result.problems)
            _write(result, planner.state, by, planner.quote)
    except IntegrityError:
        raise DeliberationError(
            [Problem(0, "", _("写入时与其他修改冲突（可能有另一次导入同时进行），未写入任何数据，请重试。"))]
        ) from None
    return result


def import_text(text: str, *, by=None, dry_run: bool = False) -> Plan:
    """Parse a document's text and import it (or, with ``dry_run``, only plan it).

    Raises `DeliberationError` for any problem of the document or against the database (nothing written).
    """
    document = parse(text)
    if dry_run:
        result = plan(document, source=text)
        if result.problems:
            raise DeliberationError(result.problems)
        return result
    return apply(document, by=by, source=text)


def describe(plan: Plan, *, verbose: bool = True) -> list[str]:
    """The plan as text lines (the management command's output)."""
    lines = [f"{plan.session_name}：{plan.summary()}"]
    for group in plan.groups:
        counts = [
            (_("新建"), len(group.created)),
            (_("更新"), len(group.updated)),
            (_("删除"), len(group.deleted)),
            (_("未变"), group.unchanged),
        ]
        lines.append(f"  {group.label}：" + "，".join(f"{verb}{n}" for verb, n in counts if n))
    if verbose:
        marks = {CREATE: "+", UPDATE: "~", DELETE: "-"}
        for change in plan.changes:
            where = _("（第%(n)s行）") % {"n": change.line} if change.line else ""
            lines.append(f"{marks[change.action]} {change.kind_label} {change.label}{where}")
            if change.action == CREATE:
                continue
            for f in change.fields:
                if change.action == DELETE:
                    lines.append(f"    {f.label}：«{f.old}»")
                elif f.long:
                    lines.append(f"    {f.label}：{f.inline()}")
                else:
                    lines.append(f"    {f.label}：«{f.old}» → «{f.new}»")
    lines.extend(f"* {note}" for note in plan.notes)
    return lines
