"""The fixtures of the workflow tests (tests/suggestions/workflow/cast.py)."""

from tests.suggestions.workflow.cast import _media_in_tmp, cast, world  # noqa: F401  (fixtures)
