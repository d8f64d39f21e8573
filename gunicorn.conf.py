"""Gunicorn for a production-like run (`make serve`) and the benchmark."""

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
