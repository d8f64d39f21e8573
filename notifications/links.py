"""Links that e-mails carry: to a suggestion's page, and the delegate's signed one-click rating link."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import constant_time_compare, salted_hmac

RATING_SALT = "notifications.rating-link"
ACCOUNT_SALT = "notifications.rating-link.account"

# The pages engineer names the suggestion page; the admin change page is the fallback.
SUGGESTION_URL_NAMES = ("suggestion_detail", "suggestions:detail", "suggestion-detail")


def suggestion_path(suggestion_id: int) -> str:
    for name in SUGGESTION_URL_NAMES:
        try:
            return reverse(name, args=[suggestion_id])
        except NoReverseMatch:
            continue
    return reverse("admin:suggestions_suggestion_change", args=[suggestion_id])


def absolute(path: str) -> str:
    return settings.TRACKER_SITE_URL + path


@dataclass(frozen=True)
class RatingClaim:
    """What a rating link lets its holder do: rate this round of this suggestion as this delegate."""

    suggestion_id: int
    round: int
    delegate_id: int
    user_id: int
    account_mark: str = ""


def account_mark(user_id: int, password_hash: str | None) -> str:
    """A keyed digest of the account's current password hash (never the hash itself).

    The link carries it, so setting a new password (or an unusable one: ``set_unusable_password``
    draws a new random value) revokes every link made before, as Django's password-reset tokens do.
    """
    return salted_hmac(ACCOUNT_SALT, f"{user_id}:{password_hash or ''}", algorithm="sha256").hexdigest()[:32]


def _password_hash(user_id: int) -> str | None:
    return get_user_model()._default_manager.filter(pk=user_id).values_list("password", flat=True).first()


def rating_token(*, suggestion_id: int, round: int, delegate_id: int, user_id: int) -> str:
    """A signed, timestamped token; the user id binds it to the account the delegate has today, the
    account mark to that account's password today."""
    mark = account_mark(user_id, _password_hash(user_id))
    return signing.dumps(
        {"s": suggestion_id, "r": round, "d": delegate_id, "u": user_id, "p": mark}, salt=RATING_SALT
    )


def read_rating_token(token: str) -> RatingClaim:
    """Raise signing.SignatureExpired when too old, signing.BadSignature when forged or altered."""
    max_age = settings.RATING_LINK_MAX_AGE_DAYS * 24 * 3600
    data = signing.loads(token, salt=RATING_SALT, max_age=max_age)
    try:
        return RatingClaim(
            suggestion_id=int(data["s"]),
            round=int(data["r"]),
            delegate_id=int(data["d"]),
            user_id=int(data["u"]),
            account_mark=str(data["p"]),
        )
    except (KeyError, TypeError, ValueError):
        raise signing.BadSignature("malformed rating token") from None


def claim_matches_account(claim: RatingClaim, user) -> bool:
    """The link was made for this account as it is now: same user, same password (none changed since)."""
    return user.pk == claim.user_id and constant_time_compare(
        claim.account_mark, account_mark(user.pk, user.password)
    )


def rating_path(*, suggestion_id: int, round: int, delegate_id: int, user_id: int) -> str:
    token = rating_token(suggestion_id=suggestion_id, round=round, delegate_id=delegate_id, user_id=user_id)
    return reverse("notifications:rate", args=[token])
