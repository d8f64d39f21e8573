"""The two REST views of the routing: recommended departments (staff) and similar suggestions (everyone).

GET /api/v1/suggestions/{id}/recommended-departments/  committee staff only (403 for other roles, 401
anonymous): the three likeliest lead departments and the likely co-handlers, each with its reason.
GET /api/v1/suggestions/{id}/similar/  every viewer: the most similar suggestions of earlier sessions and
the near-duplicates of the same session; what each shows of its handling follows the viewer's reading
rights (routing/similar.py).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from routing.recommend import recommend
from routing.similar import similar
from suggestions.models import Suggestion
from suggestions.policy import permissions, scoping


class IsCommitteeStaff(BasePermission):
    message = _("仅代表工委工作人员可查看推荐承办单位。")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and permissions.is_staff(request.user)


def _suggestion(request, pk: int) -> Suggestion:
    qs = scoping.visible(Suggestion, request.user).select_related("session")
    return get_object_or_404(qs, pk=pk)


class RecommendedDepartmentsView(APIView):
    """推荐承办单位: the likeliest lead departments and co-handlers of one suggestion, with reasons."""

    permission_classes = [IsCommitteeStaff]

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["suggestions"])
    def get(self, request, pk: int):
        return Response(recommend(_suggestion(request, pk)).as_dict())


class SimilarSuggestionsView(APIView):
    """以往类似建议: the most similar suggestions of earlier sessions and the same session's near-duplicates."""

    @extend_schema(responses=OpenApiTypes.OBJECT, tags=["suggestions"])
    def get(self, request, pk: int):
        return Response(similar(_suggestion(request, pk), request.user))
