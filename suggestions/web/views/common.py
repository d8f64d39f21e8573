"""What the pages share: page sizes, the paginator, the current session."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.http import HttpRequest

from config import paging
from suggestions.models import (
    CongressSession,
)
from suggestions.policy import permissions

PAGE_SIZE = 20
ASSIGN_PAGE_SIZE = 50
HOME_ROWS = 5


def paginate(request: HttpRequest, items, per_page: int = PAGE_SIZE) -> Page:
    return paging.paginate(request, items, per_page)


def current_session() -> CongressSession | None:
    return CongressSession.objects.first()  # ordered newest first


def staff_only(request: HttpRequest) -> None:
    if not permissions.is_staff(request.user):
        raise PermissionDenied


def chinese_empty_choices(form) -> None:
    """The filter forms' empty choice says 全部 (all), not django-filter's ``---------``.

    The FilterSet is shared with the API; the pages word its empty choices here, at the form level.
    """
    from django import forms as django_forms
    from django.utils.translation import gettext as _

    for name, field in form.fields.items():
        label = _("默认排序") if name == "ordering" else _("全部")
        if isinstance(field, django_forms.ModelChoiceField):
            # Its widget iterates over this very field (no query here; the choices are read when shown).
            if field.empty_label is not None:
                field.empty_label = label
            continue
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = label
        widget = field.widget
        if not isinstance(widget, django_forms.Select) or isinstance(widget, django_forms.SelectMultiple):
            continue
        # The widget's choices may iterate over the class's field (deep copies): read them once, reword.
        choices = list(widget.choices)
        if choices and choices[0][0] == "":
            widget.choices = [("", label), *choices[1:]]
