"""The API's JSON renderer: DRF's ``JSONRenderer`` with the encoding done by orjson.

Named in settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]. The same bytes as DRF's compact, UTF-8
output for what the API serves (orjson writes compact JSON and leaves non-ASCII characters as they are);
what orjson does not know natively (lazy translations, dates and times, decimals, querysets…) goes
through DRF's own encoder. A pretty-printing request (``Accept: application/json; indent=4``), or a value
orjson refuses (an integer beyond 64 bits), is rendered by DRF itself.
"""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_DRF_DEFAULT = JSONEncoder().default
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # DRF's format for datetimes (…Z for UTC), not orjson's


class OrjsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=_DRF_DEFAULT, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF: U+2028 and U+2029 escaped, so the output is also valid JavaScript.
        if b"\xe2\x80" in content:
            content = content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return content
