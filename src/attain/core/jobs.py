"""Background jobs on django-tasks: enqueue with a progress row, report progress, read jobs back.

A job is a django-tasks task enqueued through ``job_enqueue``, which records who asked for it and a label in
a ``JobProgress`` row created in the same transaction as the queued task. The task reports progress with
``job_report_progress(task_id=job_task_id(context), …)``; status and times are mirrored onto the row by
django-tasks signals (so even backends that store no results, such as the immediate backend used by tests,
show what happened), and for the database backend the selectors read the stored result as the truth.
"""

from __future__ import annotations

import datetime as dt
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskContext, TaskResult, task
from django_tasks.base import Task
from django_tasks.signals import task_enqueued, task_finished, task_started

from attain.accounts.choices import Capability
from attain.accounts.selectors import user_can
from attain.core.choices import JobStatus
from attain.core.errors import NotFoundError
from attain.core.models import JobProgress

_MAX_MESSAGE = JobProgress._meta.get_field("message").max_length or 500
_MAX_LABEL = JobProgress._meta.get_field("label").max_length or 200


@dataclass(frozen=True)
class _PendingJob:
    requested_by_id: int | None
    label: str


# Set by job_enqueue while the backend enqueues, so the task_enqueued receiver can create the progress row
# before the task can run (the immediate backend runs it inside enqueue(), before the id is returned).
_pending_job: ContextVar[_PendingJob | None] = ContextVar("attain_pending_job", default=None)


class Operator:
    """The person at the server's command line: trusted like ``manage.py`` itself, sees every job."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    role = "admin"

    def get_username(self) -> str:
        return "operator"

    def __str__(self) -> str:
        return "operator"


OPERATOR = Operator()


# --- writes ---------------------------------------------------------------------------------------------


def job_enqueue(*, task: Task[Any, Any], actor: Any, label: str, **kwargs: Any) -> str:
    """Queue ``task`` with keyword ``kwargs`` on behalf of ``actor``; returns the task result id.

    The ``JobProgress`` row is written in the same transaction as the queued task, before any worker can
    pick it up, so progress reports always find it.
    """
    requested_by_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    pending = _PendingJob(requested_by_id=requested_by_id, label=str(label)[:_MAX_LABEL])
    with transaction.atomic():
        token = _pending_job.set(pending)
        try:
            result = task.enqueue(**kwargs)
        finally:
            _pending_job.reset(token)
        # Backends that send no task_enqueued signal still get their row; then mirror what enqueue returned.
        JobProgress.objects.get_or_create(
            task_id=result.id, defaults={"label": pending.label, "requested_by_id": pending.requested_by_id}
        )
        _mirror_result(result)
    return str(result.id)


def job_report_progress(*, task_id: str, done: int, total: int | None = None, message: str = "") -> None:
    """Record that the job has done ``done`` of ``total`` steps (total unchanged when None); one UPDATE."""
    changes: dict[str, Any] = {"done": max(0, int(done)), "message": str(message)[:_MAX_MESSAGE]}
    if total is not None:
        changes["total"] = max(0, int(total))
    changes["updated_at"] = timezone.now()
    if not JobProgress.objects.filter(task_id=task_id).update(**changes):
        # A task enqueued without job_enqueue: keep its progress anyway.
        JobProgress.objects.update_or_create(task_id=task_id, defaults=changes)


def job_task_id(context: TaskContext) -> str:
    """The result id of the running task, for tasks declared with ``@task(takes_context=True)``."""
    return str(context.task_result.id)


def _error_text(result: TaskResult[Any]) -> str:
    if not result.errors:
        return ""
    error = result.errors[-1]
    lines = [line for line in error.traceback.strip().splitlines() if line.strip()]
    return lines[-1] if lines else error.exception_class_path


def _mirror_result(result: TaskResult[Any]) -> None:
    changes: dict[str, Any] = {"status": str(result.status), "updated_at": timezone.now()}
    for name in ("enqueued_at", "started_at", "finished_at"):
        value = getattr(result, name)
        if value is not None:
            changes[name] = value
    if result.status == JobStatus.FAILED:
        changes["error"] = _error_text(result)
    JobProgress.objects.filter(task_id=str(result.id)).update(**changes)


@receiver(task_enqueued, dispatch_uid="attain.core.jobs.enqueued")
def _on_task_enqueued(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    pending = _pending_job.get()
    if pending is None:
        return
    JobProgress.objects.update_or_create(
        task_id=str(task_result.id),
        defaults={
            "label": pending.label,
            "requested_by_id": pending.requested_by_id,
            "status": JobStatus.READY,
            "enqueued_at": task_result.enqueued_at or timezone.now(),
        },
    )


@receiver(task_started, dispatch_uid="attain.core.jobs.started")
def _on_task_started(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    JobProgress.objects.filter(task_id=str(task_result.id)).update(
        status=JobStatus.RUNNING, started_at=task_result.started_at or timezone.now(), updated_at=timezone.now()
    )


@receiver(task_finished, dispatch_uid="attain.core.jobs.finished")
def _on_task_finished(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    _mirror_result(task_result)


# --- reads ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobView:
    """One job as the UI and CLI show it: the queued task's state joined with its reported progress."""

    task_id: str
    label: str
    requested_by_id: int | None
    requested_by: str
    status: str
    enqueued_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    done: int
    total: int | None
    message: str
    error: str

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCESSFUL, JobStatus.FAILED)

    @property
    def status_label(self) -> str:
        return str(JobStatus(self.status).label) if self.status in JobStatus.values else self.status

    @property
    def percent(self) -> int | None:
        """Whole percent done, or None when the total is unknown."""
        if not self.total:
            return 100 if self.status == JobStatus.SUCCESSFUL else None
        return min(100, self.done * 100 // self.total)

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("enqueued_at", "started_at", "finished_at"):
            data[name] = data[name].isoformat() if data[name] else None
        data["percent"] = self.percent
        return data


def _visible_jobs(actor: Any) -> Any:
    if user_can(actor, Capability.JOBS_VIEW_ALL):
        return JobProgress.objects.all()
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return JobProgress.objects.none()
    return JobProgress.objects.filter(requested_by_id=actor.pk)


def _stored_results(task_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Results the database backend stored for these ids, in one query (ids of other backends are skipped)."""
    uuids = []
    for task_id in task_ids:
        try:
            uuids.append(uuid.UUID(task_id))
        except ValueError:
            continue
    if not uuids:
        return {}
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(id__in=uuids).values(
        "id", "status", "enqueued_at", "started_at", "finished_at", "exception_class_path", "traceback"
    )
    return {str(row["id"]): dict(row) for row in rows}


def _job_views(progress_rows: list[JobProgress]) -> list[JobView]:
    stored = _stored_results([row.task_id for row in progress_rows])
    views = []
    for row in progress_rows:
        result = stored.get(str(_as_uuid(row.task_id)))
        status, enqueued_at, started_at, finished_at, error = (
            row.status,
            row.enqueued_at,
            row.started_at,
            row.finished_at,
            row.error,
        )
        if result is not None:
            status = result["status"]
            enqueued_at = result["enqueued_at"] or enqueued_at
            started_at = result["started_at"] or started_at
            finished_at = result["finished_at"] or finished_at
            if status == JobStatus.FAILED:
                lines = [line for line in (result["traceback"] or "").strip().splitlines() if line.strip()]
                error = lines[-1] if lines else result["exception_class_path"]
        requester = row.requested_by
        views.append(
            JobView(
                task_id=row.task_id,
                label=row.label,
                requested_by_id=row.requested_by_id,
                requested_by=requester.get_username() if requester is not None else "",
                status=status,
                enqueued_at=enqueued_at,
                started_at=started_at,
                finished_at=finished_at,
                done=row.done,
                total=row.total,
                message=row.message,
                error=error,
            )
        )
    return views


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def job_list(*, actor: Any, limit: int = 50) -> list[JobView]:
    """The newest jobs ``actor`` requested (every job with ``jobs.view_all``), in two queries."""
    rows = list(_visible_jobs(actor).select_related("requested_by").order_by("-enqueued_at", "-id")[:limit])
    return _job_views(rows)


def job_get(*, actor: Any, task_id: str) -> JobView:
    """One job by task id, if ``actor`` may see it; otherwise ``NotFoundError`` (never tell the two apart)."""
    row = _visible_jobs(actor).select_related("requested_by").filter(task_id=task_id).first()
    if row is None:
        raise NotFoundError("No such job.", field="task_id")
    return _job_views([row])[0]


# --- an example task ------------------------------------------------------------------------------------


@task(takes_context=True)
def demo_ping(context: TaskContext, steps: int = 3, fail: bool = False) -> dict[str, int]:
    """A harmless job that counts ``steps`` steps, reporting progress after each; ``fail`` makes it raise."""
    task_id = job_task_id(context)
    job_report_progress(task_id=task_id, done=0, total=steps, message="starting")
    for step in range(1, steps + 1):
        job_report_progress(task_id=task_id, done=step, total=steps, message=f"step {step} of {steps}")
    if fail:
        raise RuntimeError("demo_ping was asked to fail")
    return {"steps": steps}
