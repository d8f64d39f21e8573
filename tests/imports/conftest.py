"""Helpers for the import tests: the source document, its variants, and a snapshot of the imported data."""

from __future__ import annotations

import io
import re

import pytest

from delegates.models import Delegate
from imports import fixture
from suggestions.models import CongressSession, Event, Remark, Suggestion, Theme

SOURCE_TEXT = fixture.SOURCE.read_text(encoding="utf-8")


@pytest.fixture
def source_text() -> str:
    return SOURCE_TEXT


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing needle."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


def hard_wrap(text: str, width: int) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        out.extend([line[i : i + width] for i in range(0, len(line), width)] or [""])
    return "\n".join(out)


def docx_bytes(text: str) -> bytes:
    """A Word document with one paragraph per line, built with python-docx."""
    from docx import Document

    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def ideographic_numbering(text: str) -> str:
    return re.sub(r"(?m)^(\d+)\.", r"\1、", text)


def suggestions_snapshot() -> list[tuple]:
    return [
        (
            s.number,
            s.theme.ordinal,
            s.position,
            s.title,
            s.text,
            tuple(p.delegate.name for p in s.ordered_proposers()),
        )
        for s in Suggestion.objects.select_related("theme")
        .prefetch_related("proposers__delegate")
        .order_by("number")
    ]


def snapshot() -> dict[str, list]:
    """Everything an import writes, by natural key (no ids, no timestamps)."""
    return {
        "sessions": list(
            CongressSession.objects.values_list("name", "term", "meeting", "start_date", "end_date")
        ),
        "themes": list(Theme.objects.order_by("ordinal").values_list("session__term", "ordinal", "title")),
        "delegates": sorted(Delegate.objects.values_list("name", "kind")),
        "suggestions": suggestions_snapshot(),
        "statuses": list(Suggestion.objects.order_by("number").values_list("status", "round", "due_date")),
        "remarks": [
            (r.part, r.section, r.position, r.heading, r.text, sorted(d.name for d in r.delegates.all()))
            for r in Remark.objects.prefetch_related("delegates").order_by("part", "section", "position")
        ],
        "register_events": sorted(
            Event.objects.filter(kind="register").values_list("suggestion__number", "data__proposers")
        ),
    }
