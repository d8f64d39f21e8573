from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = _("交办推荐")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from routing import index
        from routing.models import Remit

        # An edited remit retires the remit part of every process's index (a cache counter); the
        # suggestions' part follows the data version by itself (routing/index.py).
        post_save.connect(index.remits_changed, sender=Remit, dispatch_uid="routing_remits_saved")
        post_delete.connect(index.remits_changed, sender=Remit, dispatch_uid="routing_remits_deleted")
