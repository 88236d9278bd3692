"""``leadflow token create USERNAME [--name NAME] [--program SLUG ...]`` prints a new API token
alone on standard output (so ``TOKEN=$(leadflow token create ada)`` works); ``leadflow token
list USERNAME`` and ``leadflow token revoke PREFIX`` manage them."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.api.models import ApiToken
from leadflow.api.tokens import TokenError, token_create, token_get_by_prefix, token_list
from leadflow.api.tokens import token_revoke as revoke
from leadflow.programs.models import Program


class Command(BaseCommand):
    help = "Create, list and revoke personal API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print it (only once)")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="To recognise the token by")
        create.add_argument(
            "--program",
            action="append",
            default=[],
            metavar="SLUG",
            help="Limit the token to this program (repeat for several)",
        )
        listing = actions.add_parser("list", help="List a user's tokens (prefixes only)")
        listing.add_argument("username")
        revoking = actions.add_parser("revoke", help="Revoke the token with this prefix")
        revoking.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["username"], options["name"], options["program"])
        elif action == "list":
            self._list(options["username"])
        else:
            self._revoke(options["prefix"])

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {username!r}") from exc

    def _create(self, username: str, name: str, slugs: list[str]) -> None:
        user = self._user(username)
        programs = list(Program.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {program.slug for program in programs})
        if unknown:
            raise CommandError(f"no program {', '.join(unknown)}")
        try:
            _, raw = token_create(user=user, name=name, programs=programs, now=timezone.now())
        except TokenError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)

    def _list(self, username: str) -> None:
        for token in token_list(user=self._user(username)):
            programs = ",".join(program.slug for program in token.programs.all()) or "*"
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            self.stdout.write(
                f"{token.prefix}\t{token.name}\t{programs}\t{token.created_at:%Y-%m-%d}\t{state}"
            )

    def _revoke(self, prefix: str) -> None:
        try:
            token = token_get_by_prefix(prefix=prefix)
        except ApiToken.DoesNotExist as exc:
            raise CommandError(f"no token with prefix {prefix!r}") from exc
        except ApiToken.MultipleObjectsReturned as exc:
            raise CommandError(f"several tokens start with {prefix!r}; revoke on the page") from exc
        revoke(token=token, user=token.user, now=timezone.now())
        self.stdout.write(f"revoked {token.prefix} ({token.name}) of {token.user.get_username()}")
