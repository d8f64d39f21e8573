"""OpenAPI post-processing (drf-spectacular ``POSTPROCESSING_HOOKS``): what every operation may answer
besides what its view declares, so the schema describes what is served.

``config.schema.ApiSchema`` adds 400, 401, 403 and 404 from the views; this hook adds to every operation:

- 405 (a method the path does not serve) and 429 (over the rate limit, with ``Retry-After``);
- 415 to every operation with a request body (a body in a media type other than those listed);
- the ``Location`` header of every 201 (the created resource's address).

All errors carry the project's one body, ``#/components/schemas/Error``.
"""

from __future__ import annotations

METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

EVERY_OPERATION = {
    "405": {"description": "Method not allowed on this path (the `Allow` header lists those allowed)"},
    "429": {
        "description": "Too many requests: over the rate limit of the address or the account",
        "headers": {
            "Retry-After": {
                "schema": {"type": "integer"},
                "description": "seconds to wait before the next request",
            }
        },
    },
}
WITH_A_BODY = {
    "415": {"description": "Unsupported media type: send the body as one of the request's content types"},
}
LOCATION = {
    "Location": {
        "schema": {"type": "string", "format": "uri"},
        "description": "the address of the created resource",
    }
}


def _error(response: dict) -> dict:
    return {**response, "content": ERROR}


def document_every_answer(result: dict, generator, request, public) -> dict:
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            extra = {**EVERY_OPERATION, **(WITH_A_BODY if "requestBody" in operation else {})}
            for code, response in extra.items():
                responses.setdefault(code, _error(response))
            if "201" in responses:
                responses["201"].setdefault("headers", {}).update(LOCATION)
    return result
