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
        post_migrate.connect(_create_role_groups, sender=self)
