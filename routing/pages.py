"""What the pages show of the routing: the context of the two includes, for the views or the tag to call.

    from routing.pages import recommended_context, similar_context
    context |= recommended_context(suggestion, request.user)   # the 交办 screen (staff)
    context |= similar_context(suggestion, request.user)       # the suggestion page (everyone)
    context |= merge_context(suggestion, request.user)         # the 并案办理 page (staff)

or, in a template, ``{% load routing %}{% routing_recommended suggestion %}`` and
``{% routing_similar suggestion %}``, ``{% routing_merge_candidates suggestion %}`` (the tags take the user from the request in the context).
"""

from __future__ import annotations

from routing.recommend import recommend
from routing.similar import merge_candidates, similar
from suggestions.models import Status, Suggestion
from suggestions.policy import permissions
from suggestions.queries import cases
from suggestions.workflow.merging import MERGE_STATES


def recommended_context(suggestion, user) -> dict:
    """The 交办 screen's recommendation: staff only (for anyone else, nothing to show)."""
    if not permissions.is_staff(user):
        return {"routing_recommendation": None}
    return {
        "routing_recommendation": recommend(suggestion).as_dict(),
        "routing_suggestion": suggestion,
        # 并案办理: the departments of the suggestions it is linked with come first (one click each)
        "routing_partners": [p for p in cases.partners([suggestion.pk]).get(suggestion.pk, []) if p.lead],
    }


def merge_context(suggestion, user) -> dict:
    """The 并案办理 page: the closest suggestions of the same session to choose from (staff only)."""
    if not permissions.is_staff(user):
        return {"routing_candidates": []}
    linked = cases.partner_ids(suggestion.pk)
    candidates = merge_candidates(suggestion, user)
    status = dict(Suggestion.objects.filter(pk__in=[c["id"] for c in candidates]).values_list("pk", "status"))
    return {
        "routing_candidates": [
            c
            | {
                "linked": c["id"] in linked,
                "mergeable": status.get(c["id"]) in MERGE_STATES,
                "status_label": Status(status[c["id"]]).label if c["id"] in status else "",
            }
            for c in candidates
        ],
        "routing_suggestion": suggestion,
    }


def similar_context(suggestion, user) -> dict:
    return {"routing_similar": similar(suggestion, user), "routing_suggestion": suggestion}
