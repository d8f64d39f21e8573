"""Who handles: the departments (承办单位) and their member accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    TOWN = "town", _("镇（区）")
    OUTPOST = "outpost", _("上级派出机构")
    PROVINCIAL = "provincial", _("省级机构")
    OTHER = "other", _("其他")


class DepartmentManager(models.Manager["Department"]):
    def get_by_natural_key(self, name: str) -> Department:
        return self.get(name=name)


class Department(models.Model):
    """承办单位: a body that handles suggestions as lead (主办) or co-handler (协办)."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(
        _("类别"), max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT
    )
    confirmed = models.BooleanField(
        _("名称已核实"), default=False, help_text=_("名称已由工作人员根据公开信息核实")
    )
    active = models.BooleanField(_("可交办"), default=True)
    sort_order = models.PositiveIntegerField(
        _("排序"), default=9000, help_text=_("按官方顺序排列（数字小的在前）"), db_index=True
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人账号"), blank=True, related_name="departments"
    )

    objects = DepartmentManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)
