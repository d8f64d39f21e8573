"""{% routing_recommended suggestion %} and {% routing_similar suggestion %}: the two includes, computed."""

from django import template

from routing import pages

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.inclusion_tag("routing/includes/recommended.html", takes_context=True)
def routing_recommended(context, suggestion, field="department"):
    return pages.recommended_context(suggestion, _user(context)) | {
        "request": context.get("request"),
        "routing_field": field,
    }


@register.inclusion_tag("routing/includes/similar.html", takes_context=True)
def routing_similar(context, suggestion):
    return pages.similar_context(suggestion, _user(context)) | {"request": context.get("request")}


@register.inclusion_tag("routing/includes/merge_candidates.html", takes_context=True)
def routing_merge_candidates(context, suggestion):
    return pages.merge_context(suggestion, _user(context)) | {"request": context.get("request")}
