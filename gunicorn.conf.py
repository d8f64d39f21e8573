"""Gunicorn for a production-like run (`make serve`) and the benchmark."""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then: bounds memory growth
max_requests_jitter = 200
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # "-" for stdout
errorlog = "-"


def _without_server_header() -> None:
    """Send no `Server: gunicorn` header: the software behind the app is nobody's business (a proxy in
    front adds its own; nginx: `server_tokens off;`). Gunicorn has no setting for it, so its response's
    default headers are filtered once, here in the master, before the workers fork."""
    from gunicorn.http import wsgi

    if getattr(wsgi.Response, "_tracker_without_server", False):
        return
    default_headers = wsgi.Response.default_headers

    def headers(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    wsgi.Response.default_headers = headers
    wsgi.Response._tracker_without_server = True


_without_server_header()


_warmed = False


def pre_fork(server, worker):
    """Build the routing index (推荐承办单位, 以往类似建议) once in the master, before the first worker
    forks: every worker then starts with it (shared copy-on-write pages) instead of building its own on
    its first suggestion page (about 10 s at 100,000 suggestions). A worker forked later (max_requests)
    starts from the master's copy and catches up with the events since. TRACKER_ROUTING_WARM=false skips it."""
    global _warmed
    if _warmed or os.environ.get("TRACKER_ROUTING_WARM", "true").lower() in ("0", "false", "no"):
        gc.freeze()
        return
    _warmed = True
    try:
        from routing import index

        built = index.current()
        server.log.info("routing index warm: %d suggestions", len(built.past))
    except Exception:  # noqa: BLE001 — a cold index is built on first use; never stop the server for it
        server.log.exception("routing index not warmed; each worker builds it on first use")
    finally:
        from django.db import connections

        connections.close_all()  # no database connection crosses the fork
        # The index's millions of objects leave the collector's sight: a worker's collections would
        # otherwise write to every page holding them, and each written page becomes its own copy.
        gc.collect()
        gc.freeze()
