"""A Paginator whose total comes from ``suggestions.queries.stats.cached_count`` (exact, cached per data version).

Kept free of model imports at module level: DRF's settings import ``config.rest``, which uses this class,
before the apps are ready.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CachedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            from suggestions.queries.stats import cached_count

            return cached_count(self.object_list)
        return super().count


def paginate(request, items, per_page: int):
    """The page the request asks for (``?page=``), its total counted once per data version."""
    return CachedCountPaginator(items, per_page).get_page(request.GET.get("page"))
