"""Template context the project adds to every page rendered with a request."""

from __future__ import annotations


def statistics_definitions(request) -> dict:
    """``stat_definitions``: what each statistics figure means (``suggestions.queries.stats.DEFINITIONS``,
    keyed like the statistics' rows, e.g. ``stat_definitions.on_time_rate``), for the pages to show under
    each figure; ``stat_viewer_note``: how the figures depend on who reads them. Lazy texts: nothing is
    translated or computed unless a template shows one."""
    from suggestions.queries.stats import DEFINITIONS, VIEWER_NOTE

    return {"stat_definitions": DEFINITIONS, "stat_viewer_note": VIEWER_NOTE}
