"""办理记录: the immutable events, a suggestion's timeline and the data version."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from suggestions.models.choices import EventKind, Status, _choices_check
from suggestions.models.suggestion import Suggestion

User = settings.AUTH_USER_MODEL

# Events are the data version (the newest id keys the caches: suggestions/queries/dataversion.py), so their ids
# must become visible in id order. On PostgreSQL a transaction takes this advisory lock before it appends
# an event and holds it to its commit: a later id can never commit before an earlier one, and a reader
# that sees version N sees every change up to N. (SQLite serializes its writers anyway.)
EVENT_ORDER_LOCK = 7_310_2023

# Sent before events are appended (one save or a bulk create): the data version's readers listen to it
# (suggestions/queries/dataversion.py) so that a request sees its own writes. The models know no cache.
events_appended = Signal()


def lock_event_order(using: str) -> None:
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_ORDER_LOCK])


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs):  # noqa: ANN201
        raise ValidationError(_("办理记录不可修改。"))

    def delete(self):  # noqa: ANN201
        raise ValidationError(_("办理记录不可删除。"))

    def bulk_create(  # noqa: ANN201
        self, objs, batch_size=None, ignore_conflicts=False, update_conflicts=False, **kwargs
    ):
        if update_conflicts:  # an upsert would rewrite the existing events
            raise ValidationError(_("办理记录不可修改。"))
        events_appended.send(sender=Event)
        lock_event_order(self.db)
        return super().bulk_create(objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts)


class Event(models.Model):
    """办理记录: the immutable record of one workflow step; a suggestion's timeline."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建议"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("事项"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    round = models.PositiveSmallIntegerField(_("轮次"))
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(_("数据"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["suggestion", "at", "id"]
        constraints = [
            _choices_check("kind", EventKind, "event_kind_valid"),
            _choices_check("from_status", Status, "event_from_status_valid"),
            _choices_check("to_status", Status, "event_to_status_valid"),
        ]
        indexes = [models.Index(fields=["suggestion", "at"], name="event_suggestion_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("办理记录不可修改。"))
        events_appended.send(sender=Event)
        lock_event_order(kwargs.get("using") or router.db_for_write(Event, instance=self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN201
        raise ValidationError(_("办理记录不可删除。"))
