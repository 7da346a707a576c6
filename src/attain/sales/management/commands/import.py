"""``attain import KIND FILE``: import sales facts from a CSV or XLSX file, all or nothing (system actor).

Exits 0 on success and 2 on validation errors, with nothing written. ``--format json`` prints
``{"created", "updated", "unchanged", "errors": [{"row", "column", "value", "message"}]}``.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attain.core.errors import ApplicationError
from attain.sales.io.fields import IMPORT_KINDS
from attain.sales.io.importing import facts_import
from attain.sales.io.profiles import mapping_resolve


class Command(BaseCommand):
    help = "Import sales facts (orders, collections, customers …) from a .csv or .xlsx file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=list(IMPORT_KINDS))
        parser.add_argument("file")
        parser.add_argument("--mapping", default=None, help="A mapping profile name or a JSON file {field: header}.")
        parser.add_argument("--encoding", default=None, help="CSV encoding (default: detect UTF-8 / GB18030).")
        parser.add_argument("--source", default=None, help="Source system of the external ids (default: attain).")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            profile = mapping_resolve(kind=options["kind"], name_or_path=options["mapping"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        data = path.read_bytes()
        progress = _Progress(self.stderr) if len(data) > 5_000_000 and options["format"] != "json" else None
        result = facts_import(
            actor=None,
            kind=options["kind"],
            data=data,
            filename=path.name,
            mapping=profile.mapping,
            mapping_profile=profile.name,
            source=options["source"] or profile.source,
            encoding=options["encoding"],
            dry_run=options["dry_run"],
            progress=progress,
        )
        summary = result.summary()
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
        else:
            prefix = "dry run, nothing written: " if result.is_dry_run else ""
            self.stdout.write(
                f"{prefix}created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
                f"errors {len(result.errors)}"
            )
            for error in summary["errors"]:
                self.stderr.write(
                    f"row {error['row'] or '-':>6}  {error['column'] or ''!s:<20} "
                    f"{str(error['value'] or '')[:24]:<24} {error['message']}"
                )
        if result.errors:
            raise SystemExit(2)


class _Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __call__(self, done: int, total: int, message: str) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message:<12}")
        if total and done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
