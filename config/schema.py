"""OpenAPI generation (drf-spectacular): the one error body, documented on every operation.

Named in settings.REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]; drf-spectacular imports it while decorating
views, so it must not import any module that defines views.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_(
            "machine code: invalid, parse_error, not_authenticated, authentication_failed, permission_denied, "
            "not_found, method_not_allowed, unsupported_media_type, or a workflow code such as invalid_state"
        )
    )
    message = serializers.CharField(help_text=_("a sentence for people"))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("messages per input field (nested fields as a.0.b); empty if none"),
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = ErrorBodySerializer()


ERROR_RESPONSES = {
    "400": _("Invalid input (fields name the inputs), malformed JSON, or a step not allowed now"),
    "401": _("Not authenticated (send a session cookie or `Authorization: Token <key>`)"),
    "403": _("Authenticated but not allowed (the dashboard account may only read)"),
    "404": _("No such object, or one the user may not see"),
}


class ApiSchema(AutoSchema):
    """Adds the error responses (400, 401, 403, 404) to every operation."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = str(description)
        return responses


class FilteredObjectSchema(ApiSchema):
    """For views answering one object computed over a filtered list (the statistics): document the filters."""

    def get_filter_backends(self):
        return getattr(self.view, "filter_backends", [])
