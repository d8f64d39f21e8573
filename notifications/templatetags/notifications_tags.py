from django import template

from notifications.models import Notification

register = template.Library()


@register.simple_tag
def unread_count(user) -> int:
    """The user's unread notifications (one COUNT query)."""
    return Notification.objects.for_user(user).unread().count()
