"""``manage.py api_token USERNAME [--rotate]``: print the account's API token, issuing one if it has none.

``make run`` prints the demo dashboard account's this way, so a dashboard developer can call the API at
once. Staff issue and revoke tokens on /accounts/tokens/.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from accounts.tokens import issue


class Command(BaseCommand):
    help = "Print USERNAME's API token (issued if it has none; --rotate: a new one, the old one revoked)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="issue a new token, revoking the old one")

    def handle(self, *args, username: str, rotate: bool, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        token = issue(user) if rotate else Token.objects.get_or_create(user=user)[0]
        self.stdout.write(token.key)
