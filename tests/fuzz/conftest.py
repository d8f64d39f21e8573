"""The security tests' world (tests/security/conftest.py) for the fuzzers, with its media folder."""

from tests.security.conftest import _media_in_tmp, world, world_media  # noqa: F401 (fixtures)
