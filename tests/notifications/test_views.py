"""In-app notifications: the list, the unread count in the header, reading them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def notify(user, suggestion, n: int = 1, **kwargs) -> list[Notification]:
    return [
        Notification.objects.create(
            recipient=user,
            kind=kwargs.get("kind", Kind.REPLY_DUE_SOON),
            suggestion=suggestion,
            round=1,
            key=f"2023-04-{i + 1:02d}",
            title=f"提醒{i}",
            message="请按期答复。",
        )
        for i in range(n)
    ]


def test_the_list_shows_only_my_notifications(client, lead_handler, co_handler, suggestion):
    notify(lead_handler, suggestion, 2)
    notify(co_handler, suggestion, 1, kind=Kind.CO_OPINION_DUE_SOON)
    client.force_login(lead_handler)

    response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    assert len(response.context["notifications"]) == 2
    assert "协办意见" not in response.text


def test_the_header_shows_the_unread_count(client, lead_handler, suggestion):
    notify(lead_handler, suggestion, 3)
    client.force_login(lead_handler)
    page = client.get(reverse("notifications:list"))
    assert 'class="notifications-badge"' in page.text
    assert '<span class="badge">3</span>' in page.text


def test_opening_a_notification_marks_it_read_and_goes_to_the_suggestion(client, lead_handler, suggestion):
    [note] = notify(lead_handler, suggestion)
    client.force_login(lead_handler)
    response = client.get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("suggestion_detail", args=[suggestion.pk])
    note.refresh_from_db()
    assert note.is_read


def test_someone_elses_notification_is_not_found(client, lead_handler, co_handler, suggestion):
    [note] = notify(lead_handler, suggestion)
    client.force_login(co_handler)
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert not note.is_read


def test_mark_all_read(client, lead_handler, co_handler, suggestion):
    notify(lead_handler, suggestion, 3)
    notify(co_handler, suggestion, 1)
    client.force_login(lead_handler)
    response = client.post(reverse("notifications:mark_all_read"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    assert not Notification.objects.filter(recipient=lead_handler, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=co_handler, read_at__isnull=True).count() == 1


def test_mark_all_read_needs_post(client, lead_handler):
    client.force_login(lead_handler)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405


def test_the_list_needs_a_login(client, db):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_unread_filter(client, lead_handler, suggestion):
    first, second = notify(lead_handler, suggestion, 2)
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    client.force_login(lead_handler)
    response = client.get(reverse("notifications:list") + "?unread=1")
    assert [n.pk for n in response.context["notifications"]] == [second.pk]


def test_the_list_takes_a_constant_number_of_queries(
    client, lead_handler, suggestion, django_assert_max_num_queries
):
    notify(lead_handler, suggestion, 60)
    client.force_login(lead_handler)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
