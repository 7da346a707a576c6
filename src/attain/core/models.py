"""Shared-kernel tables: the audit log, job progress and working-day calendars."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attain.core.choices import JobStatus


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Append-only: bulk update and delete are refused, so history cannot be rewritten through the ORM."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """Who did what to which object, when, in which request, with the values before and after."""

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # The id is kept even after the user is deleted (no constraint, no SET NULL): audit rows never change.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("actor name"), max_length=200, blank=True, default="")
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True, default="")
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    request_id = models.CharField(_("request id"), max_length=64, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "occurred_at"], name="core_audit_object")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


class JobProgress(models.Model):
    """Progress of one background job (a django-tasks result), reported by the job as it runs.

    Status and times mirror the task result (kept current by django-tasks signals) so that backends which
    store no results, such as the immediate backend, still show what happened.
    """

    task_id = models.CharField(_("task id"), max_length=64, unique=True)
    label = models.CharField(_("name"), max_length=200, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True, default="")
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.READY)
    enqueued_at = models.DateTimeField(_("enqueued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("job progress")
        verbose_name_plural = _("job progress")
        ordering = ["-enqueued_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "enqueued_at"], name="core_job_requester")]

    def __str__(self) -> str:
        return f"{self.label or self.task_id}: {self.done}/{self.total or '?'}"


class WorkCalendar(models.Model):
    """A working-day calendar: a weekly pattern plus dated exceptions (holidays and make-up working days)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # ISO weekdays (1 = Monday … 7 = Sunday) that are normally worked, e.g. "12345".
    working_weekdays = models.CharField(_("working weekdays"), max_length=7, default="12345")
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A dated exception to a calendar's weekly pattern: a holiday off, or a make-up working day (调休)."""

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("description"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("calendar exception day")
        verbose_name_plural = _("calendar exception days")
        ordering = ["calendar_id", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="core_calendarday_unique")]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"
