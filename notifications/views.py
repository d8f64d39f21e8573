"""In-app notifications (提醒) and the delegates' one-click rating link (免登录评价)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from delegates.models import Delegate
from notifications import links
from notifications.models import Notification
from suggestions.forms import run_step
from suggestions.models import Rating, Suggestion
from suggestions.workflow import STEPS

PAGE_SIZE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.for_user(request.user).for_list()
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.unread()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {
            "page_obj": page,
            "notifications": page.object_list,
            "unread_only": unread_only,
            "unread_count": Notification.objects.for_user(request.user).unread().count(),
        },
    )


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to its suggestion."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    return redirect(links.suggestion_path(notification.suggestion_id))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.for_user(request.user).unread().update(read_at=timezone.now())
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "notifications:list")


def _refuse(request: HttpRequest, reason: str, status: int, **context) -> HttpResponse:
    return render(request, "notifications/rate_refused.html", {"reason": reason, **context}, status=status)


@never_cache
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """免登录评价: the signed link lets its delegate rate its round, once, until it expires."""
    try:
        claim = links.read_rating_token(token)
    except signing.SignatureExpired:
        return _refuse(request, "expired", 410)
    except signing.BadSignature:
        return _refuse(request, "invalid", 400)
    suggestion = Suggestion.objects.filter(pk=claim.suggestion_id).select_related("session", "theme").first()
    delegate = Delegate.objects.select_related("user").filter(pk=claim.delegate_id).first()
    user = delegate.user if delegate else None
    if (
        suggestion is None
        or user is None
        or not user.is_active
        or not links.claim_matches_account(claim, user)
    ):
        return _refuse(request, "invalid", 400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        return _refuse(request, "other_user", 403, delegate=delegate)
    rating = Rating.objects.filter(suggestion=suggestion, round=claim.round, delegate=delegate).first()
    if rating is not None:
        return render(
            request,
            "notifications/rate_done.html",
            {"suggestion": suggestion, "rating": rating, "delegate": delegate},
        )
    step = STEPS["rate"]
    if suggestion.round != claim.round or not step.available(user, suggestion):
        return _refuse(request, "closed", 410, suggestion=suggestion)
    reply = suggestion.replies.filter(round=claim.round).select_related("department").first()
    form = step.form_class()(request.POST or None, suggestion=suggestion, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            done = run_step(step, form)
        except PermissionDenied:
            return _refuse(request, "invalid", 403)
        if done is not None:
            return redirect(request.path)
    return render(
        request,
        "notifications/rate_form.html",
        {"suggestion": suggestion, "reply": reply, "delegate": delegate, "form": form},
    )
