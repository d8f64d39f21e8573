"""Links that e-mails carry: to a suggestion's page, and the delegate's signed one-click rating link."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse

RATING_SALT = "notifications.rating-link"

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


def rating_token(*, suggestion_id: int, round: int, delegate_id: int, user_id: int) -> str:
    """A signed, timestamped token; the user id binds it to the account the delegate has today."""
    return signing.dumps({"s": suggestion_id, "r": round, "d": delegate_id, "u": user_id}, salt=RATING_SALT)


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
        )
    except (KeyError, TypeError, ValueError):
        raise signing.BadSignature("malformed rating token") from None


def rating_path(*, suggestion_id: int, round: int, delegate_id: int, user_id: int) -> str:
    token = rating_token(suggestion_id=suggestion_id, round=round, delegate_id=delegate_id, user_id=user_id)
    return reverse("notifications:rate", args=[token])
