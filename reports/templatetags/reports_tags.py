"""Template helpers of the reports: the export links of the current list page, and percentages."""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.urls import reverse

from suggestions.policy import permissions

register = template.Library()

# List pages (URL names) → the export scope their rows come from; see reports.views.export_suggestions.
SUGGESTION_LISTS = {"suggestion_list": None, "my_suggestions": "mine", "inbox": "inbox", "queue": "queue"}


@register.simple_tag(takes_context=True)
def export_urls(context) -> dict | None:
    """CSV and Excel links for the list page being shown, carrying its query string; None elsewhere."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    params = QueryDict(mutable=True)
    params.update(request.GET)
    params.pop("page", None)
    name = match.view_name
    if name == "delegate_list":
        query = params.urlencode()
        return {"csv": reverse("reports:delegates_csv") + (f"?{query}" if query else "")}
    if name not in SUGGESTION_LISTS:
        return None
    scope = SUGGESTION_LISTS[name]
    r = permissions.roles(request.user)
    if (scope == "mine" and not r.delegate) or (scope == "inbox" and not r.handler):
        return None
    if scope == "queue":
        if not r.staff:
            return None
        params["queue"] = match.kwargs.get("slug", "")
    if scope:
        params["scope"] = scope
    query = params.urlencode()
    suffix = f"?{query}" if query else ""
    return {
        "csv": reverse("reports:suggestions_csv") + suffix,
        "xlsx": reverse("reports:suggestions_xlsx") + suffix,
    }


@register.filter
def percent(value) -> str:
    """0.8571 → 85.7%; None (nothing to divide by) → —."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"
