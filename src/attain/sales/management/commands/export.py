"""``attain export KIND FILE [--filter key=value …]``: export a fact list to .xlsx or .csv (system actor)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attain.core.errors import ApplicationError
from attain.sales.io.exporting import facts_export
from attain.sales.io.fields import IMPORT_KINDS


class Command(BaseCommand):
    help = "Export sales facts of one kind to FILE (.xlsx or .csv), in the layout `attain import` reads."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=list(IMPORT_KINDS))
        parser.add_argument("file")
        parser.add_argument(
            "--filter", action="append", default=[], help="A list filter, e.g. booked_after=2026-01-01."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        format_ = "csv" if path.suffix.lower() == ".csv" else "xlsx"
        filters: dict[str, str] = {}
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(_("Filters are key=value, not %(item)r.") % {"item": item})
            filters[key] = value
        try:
            data = facts_export(actor=None, kind=options["kind"], format=format_, filters=filters)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        path.write_bytes(data)
        self.stdout.write(_("Wrote %(path)s (%(bytes)d bytes).") % {"path": path, "bytes": len(data)})
