"""The deliberation summary as data: what `imports.deliberation.parse` returns, and its one error.

Pure Python: no Django imports. ``DeliberationError`` is the only exception the parser and the readers
raise; it carries every ``Problem`` found (the line, the quoted text, the message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["DeliberationError", "Document", "Person", "Problem", "Remark", "SuggestionItem", "ThemeItem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the document.  ``line`` is the 1-based physical line (0: whole document)."""

    line: int
    text: str
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"全文: {self.message}"
        if self.text:
            return f"第{self.line}行: {self.message} «{self.text}»"
        return f"第{self.line}行: {self.message}"


class DeliberationError(Exception):
    """The only exception ``parse`` and ``read_document`` raise; lists every problem found."""

    problems: list[Problem]

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Plain Chinese message listing every problem, one per line."""
        head = f"审议情况汇总有{len(self.problems)}处问题："
        return "\n".join([head, *(str(p) for p in self.problems)])

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[DeliberationError], tuple[list[Problem]]]:
        return (self.__class__, (self.problems,))


@dataclass(frozen=True)
class Person:
    name: str
    attendee: bool = False  # 列席代表


@dataclass
class Remark:
    part: int
    section: int
    heading: str
    people: list[Person]
    text: str
    line: int


@dataclass
class SuggestionItem:
    number: int
    theme: int
    position: int
    title: str
    proposers: list[Person]
    text: str
    line: int

    @property
    def lead(self) -> Person | None:
        return self.proposers[0] if self.proposers else None


@dataclass(frozen=True)
class ThemeItem:
    ordinal: int
    title: str
    declared_count: int
    line: int


@dataclass
class Document:
    session_name: str
    term: int
    meeting: int
    start_date: date
    end_date: date
    issued_on: date | None
    themes: list[ThemeItem] = field(default_factory=list)
    suggestions: list[SuggestionItem] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)

    def people(self) -> list[Person]:
        """Every distinct person (by name) in order of first appearance in the document.

        A person who appears anywhere as 列席代表 is reported with ``attendee=True``.
        """
        return _distinct_people(
            [(r.line, r.people) for r in self.remarks] + [(s.line, s.proposers) for s in self.suggestions]
        )

    def proposers(self) -> list[Person]:
        """Distinct people proposing at least one suggestion, in order of first appearance."""
        return _distinct_people([(s.line, s.proposers) for s in self.suggestions])


def _distinct_people(groups: list[tuple[int, list[Person]]]) -> list[Person]:
    order: list[str] = []
    attendee: dict[str, bool] = {}
    for _line, people in sorted(groups, key=lambda g: g[0]):
        for person in people:
            if person.name not in attendee:
                order.append(person.name)
                attendee[person.name] = person.attendee
            elif person.attendee:
                attendee[person.name] = True
    return [Person(name, attendee[name]) for name in order]
