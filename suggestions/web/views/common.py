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
