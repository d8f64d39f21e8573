"""A parsed deliberation summary as model field values: the one mapping, shared by the importer and the
Taicang fixture (`imports.fixture`), so the two can never disagree. No database access."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from delegates.models import DelegateKind
from imports.document import Document
from suggestions.models import chinese_ordinal

__all__ = ["DelegateRow", "RemarkRow", "Rows", "SessionRow", "SuggestionRow", "ThemeRow", "document_rows"]

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
