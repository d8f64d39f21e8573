"""The admin's reference forms (session, theme, delegate) write through the workflow: a change that shows
on suggestions is a correction with a reason and an event on each of them; a new row is saved as entered;
what is not a suggestion's record (a delegate's phone) is saved without an event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from delegates.models import Delegate, DelegateKind
from suggestions.models import CongressSession, Event, EventKind, Theme
from suggestions.policy.groups import ensure_role_groups
from suggestions.queries import dataversion
from tests import factories


@pytest.fixture
def staff(db):
    ensure_role_groups()
    return factories.staff_user(username="admin_corrections_staff")


@pytest.fixture
def client(staff):
    c = Client()
    c.force_login(staff)
    return c


@pytest.fixture
def pair(db):
    s1 = factories.SuggestionFactory()
    s2 = factories.SuggestionFactory(session=s1.session, theme=s1.theme, position=900)
    return s1, s2


def corrections() -> list:
    return list(Event.objects.filter(kind=EventKind.CORRECT_REFERENCE).order_by("suggestion_id"))


def theme_post(theme: Theme, **data) -> dict:
    return {"title": theme.title, "reason": "", **data}


def test_a_theme_title_changed_in_the_admin_is_a_correction_on_each_of_its_suggestions(client, staff, pair):
    s1, s2 = pair
    theme = s1.theme
    version = dataversion.current()
    response = client.post(
        f"/admin/suggestions/theme/{theme.pk}/change/", theme_post(theme, title="更正后的主题", reason="错字")
    )
    assert response.status_code == 302, response.content.decode()
    theme.refresh_from_db()
    assert theme.title == "更正后的主题"
    events = corrections()
    assert [e.suggestion_id for e in events] == sorted([s1.pk, s2.pk])
    assert {(e.actor_id, e.note) for e in events} == {(staff.pk, "错字")}
    assert events[0].data["changes"]["title"]["after"] == "更正后的主题"
    assert dataversion.current() > version


def test_a_theme_title_changed_without_a_reason_is_refused_and_nothing_is_written(client, pair):
    theme = pair[0].theme
    before = theme.title
    response = client.post(f"/admin/suggestions/theme/{theme.pk}/change/", theme_post(theme, title="无理由"))
    assert response.status_code == 200
    assert "请填写更正理由" in response.content.decode()
    theme.refresh_from_db()
    assert theme.title == before
    assert corrections() == []


def test_a_theme_keeps_its_session_and_ordinal_once_saved(client, pair):
    theme = pair[0].theme
    other = factories.SessionFactory(
        name="另一次会议", term=17, meeting=9, start_date=dt.date(2024, 1, 3), end_date=dt.date(2024, 1, 5)
    )
    response = client.post(
        f"/admin/suggestions/theme/{theme.pk}/change/",
        theme_post(theme, session=other.pk, ordinal=theme.ordinal + 40, title=theme.title),
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert (theme.session_id, theme.ordinal) == (pair[0].session_id, pair[0].theme.ordinal)


def test_a_new_theme_is_saved_as_entered(client, pair):
    session = pair[0].session
    response = client.post(
        "/admin/suggestions/theme/add/",
        {"session": session.pk, "ordinal": 30, "title": "新主题", "reason": ""},
    )
    assert response.status_code == 302, response.content.decode()
    assert Theme.objects.filter(session=session, ordinal=30, title="新主题").exists()
    assert corrections() == []


def session_post(session: CongressSession, themes=(), new_themes=(), **data) -> dict:
    form = {
        "name": session.name,
        "start_date": session.start_date.isoformat(),
        "end_date": session.end_date.isoformat(),
        "reason": "",
        "themes-TOTAL_FORMS": str(len(themes) + len(new_themes)),
        "themes-INITIAL_FORMS": str(len(themes)),
        "themes-MIN_NUM_FORMS": "0",
        "themes-MAX_NUM_FORMS": "1000",
    }
    for i, theme in enumerate(themes):
        form |= {f"themes-{i}-id": str(theme.pk), f"themes-{i}-session": str(session.pk)}
    for j, (ordinal, title) in enumerate(new_themes, start=len(themes)):
        form |= {f"themes-{j}-ordinal": str(ordinal), f"themes-{j}-title": title}
    return form | data


def test_a_session_renamed_in_the_admin_is_a_correction_and_its_inline_only_adds_themes(client, pair):
    s1, s2 = pair
    session = s1.session
    theme = s1.theme
    data = session_post(
        session,
        themes=[theme],
        new_themes=[(31, "会上新增的主题")],
        name="更正后的会议名称",
        reason="名称有误",
        end_date=(session.end_date + dt.timedelta(days=1)).isoformat(),
    )
    data["themes-0-title"] = "在内联里改的标题"  # the existing rows are read-only: ignored
    response = client.post(f"/admin/suggestions/congresssession/{session.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()
    session.refresh_from_db()
    theme.refresh_from_db()
    assert session.name == "更正后的会议名称"
    assert theme.title != "在内联里改的标题"
    assert Theme.objects.filter(session=session, ordinal=31, title="会上新增的主题").exists()
    events = corrections()
    assert [e.suggestion_id for e in events] == sorted([s1.pk, s2.pk])
    assert set(events[0].data["changes"]) == {"name", "end_date"}


def test_a_session_renamed_without_a_reason_is_refused(client, pair):
    session = pair[0].session
    before = session.name
    response = client.post(
        f"/admin/suggestions/congresssession/{session.pk}/change/", session_post(session, name="无理由")
    )
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.name == before
    assert corrections() == []


def delegate_post(delegate: Delegate, **data) -> dict:
    return {
        "name": delegate.name,
        "kind": delegate.kind,
        "user": delegate.user_id or "",
        "phone": delegate.phone,
        "email": delegate.email,
        "address": delegate.address,
        "organization": delegate.organization,
        "reason": "",
    } | data


def test_a_delegate_kind_or_name_changed_in_the_admin_is_a_correction_on_their_suggestions(client, pair):
    s1, s2 = pair
    delegate = s1.lead_delegate
    elsewhere = factories.SuggestionFactory(session=s1.session, theme=s1.theme, position=901)
    proposed = {p.suggestion_id for p in delegate.proposals.all()} - {elsewhere.pk}
    response = client.post(
        f"/admin/delegates/delegate/{delegate.pk}/change/",
        delegate_post(
            delegate, name=delegate.name + "（更正）", kind=DelegateKind.ATTENDEE, reason="身份有误"
        ),
    )
    assert response.status_code == 302, response.content.decode()
    delegate.refresh_from_db()
    assert delegate.kind == DelegateKind.ATTENDEE and delegate.name.endswith("（更正）")
    events = corrections()
    assert {e.suggestion_id for e in events} == proposed
    assert set(events[0].data["changes"]) == {"name", "kind"}
    assert events[0].data["changes"]["kind"]["after"] == str(DelegateKind.ATTENDEE.label)


def test_a_delegate_contact_change_needs_no_reason_and_records_no_event(client, pair):
    delegate = pair[0].lead_delegate
    response = client.post(
        f"/admin/delegates/delegate/{delegate.pk}/change/", delegate_post(delegate, phone="0512-53500000")
    )
    assert response.status_code == 302, response.content.decode()
    delegate.refresh_from_db()
    assert delegate.phone == "0512-53500000"
    assert corrections() == []


def test_a_delegate_renamed_to_another_delegates_name_is_a_form_error(client, pair):
    delegate = pair[0].lead_delegate
    other = factories.DelegateFactory()
    response = client.post(
        f"/admin/delegates/delegate/{delegate.pk}/change/",
        delegate_post(delegate, name=other.name, reason="同名"),
    )
    assert response.status_code == 200
    delegate.refresh_from_db()
    assert delegate.name != other.name
    assert corrections() == []
