from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_role_groups(sender, **kwargs) -> None:
    from suggestions.roles import ensure_role_groups

    ensure_role_groups()


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = _("建议办理")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from departments.models import Department
        from suggestions import choices, dataversion
        from suggestions.models import CongressSession, Theme

        post_migrate.connect(_create_role_groups, sender=self)
        choices.connect(CongressSession, Theme, Department)
        request_started.connect(dataversion.request_started, dispatch_uid="tracker_data_version_start")
        request_finished.connect(dataversion.request_finished, dispatch_uid="tracker_data_version_end")
