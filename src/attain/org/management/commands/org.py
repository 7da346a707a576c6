"""``attain org import|export|tree``: thin wrappers over the org services (system actor)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attain.core.errors import ApplicationError, ImportFileError
from attain.org import selectors, services


class Command(BaseCommand):
    help = "Import, export or print the organisation (units, people, memberships)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        importer = sub.add_parser("import", help="Import an .xlsx, .csv or .zip of CSVs (all or nothing).")
        importer.add_argument("file")
        importer.add_argument("--encoding", default=None, help="CSV text encoding (default: detect UTF-8/GB18030).")
        importer.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        importer.add_argument("--format", choices=["table", "json"], default="table")
        exporter = sub.add_parser("export", help="Export to FILE (.xlsx, or .zip of CSVs).")
        exporter.add_argument("file")
        exporter.add_argument("--format", choices=["table", "json"], default="table")
        tree = sub.add_parser("tree", help="Print the org tree.")
        tree.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(options)
        elif action == "export":
            self._export(options)
        else:
            self._tree(options)

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        as_json = options["format"] == "json"
        try:
            result = services.org_import(
                actor=None,
                data=path.read_bytes(),
                filename=path.name,
                encoding=options["encoding"],
                dry_run=options["dry_run"],
            )
        except ImportFileError as exc:
            errors = [
                {"row": d.row, "column": d.column, "value": d.value, "message": d.message, "sheet": d.field}
                for d in sorted(exc.details, key=lambda d: (d.field or "", d.row or 0, d.column or ""))
            ]
            if as_json:
                nothing = dict.fromkeys(("units", "people", "memberships"), 0)  # all-or-nothing: none written
                payload = {"created": nothing, "updated": nothing, "unchanged": nothing, "errors": errors}
                self.stdout.write(json.dumps(payload, ensure_ascii=False, default=str, indent=2))
            else:
                self.stderr.write(exc.message)
                self.stderr.write(f"{_('sheet'):<14} {_('row'):>5}  {_('column'):<14} {_('value'):<20} {_('message')}")
                for error in errors:
                    self.stderr.write(
                        f"{error['sheet'] or '':<14} {error['row'] or '':>5}  {error['column'] or '':<14} "
                        f"{str(error['value'] or '')[:20]:<20} {error['message']}"
                    )
            raise SystemExit(2) from exc
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            return
        prefix = _("dry run, nothing written: ") if result.dry_run else ""
        self.stdout.write(f"{prefix}{_('kind'):<12} {_('created'):>8} {_('updated'):>8} {_('unchanged'):>10}")
        for kind in result.created:
            self.stdout.write(
                f"{kind:<12} {result.created[kind]:>8} {result.updated[kind]:>8} {result.unchanged[kind]:>10}"
            )

    def _export(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".zip", ".csv"):
            raise CommandError("the file name must end in .xlsx or .zip (CSV files)")
        try:
            data = services.org_export(actor=None, format="xlsx" if suffix == ".xlsx" else "csv")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        path.write_bytes(data)
        if options["format"] == "json":
            self.stdout.write(json.dumps({"file": str(path), "bytes": len(data)}))
        else:
            self.stdout.write(_("Wrote %(path)s (%(bytes)d bytes).") % {"path": path, "bytes": len(data)})

    def _tree(self, options: dict[str, Any]) -> None:
        # The CLI is a system actor: the whole organisation.
        units = list(selectors.unit_reference().order_by("path"))
        if options["format"] == "json":
            nodes: dict[int, dict[str, Any]] = {}
            roots: list[dict[str, Any]] = []
            for unit in units:
                node = {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind, "children": []}
                nodes[unit.pk] = node
                parent = nodes.get(unit.parent_id) if unit.parent_id else None
                (parent["children"] if parent else roots).append(node)
            self.stdout.write(json.dumps(roots, ensure_ascii=False, indent=2))
            return
        for unit in units:
            self.stdout.write(f"{'  ' * unit.depth}{unit.name} [{unit.code}] ({unit.kind})")
