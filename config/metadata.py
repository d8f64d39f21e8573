"""What the API answers to OPTIONS: the view's name and the media types it reads and writes, nothing more.

DRF's ``SimpleMetadata`` also returns the view's docstring as ``description`` (written for the developers of
this app, not for the public) and, to whoever may POST, the input fields (``actions``). The documentation of
the API for outside developers is the OpenAPI schema (/api/schema/, /api/docs/).
"""

from __future__ import annotations

from rest_framework.metadata import SimpleMetadata

PUBLIC_KEYS = ("name", "renders", "parses")


class PublicMetadata(SimpleMetadata):
    def determine_metadata(self, request, view) -> dict:
        metadata = super().determine_metadata(request, view)
        return {key: metadata[key] for key in PUBLIC_KEYS if key in metadata}
