from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("提醒")

    def ready(self) -> None:
        from notifications.events import on_event
        from suggestions.models import Event

        # A workflow step's notifications are written in its own transaction (notifications/events.py).
        post_save.connect(on_event, sender=Event, dispatch_uid="tracker_notifications_on_event")
