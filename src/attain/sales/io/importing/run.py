"""The import entry points: permission check, the run of all stages and the recorded batch."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.core.errors import ErrorDetail, PermissionDeniedError
from attain.core.scope import DataScope, scope_for
from attain.sales.choices import DEFAULT_SOURCE, FactKind, ImportStatus
from attain.sales.io import fields as F
from attain.sales.io import sql
from attain.sales.io.importing._common import ImportResult, Progress, _WriteRejected
from attain.sales.io.importing.writing import _Writing
from attain.sales.io.reading import FileReadError, read_table
from attain.sales.models import ImportBatch

if TYPE_CHECKING:
    from attain.accounts.models import User

_MAX_STORED_ERRORS = 10_000


def _scope(actor: User | None) -> DataScope:
    # actor=None is the system (CLI, jobs): the whole organisation.
    return DataScope.everything() if actor is None else scope_for(actor)


def facts_import(
    *,
    actor: User | None,
    kind: str,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    mapping_profile: str = "",
    source: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    auto_map: bool = True,
    task_id: str = "",
) -> ImportResult:
    """Import one file of ``kind`` facts; all or nothing. Returns the counts and every error found.

    ``mapping`` is field key → header text in the file; with ``auto_map`` (the default) fields it leaves out
    are auto-mapped from the headers, without it the mapping is taken as complete (the wizard's map step).
    A dry run writes inside a transaction that is then rolled back, so its counts are exact. ``task_id`` is
    the background job that runs the import, recorded on the batch.
    """
    if kind not in F.SPECS:
        raise PermissionDeniedError(_("Unknown import kind."), field="kind")
    scope = _scope(actor)
    if not import_allowed(actor, kind):
        raise PermissionDeniedError(_("You may not import sales facts."), field="kind")
    result = ImportResult(kind=kind, is_dry_run=dry_run)
    source = (source or DEFAULT_SOURCE)[:32]
    sha256 = hashlib.sha256(data).hexdigest()
    report = progress or (lambda done, total, message: None)
    try:
        table = read_table(data=data, filename=filename, encoding=encoding)
    except FileReadError as exc:
        result.errors.append(exc.detail)
        _record(actor, result, filename, sha256, mapping_profile, source)
        return result
    result.row_count = table.row_count
    report(0, table.row_count, _("Checking"))
    importer = _Importer(
        kind=kind, table=table, mapping=mapping or {}, source=source, scope=scope, result=result, auto_map=auto_map
    )
    importer.check()
    if result.errors:
        _record(actor, result, filename, sha256, mapping_profile, source, task_id)
        return result
    report(table.row_count // 2, table.row_count, _("Writing"))
    try:
        with sql.import_tuning(), transaction.atomic():
            batch = ImportBatch.objects.create(
                kind=kind,
                source=source,
                filename=filename[:255],
                file_sha256=sha256,
                actor=actor,
                status=ImportStatus.RUNNING,
                mapping_profile=mapping_profile[:100],
                row_count=table.row_count,
                task_id=task_id[:64],
            )
            importer.write(batch_id=batch.pk, actor=actor)
            if dry_run:
                raise _DryRunDone
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.COMMITTED,
                finished_at=timezone.now(),
                created_count=result.created,
                updated_count=result.updated,
                unchanged_count=result.unchanged,
            )
            result.batch_id = batch.pk
    except (_WriteRejected, _DryRunDone):
        _record(actor, result, filename, sha256, mapping_profile, source, task_id)
        return result
    except sql.ReferenceGone as exc:  # deleted by someone else after the checks: nothing was written
        message = _("Some rows refer to a %(field)s that was deleted while the file was imported; import it again.")
        result.errors.append(
            ErrorDetail(message=message % {"field": exc.label}, field=exc.field, code="reference_gone")
        )
        _record(actor, result, filename, sha256, mapping_profile, source, task_id)
        return result
    except IntegrityError:  # the same: a deferred foreign-key check or a key stored meanwhile, found at commit
        message = _("The stored data changed while the file was imported; nothing was written. Import it again.")
        result.errors.append(ErrorDetail(message=message, code="changed_meanwhile"))
        _record(actor, result, filename, sha256, mapping_profile, source, task_id)
        return result
    report(table.row_count, table.row_count, _("Done"))
    return result


def import_allowed(actor: User | None, kind: str) -> bool:
    """Whether ``actor`` may import facts of ``kind`` at all (each row is then checked against the scope).

    The system (``None``) always may; administrators may import every kind; customers and products (reference
    data) need a reference-data role; facts need a scope of whole units (managers and above): reps record
    their own facts through the entry forms and the API instead.
    """
    if kind not in F.SPECS:
        return False
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return False
    from attain.sales.services import REFERENCE_ROLES

    role = getattr(actor, "role", None)
    if getattr(actor, "is_superuser", False) or role == "admin":
        return True
    if kind in (FactKind.CUSTOMER, FactKind.PRODUCT):
        return role in REFERENCE_ROLES
    scope = scope_for(actor)
    return scope.is_all or bool(scope.unit_ids)


class _DryRunDone(Exception):
    """Raised after a dry run's writes so that the transaction rolls them back."""


def _record(
    actor: User | None,
    result: ImportResult,
    filename: str,
    sha256: str,
    profile: str,
    source: str,
    task_id: str = "",
) -> None:
    """Record a dry run or a failed import in its own transaction (after any rollback), with its errors."""
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            task_id=task_id[:64],
            kind=result.kind,
            source=source,
            filename=filename[:255],
            file_sha256=sha256,
            actor=actor,
            status=ImportStatus.FAILED if result.errors else ImportStatus.PREVIEWED,
            is_dry_run=result.is_dry_run,
            mapping_profile=profile[:100],
            row_count=result.row_count,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            error_count=len(result.errors),
            errors=[detail.as_dict() for detail in result.errors[:_MAX_STORED_ERRORS]],
            finished_at=timezone.now(),
        )
    result.batch_id = batch.pk


class _Importer(_Writing):
    """One file's import: ``check()`` (parse, resolve, validate), then ``write()``."""
