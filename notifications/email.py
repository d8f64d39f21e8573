"""The e-mail of a notification: composed with its one-click rating link, sent once by the worker."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import links
from notifications.models import EmailStatus, Notification


@task()
def send_notification_email(notification_id: int) -> str:
    """E-mail one notification, at most once: the row is claimed before sending."""
    claimed = Notification.objects.filter(
        pk=notification_id, email_status__in=[EmailStatus.PENDING, EmailStatus.QUEUED]
    ).update(email_status=EmailStatus.SENDING, email_queued_at=timezone.now())
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related("recipient", "suggestion").get(pk=notification_id)
    delegate = _delegate_of(notification.recipient)
    address = notification.recipient.email or (delegate.email if delegate else "")
    if not address:
        _finish(notification, EmailStatus.NO_ADDRESS)
        return EmailStatus.NO_ADDRESS
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = compose(notification, delegate)
    try:
        EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [address]).send(using="default")
    except Exception as error:
        _finish(notification, EmailStatus.FAILED, error=f"{type(error).__name__}: {error}"[:1000])
        raise
    _finish(notification, EmailStatus.SENT)
    return EmailStatus.SENT


def _delegate_of(user):
    try:
        return user.delegate
    except ObjectDoesNotExist:
        return None


def _finish(notification: Notification, status: str, *, error: str = "") -> None:
    Notification.objects.filter(pk=notification.pk).update(
        email_status=status,
        emailed_at=timezone.now() if status == EmailStatus.SENT else None,
        email_error=error,
    )


def compose(notification: Notification, delegate=None) -> tuple[str, str]:
    """The e-mail's subject and text; rating reminders to a proposer carry the one-click link."""
    suggestion = notification.suggestion
    rating_url = ""
    if (
        notification.carries_rating_link
        and delegate is not None
        and suggestion.proposers.filter(delegate=delegate).exists()
    ):
        rating_url = links.absolute(
            links.rating_path(
                suggestion_id=suggestion.pk,
                round=notification.round,
                delegate_id=delegate.pk,
                user_id=notification.recipient_id,
            )
        )
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "greeting_name": (
            _("%(name)s代表") % {"name": delegate.name}
            if delegate is not None and rating_url
            else notification.recipient.get_full_name() or notification.recipient.get_username()
        ),
        "suggestion": suggestion,
        "suggestion_url": links.absolute(links.suggestion_path(suggestion.pk)),
        "notifications_url": links.absolute(reverse("notifications:list")),
        "rating_url": rating_url,
        "link_days": settings.RATING_LINK_MAX_AGE_DAYS,
    }
    subject = render_to_string("notifications/email/subject.txt", context).strip().replace("\n", " ")
    body = render_to_string("notifications/email/reminder.txt", context)
    return subject, body
