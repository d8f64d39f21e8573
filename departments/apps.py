from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("承办单位")

    def ready(self) -> None:
        from departments.models import Department
        from departments.ordering import take_the_official_order

        pre_save.connect(take_the_official_order, sender=Department, dispatch_uid="department_official_order")
