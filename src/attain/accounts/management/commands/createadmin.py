"""``attain createadmin``: create an administrator, or make an existing user one (idempotent)."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from attain.accounts import services
from attain.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Create an administrator (role admin, staff, superuser) or promote an existing user; running it again "
        "changes nothing. The password comes from --password, --password-stdin, or a prompt on a terminal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--password", help="the password (visible in the process list; prefer --password-stdin)")
        secret.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        parser.add_argument("--email", default=None)
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        if not username:
            raise CommandError(_("--username must not be empty."))
        password: str | None = options["password"]
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError(_("No password on standard input."))
        elif password is None and options.get("interactive", True) and sys.stdin.isatty():
            password = self._prompt_password()
        try:
            user, created = services.user_admin_ensure(
                actor=None, username=username, password=password, email=options["email"]
            )
        except ApplicationError as exc:
            field = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"{exc.message}{field}") from exc
        if options["format"] == "json":
            payload = {"username": user.username, "id": user.pk, "created": created, "role": user.role}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        template = _("Created administrator %(username)s.") if created else _("%(username)s is an administrator.")
        self.stdout.write(self.style.SUCCESS(template % {"username": user.username}))

    def _prompt_password(self) -> str | None:
        first = getpass.getpass(_("Password (empty to keep the current one): "))
        if not first:
            return None
        if getpass.getpass(_("Password (again): ")) != first:
            raise CommandError(_("The passwords do not match."))
        return first
