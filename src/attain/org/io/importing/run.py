"""The import entry point: permission check, every stage in order, all or nothing, and the audit record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from attain.accounts.selectors import user_can
from attain.core.audit import audit_record
from attain.core.errors import ErrorDetail, ImportFileError, PermissionDeniedError
from attain.org.io.importing._common import OrgImportResult
from attain.org.io.importing.writing import _Writing
from attain.org.io.reading import read_tables

if TYPE_CHECKING:
    from attain.accounts.models import User


class _Importer(_Writing):
    """One file's import: ``check_*`` (parse), ``classify_*`` (compare, scope, overlaps), then ``write()``."""


@transaction.atomic
def org_import(
    *, actor: User | None, data: bytes, filename: str, encoding: str | None = None, dry_run: bool = False
) -> OrgImportResult:
    """Import an XLSX workbook (sheets Units / People / Memberships, or 组织单元 / 人员 / 任职) or one CSV.

    Every problem is collected with its row, column and value; if there is any, ``ImportFileError`` is raised
    and nothing is written. ``dry_run`` validates and counts without writing.
    """
    if actor is not None and not user_can(actor, "org.change"):
        raise PermissionDeniedError(_("You may not change the organisation."))
    errors: list[ErrorDetail] = []
    tables = read_tables(data=data, filename=filename, encoding=encoding, errors=errors)
    importer = _Importer(actor=actor, tables=tables, errors=errors)
    if not errors:
        importer.check_units()
        importer.check_people()
        importer.check_memberships()
        importer.classify_units()
        importer.classify_people()
        importer.classify_memberships()
    result = importer.result
    result.dry_run = dry_run
    result.errors = errors
    if errors:
        count = len(errors)
        message = _("The file has %(count)d problem(s); nothing was imported.") % {"count": count}
        raise ImportFileError(message, details=errors)
    if not dry_run and result.changes:
        importer.write()
        audit_record(
            actor=actor,
            action="org.import",
            object_type="org.import",
            object_id=filename[:64] or "-",
            after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    return result
