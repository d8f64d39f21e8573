from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development only: the benchmark, the load run and the load generator (never in a deployment)."""

    name = "devtools"
    verbose_name = "Development tools"
