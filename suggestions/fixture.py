"""Build the Taicang 2023 fixture from the source document, through the one deliberation parser.

`python manage.py build_fixture` regenerates `fixtures/taicang_2023.json`; a test checks the
committed file equals what this code builds, so the fixture is never edited by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings

from departments.catalog import departments
from suggestions.deliberation import Document, parse, read_document

SOURCE = Path(settings.BASE_DIR) / "fixtures" / "source" / "taicang-2023-deliberation-summary.txt"
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "taicang_2023.json"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def load_source() -> Document:
    return parse(read_document(SOURCE))


def build(document: Document) -> list[dict]:
    """Fixture objects with natural keys: departments, delegates, session, themes, suggestions, proposers."""
    session_key = [document.term, document.meeting]
    registered_at = dt.datetime.combine(document.end_date, dt.time(18, 0), SHANGHAI).isoformat()
    objects: list[dict] = [
        {"model": "departments.department", "fields": {**row, "active": True, "members": []}}
        for row in departments()
    ]
    objects += [
        {
            "model": "delegates.delegate",
            "fields": {
                "name": person.name,
                "kind": "attendee" if person.attendee else "delegate",
                "user": None,
                "phone": "",
                "email": "",
                "address": "",
                "organization": "",
                "created_at": registered_at,
            },
        }
        for person in document.people()
    ]
    objects.append(
        {
            "model": "suggestions.congresssession",
            "fields": {
                "name": document.session_name,
                "term": document.term,
                "meeting": document.meeting,
                "start_date": document.start_date.isoformat(),
                "end_date": document.end_date.isoformat(),
            },
        }
    )
    objects += [
        {
            "model": "suggestions.theme",
            "fields": {"session": session_key, "ordinal": theme.ordinal, "title": theme.title},
        }
        for theme in document.themes
    ]
    for item in document.suggestions:
        objects.append(
            {
                "model": "suggestions.suggestion",
                "fields": {
                    "session": session_key,
                    "theme": [*session_key, item.theme],
                    "number": item.number,
                    "position": item.position,
                    "title": item.title,
                    "text": item.text,
                    "status": "registered",
                    "key_supervision": False,
                    "round": 1,
                    "disclosure_consent": True,
                    "due_date": None,
                    "created_at": registered_at,
                    "updated_at": registered_at,
                },
            }
        )
        objects += [
            {
                "model": "suggestions.proposer",
                "fields": {
                    "suggestion": [*session_key, item.number],
                    "delegate": [person.name],
                    "position": position,
                },
            }
            for position, person in enumerate(item.proposers, start=1)
        ]
    # Every suggestion's timeline starts with its registration event.
    objects += [
        {
            "model": "suggestions.event",
            "pk": item.number,
            "fields": {
                "suggestion": [*session_key, item.number],
                "kind": "register",
                "actor": None,
                "actor_name": "系统导入",
                "at": registered_at,
                "round": 1,
                "from_status": "registered",
                "to_status": "registered",
                "department": None,
                "data": {"proposers": [p.name for p in item.proposers], "source": SOURCE.name},
                "note": "",
            },
        }
        for item in document.suggestions
    ]
    return objects


def render(objects: list[dict]) -> str:
    return json.dumps(objects, ensure_ascii=False, indent=1) + "\n"
