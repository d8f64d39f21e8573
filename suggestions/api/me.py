"""REST: ``GET /api/v1/me/``, who the request's token (or session) is: what a dashboard developer checks first."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from delegates.models import Delegate
from departments.models import Department
from suggestions.api.serializers import DelegateRefSerializer, DepartmentRefSerializer
from suggestions.policy import permissions


@extend_schema_serializer(many=False)  # the list route answers one object
class MeSerializer(serializers.Serializer):
    """The authenticated account: its name, its roles and what they are attached to."""

    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True, help_text=_("the full name, or the username"))
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=["staff", "dashboard", "handler", "delegate", "user"]),
        read_only=True,
        help_text=_(
            "staff (代表工委), dashboard (大屏, reads only), handler (承办单位经办人), delegate (代表); "
            "user when none of them"
        ),
    )
    departments = DepartmentRefSerializer(
        many=True, read_only=True, help_text=_("the departments the account handles for")
    )
    delegate = DelegateRefSerializer(read_only=True, allow_null=True, help_text=_("the delegate, if any"))


class MeViewSet(viewsets.GenericViewSet):
    """Who the request's token (or session) is."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(summary="我 (the authenticated account)", responses={200: MeSerializer})
    def list(self, request):
        user = request.user
        roles = permissions.roles(user)
        me = {
            "username": user.get_username(),
            "display_name": user.get_full_name() or user.get_username(),
            "roles": roles.names,
            "departments": Department.objects.filter(pk__in=roles.department_ids).order_by("pk")
            if roles.department_ids
            else [],
            "delegate": Delegate.objects.filter(pk=roles.delegate_id).first() if roles.delegate else None,
        }
        return Response(MeSerializer(me).data)
