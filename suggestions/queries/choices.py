"""Reference lists for filter forms (sessions, themes, departments), read from the cache.

The suggestion list's filter form offers every session, theme and department: three queries on every
page view for lists that change a few times a year. ``CachedModelChoiceFilter`` reads them from the
cache instead, keyed by ``dataversion.token()`` (suggestions/queries/dataversion.py), the one scheme
every cache uses: the data version (the newest event id: a correction of a theme or the session by the
workflow moves it, in every process at once) and the reference generation, which saving or deleting a
session, theme or department bumps (their post_save/post_delete signals, connected here). With the
default per-process cache, another app server sees a department edited in the admin within
``CHOICES_CACHE_SECONDS``. Validating a submitted value still asks the database
(``queryset.get(pk=...)``), so a stale list never lets an unknown id through.
"""

from __future__ import annotations

import hashlib

import django_filters
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django_filters import fields as filter_fields

from suggestions.queries import dataversion


def reference_objects(queryset: QuerySet) -> list[Model]:
    """The queryset's rows, cached per data version token and query."""
    digest = hashlib.sha256(str(queryset.query).encode()).hexdigest()[:32]
    key = f"choices:{queryset.model._meta.label_lower}:{dataversion.token()}:{digest}"
    rows = cache.get(key)
    if rows is None:
        rows = list(queryset.using("default"))  # never a lagging replica's rows under the new generation
        cache.set(key, rows, timeout=settings.CHOICES_CACHE_SECONDS)
    return rows


def connect(*models: type[Model]) -> None:
    """The reference tables whose saves and deletes bump the reference generation."""
    for model in models:
        uid = f"tracker_choices_{model._meta.label_lower}"
        post_save.connect(dataversion.reference_changed, sender=model, dispatch_uid=f"{uid}_save", weak=False)
        post_delete.connect(
            dataversion.reference_changed, sender=model, dispatch_uid=f"{uid}_delete", weak=False
        )


class CachedModelChoiceIterator(filter_fields.ModelChoiceIterator):
    def _objects(self) -> list[Model]:
        return reference_objects(self.queryset)

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self._objects():
            yield self.choice(obj)

    def __len__(self) -> int:
        extra = (self.field.empty_label is not None) + (self.field.null_label is not None)
        return len(self._objects()) + extra

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._objects())


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, written out."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        )
    return "".join(out)


class QuickSelect(forms.Select):
    """Django's Select, its template (select.html, select_option.html, attrs.html) written out in Python: the
    same HTML, byte for byte (tests/suggestions/test_quick_select.py). The list's filter form offers every
    session, theme and department; at 50 sessions that is 350 themes, and two template includes per
    option were most of the list page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                out.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                    f"{conditional_escape(option['label'])}</option>\n"  # select_option.html ends with one
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))


class CachedModelChoiceField(filter_fields.ModelChoiceField):
    iterator = CachedModelChoiceIterator
    widget = QuickSelect


class CachedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter whose offered choices come from ``reference_objects``."""

    field_class = CachedModelChoiceField
