"""Who proposes: delegates (代表) and non-voting attendees (列席代表)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DelegateKind(models.TextChoices):
    DELEGATE = "delegate", _("代表")
    ATTENDEE = "attendee", _("列席代表")


class DelegateManager(models.Manager["Delegate"]):
    def get_by_natural_key(self, name: str) -> Delegate:
        return self.get(name=name)


class Delegate(models.Model):
    """人大代表: a person who proposes suggestions and rates the replies."""

    name = models.CharField(_("姓名"), max_length=32, unique=True)
    kind = models.CharField(
        _("身份"), max_length=16, choices=DelegateKind.choices, default=DelegateKind.DELEGATE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delegate",
    )
    # Contact data: shown to committee staff and to the delegate only, never to the public.
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    organization = models.CharField(_("工作单位及职务"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = DelegateManager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("代表")
        verbose_name_plural = _("代表")
        ordering = ["name"]

    def __str__(self) -> str:
        return (
            self.name if self.kind == DelegateKind.DELEGATE else f"{self.name}（{self.get_kind_display()}）"
        )

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    @property
    def is_attendee(self) -> bool:
        return self.kind == DelegateKind.ATTENDEE
