from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_role_groups(sender, **kwargs) -> None:
    from suggestions.policy.groups import ensure_role_groups

    ensure_role_groups()


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = _("建议办理")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        import config.checks  # noqa: F401  (registers the secret-key check)
        from departments.models import Department
        from suggestions.models import CongressSession, Event, Theme, events_appended
        from suggestions.queries import choices, dataversion

        post_migrate.connect(_create_role_groups, sender=self)
        choices.connect(CongressSession, Theme, Department)
        request_started.connect(dataversion.request_started, dispatch_uid="tracker_data_version_start")
        request_finished.connect(dataversion.request_finished, dispatch_uid="tracker_data_version_end")
        events_appended.connect(dataversion.forget, sender=Event, dispatch_uid="tracker_data_version_forget")
