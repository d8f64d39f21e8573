"""Project-wide REST defaults named in settings.REST_FRAMEWORK: the dashboard guard and the paginations.

Kept apart from the views: DRF imports these classes while it defines its own base views, so this
module must not import rest_framework.views, generics or viewsets (or anything that does).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from config.clientip import client_ip
from config.paging import CachedCountPaginator


class DashboardReadOnly(BasePermission):
    """The dashboard account (大屏) reads only: any other method is refused, whatever it sends."""

    message = _("大屏账号只能读取数据。")

    def has_permission(self, request, view) -> bool:
        from suggestions.policy import permissions  # models load after DRF imports this module

        return request.method in SAFE_METHODS or not permissions.roles(request.user).dashboard


class Pagination(PageNumberPagination):
    """Numbered pages with the total ``count``; ``page_size`` up to 100 (larger values are capped)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = CachedCountPaginator  # the total is cached per data version


class ExportPagination(CursorPagination):
    """Cursor pages for long exports: stable while rows are added, no total count, up to 500 a page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "pk"


class _SettingsRate:
    """Read the rate from ``settings.API_THROTTLE_RATES`` on every request (DRF reads its own once), and
    count anonymous requests by ``config.clientip.client_ip`` (the login lockout's rule), not by DRF's
    ``get_ident``, which believes a client's ``X-Forwarded-For`` when ``NUM_PROXIES`` is unset."""

    def get_rate(self):
        from django.conf import settings

        return settings.API_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous API requests, per client address: ``API_THROTTLE_RATES["anon"]`` (None = off)."""


class UserThrottle(_SettingsRate, UserRateThrottle):
    """Authenticated API requests, per account: ``API_THROTTLE_RATES["user"]`` (None = off)."""
