"""认证令牌: committee staff issue, rotate and revoke the API tokens of accounts on a page of their own.

GET lists the accounts holding a token (its first characters and when it was issued, never the whole
key); every change is a POST with the CSRF token. A token issued (or re-issued: the old one stops working
at once) is shown in full once, in that POST's answer, and is not stored anywhere else in the pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

PREFIX = 6  # characters of a key shown in the list: enough to tell two tokens apart, useless to a thief


def issue(user) -> Token:
    """A new token for ``user``; the previous one, if any, stops working."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    from suggestions.policy import permissions  # the models are loaded after the URLconf imports this

    if not permissions.is_staff(request.user):
        raise PermissionDenied
    issued = None
    status = 200
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        action = request.POST.get("action")
        if user is None or action not in ("issue", "revoke"):
            messages.error(request, _("没有这个启用的账号：%(username)s") % {"username": username or "—"})
            status = 400
        elif action == "issue":
            issued = issue(user)
        else:
            if Token.objects.filter(user=user).delete()[0]:
                messages.success(request, _("已吊销 %(username)s 的令牌。") % {"username": username})
            return redirect("api_tokens")
    rows = [
        {"user": t.user, "prefix": t.key[:PREFIX], "created": t.created}
        for t in Token.objects.select_related("user").order_by("user__username")
    ]
    return render(
        request,
        "accounts/tokens.html",
        {"rows": rows, "issued": issued, "prefix_length": PREFIX},
        status=status,
    )
