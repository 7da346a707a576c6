"""The background job that commits a big import: the wizard stores the upload, enqueues this task through
``attain.core.jobs.job_enqueue`` and polls its progress; the task reads the stored file, imports it (all or
nothing, progress reported as it goes), records the batch with the task id, and deletes the upload."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django_tasks import TaskContext, task

from attain.core.jobs import job_report_progress, job_task_id
from attain.sales.io.importing import facts_import


@task(takes_context=True)
def import_commit_job(
    context: TaskContext,
    *,
    user_id: int | None,
    kind: str,
    path: str,
    filename: str,
    mapping: dict[str, str],
    profile: str = "",
    source: str | None = None,
    encoding: str | None = None,
) -> dict[str, Any]:
    """Import the stored upload at ``path`` on behalf of user ``user_id``; returns the summary and batch id."""
    from attain.accounts.selectors import user_active_get

    task_id = job_task_id(context)
    # No user means a system import (CLI); a named user who is gone or inactive stops the job.
    actor = user_active_get(pk=user_id) if user_id is not None else None

    def progress(done: int, total: int, message: str) -> None:
        job_report_progress(task_id=task_id, done=done, total=total, message=message)

    try:
        with default_storage.open(path, "rb") as handle:
            data = handle.read()
        result = facts_import(
            actor=actor,
            kind=kind,
            data=data,
            filename=filename,
            mapping=mapping,
            mapping_profile=profile,
            source=source,
            encoding=encoding,
            progress=progress,
            auto_map=False,
            task_id=task_id,
        )
    finally:
        default_storage.delete(path)
    summary = result.summary()
    summary["errors"] = summary["errors"][:100]  # the batch keeps them all; the task result stays small
    return {**summary, "batch_id": result.batch_id, "error_count": len(result.errors)}
