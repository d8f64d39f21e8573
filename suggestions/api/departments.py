"""REST: departments (承办单位), public reference data (members are not exposed)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view

from departments.models import Department, DepartmentKind
from suggestions.api.serializers import DepartmentSerializer
from suggestions.api.views import ReadViewSet


class DepartmentFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=DepartmentKind.choices)
    active = filters.BooleanFilter()
    confirmed = filters.BooleanFilter()
    q = filters.CharFilter(method="filter_q", max_length=64, help_text=_("part of the name or short name"))

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(short_name__icontains=value)) if value else qs


@extend_schema_view(
    list=extend_schema(summary="承办单位 (departments)"),
    retrieve=extend_schema(summary="承办单位 (one department)"),
)
class DepartmentViewSet(ReadViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    ordering_fields = ["name", "kind"]
    ordering = ["kind", "name"]
