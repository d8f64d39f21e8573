from django.utils.functional import SimpleLazyObject

from suggestions.policy import permissions


def navigation(request) -> dict:
    """The viewer's roles for base.html's navigation; read only when a template uses them."""
    return {"nav_roles": SimpleLazyObject(lambda: permissions.roles(getattr(request, "user", None)))}
