from django import template

from notifications.models import Notification

register = template.Library()


@register.simple_tag
def unread_count(user) -> int:
    """The user's unread notifications: loaded with the session user, else one COUNT query."""
    loaded = getattr(user, "tracker_unread", None)
    if loaded is not None:
        return loaded
    return Notification.objects.for_user(user).unread().count()
