"""Benchmark settings: the app's settings plus the floor view's URL; production-like (DEBUG off)."""

import os
import secrets

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_DEVTOOLS", "true")  # generate_demo_load lives in the development-only app
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))  # the gunicorn it starts inherits it
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")

from config.settings import *  # noqa: E402,F403

ROOT_URLCONF = "devtools.bench.urls"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}
API_THROTTLE_RATES = {"anon": None, "user": None}  # wrk sends thousands of requests a minute
