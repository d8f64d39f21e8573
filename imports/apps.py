from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """导入: the deliberation summary's parser, the importer, its pages and the fixture builder."""

    name = "imports"
    verbose_name = _("导入")
