"""``attain serve``: run Attain with waitress (a production-grade pure-Python WSGI server).

Static files (the vendored front-end libraries, the admin's assets) are served by WhiteNoise, which is in
the middleware already, so no separate web server or ``collectstatic`` is needed to try Attain.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def _url_host(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.is_unspecified:
        return "127.0.0.1"
    return f"[{host}]" if address.version == 6 else host


class Command(BaseCommand):
    help = (
        "Serve Attain over HTTP with waitress, on 127.0.0.1:8000 by default. Refuses to start while the database "
        "has unapplied migrations, unless --migrate applies them first."
    )
    requires_system_checks = []  # run explicitly in handle(), after the arguments are known

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
        parser.add_argument("--migrate", action="store_true", help="apply database migrations before serving")

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        threads: int = options["threads"]
        if not 0 < port < 65536:
            raise CommandError(_("--port must be between 1 and 65535."))
        if threads < 1:
            raise CommandError(_("--threads must be at least 1."))
        self.check(display_num_errors=False)
        self._ensure_migrated(apply=options["migrate"])

        # WhiteNoise serves STATIC_ROOT (collectstatic output) and the finders; an absent root only warns.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        from waitress import create_server

        from attain.wsgi import application

        try:
            server = create_server(application, host=host, port=port, threads=threads, ident="Attain")
        except OSError as exc:
            message = _("Cannot listen on %(host)s:%(port)s: %(reason)s") % {"host": host, "port": port, "reason": exc}
            raise CommandError(message) from exc
        url = f"http://{_url_host(host)}:{port}/"
        self.stdout.write(self.style.SUCCESS(_("Attain is running at %(url)s (press Ctrl+C to stop).") % {"url": url}))
        allowed = settings.ALLOWED_HOSTS
        if "*" not in allowed and _url_host(host).strip("[]") not in allowed:
            self.stdout.write(
                self.style.WARNING(
                    _("%(host)s is not in ALLOWED_HOSTS (%(allowed)s); set ALLOWED_HOSTS to the name users will type.")
                    % {"host": host, "allowed": ", ".join(allowed) or "-"}
                )
            )
        self.stdout.flush()
        try:
            server.run()
        except KeyboardInterrupt:
            self.stdout.write(_("Stopped."))
        finally:
            server.close()

    def _ensure_migrated(self, *, apply: bool) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not pending:
            return
        if apply:
            self.stdout.write(_("Applying %(count)d database migrations…") % {"count": len(pending)})
            call_command("migrate", interactive=False, verbosity=0)
            return
        raise CommandError(
            _(
                "The database has %(count)d unapplied migrations. Run “attain migrate” first, "
                "or start with “attain serve --migrate”."
            )
            % {"count": len(pending)}
        )
