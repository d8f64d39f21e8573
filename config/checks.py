"""Start-up checks: no key that anyone can read in this repository ever signs anything outside the tests.

The rating links, sessions and password-reset tokens are signed with ``SECRET_KEY``. A key written in
the repository (the test suite's, an old fallback still in its history) would let anyone mint a
one-click rating link, so outside the tests such a key is an error of the system checks (``manage.py
check``, ``check --deploy``, ``runserver``) and stops the WSGI and ASGI applications before they serve
a request. The same holds for a key of ``SECRET_KEY_FALLBACKS``, which would still verify what it signed.
"""

from __future__ import annotations

import hashlib
import subprocess
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

# Keys once written in this repository and gone from its files since: every clone's history still has
# them (found once with `git log -p | grep SECRET_KEY`). Kept as SHA-256 digests, so this file does not
# write them out again: the old `make serve` fallback (Makefile), the old DEBUG fallback
# (config/settings.py), the benchmark's fallback (bench/settings.py) and a test's `"x" * 50`.
RETIRED_KEY_DIGESTS = frozenset(
    {
        "86b70fccaaeedfb489bb5b8e491f8edc84a1e2b825e0f7e5b4dae46ca70014e7",
        "4d063bd385e62b5abf680c6e3e519607402991e013b85ef2de7ab6bb8c1fed7a",
        "157ba00b16f0b736f7935f7c70ef660f2647e1bc6be9eb8b770fabbcea5a9cea",
        "77cf12060d47183ea8c40345e7389e7e05cb0753cab374a5e74f9329815b4cb5",
    }
)

SOURCE_SUFFIXES = {".py", ".toml", ".cfg", ".ini", ".example", ".md", ".txt", ".sh", ".yml", ".yaml", ""}


@cache
def _repository_text() -> str:
    root = Path(settings.BASE_DIR)
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.split()
        files = [root / name for name in listed]
    except (OSError, subprocess.SubprocessError):  # no git (an unpacked release): read the tree
        files = [p for p in root.rglob("*") if ".venv" not in p.parts and ".git" not in p.parts]
    chunks = []
    for path in files:
        if path.suffix in SOURCE_SUFFIXES and path.is_file() and path.stat().st_size < 1_000_000:
            try:
                chunks.append(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue
    return "\n".join(chunks)


def key_problem(key: str | None, name: str = "DJANGO_SECRET_KEY") -> str | None:
    """Why ``key`` (called ``name`` in the message) may not sign anything here (None when it may)."""
    if getattr(settings, "TESTING", False):
        return None
    key = (key or "").strip()  # a copied key with a stray space or newline is the same key
    if not key:
        return f"{name} is not set."
    if key == getattr(settings, "TEST_SECRET_KEY", None) or (len(key) >= 8 and key in _repository_text()):
        return f"{name} is written in this repository; anyone could sign with it."
    if hashlib.sha256(key.encode()).hexdigest() in RETIRED_KEY_DIGESTS:
        return f"{name} is a retired key from this repository's history; anyone could sign with it."
    if len(key) < 32:
        return f"{name} is shorter than 32 characters."
    return None


def known_key_problem() -> str | None:
    """The problem of the key that signs, or of a fallback key that still verifies (a forged link
    verified by a known fallback is as good as one signed with it)."""
    problem = key_problem(settings.SECRET_KEY)
    if problem is not None:
        return problem
    for fallback in getattr(settings, "SECRET_KEY_FALLBACKS", []):
        problem = key_problem(fallback, "A key of SECRET_KEY_FALLBACKS")
        if problem is not None:
            return problem
    return None


@register("security")
def secret_key_check(app_configs=None, **kwargs) -> list[Error]:
    problem = known_key_problem()
    if problem is None:
        return []
    return [
        Error(
            problem,
            hint="Set DJANGO_SECRET_KEY to a long random value of your own (`make run` makes one per checkout).",
            id="tracker.E001",
        )
    ]


def refuse_known_secret_key() -> None:
    """For the WSGI/ASGI start (gunicorn runs no system checks)."""
    problem = known_key_problem()
    if problem is not None:
        raise ImproperlyConfigured(problem)
