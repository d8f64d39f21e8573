"""REST: delegates (代表). Names are public; contact data only for staff and the delegate themself."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view

from delegates.models import Delegate, DelegateKind
from suggestions.api.serializers import DelegateSerializer
from suggestions.api.views import ReadViewSet


class DelegateFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=DelegateKind.choices)
    q = filters.CharFilter(method="filter_q", max_length=32, help_text=_("part of the name"))

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value.strip())) if value.strip() else qs


@extend_schema_view(
    list=extend_schema(summary="代表 (delegates)"),
    retrieve=extend_schema(summary="代表 (one delegate)"),
)
class DelegateViewSet(ReadViewSet):
    """Contact fields are null unless the viewer is committee staff or the delegate."""

    queryset = Delegate.objects.all()
    serializer_class = DelegateSerializer
    filterset_class = DelegateFilter
    ordering_fields = ["name"]
    ordering = ["name"]
