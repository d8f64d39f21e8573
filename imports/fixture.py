"""Build the Taicang 2023 fixture from the source document, through the one parser and the importer's mapping.

`python manage.py build_fixture` regenerates `fixtures/taicang_2023.json`; a test checks the
committed file equals what this code builds, so the fixture is never edited by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings

from departments.catalog import departments
from imports.deliberation import Document, parse, read_document
from imports.importer import document_rows

SOURCE = Path(settings.BASE_DIR) / "fixtures" / "source" / "taicang-2023-deliberation-summary.txt"
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "taicang_2023.json"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def load_source() -> Document:
    return parse(read_document(SOURCE))


def build(document: Document) -> list[dict]:
    """Fixture objects with natural keys: departments, delegates, session, themes, suggestions, proposers,
    their registration events and the delegates' remarks.

    The field values come from `importer.document_rows`, the mapping the importer writes to the database,
    so loading this fixture and importing the source document give the same data.
    """
    rows = document_rows(document)
    session_key = [rows.session.term, rows.session.meeting]
    registered_at = dt.datetime.combine(rows.session.end_date, dt.time(18, 0), SHANGHAI).isoformat()
    objects: list[dict] = [
        {"model": "departments.department", "fields": {**row, "active": True, "members": []}}
        for row in departments()
    ]
    objects += [
        {
            "model": "delegates.delegate",
            "fields": {
                "name": delegate.name,
                "kind": str(delegate.kind),
                "user": None,
                "phone": "",
                "email": "",
                "address": "",
                "organization": "",
                "created_at": registered_at,
            },
        }
        for delegate in rows.delegates
    ]
    objects.append(
        {
            "model": "suggestions.congresssession",
            "fields": {
                "name": rows.session.name,
                "term": rows.session.term,
                "meeting": rows.session.meeting,
                "start_date": rows.session.start_date.isoformat(),
                "end_date": rows.session.end_date.isoformat(),
            },
        }
    )
    objects += [
        {
            "model": "suggestions.theme",
            "fields": {"session": session_key, "ordinal": theme.ordinal, "title": theme.title},
        }
        for theme in rows.themes
    ]
    for item in rows.suggestions:
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
                    "delegate": [name],
                    "position": position,
                },
            }
            for position, name in enumerate(item.proposers, start=1)
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
                "data": {"proposers": list(item.proposers), "source": SOURCE.name},
                "note": "",
            },
        }
        for item in rows.suggestions
    ]
    # The delegates' remarks (parts 一 and 二); a remark has no natural key, so its pk is its order.
    objects += [
        {
            "model": "suggestions.remark",
            "pk": pk,
            "fields": {
                "session": session_key,
                "part": remark.part,
                "section": remark.section,
                "heading": remark.heading,
                "position": remark.position,
                "text": remark.text,
                "delegates": [[name] for name in remark.delegates],
            },
        }
        for pk, remark in enumerate(rows.remarks, start=1)
    ]
    return objects


def render(objects: list[dict]) -> str:
    return json.dumps(objects, ensure_ascii=False, indent=1) + "\n"
