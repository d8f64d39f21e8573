"""The client's address: one rule for the API's rate limits and the login lockout.

``REMOTE_ADDR`` is the address that opened the connection to the app server. A client can write any
``X-Forwarded-For`` it likes, so that header is only believed as far as the deployer says proxies of
their own append to it: ``DJANGO_TRUSTED_PROXY_COUNT`` (``settings.TRUSTED_PROXY_COUNT``, default 0).

- 0 (no proxy, or the proxy is not trusted): the address is ``REMOTE_ADDR``; ``X-Forwarded-For`` is ignored.
- n > 0: each trusted proxy appends the address it received the request from, so the client is the n-th
  address from the right of ``X-Forwarded-For`` (what a client wrote in the header stands left of it and
  is ignored). With fewer addresses than n the leftmost one is taken (as DRF does with ``NUM_PROXIES``).

An address that is not a valid IP falls back to ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    address = address.strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address limits are counted by (None when there is no request or no usable address)."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    remote = _valid(meta.get("REMOTE_ADDR"))
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return _valid(forwarded[-min(proxies, len(forwarded))]) or remote
