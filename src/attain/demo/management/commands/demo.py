"""``attain demo``: load the demo company (星辰科技有限公司) into the configured database, once."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from attain.core.errors import ApplicationError
from attain.demo.company import DEFAULT_SEED, DEFAULT_SIZE, SIZES
from attain.demo.services import DemoSummary, demo_load


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up with Chinese (double-width) characters too."""
    widths = [max(_display_width(row[index]) for row in [header, *rows]) for index in range(len(header))]
    lines = [
        "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Load a believable demo company into the database (migrating it first if needed). Running it again does "
        "nothing; --reset removes the previous demo data (only what the demo created) and loads it anew."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default=DEFAULT_SIZE, help="company size (default medium)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed: same seed, same company")
        parser.add_argument("--reset", action="store_true", help="remove the previous demo data and load it again")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["format"] == "json"
        self._migrate_if_needed(quiet=as_json)
        try:
            summary = demo_load(size=options["size"], seed=options["seed"], reset=options["reset"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if as_json:
            payload = summary.as_dict()
            payload["message"] = self._headline(summary)
            payload["password_note"] = _("Demo only: never use this password for real data.")
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self._write_text(summary)

    def _migrate_if_needed(self, *, quiet: bool) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            if not quiet:
                self.stdout.write(_("Applying database migrations first…"))
            call_command("migrate", interactive=False, verbosity=0)

    def _headline(self, summary: DemoSummary) -> str:
        if not summary.created:
            return _(
                "The demo company is already loaded (size %(size)s, seed %(seed)s); nothing to do. "
                "Use --reset to load it again."
            ) % {"size": summary.size, "seed": summary.seed}
        return _("Loaded the demo company (size %(size)s, seed %(seed)s) in %(seconds).1f s.") % {
            "size": summary.size,
            "seed": summary.seed,
            "seconds": summary.seconds,
        }

    def _write_text(self, summary: DemoSummary) -> None:
        style = self.style.SUCCESS if summary.created else self.style.WARNING
        self.stdout.write(style(self._headline(summary)))
        if summary.removed:
            self.stdout.write(_("Removed %(count)d rows of the previous demo.") % {"count": summary.removed})
        counts = summary.counts
        self.stdout.write(
            _(
                "%(regions)d regions, %(teams)d teams, %(people)d people (%(reps)d reps, %(managers)d managers), "
                "%(transfers)d transfers, %(leavers)d leavers, %(new_hires)d new hires, %(users)d logins."
            )
            % {
                key: counts.get(key, 0)
                for key in (
                    "regions",
                    "teams",
                    "people",
                    "reps",
                    "managers",
                    "transfers",
                    "leavers",
                    "new_hires",
                    "users",
                )
            }
        )
        self.stdout.write("")
        header = [_("Role"), _("Username"), _("Name"), _("Org unit"), _("Note")]
        rows = [[login.kind_label, login.username, login.name, login.unit, login.note] for login in summary.logins]
        self.stdout.write(format_table(header, rows))
        self.stdout.write("")
        self.stdout.write(
            _("Password for every demo login: %(password)s (demo only: never use it for real data).")
            % {"password": summary.password}
        )
