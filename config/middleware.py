"""Project middleware: refuse the HTTP methods no page or endpoint implements."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed

#: TRACE echoes the request (cookies and all) back to whoever can make the browser send it, and CONNECT
#: is for proxies; no view of the app implements either, but function views answer any method with 200.
REFUSED_METHODS = frozenset({"TRACE", "CONNECT"})
ALLOWED = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]


class RefuseTraceMiddleware:
    """405 Method Not Allowed for TRACE and CONNECT on every URL, before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in REFUSED_METHODS:
            return HttpResponseNotAllowed(ALLOWED)
        return self.get_response(request)
