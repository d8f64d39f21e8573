"""Audit: the events (办理记录) cannot be edited or deleted through any door, and the admin's edits of
texts are recorded with who, when and which fields changed (django-simple-history).

Doors tried: the ORM (instance, QuerySet, related manager, bulk operations, upsert, cascades), the admin
(change and delete pages, the changelist's delete action, the read-only inline on the suggestion form),
and the API (POST/PUT/PATCH/DELETE on /api/v1/events/ as every role).
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from django.utils import timezone

from delegates.models import Delegate
from departments.models import Department
from suggestions.models import Event, EventKind, Reply, Suggestion
from tests.conftest import postgres_only
from tests.security.conftest import ROLES

pytestmark = pytest.mark.django_db


def event_rows(pk: int) -> list[tuple]:
    return list(
        Event.objects.filter(suggestion_id=pk)
        .order_by("id")
        .values_list("id", "kind", "actor_name", "at", "from_status", "to_status", "note", "data")
    )


@pytest.fixture
def s1(world) -> Suggestion:
    return Suggestion.objects.get(pk=world.ids["s1"])


# ---------------------------------------------------------------------------------------------------------
# The ORM
# ---------------------------------------------------------------------------------------------------------


def _save_changed(e: Event, s: Suggestion) -> None:
    e.note = "改写"
    e.save()


def _upsert(e: Event, s: Suggestion) -> None:
    clone = Event(
        id=e.id, suggestion=s, kind=e.kind, round=e.round, from_status="x", to_status="x", note="改写"
    )
    Event.objects.bulk_create([clone], update_conflicts=True, unique_fields=["id"], update_fields=["note"])


def _bulk_update(e: Event, s: Suggestion) -> None:
    e.note = "改写"
    Event.objects.bulk_update([e], ["note"])


def _update_or_create(e: Event, s: Suggestion) -> None:
    Event.objects.update_or_create(pk=e.pk, defaults={"note": "改写"})


ORM_DOORS = {
    "instance save": _save_changed,
    "instance save(update_fields)": lambda e, s: (setattr(e, "note", "改写"), e.save(update_fields=["note"])),
    "instance delete": lambda e, s: e.delete(),
    "QuerySet.update": lambda e, s: Event.objects.filter(pk=e.pk).update(note="改写"),
    "QuerySet.delete": lambda e, s: Event.objects.filter(pk=e.pk).delete(),
    "related manager update": lambda e, s: s.events.update(note="改写"),
    "related manager delete": lambda e, s: s.events.all().delete(),
    "bulk_update": _bulk_update,
    "bulk_create upsert": _upsert,
    "update_or_create": _update_or_create,
}


@pytest.mark.parametrize("door", ORM_DOORS)
def test_the_orm_refuses_to_change_or_delete_an_event(s1, door):
    before = event_rows(s1.pk)
    event = Event.objects.filter(suggestion=s1).order_by("id").first()

    with pytest.raises(ValidationError), transaction.atomic():
        ORM_DOORS[door](event, s1)

    assert event_rows(s1.pk) == before


@pytest.mark.parametrize(
    "delete",
    [
        pytest.param(lambda s: s.delete(), id="suggestion"),
        pytest.param(lambda s: Suggestion.objects.filter(pk=s.pk).delete(), id="suggestion queryset"),
        pytest.param(
            lambda s: Department.objects.get(name="太仓市发展和改革委员会").delete(), id="department"
        ),
    ],
)
def test_deleting_what_events_refer_to_is_refused(s1, delete):
    before = event_rows(s1.pk)
    with pytest.raises(ProtectedError), transaction.atomic():
        delete(s1)
    assert event_rows(s1.pk) == before


def test_deleting_an_actor_keeps_the_name_on_the_events(s1, world):
    """A user account may go; the events keep who acted, by name (actor_name)."""
    user = get_user_model().objects.get(username="lead_handler")
    names = set(Event.objects.filter(actor=user).values_list("actor_name", flat=True))
    count = Event.objects.filter(actor=user).count()

    user.delete()

    assert Event.objects.filter(actor_name__in=names, actor__isnull=True).count() == count > 0


@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE suggestions_event SET note = 'rewritten' WHERE suggestion_id = %s",
        "UPDATE suggestions_event SET actor_id = NULL, note = 'sneaky' WHERE suggestion_id = %s",
        "DELETE FROM suggestions_event WHERE suggestion_id = %s",
    ],
    ids=["update", "unlink-and-update", "delete"],
)
def test_raw_sql_cannot_change_or_delete_an_event(s1, sql):
    """The database itself refuses (a trigger): the ORM's refusals are not the only guard."""
    from django.db import DatabaseError, connection

    before = event_rows(s1.pk)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [s1.pk])
    assert event_rows(s1.pk) == before


# ---------------------------------------------------------------------------------------------------------
# The admin
# ---------------------------------------------------------------------------------------------------------


class FormFields(HTMLParser):
    """The fields a browser would submit from the admin's change form, as a dict of lists."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self.in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post" and a.get("id", "").endswith("_form"):
            self.in_form = True
        if not self.in_form or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.setdefault(a["name"], []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = a["name"]
            self.fields.setdefault(a["name"], [])
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += data


def change_form(client: Client, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    parser = FormFields()
    parser.feed(response.content.decode())
    for name, value in parser.fields.items():  # a textarea's content starts after a newline
        if len(value) == 1 and value[0].startswith("\n"):
            parser.fields[name] = [value[0][1:]]
    return parser.fields


def test_event_admin_pages_refuse_changes_and_deletion(world, s1):
    staff = world.page("staff")
    event = Event.objects.filter(suggestion=s1, kind=EventKind.CONTACT).get()
    before = event_rows(s1.pk)

    responses = {
        "change": staff.post(f"/admin/suggestions/event/{event.pk}/change/", {"note": "改写"}),
        "delete page": staff.get(f"/admin/suggestions/event/{event.pk}/delete/"),
        "delete": staff.post(f"/admin/suggestions/event/{event.pk}/delete/", {"post": "yes"}),
        "add": staff.post("/admin/suggestions/event/add/", {"note": "伪造"}),
        "delete action": staff.post(
            "/admin/suggestions/event/",
            {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
        ),
    }

    assert {k: r.status_code for k, r in responses.items()} == {
        "change": 403,
        "delete page": 403,
        "delete": 403,
        "add": 403,
        "delete action": 200,  # the changelist, with "no action selected": there is no delete action
    }
    assert event_rows(s1.pk) == before


def test_the_suggestion_form_cannot_touch_its_events_inline(world, s1):
    """Submitting the suggestion's change form with its event rows edited and marked for deletion."""
    staff = world.page("staff")
    url = f"/admin/suggestions/suggestion/{s1.pk}/change/"
    data = change_form(staff, url)
    before = event_rows(s1.pk)
    for index, (event_id, *_rest) in enumerate(before):
        data[f"events-{index}-id"] = [str(event_id)]
        data[f"events-{index}-note"] = ["改写"]
        data[f"events-{index}-DELETE"] = ["on"]
    data["title"] = ["TITLE-S1 (edited)"]
    data["reason"] = ["标题有误"]  # an edit is a correction: it needs its reason

    response = staff.post(url, data)

    assert response.status_code == 302, response.content[:2000]
    assert Suggestion.objects.get(pk=s1.pk).title == "TITLE-S1 (edited)"  # the form itself was accepted
    after = event_rows(s1.pk)
    assert after[: len(before)] == before  # the events are untouched ...
    [(_id, kind, *_rest)] = after[len(before) :]
    assert kind == "correct_text"  # ... and the correction is one more


def test_the_suggestion_admin_cannot_delete_a_suggestion_with_events(world, s1):
    staff = world.page("staff")
    page = staff.get(f"/admin/suggestions/suggestion/{s1.pk}/delete/")
    posted = staff.post(f"/admin/suggestions/suggestion/{s1.pk}/delete/", {"post": "yes"})
    assert page.status_code in (200, 403) and posted.status_code in (200, 403)
    assert Suggestion.objects.filter(pk=s1.pk).exists()
    assert Event.objects.filter(suggestion=s1).count() == len(event_rows(s1.pk)) > 0


# ---------------------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_api_has_no_door_to_change_events(world, s1, role):
    event = Event.objects.filter(suggestion=s1, kind=EventKind.CONTACT).get()
    before = event_rows(s1.pk)
    client = world.api(role)
    payload = {"note": "改写", "kind": "close", "suggestion": s1.pk}
    codes = {
        "POST list": client.post("/api/v1/events/", payload, format="json").status_code,
        "PUT": client.put(f"/api/v1/events/{event.pk}/", payload, format="json").status_code,
        "PATCH": client.patch(f"/api/v1/events/{event.pk}/", payload, format="json").status_code,
        "DELETE": client.delete(f"/api/v1/events/{event.pk}/").status_code,
        "DELETE list": client.delete("/api/v1/events/").status_code,
    }
    # the dashboard may not write at all (403); everyone else finds no such method (405)
    assert set(codes.values()) == ({403} if role == "dash" else {405}), codes
    assert event_rows(s1.pk) == before


# ---------------------------------------------------------------------------------------------------------
# Admin edits of texts are recorded: who, when, which fields
# ---------------------------------------------------------------------------------------------------------

TEXT_EDITS = [
    # (model, admin path, object id key, field, new value)
    (Suggestion, "suggestions/suggestion", "s1", "text", "建议内容（经核对更正）"),
    (Reply, "suggestions/reply", "r1", "text", "答复内容（更正错别字）"),
    (Delegate, "delegates/delegate", "d1", "phone", "13900009999"),
    (Department, "departments/department", "L", "short_name", "发展改革委"),
]


@pytest.mark.parametrize(
    ("model", "path", "key", "field", "value"), TEXT_EDITS, ids=[e[1] for e in TEXT_EDITS]
)
def test_admin_edits_are_recorded_with_who_when_and_what(world, model, path, key, field, value):
    staff = world.page("staff")
    pk = world.ids[key]
    old = getattr(model.objects.get(pk=pk), field)
    url = f"/admin/{path}/{pk}/change/"
    data = change_form(staff, url)
    data[field] = [value]
    if model in (Suggestion, Reply):
        data["reason"] = ["核对后更正"]  # edits of a suggestion or a reply are corrections with a reason
    started = timezone.now()

    response = staff.post(url, data)

    assert response.status_code == 302, response.content[:3000]
    latest = model.history.filter(id=pk).latest("history_date")
    previous = latest.prev_record
    assert latest.history_user.username == "staff"
    assert latest.history_type == "~"
    assert started - dt.timedelta(seconds=1) <= latest.history_date <= timezone.now()
    delta = latest.diff_against(previous)
    assert delta.changed_fields == [field]
    (change,) = delta.changes
    assert (change.old, change.new) == (old, value)
    history = staff.get(f"/admin/{path}/{pk}/history/")
    assert history.status_code == 200


def test_history_pages_are_for_staff_only(world):
    for role in ROLES:
        if role == "staff":
            continue
        response = world.page(role).get(f"/admin/suggestions/suggestion/{world.ids['s1']}/history/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), role
